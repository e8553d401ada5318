"""Reads of the journal, the runs and the schedules (the overview's facts). Everything a merchant
can reach takes the merchant."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django_q.models import Schedule

from catalog.models import Product
from integrations.models import BigCommerceConnection, ProductLink, SyncEvent, SyncRun, WebhookEvent
from portal.models import Merchant
from portal.text import search_key


@dataclass(frozen=True)
class JournalFilters:
    """The journal's filters, read from a query string: a value that does not parse is dropped."""

    RETRYING = "retrying"  # failed product pushes whose product still fails (to be retried)
    RESOLVED = "resolved"  # failures a later success for the same product settled
    STATUSES = (*SyncEvent.Status.values, RETRYING, RESOLVED)

    status: str = ""
    direction: str = ""
    query: str = ""
    date_from: date | None = None
    date_to: date | None = None
    # Show the entries that asked nothing of Comptoir (webhook echoes, other channels' events).
    background: bool = False

    @classmethod
    def from_query(cls, params) -> "JournalFilters":
        status = params.get("status", "")
        direction = params.get("direction", "")
        return cls(
            status=status if status in cls.STATUSES else "",
            direction=direction if direction in SyncEvent.Direction.values else "",
            query=" ".join(str(params.get("q", "")).split())[:100],
            date_from=_date_or_none(params.get("from")),
            date_to=_date_or_none(params.get("to")),
            background=params.get("background") == "1",
        )

    def as_query(self) -> dict[str, str]:
        """The filters set, as query parameters (for links that keep them: pages, export)."""
        values = {
            "status": self.status,
            "direction": self.direction,
            "q": self.query,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "background": "1" if self.background else "",
        }
        return {key: value for key, value in values.items() if value}

    @property
    def hides_background(self) -> bool:
        """Background entries are left out unless asked for (or the Skipped status is chosen)."""
        return not self.background and self.status != SyncEvent.Status.SKIPPED


def _date_or_none(value) -> date | None:
    try:
        parsed = date.fromisoformat(str(value or ""))
    except ValueError:
        return None
    return parsed if 2000 <= parsed.year <= 9998 else None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def sync_event_list(
    *, merchant: Merchant, status: str = "", filters: JournalFilters | None = None
) -> QuerySet[SyncEvent]:
    """The merchant's journal, newest first. Dates are whole days in the merchant's time zone."""
    filters = filters or JournalFilters(status=status)
    # A failed product push whose product still fails: it will be retried (automatically, or by Retry).
    still_failing = ProductLink.objects.live().filter(
        connection_id=OuterRef("connection_id"),
        product_id=OuterRef("product_id"),
        state=ProductLink.State.FAILED,
    )
    qs = SyncEvent.objects.filter(merchant=merchant).annotate(
        still_failing=Exists(still_failing) & Q(status=SyncEvent.Status.FAILED, kind=SyncEvent.Kind.PRODUCT_EXPORT)
    )
    if filters.hides_background:
        qs = qs.filter(background=False)
    if filters.status == JournalFilters.RETRYING:
        qs = qs.filter(still_failing=True, resolved_at__isnull=True)
    elif filters.status == JournalFilters.RESOLVED:
        qs = qs.filter(status=SyncEvent.Status.FAILED, resolved_at__isnull=False)
    elif filters.status == SyncEvent.Status.FAILED:
        qs = qs.filter(status=filters.status, resolved_at__isnull=True)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.direction:
        qs = qs.filter(direction=filters.direction)
    if filters.query and (key := search_key(filters.query)):
        qs = qs.filter(product_key__contains=key)
    if filters.date_from:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    return qs.order_by("-created_at", "-id")


def sync_event_get(*, merchant: Merchant, event_id: int) -> SyncEvent | None:
    everything = JournalFilters(background=True)
    return (
        sync_event_list(merchant=merchant, filters=everything).filter(pk=event_id).select_related("connection").first()
    )


def journal_product(*, merchant: Merchant, event: SyncEvent) -> Product | None:
    """The product a journal line is about, if it still exists (its page can be linked)."""
    if not event.product_id:
        return None
    return Product.objects.filter(merchant=merchant, pk=event.product_id).first()


def sync_runs_current(*, connection: BigCommerceConnection, limit: int = 5) -> list:
    """The runs to show: every running (or stalled, being resumed) one, and those that finished in
    the last hour (to show their result); newest first. Several may run at once (a resync and a
    stock check)."""

    active = (SyncRun.Status.RUNNING, SyncRun.Status.STALLED)  # a stalled run is being resumed
    recent = Q(finished_at__gte=timezone.now() - timedelta(hours=1))
    runs = list(
        _this_connection_runs(connection)
        .filter(Q(status__in=active) | recent)
        .order_by("-started_at", "-pk")[: limit * 2]
    )
    running = [r for r in runs if r.status in active]
    # Of the finished runs, the newest of each kind: an hour of stock checks is one card, not twelve.
    finished, kinds = [], set()
    for run in runs:
        if run.status not in active and run.kind not in kinds and not any(r.kind == run.kind for r in running):
            kinds.add(run.kind)
            finished.append(run)
    return (running + finished)[:limit]


def _this_connection_runs(connection: BigCommerceConnection):
    """The runs of the connection as it is now: a reconnect (the same row, connected again) leaves
    the previous connection's runs out."""

    runs = SyncRun.objects.filter(connection=connection)
    if connection.connected_at:
        # Finish setup opens the initial run in the transaction that sets connected_at: a second's margin.
        runs = runs.filter(started_at__gte=connection.connected_at - timedelta(seconds=1))
    return runs


def schedule_next_time(*, next_run: datetime | None, minutes: int | None, now: datetime | None = None):
    """When a schedule runs next, never in the past: django-q2's ``next_run`` stays behind until the
    cluster takes it (or when no cluster runs), so it is moved on by its interval past now."""
    if next_run is None:
        return None
    now = now or timezone.now()
    if next_run > now or not minutes:
        return next_run
    interval = timedelta(minutes=minutes)
    return next_run + interval * ((now - next_run) // interval + 1)


def sync_run_for_merchant(*, merchant: Merchant, run_id: int):
    """One of the merchant's runs, or None."""

    return SyncRun.objects.filter(merchant=merchant, pk=run_id).first()


def _failures_count(*, merchant_id: int, since: datetime) -> int:
    """What still fails: a product that failed five times (automatic retries) is one failure, not
    five; failures a later success settled are not counted (they say "Resolved" in the journal)."""
    failures = SyncEvent.objects.filter(
        merchant_id=merchant_id, status=SyncEvent.Status.FAILED, resolved_at__isnull=True, created_at__gte=since
    )
    about_products = failures.filter(product_id__isnull=False).values("product_id", "kind").distinct().count()
    return failures.filter(product_id__isnull=True).count() + about_products


def overview_facts(*, connection: BigCommerceConnection) -> dict:
    """The Overview's facts in a fixed number of queries: last sync, failures and webhook health
    over the last 24 hours, and when the schedule that resyncs this connection runs next."""

    now = timezone.now()
    since = now - timedelta(hours=24)
    if connection.connected_at:
        since = max(since, connection.connected_at)
    # Products managed in BigCommerce: the hourly check of the channel; in Comptoir: the nightly
    # resync that sends every product in full.
    schedule = (
        "bigcommerce-import-resync"
        if connection.managed_in == BigCommerceConnection.ManagedIn.BIGCOMMERCE
        else "bigcommerce-nightly-resync"
    )
    schedules = {
        row["name"]: schedule_next_time(next_run=row["next_run"], minutes=row["minutes"], now=now)
        for row in Schedule.objects.filter(name__in=(schedule, "bigcommerce-stock-reconcile")).values(
            "name", "next_run", "minutes"
        )
    }
    webhooks = WebhookEvent.objects.filter(connection=connection, received_at__gte=connection.connected_at or since)
    webhooks = webhooks.aggregate(
        last=Max("received_at"), failed=Count("pk", filter=Q(status=WebhookEvent.Status.FAILED, received_at__gte=since))
    )
    runs = _this_connection_runs(connection)
    return {
        # The newest sync, finished or still going (a run that never finishes must not leave the
        # one before it as "last sync").
        "last_sync": runs.exclude(kind=SyncRun.Kind.RECONCILIATION).order_by("-started_at", "-pk").first(),
        "last_stock_check": runs.filter(status=SyncRun.Status.FINISHED, kind=SyncRun.Kind.RECONCILIATION)
        .order_by("-finished_at")
        .first(),
        "next_stock_check": schedules.get("bigcommerce-stock-reconcile"),
        "failures_24h": _failures_count(merchant_id=connection.merchant_id, since=since),
        "webhook_last": webhooks["last"],
        "webhook_failed_24h": webhooks["failed"],
        "next_resync": schedules.get(schedule),
    }
