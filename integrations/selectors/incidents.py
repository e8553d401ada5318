"""Reads of incidents for the Overview. Everything a merchant can reach takes the merchant."""

from datetime import timedelta

from django.utils import timezone

from integrations.models import Incident
from portal.models import Merchant

OPEN_LISTED = 20  # the Overview lists this many open incidents; the journal has the rest
RESOLVED_SHOWN_FOR = timedelta(days=7)
RESOLVED_LISTED = 5


def incidents_for_overview(*, merchant: Merchant) -> dict:
    """Open incidents (newest first, ``OPEN_LISTED`` of them and their count) and those resolved
    in the last week, so that a resolved one says so."""
    mine = Incident.objects.filter(merchant=merchant).select_related("event", "resolved_by")
    still_open = mine.filter(resolved_at__isnull=True)
    resolved = mine.filter(resolved_at__gte=timezone.now() - RESOLVED_SHOWN_FOR).order_by("-resolved_at", "-pk")
    listed = list(still_open[:OPEN_LISTED])
    count = len(listed) if len(listed) < OPEN_LISTED else still_open.count()
    return {
        "open": listed,
        "open_count": count,
        "open_more": count - len(listed),
        "resolved": list(resolved[:RESOLVED_LISTED]),
    }
