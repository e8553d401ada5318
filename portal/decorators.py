from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


def merchant_required(view):
    """Logged in and attached to a merchant; support staff without one go to the admin."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.merchant:
            return redirect("admin:index") if request.user.is_staff else redirect("account_logout")
        return view(request, *args, **kwargs)

    return wrapped
