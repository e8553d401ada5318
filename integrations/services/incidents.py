"""Incidents: what needs the merchant, opened where the flows notice it and resolved where it
clears (or by the merchant, where nothing can tell). One open incident per merchant, kind and
subject (a database constraint): a repeat counts an occurrence and sends nothing.

Mail goes out from a minute sweep (``incidents_email_sweep``), one email per merchant listing
the incidents not yet emailed, once they stopped coming for ``GATHER`` (a sync that refuses 500
products makes one email), and at most one email per ``EMAIL_GAP``: what comes meanwhile waits
for the next one. The sweep is the outbox: an incident is emailed even if the process that
opened it died just after."""

import logging
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations import journal_messages
from integrations.errors import WrongStep
from integrations.models import BigCommerceConnection, Incident, SyncEvent
from integrations.services.incident_mail import incident_mail_send
from integrations.services.journal import sync_event_record
from integrations.services.queue import enqueue

logger = logging.getLogger(__name__)

Kind = Incident.Kind
GATHER = timedelta(minutes=2)  # quiet this long after the last incident: the burst is over
GATHER_MAX = timedelta(minutes=15)  # a burst that goes on is emailed anyway after this long
EMAIL_GAP = timedelta(minutes=30)  # at most one email per merchant this often
MAIL_LOCK_SECONDS = 300


def incident_open(
    *,
    connection: BigCommerceConnection,
    kind: str,
    event: SyncEvent | None = None,
    subject: str = "",
    subject_name: str = "",
) -> bool:
    """Open the incident, or count one more occurrence of the one open. True when it opened."""
    if connection.merchant_id is None:  # an install nobody claimed yet: nobody to tell
        return False
    now = timezone.now()
    still_open = Incident.objects.filter(
        merchant_id=connection.merchant_id, kind=kind, subject=subject, resolved_at__isnull=True
    )
    seen = {"last_seen_at": now, "occurrences": F("occurrences") + 1, "connection": connection}
    if event is not None:
        seen["event"] = event
    if still_open.update(**seen):
        return False
    try:
        with transaction.atomic():
            Incident.objects.create(
                merchant_id=connection.merchant_id,
                connection=connection,
                kind=kind,
                subject=subject,
                subject_name=subject_name[:250],
                event=event,
            )
    except IntegrityError:  # another worker opened it a moment ago
        still_open.update(**seen)
        return False
    return True


def incident_is_open(*, connection: BigCommerceConnection, kind: str, subject: str = "") -> bool:
    return Incident.objects.filter(
        merchant_id=connection.merchant_id, kind=kind, subject=subject, resolved_at__isnull=True
    ).exists()


def incidents_resolve(
    *, merchant_id: int | None, kinds, subjects=None, how: str = Incident.Resolution.AUTOMATIC, by=None
) -> int:
    """The condition cleared (a product exported fine, the store reconnected…): its open
    incidents say so. ``subjects`` None: every subject of those kinds. How many were resolved."""
    if merchant_id is None:
        return 0
    still_open = Incident.objects.filter(merchant_id=merchant_id, kind__in=list(kinds), resolved_at__isnull=True)
    if subjects is not None:
        subjects = list(subjects)
        if not subjects:
            return 0
        still_open = still_open.filter(subject__in=subjects)
    return still_open.update(resolved_at=timezone.now(), resolved_how=how, resolved_by=by)


def incident_acknowledge(*, merchant, incident_id: int, user) -> Incident | None:
    """Mark resolved by the merchant, where nothing else can tell it cleared. None: not theirs
    (or no such incident); WrongStep: it resolves by itself, or is resolved already."""
    incident = Incident.objects.filter(merchant=merchant, pk=incident_id).first()
    if incident is None:
        return None
    if incident.resolved_at is not None:
        raise WrongStep(_("This was already resolved."))
    if not incident.manual:
        raise WrongStep(_("This resolves by itself once the problem is fixed."))
    Incident.objects.filter(pk=incident.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_how=Incident.Resolution.MERCHANT, resolved_by=user
    )
    incident.refresh_from_db()
    return incident


def connection_access_refused(*, connection: BigCommerceConnection, status: int | None = 401) -> None:
    """BigCommerce refused the token (401): journaled once while it lasts, an incident."""
    if incident_is_open(connection=connection, kind=Kind.TOKEN_REVOKED):
        incident_open(connection=connection, kind=Kind.TOKEN_REVOKED)
        return
    event = sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.ERROR,
        status=SyncEvent.Status.FAILED,
        direction=SyncEvent.Direction.TO_BIGCOMMERCE,
        code=journal_messages.ACCESS_REFUSED,
        params={"status": status},
    )
    incident_open(connection=connection, kind=Kind.TOKEN_REVOKED, event=event)


def connection_access_restored(*, merchant_id: int | None) -> None:
    """Connected again (a new token): access is no longer refused, the app is installed."""
    incidents_resolve(merchant_id=merchant_id, kinds=[Kind.TOKEN_REVOKED, Kind.APP_UNINSTALLED])


def incidents_email_sweep(*, now=None) -> list[int]:
    """Scheduled (every minute): a mail task for each merchant whose incidents are due to be
    told. The merchants enqueued."""
    now = now or timezone.now()
    pending = (
        Incident.objects.filter(emailed_at__isnull=True)
        .values("merchant_id")
        .annotate(first=Min("opened_at"), last=Max("opened_at"))
    )
    due = []
    for row in pending:
        if row["last"] > now - GATHER and row["first"] > now - GATHER_MAX:
            continue  # still coming: one email for the whole burst
        if _emailed_lately(merchant_id=row["merchant_id"], now=now):
            continue
        enqueue("integrations.tasks.incidents_email_send", row["merchant_id"])
        due.append(row["merchant_id"])
    return due


def _emailed_lately(*, merchant_id: int, now) -> bool:
    last = Incident.objects.filter(merchant_id=merchant_id).aggregate(last=Max("emailed_at"))["last"]
    return last is not None and last > now - EMAIL_GAP


def incidents_email_send(*, merchant_id: int, now=None) -> int:
    """One email listing the merchant's incidents not emailed yet (open, or resolved since they
    opened: each says which). One sender at a time per merchant; a send that fails is logged
    and tried again by the next sweep. How many incidents the email told."""
    now = now or timezone.now()
    lock = f"incidents-email:{merchant_id}"
    if not cache.add(lock, 1, timeout=MAIL_LOCK_SECONDS):
        return 0
    try:
        if _emailed_lately(merchant_id=merchant_id, now=now):
            return 0
        incidents = list(
            Incident.objects.filter(merchant_id=merchant_id, emailed_at__isnull=True)
            .select_related("merchant", "event")
            .order_by("opened_at", "pk")
        )
        if not incidents or not incident_mail_send(merchant=incidents[0].merchant, incidents=incidents):
            return 0
        Incident.objects.filter(pk__in=[i.pk for i in incidents]).update(emailed_at=now)
        return len(incidents)
    finally:
        cache.delete(lock)
