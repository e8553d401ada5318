from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from inventory.api.views import invalid_characters, is_api_request
from portal.selectors import merchant_for_user

NUL = "\x00"


class CurrentMerchantMiddleware:
    """Sets ``request.merchant``: the merchant of the logged-in user, or None."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.merchant = SimpleLazyObject(lambda: merchant_for_user(user=request.user))
        return self.get_response(request)


class RefuseNulMiddleware:
    """Refuses a NUL character (``%00``) in the address, the query string, the cookies or form data.

    No text we keep or look up may hold one: PostgreSQL refuses it in text and jsonb (a server
    error on any query that carries it), and no person types one. One check for the whole site,
    before any view or session lookup: a 400 page, or the API's JSON error under /api/.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = is_api_request(request)
        found, field = _nul_in(request, form=not api)
        if not found:
            return self.get_response(request)
        if api:
            return invalid_characters(field)
        # Before django-htmx's middleware: an htmx request (a search as you type) gets the message alone.
        fragment = request.headers.get("HX-Request") == "true"
        return render(request, "portal/bad_characters.html" + ("#message" if fragment else ""), status=400)


def _nul_in(request, *, form: bool) -> tuple[bool, str | None]:
    """Whether a NUL is in the request, and the name of the parameter that holds it."""
    if NUL in request.path_info:
        return True, None
    sources = [request.GET.lists(), ((name, [value]) for name, value in request.COOKIES.items())]
    if form and request.method == "POST":
        sources.append(request.POST.lists())  # the API reads JSON bodies, not form data
    for source in sources:
        for name, values in source:
            if NUL in name:
                return True, None
            if any(NUL in value for value in values):
                return True, name
    return False, None
