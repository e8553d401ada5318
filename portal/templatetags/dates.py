"""One way to show a moment everywhere: ``{{ value|when }}`` (date and time), ``{{ value|when:"date" }}``
(the day only), and ``{{ value|ago }}`` for how long ago ("just now", "5 minutes ago").

Day, abbreviated month, year and a 24-hour time read the same in English and French
("2 Dec. 2026, 14:02" / "2 déc. 2026, 14:02") and cannot be taken for another date, unlike
"12/02/2026". Each is wrapped in <time datetime="…"> for machines and tests.
"""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()

# Non-breaking spaces inside the date: "2 déc. 2026" never splits across lines.
FORMATS = {"datetime": "j\u00a0N\u00a0Y, H:i", "date": "j\u00a0N\u00a0Y"}


@register.filter
def when_text(value: dt.datetime | dt.date, part: str = "datetime") -> str:
    """The text of ``when`` without the <time> element (for use inside a sentence)."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return date_format(value, FORMATS.get(part, FORMATS["datetime"]))


@register.filter
def when(value, part: str = "datetime"):
    if not value:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), when_text(value, part))


def ago_text(value: dt.datetime, *, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if now - value < dt.timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(value, now, depth=1)}


@register.filter
def ago(value):
    if not value:
        return ""
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), when_text(value), ago_text(value))
