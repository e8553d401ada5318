from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import render
from django_htmx.http import push_url

from integrations.errors import ConnectRefused


def render_page(request, template: str, context: dict, *, partial: str, push: bool = True):
    """One view per URL: the whole page, or its partial for an htmx request."""
    fragment = request.htmx and not request.htmx.history_restore_request
    response = render(request, f"{template}#{partial}" if fragment else template, context)
    if fragment and push and not request.GET.get("poll"):
        push_url(response, request.get_full_path())
    return response


def refusal_page(request, error: ConnectRefused, *, framed: bool = False):
    response = render(
        request, "integrations/refused.html", {"message": error.message, "framed": framed}, status=error.status
    )
    if framed:
        allow_control_panel_frame(response)
    return response


def control_panel_origins() -> list[str]:

    origins = ["https://*.bigcommerce.com", "https://*.mybigcommerce.com"]
    for url in (settings.BIGCOMMERCE_LOGIN_URL, settings.BIGCOMMERCE_API_URL):
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return list(dict.fromkeys(origins))


def allow_control_panel_frame(response):
    """Pages BigCommerce shows inside its control panel: framable by it, and by nobody else."""
    response.xframe_options_exempt = True
    response["Content-Security-Policy"] = "frame-ancestors 'self' " + " ".join(control_panel_origins())
    return response
