"""The inbox processed in batches: one drain per connection and lane takes every pending event.

A burst of orders sends two webhooks an order (the store-wide scope and the Comptoir-POS
channel's twin); one task each, on one urgent worker, was the limit of the intake at 50 orders a
second. So the view stores each delivery (durable, once per hash, as before) and asks for a drain
of the connection's inbox on the scope's lane (``scopes.drain_kick``: a task unless one is queued
and not started yet). The drain:

- runs once per connection and lane at a time (a cache lock); it clears the "queued" flag as it
  starts, so events stored while it runs ask for exactly one follow-up;
- takes the pending events a page at a time, oldest first: the order events of the page make ONE
  mark that a poll of the connection's orders is owed (``handlers.order_events_handle``; the poll
  reads the orders), then their journal entries in one write and ONE UPDATE marks them processed,
  in one transaction committed at once; other events go through their scope's handler one by
  one, each in a transaction of its own (one that raises stays pending, the page goes on);
- leaves nothing behind: an exception in the page's batch rolls the page back (its events stay
  pending for the next drain, or the minute sweep, ``inbox_sweep``); what arrived after its last
  look asks for a fresh drain.
"""

from __future__ import annotations

import logging
import time

from django.db import transaction
from django.utils import timezone

from integrations.bigcommerce.inbox.handlers import (
    order_event_handle,
    order_events_handle,
    stock_event_handle,
    stock_events_handle,
)
from integrations.bigcommerce.inbox.receive import webhook_event_process, webhook_events_close
from integrations.bigcommerce.inbox.scopes import (
    drain_kick,
    drain_started,
    handler_for,
    lane_filter,
    lane_for,
    process_task_for,
)
from integrations.models import BigCommerceConnection, WebhookEvent
from integrations.services.leases import lease_release, lease_take
from integrations.services.queue import BULK, URGENT, enqueue

logger = logging.getLogger(__name__)

PAGE = 1000  # events a transaction
# Then a fresh task takes over, at the tail of the lane's queue, so other work gets a turn. On the
# urgent lane a drain of our own pushes' echoes (two webhooks a variant pushed, tenths of a second
# each on a busy machine) held a worker for the whole 30 s while the stock pushes, order polls and
# stock checks queued behind it waited (a sale reached BigCommerce 10 to 30 s late): it yields
# after a second or so there, its page's order events always handled first.
DRAIN_SECONDS = {URGENT: 1.5, BULK: 30.0}
# The drain's lock is a lease renewed while its worker lives (``services.leases``): a worker killed
# mid-drain gives the store's inbox up within this, not after the longest a drain could take
# (renewed every second, as the order intake's and the stock push's).
LEASE_SECONDS = 3
SWEEP_AFTER = timezone.timedelta(minutes=1)


def _lock(connection_id: int, lane: str) -> str:
    return f"webhook-inbox-drain-running:{lane}:{connection_id}"


def _pending(connection_id: int, lane: str):
    return WebhookEvent.objects.filter(
        lane_filter(lane), connection_id=connection_id, status=WebhookEvent.Status.RECEIVED
    )


def inbox_drain(*, connection_id: int, lane: str) -> int:
    """Process the connection's pending events of a lane, a page at a time; how many were taken."""
    drain_started(connection_id=connection_id, lane=lane)
    if not lease_take(_lock(connection_id, lane), seconds=LEASE_SECONDS):
        return 0  # a drain runs: it looks again before it ends
    taken, set_aside = 0, set()
    deadline = time.monotonic() + DRAIN_SECONDS[lane]
    try:
        while page := _page_process(connection_id=connection_id, lane=lane, set_aside=set_aside, deadline=deadline):
            taken += page
            if time.monotonic() >= deadline:
                break
    finally:
        lease_release(_lock(connection_id, lane))
    if _pending(connection_id, lane).exclude(pk__in=set_aside).exists():
        drain_kick(connection_id=connection_id, lane=lane)  # arrived since our last look, or time ran out
    return taken


def _page_process(*, connection_id: int, lane: str, set_aside: set[int], deadline: float) -> int:
    """One page of pending events; how many it handled. ``set_aside``: events whose handler raised
    in this drain (left pending for a later one), extended here. The events other than orders
    left when ``deadline`` passes stay pending for the drain that follows.

    The page's order events are handled together in the page's transaction, committed before the
    other events are: their mark that a poll is owed holds the connection's intake row until
    commit, and every order poll (the intake's, the push settling a lost answer, the stock check)
    advances its cursor on that row. Its stock events (edits in BigCommerce, and our own pushes
    coming back: hundreds in a busy page, tenths of a second each one by one on a busy machine) are
    handled together next, in a transaction of their own (``_stock_batch``); any other event one by
    one, each in a transaction of its own. So neither a poll nor the stock check a stock edit asks
    for waits seconds for the rest of the page (as they did: a sale reached BigCommerce 10 s late),
    and a merchant's edit is not read a minute late behind the echoes queued before it."""
    with transaction.atomic():
        events = list(
            _pending(connection_id, lane)
            .exclude(pk__in=set_aside)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("merchant")
            .order_by("pk")[:PAGE]
        )
        connection = BigCommerceConnection.objects.select_related("merchant").filter(pk=connection_id).first()
        for event in events:
            event.connection = connection  # read once (its tokens decrypted once), not once an event
        orders = [e for e in events if handler_for(e.scope) is order_event_handle and _readable(e)]
        if orders:
            webhook_events_close(events=orders, outcomes=order_events_handle(events=orders))
    stock = [e for e in events if handler_for(e.scope) is stock_event_handle and _readable(e)]
    batched, others = {e.pk for e in orders} | _stock_batch(stock), 0
    for event in events:
        if event.pk in batched:
            continue
        if others and time.monotonic() > deadline:
            break  # at least one a page, so a drain always gets on
        others += 1
        try:
            with transaction.atomic():
                if _retaken(event):  # else processed meanwhile (``inbox_event_process``)
                    webhook_event_process(event=event)
        except Exception:
            logger.exception("Webhook event %s (%s) failed; left pending", event.pk, event.scope)
            set_aside.add(event.pk)
    return len(orders) + others


def _stock_batch(events: list[WebhookEvent]) -> set[int]:
    """The page's stock events handled together in one short transaction (``stock_events_handle``:
    a few queries whatever their number, where one by one each took its own); the ids handled, or
    taken by another process meanwhile. If the batch fails, none: they go one by one, and only the
    one whose handler raises is set aside."""
    if not events:
        return set()
    try:
        with transaction.atomic():
            taken = set(
                WebhookEvent.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk__in=[e.pk for e in events], status=WebhookEvent.Status.RECEIVED)
                .values_list("pk", flat=True)
            )
            ours = [e for e in events if e.pk in taken]
            if ours:
                webhook_events_close(events=ours, outcomes=stock_events_handle(events=ours))
    except Exception:
        logger.exception("A batch of %s stock webhook events failed; handled one by one", len(events))
        return set()
    return {e.pk for e in events}


def _retaken(event: WebhookEvent) -> bool:
    """The event locked again in the caller's transaction, if it is still pending."""
    return (
        WebhookEvent.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk=event.pk, status=WebhookEvent.Status.RECEIVED)
        .exists()
    )


def _readable(event: WebhookEvent) -> bool:
    return isinstance(event.payload, dict) and isinstance(event.payload.get("data", {}), dict)


def inbox_event_process(*, event_id: int) -> None:
    """One event alone, unless it was processed (or is being processed) already."""
    with transaction.atomic():
        event = (
            WebhookEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("connection", "merchant")
            .filter(pk=event_id, status=WebhookEvent.Status.RECEIVED)
            .first()
        )
        if event is not None:  # else processed, being processed, or failed for good (journaled)
            webhook_event_process(event=event)


def inbox_sweep() -> int:
    """The minute's safety net: events still pending a minute after they came (their drain was
    lost with a worker, or their handler failed) are drained again; how many drains were asked."""
    stale = (
        WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED, received_at__lt=timezone.now() - SWEEP_AFTER)
        .order_by("pk")
        .values_list("pk", "connection_id", "scope")[:5000]
    )
    drains = set()
    for event_id, connection_id, scope in stale:
        if connection_id is None:
            enqueue(process_task_for(scope), event_id)  # no connection any more: processed alone
        else:
            drains.add((connection_id, lane_for(scope)))
    for connection_id, lane in sorted(drains):
        drain_kick(connection_id=connection_id, lane=lane)
    return len(drains)
