"""Stock changes in Comptoir → BigCommerce, durably, as coalesced relative adjustments.

1. ``stock_push_mark`` runs INSIDE the ledger's transaction (``inventory.signals.stock_changing``): a bound
   variant's movement writes a ``StockPush`` row at the location of the movement's shop
   (``levels.shop_location_of``; none for a shop that maps to no location), so a committed sale
   is never forgotten.
   BigCommerce shows the *online level* (the whole stock, or the online allocation when the
   stock is split), never below zero: the row's delta is the change of the clamped online level
   (``max(0, after) - max(0, before)``), so -3 → -1 pushes nothing and -1 → 2 pushes +2. A
   change that came from BigCommerce (online orders and refunds, manual edits there, the
   import's initial stock, a reconciliation correction) already moved BigCommerce's level by its
   delta: only what clamping adds is pushed (Comptoir at -1, an online cancellation +1: BigCommerce
   went 0 → 1, Comptoir shows 0 → push -1). An in-store sale of a split variant pushes nothing.
2. ``stock_push_run`` takes the connection's pending rows, sums them per (variant, location) and
   sends ONE relative adjustment (≤ 2000 items, every location's in the same call: a transfer
   between two shops is one call), then marks the rows sent in the same transaction.
   A lost answer (``OutcomeUnknown``) is never re-sent blindly: the rows become "unknown" and
   ``stock_unknown_settle`` later reads BigCommerce's level to decide whether it was applied.
3. The fast path is an after-commit kick that the ``stock_changing`` receiver registers for the
   stores it marked (``stock_push_kick``, debounced by a cache flag: at most one task queued per
   connection, taken before the rest of the urgent lane, ``integrations.services.queue.FIRST``); a
   run that finds another holding the connection leaves it a mark and the holder enqueues the
   follow-up as it lets go (``push_lock_take``); the slow path is the every-minute sweep
   (``tasks.bigcommerce_stock_push_sweep``).
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache

from integrations.bigcommerce.stock.levels import DEFAULT_LOCATION_ID, clamped, settle_grace_seconds, shop_location_of
from integrations.models import BigCommerceConnection, StockPush, VariantLink
from integrations.services.leases import lease_release, lease_take
from integrations.services.queue import enqueue
from inventory.models import ONLINE_ORIGINS

logger = logging.getLogger(__name__)

# A task asked for and not started yet: no second one. A queued task can be lost with a worker
# killed while it held it (django-q's Redis broker takes tasks ahead, without an acknowledgement): the
# flag then kept every later kick away for a minute (a convergence run's killed worker left a store's
# stock pushes stopped that long), then for 10 s (the longest drift episodes of a 400-operation run
# after the kill). A push task is taken before the rest of its lane (``queue.FIRST``), so it never
# waits long: after 2 s a second one is queued, and finds little to do if the first was not lost.
KICK_FLAG_SECONDS = 2

State = StockPush.State


def _live_links(*, variant_id: int):
    return (
        VariantLink.objects.live()
        .filter(
            variant_id=variant_id,
            link__connection__status__in=BigCommerceConnection.ACTIVE_STATUSES,
            link__product__track_stock=True,
        )
        .select_related("link")
    )


def stock_push_mark(
    *,
    variant_id: int,
    movement_id: int,
    origin: str,
    delta: int,
    online_before: int,
    online_after: int,
    shop_id: int | None = None,
    primary_shop: bool = True,
) -> list[StockPush]:
    """Write the durable mark of one movement (inside its transaction), at the location of the
    movement's shop in each store; nothing when there is nothing BigCommerce should see, nor for
    a store where the shop maps to no location."""
    push = clamped(online_after) - clamped(online_before)
    if origin in ONLINE_ORIGINS:  # it came from BigCommerce: sending it back would count it twice
        push -= delta
    if push == 0:
        return []
    links = list(_live_links(variant_id=variant_id))
    if not links:
        return []
    connections = sorted({vlink.link.connection_id for vlink in links})
    if shop_id is None:  # a sender that names no shop: the primary shop's movement
        located = dict.fromkeys(connections, DEFAULT_LOCATION_ID)
    else:
        located = shop_location_of(connection_ids=connections, shop_id=shop_id, primary=primary_shop)
    return [
        StockPush.objects.create(
            connection_id=vlink.link.connection_id,
            variant_link=vlink,
            movement_id=movement_id,
            delta=push,
            location_id=located[vlink.link.connection_id],
        )
        for vlink in links
        if vlink.link.connection_id in located
    ]


def _flag(connection_id: int) -> str:
    return f"bigcommerce-stock-push-queued:{connection_id}"


def stock_push_kick(*, connection_id: int) -> bool:
    """Enqueue the push task unless one is already queued for this connection (debounce)."""

    if not cache.add(_flag(connection_id), 1, timeout=KICK_FLAG_SECONDS):
        return False
    enqueue("integrations.tasks.bigcommerce_stock_push_run", connection_id)
    return True


def push_waiting(*, connection_id: int) -> bool:
    """A push run of this store is queued and not started. A task of the store about to sleep on an
    urgent worker (the order intake between its polls, a stock check waiting for its variants to be
    quiet) hands over instead: with two workers, two such naps held a cashier's sale 5.7 s (the
    drift run's longest push lags)."""
    return cache.get(_flag(connection_id)) is not None


def _lock(connection_id: int) -> str:
    return f"bigcommerce-stock-push-running:{connection_id}"


def _owed(connection_id: int) -> str:
    return f"bigcommerce-stock-push-owed:{connection_id}"


def _lease_seconds() -> float:
    # Renewed every third of it: a holder's heartbeat would have to stall 2 s to lose it.
    return float(getattr(settings, "BIGCOMMERCE_STOCK_PUSH_LEASE_S", 3.0))


def push_lock_take(*, connection_id: int) -> bool:
    """One push run per connection, on a lease renewed while its holder lives
    (``services.leases``): a run's rounds may take minutes (the pacer's waits, the client's
    retries), but a worker killed with the lock held gives the store up within one lease. What a
    killed run had in flight is safe all the same: its rows stay "unknown" until the settle window passed.

    A run that finds the lock held leaves a mark: the holder may have claimed before the changes
    this run came for were committed, so the holder enqueues a follow-up when it lets go
    (``push_lock_release``) instead of leaving them to the minute sweep. The mark is set before a
    second look, so a holder that let go in between is never missed: then this run takes the lock."""
    lease = _lease_seconds()
    if lease_take(_lock(connection_id), seconds=lease):
        return True
    cache.set(_owed(connection_id), 1, timeout=int(settle_grace_seconds()) + 60)
    return lease_take(_lock(connection_id), seconds=lease)


def push_lock_release(*, connection_id: int) -> bool:
    """Let go of the connection; enqueue a follow-up push when a run came meanwhile (True)."""
    lease_release(_lock(connection_id))
    if not cache.delete(_owed(connection_id)):
        return False
    stock_push_kick(connection_id=connection_id)
    return True


def _gap_seconds() -> float:
    return float(getattr(settings, "BIGCOMMERCE_STOCK_PUSH_GAP_S", 0.4))


def _last(connection_id: int) -> str:
    return f"bigcommerce-stock-push-last:{connection_id}"


def push_sent(*, connection_id: int) -> None:
    """A push call of this store left now (the next waits out the gap, ``push_gap_remaining``)."""
    cache.set(_last(connection_id), time.time(), timeout=max(60, int(_gap_seconds()) + 1))


def push_gap_remaining(*, connection_id: int) -> float:
    """Seconds before this store's next push call may leave: its pushes are at least
    ``BIGCOMMERCE_STOCK_PUSH_GAP_S`` (0.4 s) apart, so that a store selling several items a second
    spends at most 2.5 calls a second on them (half of BigCommerce's 150 per 30 s, the rest for its
    orders and edits) and the sales of the gap go in one call, instead of a call a sale until the
    quota runs out and every call waits for its window. A store selling less never waits."""
    last = cache.get(_last(connection_id))
    return 0.0 if last is None else max(0.0, min(_gap_seconds(), last + _gap_seconds() - time.time()))


def pending_exists(*, connection, since) -> bool:
    """Changes marked since ``since`` and not sent yet (not the ones BigCommerce keeps refusing)."""
    return StockPush.objects.filter(connection=connection, state=State.PENDING, created_at__gte=since).exists()


def stock_push_kick_clear(*, connection_id: int) -> None:
    """The task started: changes marked from now on need a new task."""
    cache.delete(_flag(connection_id))
