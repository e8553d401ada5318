"""When a connection's orders are read (``intake.orders_poll``): an order webhook only says
"something changed", so the webhooks that arrive together become one paced poll.

1. ``orders_intake_request`` runs inside the webhook's transaction: it marks the connection as
   owing a poll (``OrderIntake.wanted_at``, durable) and keeps the status a ``statusUpdated``
   announced (``OrderStatusAnnounced``). After commit it starts the intake right there, in the
   worker that processed the webhook (no hop through the broker; on SQLite, in a task of its
   own), unless a poll already runs for the connection: that one sees the mark.
2. ``orders_intake_drain`` polls while a poll is owed, one run per connection at a time (a cache
   lock), polls at least ``BIGCOMMERCE_ORDER_POLL_GAP_S`` apart (the client's pacer still paces
   every call). Each poll clears the mark as it starts, so any number of webhooks arriving while
   it runs make exactly one follow-up poll. After ``DRAIN_SECONDS`` it hands over to a fresh task
   (``bigcommerce_orders_intake``), so other work gets a turn.
3. The minute task (``bigcommerce_orders_poll``) is the safety net for webhooks that never came:
   the same batched read, reading further back (``SWEEP_OVERLAP``).
4. A stock check or a settling that reads BigCommerce's levels rides on these polls
   (``orders_read_before``, ``orders_read_after``) instead of polling around its read.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.api.errors import PacingDeferred, Unauthorized
from integrations.bigcommerce.stock.intake import orders_poll
from integrations.bigcommerce.stock.outbox import push_waiting
from integrations.models import BigCommerceConnection, OrderIntake, OrderStatusAnnounced
from integrations.services.incidents import connection_access_refused
from integrations.services.leases import lease_release, lease_take
from integrations.services.queue import enqueue
from inventory.models import StockOrigin
from inventory.selectors import variants_moved_since

logger = logging.getLogger(__name__)

# A task asked for and not started yet: no second one. A queued task can be lost with a worker
# killed while it held it (django-q's Redis broker takes tasks ahead, without an acknowledgement): the
# flag then kept every later kick away for a minute (a convergence run's killed worker left a store's
# order intake stopped that long). A few seconds bound that; a second task while one waits in a long queue
# finds little to do. (10 s until the drift run's killed worker stopped a store's order intake 6.4 s.)
KICK_FLAG_SECONDS = 3
# One poll per store at a time, on a lease renewed while its worker lives (``services.leases``):
# a worker killed mid-poll gives the store's intake up within this, not after two minutes. Renewed
# every second: as the stock push's (``outbox``), a heartbeat would have to stall 2 s to lose it.
LEASE_SECONDS = 3
# Then a fresh task takes over at the tail of the urgent queue. Polls are at least a poll gap apart,
# so while orders keep coming a run that kept the worker for 30 s spent most of it asleep, a stock
# push or a stock check waiting behind it (it often runs inline in the inbox drain's worker).
DRAIN_SECONDS = 2
_sleep = time.sleep  # the drain's poll gaps and the waits of ``orders_read_after`` (a test reads them)
SWEEP_OVERLAP = timedelta(seconds=60)  # the minute poll reads a minute back: late arrivals


def poll_gap() -> float:
    """The least time between two polls of one connection (seconds)."""
    return float(getattr(settings, "BIGCOMMERCE_ORDER_POLL_GAP_S", 0.5))


def _lock(connection_id: int) -> str:
    return f"bigcommerce-orders-intake-running:{connection_id}"


def _flag(connection_id: int) -> str:
    return f"bigcommerce-orders-intake-queued:{connection_id}"


def orders_intake_request(
    *, connection: BigCommerceConnection, order_id: int | None = None, passed_status: int | None = None
) -> None:
    """An order webhook, inside its transaction: a poll is owed (and the status it announced, if
    any, is kept for that poll); the intake starts after commit."""
    announced = {(order_id, passed_status)} if order_id is not None and passed_status is not None else set()
    orders_intake_request_many(connection=connection, announced=announced)


def orders_intake_request_many(*, connection: BigCommerceConnection, announced: set[tuple[int, int]]) -> None:
    """Any number of order webhooks at once (a drain of the inbox): ONE mark that a poll is owed,
    the statuses they announced (order id, status id) kept in one write; the intake starts after commit."""
    now = timezone.now()
    if not OrderIntake.objects.filter(connection=connection).update(wanted_at=now):
        row, created = OrderIntake.objects.get_or_create(connection=connection, defaults={"wanted_at": now})
        if not created:
            OrderIntake.objects.filter(connection=connection).update(wanted_at=now)
    if announced:
        OrderStatusAnnounced.objects.bulk_create(
            [OrderStatusAnnounced(connection=connection, order_id=o, status_id=s) for o, s in sorted(announced)],
            ignore_conflicts=True,
        )
    connection_id = connection.pk
    transaction.on_commit(lambda: orders_intake_start(connection_id=connection_id))


def orders_intake_start(*, connection_id: int) -> None:
    """Run the intake here unless a poll runs for the connection already (it sees the mark)."""
    if cache.get(_lock(connection_id)) is not None:
        return
    if db_connection.vendor == "sqlite":
        # Seen in the propagation bench on SQLite (embedded defaults): run here, after the
        # webhook's commit, the poll's writes waited out the file lock's busy timeout again and
        # again; in a task of its own they do not. A hop through the broker it is.
        orders_intake_kick(connection_id=connection_id)
        return
    orders_intake_drain(connection_id=connection_id)


def orders_intake_kick(*, connection_id: int) -> bool:
    """Enqueue the intake task unless one is queued for this connection already (debounce)."""
    if not cache.add(_flag(connection_id), 1, timeout=KICK_FLAG_SECONDS):
        return False
    enqueue("integrations.tasks.bigcommerce_orders_intake", connection_id)
    return True


def _connection(connection_id: int) -> BigCommerceConnection | None:
    connection = BigCommerceConnection.objects.select_related("merchant").filter(pk=connection_id).first()
    if connection is None or not connection.is_active or not connection.access_token:
        return None
    return connection


def orders_intake_drain(*, connection_id: int, overlap: timedelta | None = None, forced: bool = False) -> int:
    """Poll the connection's orders while a poll is owed (``forced``: once at least); how many
    polls ran. ``overlap``: how far back the first poll reads again."""
    cache.delete(_flag(connection_id))
    connection = _connection(connection_id)
    if connection is None or not lease_take(_lock(connection_id), seconds=LEASE_SECONDS):
        return 0
    polls = 0
    began = time.monotonic()
    try:
        client = client_for(connection)
        while time.monotonic() - began < DRAIN_SECONDS:
            row, _created = OrderIntake.objects.get_or_create(connection=connection)
            if row.wanted_at is None and not (forced and polls == 0):
                break
            if row.polled_at is not None:
                wait = poll_gap() - (timezone.now() - row.polled_at).total_seconds()
                if wait > 0:
                    # The store's push first: a fresh task polls (the poll stays owed); not the
                    # minute's poll (``forced``), whose look a minute back no fresh task would take.
                    if push_waiting(connection_id=connection_id) and not (forced and polls == 0):
                        break
                    _sleep(min(wait, poll_gap()))
            now = timezone.now()
            # Cleared as the poll starts: a webhook from now on owes one more poll.
            OrderIntake.objects.filter(connection=connection, wanted_at__lte=now).update(wanted_at=None)
            OrderIntake.objects.filter(connection=connection).update(polled_at=now, polls=F("polls") + 1)
            orders_poll(connection=connection, client=client, overlap=overlap if polls == 0 else None)
            polls += 1
    except Unauthorized as exc:  # polled every minute: the first place a revoked token shows
        connection_access_refused(connection=connection, status=exc.status)
        return polls
    except PacingDeferred:
        # The store's quota is spent for longer than an urgent task may wait: the poll stays owed
        # (the cursor is durable) and the minute poll reads it; this worker goes to other work.
        OrderIntake.objects.filter(connection=connection).update(wanted_at=timezone.now())
        logger.info("Order poll of connection %s deferred: the store's quota is spent", connection_id)
        return polls
    finally:
        lease_release(_lock(connection_id))
    if OrderIntake.objects.filter(connection=connection, wanted_at__isnull=False).exists():
        orders_intake_kick(connection_id=connection_id)  # owed since our last look: a fresh task
    return polls


# A check or a settling that read BigCommerce's levels waits this long at most for the intake's next
# poll (a busy store's intake polls every poll gap) before it polls itself.
READ_AFTER_WAIT_S = 1.0


def orders_read_after(*, connection: BigCommerceConnection, client, moment) -> None:
    """Return once every online order placed before ``moment`` is in Comptoir's ledger: a poll
    begun after it has ended (``orders_polled_until``). A stock check and the settling of lost
    answers read BigCommerce's levels, then compare them with Comptoir's: an order BigCommerce took
    before the read must be in Comptoir's level by then. On a busy store the intake's own polls do
    it (a drain running with a poll owed: its next poll, within a poll gap), so the check adds no
    call of its own; else (or if that poll is later than ``READ_AFTER_WAIT_S``) one poll here.
    Which variants orders moved meanwhile: ``orders_moved_since``."""
    deadline = time.monotonic() + READ_AFTER_WAIT_S
    while True:
        until = BigCommerceConnection.objects.filter(pk=connection.pk).values_list("orders_polled_until", flat=True)
        if (polled := until.first()) is not None and polled >= moment:
            return
        # A drain running whose poll began after the moment, or with a poll owed (it polls again
        # within a poll gap): its poll will do. Anything else: our own.
        if (
            time.monotonic() >= deadline
            or cache.get(_lock(connection.pk)) is None
            or push_waiting(connection_id=connection.pk)  # a call of our own, not a worker held
        ):
            break
        intake = OrderIntake.objects.filter(connection=connection).values("wanted_at", "polled_at").first() or {}
        if intake.get("wanted_at") is None and not (intake.get("polled_at") and intake["polled_at"] >= moment):
            break
        _sleep(0.05)
    orders_poll(connection=connection, client=client)


def orders_read_before(*, connection: BigCommerceConnection, client) -> None:
    """Before a level read: if orders are on their way (a poll owed or running: a webhook came),
    let them into the ledger first (``orders_read_after`` from now), so that the read is not
    wasted on variants they would keep busy (an online order's own inventory webhook asks for the
    check it would spoil). With the intake idle, nothing: no call."""
    if (
        cache.get(_lock(connection.pk)) is None
        and not OrderIntake.objects.filter(connection=connection, wanted_at__isnull=False).exists()
    ):
        return
    orders_read_after(connection=connection, client=client, moment=timezone.now())


def orders_moved_since(*, variant_ids, since) -> set[int]:
    """The local variants among ``variant_ids`` whose stock an online order moved (taken or given
    back) from ``since`` on, whichever poll took it (this task's or the intake's)."""
    return variants_moved_since(
        variant_ids=variant_ids, origins=(StockOrigin.ONLINE_ORDER, StockOrigin.ONLINE_REFUND), since=since
    )


def orders_intake_sweep(*, connection: BigCommerceConnection) -> int:
    """The minute poll: read a minute back now, unless a poll runs (then one more is owed)."""
    if cache.get(_lock(connection.pk)) is not None:
        OrderIntake.objects.filter(connection=connection).update(wanted_at=timezone.now())
        return 0
    return orders_intake_drain(connection_id=connection.pk, overlap=SWEEP_OVERLAP, forced=True)
