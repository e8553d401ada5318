"""Online orders read in batches: every order modified since a durable cursor, its lines inline
(``GET /v2/orders?min_date_modified=&sort=date_modified:asc&limit=250&include=consignments.line_items``),
applied a page at a time by ``orders_apply.orders_apply`` (each order once).

**The cursor** (``OrderIntake.modified_until``) is BigCommerce's own ``date_modified`` of the
newest order read, never Comptoir's clock. Each poll starts ``BIGCOMMERCE_ORDER_POLL_OVERLAP_S``
before it: those dates have one-second resolution and, under load, an order modified earlier may
become visible after a later one. Reading an order again is harmless: an order read unchanged is
skipped (its ``RemoteOrder`` has the same status and ``date_modified``), and every line's effect
is keyed once in the ledger (``OrderLineEffect``). Pages are walked by the dates they end at
(``min_date_modified`` = the last order's date, page 1 again), not by page number, so an order
modified while the poll runs (it moves to the end of the list) never shifts an unread one into a
page already read; a page that ends at the date it started from (over 250 orders in one second)
goes on by page number.

**Announced statuses** (``OrderStatusAnnounced``): a ``statusUpdated`` webhook says which status
the order passed through; the poll that applies the order applies that status too (a
cancellation followed by a reopening between two polls still gave the stock back), then forgets
it. One whose order no batch carried (its webhook came late) is read by id (``order_sync``).

How polls are triggered, paced and kept to one per connection: ``intake_run``.
"""

from __future__ import annotations

import email.utils
import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api import pagination
from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.stock.orders_apply import order_sync, order_unchanged, orders_apply
from integrations.models import BigCommerceConnection, OrderIntake, OrderStatusAnnounced, RemoteOrder

logger = logging.getLogger(__name__)

PAGE_SIZE = pagination.PAGE_LIMIT_MAX
PAGES_PER_POLL = 40  # 10,000 orders: a longer burst is read on by the follow-up poll
LATE_STATUSES_PER_POLL = 50  # announced statuses whose order no batch carried, read by id


def poll_overlap() -> timedelta:
    """How far before the cursor each poll reads again (BigCommerce's dates: one-second
    resolution, visible out of order under load)."""
    return timedelta(seconds=float(getattr(settings, "BIGCOMMERCE_ORDER_POLL_OVERLAP_S", 3)))


def intake_row(connection: BigCommerceConnection) -> OrderIntake:
    row, _created = OrderIntake.objects.get_or_create(connection=connection)
    return row


def _rfc2822(moment: datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(UTC))


def _modified(order: dict) -> datetime | None:
    try:
        moment = email.utils.parsedate_to_datetime(order.get("date_modified") or "")
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # "-0000": UTC, unsaid


def cursor_advance(*, connection: BigCommerceConnection, until: datetime) -> None:
    """Move the cursor forward to ``until`` (never back: two polls may run at once)."""
    OrderIntake.objects.filter(
        Q(modified_until__lt=until) | Q(modified_until__isnull=True), connection=connection
    ).update(modified_until=until)


def _batch_apply(*, connection, client, orders: list[dict], seen: dict[int, str]) -> tuple[set[int], int]:
    """Apply the orders of one page that this poll has not applied as they are; (the local variants
    that moved, how many orders were applied)."""
    fresh = [o for o in orders if isinstance(o.get("id"), int) and seen.get(o["id"]) != o.get("date_modified")]
    ids = [o["id"] for o in fresh]
    records = {r.order_id: r for r in RemoteOrder.objects.filter(connection=connection, order_id__in=ids)}
    announced: dict[int, dict[int, int]] = {}
    for pk, order_id, status_id in OrderStatusAnnounced.objects.filter(
        connection=connection, order_id__in=ids
    ).values_list("pk", "order_id", "status_id"):
        announced.setdefault(order_id, {})[pk] = status_id
    items, done = [], []
    for order in fresh:
        seen[order["id"]] = order.get("date_modified")
        passed = announced.get(order["id"], {})
        record = records.get(order["id"])
        if not order_unchanged(record, order, passed.values()):
            items.append((order, set(passed.values()), record))
        done.extend(passed)  # applied (or moot: the order was read in that status already)
    moved = orders_apply(connection=connection, client=client, items=items)
    if done:
        OrderStatusAnnounced.objects.filter(pk__in=done).delete()
    return moved, len(items)


def orders_poll(*, connection: BigCommerceConnection, client=None, overlap: timedelta | None = None) -> set[int]:
    """Every order modified since the cursor (less the overlap), lines inline, brought into the
    ledger; the local variants that moved. Orders placed before the connection are in its
    starting stock. ``overlap``: how far back to read again (default ``poll_overlap()``)."""
    client = client or client_for(connection)
    started = timezone.now()
    row = intake_row(connection)
    start = row.modified_until or connection.orders_polled_until or connection.connected_at or started
    bound = start - (poll_overlap() if overlap is None else overlap)
    page, seen, moved = 1, {}, set()
    limit = PAGE_SIZE
    for _page in range(PAGES_PER_POLL):
        orders = api.orders_modified_page(client, since_rfc2822=_rfc2822(bound), page=page, limit=limit)
        moved |= _batch_apply(connection=connection, client=client, orders=orders, seen=seen)[0]
        dates = [d for d in map(_modified, orders) if d is not None]
        if dates:
            cursor_advance(connection=connection, until=max(dates))
        if len(orders) < limit:
            break
        last = _modified(orders[-1])
        if last is not None and last > bound:
            bound, page = last, 1
        else:
            page += 1
    else:  # the page cap, with more to read: the follow-up poll reads on from the cursor
        OrderIntake.objects.filter(connection=connection).update(wanted_at=timezone.now())
        return moved | _late_statuses_apply(connection=connection, client=client, before=started, seen=seen)
    moved |= _late_statuses_apply(connection=connection, client=client, before=started, seen=seen)
    # Every order placed before ``started`` is in the ledger now (``intake_run.orders_read_after``
    # counts on it); never back: a slower poll begun earlier may end after a later one.
    BigCommerceConnection.objects.filter(
        Q(orders_polled_until__lt=started) | Q(orders_polled_until__isnull=True), pk=connection.pk
    ).update(orders_polled_until=started)
    connection.orders_polled_until = max(started, connection.orders_polled_until or started)
    return moved


def _late_statuses_apply(*, connection, client, before: datetime, seen: dict) -> set[int]:
    """Announced statuses that were waiting before this poll began and whose order it did not
    carry (the webhook came after the cursor had passed the order): that order is read by id."""
    moved: set[int] = set()
    late = (
        OrderStatusAnnounced.objects.filter(connection=connection, announced_at__lt=before)
        .exclude(order_id__in=list(seen))
        .order_by("pk")[:LATE_STATUSES_PER_POLL]
    )
    for row in late:
        moved |= order_sync(connection=connection, client=client, order_id=row.order_id, passed_status=row.status_id)
        row.delete()
    return moved
