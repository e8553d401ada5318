"""django-allauth's adapter: how the portal sends allauth's mail."""

import logging
import smtplib

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib import messages
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
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
                    _("We could not send the email. Try again in a few minutes, or contact support if it goes on."),
                )
