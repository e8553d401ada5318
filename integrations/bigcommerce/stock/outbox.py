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
3. The fast path is the after-commit ``stock_changed`` receiver (``stock_push_kick``, debounced
   by a cache flag: at most one task queued per connection, taken before the rest of the urgent
   lane, ``integrations.services.queue.FIRST``); a run that finds another holding the connection
   leaves it a mark and the holder enqueues the follow-up as it lets go (``push_lock_take``); the
   slow path is the every-minute sweep (``tasks.bigcommerce_stock_push_sweep``).
"""

from django.core.cache import cache

from integrations.bigcommerce.stock.levels import clamped, settle_grace_seconds
from integrations.models import BigCommerceConnection, StockPush, VariantLink
from integrations.services.queue import enqueue
from inventory.models import ONLINE_ORIGINS

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


def push_lock_take(*, connection_id: int) -> bool:
    """One push run per connection. The lock outlives a killed worker only until it expires
    (longer than a round can take: its call, retries and timeouts included).

    A run that finds the lock held leaves a mark: the holder may have claimed before the changes
    this run came for were committed, so the holder enqueues a follow-up when it lets go
    (``push_lock_release``) instead of leaving them to the minute sweep. The mark is set before a
    second look, so a holder that let go in between is never missed: then this run takes the lock."""
    timeout = int(settle_grace_seconds()) + 60
    if cache.add(_lock(connection_id), 1, timeout=timeout):
        return True
    cache.set(_owed(connection_id), 1, timeout=timeout)
    return cache.add(_lock(connection_id), 1, timeout=timeout)


def push_lock_release(*, connection_id: int) -> bool:
    """Let go of the connection; enqueue a follow-up push when a run came meanwhile (True)."""
    cache.delete(_lock(connection_id))
    if not cache.delete(_owed(connection_id)):
        return False
    stock_push_kick(connection_id=connection_id)
    return True


def pending_exists(*, connection, since) -> bool:
    """Changes marked since ``since`` and not sent yet (not the ones BigCommerce keeps refusing)."""
    return StockPush.objects.filter(connection=connection, state=State.PENDING, created_at__gte=since).exists()


def stock_push_kick_clear(*, connection_id: int) -> None:
    """The task started: changes marked from now on need a new task."""
    cache.delete(_flag(connection_id))
