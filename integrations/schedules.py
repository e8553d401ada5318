"""The integration's scheduled work, declared here and installed by ``manage.py schedules_install``
(``make run`` and every deployment run it; installing twice changes nothing, and an installed
schedule keeps its next run)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django_q.models import Schedule

from integrations.services.queue import cluster_of
from portal.heartbeat import lanes


@dataclass(frozen=True)
class Scheduled:
    name: str
    func: str
    minutes: int
    # The lane (django-q2 cluster) whose scheduler creates its task and whose workers run it; None:
    # the lane of its task (``integrations.services.queue``).
    lane: str | None = None

    @property
    def cluster(self) -> str:
        """Schedule.cluster: django-q2's scheduler of that cluster creates the task on its own queue."""
        return self.lane or cluster_of(self.func)


SCHEDULES = (
    # Products managed in Comptoir: push what no task took (a process died after a commit) and
    # failed products whose retry is due.
    Scheduled(name="bigcommerce-export-sweep", func="integrations.tasks.bigcommerce_export_sweep", minutes=1),
    # Stock changes in Comptoir whose push no task took (a process died after the commit), and
    # adjustments whose answer was lost (settled by reading BigCommerce).
    Scheduled(name="bigcommerce-stock-push-sweep", func="integrations.tasks.bigcommerce_stock_push_sweep", minutes=1),
    # Stock from BigCommerce: orders whose webhook never came, and reported changes still to check.
    Scheduled(name="bigcommerce-stock-sweep", func="integrations.tasks.bigcommerce_stock_sweep", minutes=1),
    # Both sides compared for every synced variant; drift corrected through the ledger.
    Scheduled(
        name="bigcommerce-stock-reconcile", func="integrations.tasks.bigcommerce_stock_reconcile_all", minutes=30
    ),
    # Products managed in Comptoir: every night, every product is sent in full again (what an
    # edit made in BigCommerce to a field we own is overwritten by, at the latest).
    Scheduled(
        name="bigcommerce-nightly-resync", func="integrations.tasks.bigcommerce_export_resync_all", minutes=24 * 60
    ),
    # Products managed in BigCommerce: catch what webhooks missed.
    Scheduled(name="bigcommerce-import-resync", func="integrations.tasks.bigcommerce_import_resync_all", minutes=60),
    # Webhooks BigCommerce deactivated after failed deliveries: told to the merchant, registered again.
    Scheduled(name="bigcommerce-webhooks-check", func="integrations.tasks.bigcommerce_webhooks_check_all", minutes=60),
    # What needs the merchant (incidents), emailed once a burst is over.
    Scheduled(name="bigcommerce-incidents-email", func="integrations.tasks.incidents_email_sweep", minutes=1),
    # Shops and their BigCommerce locations: shops added while connected, locations to create, read
    # back (their writes are asynchronous) or update, that no task took.
    Scheduled(
        name="bigcommerce-shop-locations-sweep", func="integrations.tasks.bigcommerce_shop_locations_sweep", minutes=5
    ),
    # Housekeeping.
    Scheduled(name="bigcommerce-journal-prune", func="integrations.tasks.journal_prune", minutes=24 * 60),
    Scheduled(
        name="bigcommerce-signed-payloads-purge", func="integrations.tasks.used_signed_payloads_purge", minutes=60
    ),
    Scheduled(name="bigcommerce-runs-stalled", func="integrations.tasks.sync_runs_stalled_resume", minutes=5),
)


HEARTBEAT_PREFIX = "lane-heartbeat-"


def schedules_declared() -> tuple[Scheduled, ...]:
    """Every schedule ``schedules_install`` installs: the integration's, then one heartbeat per
    worker lane (its task is sent to that lane's queue: it proves the lane's workers run)."""
    heartbeats = tuple(
        Scheduled(name=f"{HEARTBEAT_PREFIX}{lane}", func="integrations.tasks.lane_heartbeat", minutes=1, lane=lane)
        for lane in lanes()
    )
    return SCHEDULES + heartbeats


NIGHT_HOUR = 3  # the daily work runs at 03:00 in the site's time zone (TIME_ZONE), away from trading hours


def first_run(item: Scheduled, now: datetime) -> datetime:
    """When a schedule created now first runs (later runs keep its time of day: django-q2 adds its
    minutes). A sweep, at once. Work of half an hour or more, one period from now: run at install it
    spent a new merchant's quota in the minute they connected (a new-user trial's first online orders
    waited 5 s behind the nightly resync's export). Daily work, at the next night: a resync repeating
    at the time of day it was installed may run in trading hours."""
    if item.minutes < 30:
        return now
    if item.minutes % (24 * 60):
        return now + timedelta(minutes=item.minutes)
    night = timezone.localtime(now).replace(hour=NIGHT_HOUR, minute=0, second=0, microsecond=0)
    return night if night > now else night + timedelta(days=1)


def schedules_install() -> list[str]:
    """Create or update each schedule by name; remove ours that are no longer declared. Each goes
    to the lane of its task: django-q2's scheduler of that cluster creates its tasks (the default
    cluster's takes the schedules of the bulk lane, the urgent cluster's those of the urgent lane)."""

    names = []
    now = timezone.now()
    for item in schedules_declared():
        defaults = {
            "func": item.func,
            "schedule_type": Schedule.MINUTES,
            "minutes": item.minutes,
            "repeats": -1,
            "cluster": item.cluster,
            "kwargs": None,
        }
        Schedule.objects.update_or_create(
            name=item.name, defaults=defaults, create_defaults={**defaults, "next_run": first_run(item, now)}
        )
        names.append(item.name)
    for prefix in ("bigcommerce-", HEARTBEAT_PREFIX):
        Schedule.objects.filter(name__startswith=prefix).exclude(name__in=names).delete()
    return names
