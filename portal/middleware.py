from django.utils.functional import SimpleLazyObject

from portal.selectors import merchant_for_user


class CurrentMerchantMiddleware:
    """Sets ``request.merchant``: the merchant of the logged-in user, or None."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.merchant = SimpleLazyObject(lambda: merchant_for_user(user=request.user))
        return self.get_response(request)
