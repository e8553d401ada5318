from django.utils import translation
from django.utils.functional import SimpleLazyObject

from portal.selectors import merchant_for_user
from portal.text import typeset_html


class CurrentMerchantMiddleware:
    """Sets ``request.merchant``: the merchant of the logged-in user, or None."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.merchant = SimpleLazyObject(lambda: merchant_for_user(user=request.user))
        return self.get_response(request)


class FrenchTypographyMiddleware:
    """French pages get French typography wherever their text was built from parts.

    Translations are written correctly, but a sentence that takes a name ("Stock compté de
    %(name)s") or markup that joins a label and a value ("Couleur: Sable") cannot know what
    comes next. Rather than remember a helper at each of those places, every French HTML
    response (pages and HTMX fragments alike) goes through ``portal.text.typeset_html``,
    which changes text nodes only (never markup, scripts or the merchant's textarea content).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            (translation.get_language() or "").startswith("fr")
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and response.status_code not in (204, 304)
        ):
            charset = response.charset or "utf-8"
            response.content = typeset_html(response.content.decode(charset)).encode(charset)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
