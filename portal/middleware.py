from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject

from portal.selectors import merchant_for_user


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
