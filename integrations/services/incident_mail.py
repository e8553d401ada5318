"""The email that tells a merchant what needs them: plain text and HTML, in the site's language
(merchants have no language of their own), sent through Django's mail set-up (SMTP in production),
to the merchant's owners (every member when no owner is left)."""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from portal.models import Membership

logger = logging.getLogger(__name__)

LISTED = 20  # an email names this many; "and N more" for the rest (the Overview lists them)


def incident_recipients(*, merchant) -> list[str]:
    members = Membership.objects.filter(merchant=merchant, user__is_active=True).exclude(user__email="")
    owners = [m.user.email for m in members.select_related("user") if m.role == Membership.Role.OWNER]
    return owners or [m.user.email for m in members.select_related("user")]


def absolute_url(path: str) -> str:
    return settings.COMPTOIR_PUBLIC_URL + path


def incident_mail_send(*, merchant, incidents: list) -> bool:
    """One email per recipient (each their own), listing ``incidents``. True when it went out."""
    recipients = incident_recipients(merchant=merchant)
    if not recipients:
        return True  # nobody to tell: the incidents stay on the Overview
    with translation.override(settings.LANGUAGE_CODE):
        rows = [
            {
                "incident": incident,
                "summary": incident.summary,
                "advice": incident.advice,
                "url": absolute_url(reverse("integrations:bigcommerce_event", args=[incident.event_id]))
                if incident.event_id
                else "",
            }
            for incident in incidents[:LISTED]
        ]
        context = {
            "merchant": merchant,
            "rows": rows,
            "count": len(incidents),
            "more": max(0, len(incidents) - LISTED),
            "overview_url": absolute_url(reverse("integrations:bigcommerce")),
        }
        subject = " ".join(render_to_string("integrations/email/incidents_subject.txt", context).split())
        text = render_to_string("integrations/email/incidents.txt", context)
        html = render_to_string("integrations/email/incidents.html", context)
    messages = []
    for address in recipients:
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    try:
        get_connection().send_messages(messages)
    except (smtplib.SMTPException, OSError):
        logger.exception("Could not email merchant %s about %s incidents", merchant.pk, len(incidents))
        return False
    return True
