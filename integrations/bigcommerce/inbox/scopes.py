"""The one table of webhook scopes: what Comptoir subscribes to in BigCommerce is what its
handlers take (``integrations/tests/test_webhook_handlers.py`` holds the two together). Channel
scopes are written with BigCommerce's placeholder, "store/channel/{channel_id}/...", and
subscribed for the Comptoir-POS channel; this module alone reads that syntax."""

from __future__ import annotations

import re

from django.core.cache import cache
from django.db.models import Q

from integrations.bigcommerce.inbox.handlers import order_event_handle, product_event_handle, stock_event_handle
from integrations.services.queue import BULK, URGENT, enqueue

CHANNEL_PREFIX = "store/channel/{channel_id}/"

# Scope → handler(event=); None: subscribed, journaled as received and left there (the app's
# uninstall callback, not this event, disconnects). In the order they are subscribed.
SCOPES: dict = {
    # products managed in BigCommerce (the import)
    "store/product/created": product_event_handle,
    "store/product/updated": product_event_handle,
    "store/product/deleted": product_event_handle,
    "store/sku/created": product_event_handle,
    "store/sku/updated": product_event_handle,
    "store/sku/deleted": product_event_handle,
    # manual stock edits in BigCommerce
    "store/product/inventory/updated": stock_event_handle,
    "store/sku/inventory/updated": stock_event_handle,
    # orders of every channel
    "store/order/created": order_event_handle,
    "store/order/updated": order_event_handle,
    "store/order/statusUpdated": order_event_handle,
    "store/order/refund/created": order_event_handle,
    "store/app/uninstalled": None,
    # the Comptoir-POS channel: its products, the twins of the order events for its orders, and
    # its stock changes (redundant with the store-wide scopes, against a dropped delivery; fired
    # with no value, so it cannot tell our own push from an edit)
    CHANNEL_PREFIX + "product/assigned": product_event_handle,
    CHANNEL_PREFIX + "product/unassigned": product_event_handle,
    CHANNEL_PREFIX + "order/created": order_event_handle,
    CHANNEL_PREFIX + "order/updated": order_event_handle,
    CHANNEL_PREFIX + "order/statusUpdated": order_event_handle,
    CHANNEL_PREFIX + "order/refund/created": order_event_handle,
    CHANNEL_PREFIX + "inventory/product/stock_changed": stock_event_handle,
}
# The scopes that have a handler (an event of any other scope is journaled as received).
WEBHOOK_HANDLERS: dict = {scope: handler for scope, handler in SCOPES.items() if handler is not None}


# Orders and stock edits are what a shopper or a cashier waits on: their events are processed on the
# urgent lane. Product and channel events (an initial sync of 10,000 products sends twice as many
# back) and those without a handler go to the bulk lane: they never queue ahead of a sale's push.
URGENT_HANDLERS = frozenset({order_event_handle, stock_event_handle})
URGENT_TASK = "integrations.tasks.webhook_event_process"
BULK_TASK = "integrations.tasks.webhook_event_process_bulk"


# The inbox is processed in batches (``inbox.drain``): one drain task per connection and lane.
DRAIN_TASKS = {URGENT: "integrations.tasks.webhook_inbox_drain", BULK: "integrations.tasks.webhook_inbox_drain_bulk"}
# A task asked for and not started yet: no second one. A queued task can be lost with a worker
# killed while it held it (django-q's Redis broker takes tasks ahead, without an acknowledgement): the
# flag then kept every later kick away for a minute (a convergence run's killed worker left a store's
# webhooks stopped that long). A few seconds bound that; a second task while one waits in a long queue
# finds little to do.
DRAIN_FLAG_SECONDS = 3  # 10 s until the drift run: a killed worker held a store's webhooks back that long


def process_task_for(scope: str) -> str:
    """The task (hence the lane) that processes one event of this scope (a retry the support asks for)."""
    return URGENT_TASK if handler_for(scope) in URGENT_HANDLERS else BULK_TASK


def lane_for(scope: str) -> str:
    """The lane whose drain processes events of this scope."""
    return URGENT if handler_for(scope) in URGENT_HANDLERS else BULK


def lane_filter(lane: str) -> Q:
    """The events of a lane, as a filter on ``scope`` (the same answer as ``lane_for``, in SQL)."""
    urgent = [scope for scope, handler in WEBHOOK_HANDLERS.items() if handler in URGENT_HANDLERS]
    tails = [re.escape(s.removeprefix(CHANNEL_PREFIX)) for s in urgent if s.startswith(CHANNEL_PREFIX)]
    wanted = Q(scope__in=[s for s in urgent if not s.startswith(CHANNEL_PREFIX)]) | Q(
        scope__regex=rf"^store/channel/[0-9]+/({'|'.join(tails)})$"
    )
    return wanted if lane == URGENT else ~wanted


def _drain_flag(connection_id: int, lane: str) -> str:
    return f"webhook-inbox-drain-queued:{lane}:{connection_id}"


def drain_kick(*, connection_id: int, lane: str) -> bool:
    """Enqueue the drain of a connection's inbox on a lane unless one is queued already (not yet
    started: it will see the new events). Whether a task was enqueued."""
    if not cache.add(_drain_flag(connection_id, lane), 1, timeout=DRAIN_FLAG_SECONDS):
        return False
    enqueue(DRAIN_TASKS[lane], connection_id)
    return True


def drain_started(*, connection_id: int, lane: str) -> None:
    """A drain starts: events from now on ask for one more (exactly one follow-up)."""
    cache.delete(_drain_flag(connection_id, lane))


def subscribed(channel_id: int) -> list[str]:
    """The scopes to subscribe to for a connection whose channel is ``channel_id``."""
    return [scope.format(channel_id=channel_id) for scope in SCOPES]


def handler_for(scope: str):
    """The handler of a scope as BigCommerce sends it ("store/channel/12/order/created"), or None."""
    handler = WEBHOOK_HANDLERS.get(scope)
    parts = scope.split("/")
    if handler is None and len(parts) > 2 and parts[:2] == ["store", "channel"] and parts[2].isdigit():
        handler = WEBHOOK_HANDLERS.get(CHANNEL_PREFIX + "/".join(parts[3:]))
    return handler
