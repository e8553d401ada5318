"""django-allauth as a back office needs it: login limits that a stranger who knows an email
cannot turn against its owner, signup answers that do not say which emails have accounts, and
mail that fails to go out is said on the page instead of a 500.

allauth counts failed logins per IP and per account (email). Past the per-account limit it
refuses even the right password, so anyone could lock the owner out. A browser that logged in
to the account before carries a signed "known device" cookie (OWASP's device cookies): its
failures are counted for that browser alone, so failures elsewhere do not hold it back. From a
new browser the owner can still reset the password: allauth clears the account's count then.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.internal import ratelimit  # the module allauth's own pre_authenticate uses
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

KNOWN_DEVICE_COOKIE = "comptoir_device"
KNOWN_DEVICE_SALT = "portal.accounts.known-device"
KNOWN_DEVICE_MAX_AGE = 365 * 24 * 60 * 60
KNOWN_DEVICE_ACTION = "login_failed_known_device"  # its rates are in ACCOUNT_RATE_LIMITS


def _login_digest(login: str) -> str:
    return hashlib.sha256(login.strip().lower().encode()).hexdigest()[:32]


def known_device_issue(*, response, user) -> None:
    """Mark this browser as one ``user`` logged in with (a fresh id per login)."""
    value = signing.dumps({"d": secrets.token_urlsafe(16), "l": _login_digest(user.email)}, salt=KNOWN_DEVICE_SALT)
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        value,
        max_age=KNOWN_DEVICE_MAX_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def known_device_id(*, request, login: str) -> str | None:
    """This browser's id when it logged in to the account ``login`` before; None otherwise."""
    try:
        data = signing.loads(
            request.COOKIES.get(KNOWN_DEVICE_COOKIE, ""), salt=KNOWN_DEVICE_SALT, max_age=KNOWN_DEVICE_MAX_AGE
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not login or data.get("l") != _login_digest(login):
        return None
    device = data.get("d")
    return device if isinstance(device, str) and device else None


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Too many failed login attempts for this account. Try again in a few minutes, or reset your "
            "password. A browser you have logged in with before is not held back."
        ),
    }

    def pre_authenticate(self, request, **credentials) -> None:
        device = known_device_id(request=request, login=credentials.get("email", ""))
        if device is None:
            return super().pre_authenticate(request, **credentials)
        # allauth's authenticate() rolls this usage back when the password is right.
        self._login_failed_rl_usage = ratelimit.consume(
            request, app="allauth.account", action=KNOWN_DEVICE_ACTION, key=device
        )
        if not self._login_failed_rl_usage:
            raise self.validation_error("too_many_login_attempts")
        return None

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        known_device_issue(response=response, user=user)
        return response

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Send, or tell the person the mail could not go out: a mail server that is down or
        refuses is not a reason to answer 500 (allauth's pages go on as if it was sent)."""
        try:
            super().send_mail(template_prefix, email, context)
        except (smtplib.SMTPException, OSError):
            logger.exception("Could not send %s to a user", template_prefix)
            request = allauth_context.request
            if request is not None:
                messages.error(
                    request,
                    gettext_now(
                        "We could not send the email. Try again in a few minutes, or contact support if it goes on."
                    ),
                )
