import logging
import re
import time
import uuid

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty

from portal.api_errors import invalid_characters, is_api_request
from portal.logs import log_context_bind, log_context_scope
from portal.metrics import http_request_seconds, http_requests
from portal.selectors import merchant_for_user
from portal.text import typeset_html

NUL = "\x00"
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
request_logger = logging.getLogger("comptoir.request")


class RequestLogMiddleware:
    """One log line per request (method, path, view, status, duration, request id, merchant) and
    the request counters. The request id is the caller's ``X-Request-ID`` when it looks like one
    (a load balancer's or a proxy's), else a new one; the response carries it back. First in
    ``MIDDLEWARE``: every log line written while the request runs carries its id.

    The path is logged without its query string (where a token could be); the view is the URL's
    name, never the path itself (ids in paths would make a label per object)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get("X-Request-ID", "")
        request_id = sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        request.request_id = request_id
        with log_context_scope(request_id=request_id):
            started = time.perf_counter()
            response = self.get_response(request)
            duration = time.perf_counter() - started
            view = _view_name(request)
            merchant_id = _merchant_id(request)
            log_context_bind(merchant_id=merchant_id)
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "fields": {
                        "method": request.method,
                        "path": request.path,
                        "view": view,
                        "status": response.status_code,
                        "duration_ms": round(duration * 1000, 1),
                    }
                },
            )
        http_requests.labels(view=view, method=request.method, status=str(response.status_code)).inc()
        http_request_seconds.labels(view=view).observe(duration)
        response["X-Request-ID"] = request_id
        return response


def _view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match._func_path
    if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unresolved"


def _merchant_id(request) -> int | None:
    """The merchant the request acted for, when the request already knew it (no query here)."""
    device = getattr(request, "device", None)
    if device is not None:
        return device.merchant_id
    merchant = request.__dict__.get("merchant")
    if isinstance(merchant, SimpleLazyObject):
        merchant = None if merchant._wrapped is empty else merchant._wrapped
    return getattr(merchant, "pk", None)


class CurrentMerchantMiddleware:
    """Sets ``request.merchant``: the merchant of the logged-in user, or None."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.merchant = SimpleLazyObject(lambda: merchant_for_user(user=request.user))
        return self.get_response(request)


class VaryOnHtmxMiddleware:
    """Every response says it varies on ``HX-Request``.

    One view per URL serves the page or, for htmx, a fragment of it; without ``Vary`` the
    browser's cache hands the fragment back when Back (or a restored tab) loads that URL.
    Applied to every response so that no view can forget it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response


class RefuseNulMiddleware:
    """Refuses a NUL character (``%00``) in the address, the query string, the cookies or form data.

    No text we keep or look up may hold one: PostgreSQL refuses it in text and jsonb (a server
    error on any query that carries it), and no person types one. One check for the whole site,
    before any view or session lookup: a 400 page, or the API's JSON error under /api/. Form data
    is read for the views that read forms; CSRF-exempt views (the POS API, webhooks) read their
    raw bodies, which parsing a multipart body here would consume.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sources = [request.GET.lists(), ((name, [value]) for name, value in request.COOKIES.items())]
        found, field = (True, None) if NUL in request.path_info else _nul_in(sources)
        return _refused(request, field) if found else self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or getattr(view_func, "csrf_exempt", False):
            return None
        found, field = _nul_in([request.POST.lists()])
        return _refused(request, field) if found else None


def _nul_in(sources) -> tuple[bool, str | None]:
    """Whether a NUL is in the (name, values) pairs, and the name that holds it."""
    for source in sources:
        for name, values in source:
            if NUL in name:
                return True, None
            if any(NUL in value for value in values):
                return True, name
    return False, None


def _refused(request, field: str | None):
    if is_api_request(request):
        return invalid_characters(field)
    # Before django-htmx's middleware: an htmx request (a search as you type) gets the message alone.
    fragment = request.headers.get("HX-Request") == "true"
    return render(request, "portal/bad_characters.html" + ("#message" if fragment else ""), status=400)


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
