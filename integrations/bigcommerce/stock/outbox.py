"""Stock changes in Comptoir → BigCommerce, durably, as coalesced relative adjustments.

1. ``stock_push_mark`` runs INSIDE the ledger's transaction (``inventory.signals.stock_changing``): a bound
   variant's movement writes a ``StockPush`` row, so a committed sale is never forgotten.
   BigCommerce shows the *online level* (the whole stock, or the online allocation when the
   stock is split), never below zero: the row's delta is the change of the clamped online level
   (``max(0, after) - max(0, before)``), so -3 → -1 pushes nothing and -1 → 2 pushes +2. A
   change that came from BigCommerce (online orders and refunds, manual edits there, the
   import's initial stock, a reconciliation correction) already moved BigCommerce's level by its
   delta: only what clamping adds is pushed (Comptoir at -1, an online cancellation +1: BigCommerce
   went 0 → 1, Comptoir shows 0 → push -1). An in-store sale of a split variant pushes nothing.
2. ``stock_push_run`` takes the connection's pending rows, sums them per variant and sends ONE
   relative adjustment (≤ 2000 variants), then marks the rows sent in the same transaction.
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
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connections

from integrations.bigcommerce.stock.levels import clamped, settle_grace_seconds
from integrations.models import BigCommerceConnection, StockPush, VariantLink
from integrations.services.queue import enqueue
from inventory.models import ONLINE_ORIGINS

logger = logging.getLogger(__name__)

KICK_FLAG_SECONDS = 60

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
    *, variant_id: int, movement_id: int, origin: str, delta: int, online_before: int, online_after: int
) -> list[StockPush]:
    """Write the durable mark of one movement (inside its transaction); nothing when there is
    nothing BigCommerce should see."""
    push = clamped(online_after) - clamped(online_before)
    if origin in ONLINE_ORIGINS:  # it came from BigCommerce: sending it back would count it twice
        push -= delta
    if push == 0:
        return []
    return [
        StockPush.objects.create(
            connection_id=vlink.link.connection_id, variant_link=vlink, movement_id=movement_id, delta=push
        )
        for vlink in _live_links(variant_id=variant_id)
    ]


def _flag(connection_id: int) -> str:
    return f"bigcommerce-stock-push-queued:{connection_id}"


def stock_push_kick(*, connection_id: int) -> bool:
    """Enqueue the push task unless one is already queued for this connection (debounce)."""

    if not cache.add(_flag(connection_id), 1, timeout=KICK_FLAG_SECONDS):
        return False
    enqueue("integrations.tasks.bigcommerce_stock_push_run", connection_id)
    return True


def _lock(connection_id: int) -> str:
    return f"bigcommerce-stock-push-running:{connection_id}"


def _owed(connection_id: int) -> str:
    return f"bigcommerce-stock-push-owed:{connection_id}"


def _lease_seconds() -> float:
    return float(getattr(settings, "BIGCOMMERCE_STOCK_PUSH_LEASE_S", 6.0))


class _Heartbeat(threading.Thread):
    """Renews a held lock's lease every third of it while the holder lives: a run's rounds may
    take minutes (the pacer's waits, the client's retries), but a worker killed with the lock held
    gives the store up within one lease, not after the longest a round could take. What a killed
    run had in flight is safe all the same: its rows stay "unknown" until the settle window passed."""

    def __init__(self, key: str):
        super().__init__(name=f"lease {key}", daemon=True)
        self.key = key
        self.stopped = threading.Event()
        self.renewals = 0

    def run(self) -> None:
        lease = _lease_seconds()
        try:
            while not self.stopped.wait(lease / 3):
                if not cache.touch(self.key, timeout=lease):
                    return  # gone (released, or lapsed): nothing to keep
                self.renewals += 1
        except Exception:  # noqa: BLE001 (the cache out of reach: the lease lapses, another run takes over)
            logger.warning("stock push lease %s could not be renewed", self.key, exc_info=True)
        finally:
            connections.close_all()  # this thread's own (the database cache's), not the run's


_held: dict[int, _Heartbeat] = {}  # this process's held locks, by connection


def push_lock_take(*, connection_id: int) -> bool:
    """One push run per connection, on a lease (``_Heartbeat``) while its holder lives.

    A run that finds the lock held leaves a mark: the holder may have claimed before the changes
    this run came for were committed, so the holder enqueues a follow-up when it lets go
    (``push_lock_release``) instead of leaving them to the minute sweep. The mark is set before a
    second look, so a holder that let go in between is never missed: then this run takes the lock."""
    lease = _lease_seconds()
    taken = cache.add(_lock(connection_id), 1, timeout=lease)
    if not taken:
        cache.set(_owed(connection_id), 1, timeout=int(settle_grace_seconds()) + 60)
        taken = cache.add(_lock(connection_id), 1, timeout=lease)
    if taken:
        _held[connection_id] = beat = _Heartbeat(_lock(connection_id))
        beat.start()
    return taken


def push_lock_release(*, connection_id: int) -> bool:
    """Let go of the connection; enqueue a follow-up push when a run came meanwhile (True)."""
    beat = _held.pop(connection_id, None)
    if beat is not None:
        beat.stopped.set()
    cache.delete(_lock(connection_id))
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
