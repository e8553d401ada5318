"""Orders as read brought into the ledger, a page at a time (``orders`` says what each order line
does to stock, and why).

``orders_apply`` takes a page of orders (up to 250, as ``intake`` reads them) and writes their
effect in a constant number of queries, whatever their number: each order's decision is made as
before (taken once, given back once, per its channel's inventory settings), then the live links
and local variants of every line are read at once, every ledger row goes through
``inventory.services.stock_adjust_many`` (keyed once each, as ``stock_adjust`` one by one), and
the ``OrderLineEffect`` rows, the ``RemoteOrder`` records and the journal's entries are each one
write. A row whose key was written before (a replay, or the same key with another quantity: an
edited order) writes nothing, as one by one. ``order_apply`` is a page of one; ``order_sync``
reads one order by id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from integrations import journal_messages
from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.api.errors import NotFound
from integrations.bigcommerce.stock.order_places import OrderPlaces
from integrations.bigcommerce.stock.orders import (
    GIVES_STOCK_BACK,
    KEPT_KIND,
    PARTIALLY_REFUNDED,
    REFUNDED,
    SHOP_NAME,
    api_refunds_restock,
    inventory_settings,
    order_lines_named,
    order_products,
    refunded_by_refunds,
    status_word,
    takes_stock,
)
from integrations.models import BigCommerceConnection, OrderLineEffect, RemoteOrder, SyncEvent, VariantLink
from integrations.services.journal import sync_event_record, sync_events_record_many
from inventory.models import StockOrigin
from inventory.reasons import KEPT_BECAUSE_PARTIAL, KEPT_BECAUSE_REFUND, KEPT_BECAUSE_SETTINGS, ReasonCode
from inventory.services import Adjustment, stock_adjust_many

RETURNED_CODE = ReasonCode.ONLINE_ORDER_RETURNED


@dataclass
class _Plan:
    """What one order does, decided before anything is written."""

    order: dict
    status: int
    taken: bool
    returned: bool
    giving_back: set
    kept: tuple | None  # (why, status word) when a cancelled or refunded order's stock stays out
    lines: list
    moved: dict = field(default_factory=dict)  # variant id → (variant, quantity)
    noted: dict = field(default_factory=dict)
    shop: object = None  # the shop the order moved (when not the primary: the journal names it)
    unmapped: set = field(default_factory=set)  # locations it took stock from that no shop maps to
    unmapped_lines: list = field(default_factory=list)  # (variant, quantity) of their lines
    first_take: bool = False  # its stock is taken now (not read taken before): said once


def order_sync(
    *, connection: BigCommerceConnection, order_id: int, client=None, passed_status: int | None = None
) -> set[int]:
    """Read one order (lines inline) and bring its stock effect into the ledger; the local variants
    it moved. ``passed_status``: a status the order is known to have passed through (the
    ``new_status_id`` of a ``statusUpdated`` event), which the order read now may have left already."""
    client = client or client_for(connection)
    try:
        order = api.order_get(client, order_id)
    except NotFound:
        return set()
    passed = {passed_status} if isinstance(passed_status, int) else set()
    return order_apply(connection=connection, client=client, order=order, passed=passed)


def order_unchanged(record: RemoteOrder | None, order: dict, passed) -> bool:
    """Read before as it is now (status and ``date_modified``), and no announced status to apply."""
    status = order.get("status_id", 0)
    if record is None or (record.status_id, record.date_modified) != (status, order.get("date_modified", "")):
        return False
    return not (set(passed) - {status}) or record.stock_returned


def order_apply(*, connection, client, order: dict, passed=frozenset(), record=False) -> set[int]:
    """Bring one order's stock effect into the ledger; the local variants it moved. ``order``: as
    the endpoints give it, with ``lines`` (None: read them); ``passed``: statuses the order was
    announced to pass through; ``record``: its ``RemoteOrder`` when the caller read it (None: none)."""
    if record is False:
        record = RemoteOrder.objects.filter(connection=connection, order_id=order["id"]).first()
    return orders_apply(connection=connection, client=client, items=[(order, passed, record)])


def orders_apply(*, connection, client, items: list[tuple[dict, object, RemoteOrder | None]]) -> set[int]:
    """Bring a page of orders into the ledger: ``items`` are (order, announced statuses, its
    ``RemoteOrder`` or None); the local variants that moved."""
    plans = [
        plan
        for order, passed, record in items
        if (plan := _order_plan(connection=connection, client=client, order=order, passed=passed, record=record))
    ]
    if not plans:
        return set()
    variants = _line_variants(connection, {line.get("variant_id") for plan in plans for line in plan.lines})
    places = OrderPlaces(
        connection=connection,
        client=client,
        orders=[plan.order for plan in plans],
        lines=[(plan.order, line) for plan in plans for line in plan.lines],
    )
    writes: list[tuple[_Plan, dict, str, object]] = []  # (plan, line, kind, variant) of each adjustment
    adjustments: list[Adjustment] = []
    for plan in plans:
        for line, kind, adjustment in _line_adjustments(connection, plan, variants, places):
            writes.append((plan, line, kind, adjustment.variant))
            adjustments.append(adjustment)
    with transaction.atomic():
        rows = stock_adjust_many(merchant=connection.merchant, adjustments=adjustments)
        effects = []
        for (plan, line, kind, variant), row in zip(writes, rows, strict=True):
            if row is None or not row.created:
                continue
            effects.append(
                OrderLineEffect(
                    connection=connection, order_id=plan.order["id"], line_id=line["id"], kind=kind, movement=row
                )
            )
            quantity = line.get("quantity") or 0
            if row.shop_id and not (plan.shop and plan.shop.pk == row.shop_id):
                plan.shop = places.shop_of.get(row.shop_id)
            if kind in (OrderLineEffect.Kind.TAKEN, OrderLineEffect.Kind.RETURNED):
                plan.moved[variant.pk] = (variant, quantity)
            else:
                plan.noted[variant.pk] = (variant, line.get("quantity_refunded") or quantity)
        OrderLineEffect.objects.bulk_create(effects)
        _records_write(connection, plans)
        sync_events_record_many([entry for plan in plans for entry in _journal_entries(connection, plan)])
    return {variant_id for plan in plans for variant_id in plan.moved}


def _order_plan(*, connection, client, order: dict, passed, record) -> _Plan | None:
    """What the order does to stock now (None: read before, unchanged)."""
    order_id, status = order["id"], order.get("status_id", 0)
    seen = {status} | {s for s in passed if isinstance(s, int)}
    if order_unchanged(record, order, passed):
        return None
    channel_id = order.get("channel_id") or 1
    rules = inventory_settings(connection=connection, channel_id=channel_id, client=client)
    behaviour = rules["update_stock_behavior"]
    taken = bool(record and record.stock_taken) or any(takes_stock(s, behaviour) for s in seen)
    if not taken and record is None and seen & (GIVES_STOCK_BACK | {PARTIALLY_REFUNDED}):
        # First seen already cancelled or refunded: it took stock when placed, or when shipped.
        taken = behaviour == "order_placed" or bool(order.get("date_shipped"))
    returned = bool(record and record.stock_returned)
    first_take = taken and not (record and record.stock_taken)
    lines = order.get("lines") if taken else []
    if lines is None:  # more lines than the include carried: read them all
        lines = list(api.order_lines_iter(client, order_id))
    giving_back = seen & GIVES_STOCK_BACK
    kept = None
    if taken and not returned and giving_back and rules["refund_order_stock_adjustment"]:
        # Refunded by the refund that refunded every line (not by a status change): BigCommerce
        # keeps the stock, per its refunds guide, unless the store is known to restock.
        by_refund = giving_back == {REFUNDED} and refunded_by_refunds(lines)
        returned = not by_refund or api_refunds_restock()
        if not returned:
            kept = (KEPT_BECAUSE_REFUND, "refunded")
    elif taken and not returned and giving_back:
        kept = (KEPT_BECAUSE_SETTINGS, status_word(status if status in giving_back else min(giving_back)))
    elif taken and not returned and PARTIALLY_REFUNDED in seen:
        kept = (KEPT_BECAUSE_PARTIAL, "partially_refunded")
    return _Plan(order, status, taken, returned, giving_back, kept, lines, first_take=first_take)


def _line_variants(connection, remote_ids: set) -> dict:
    """Remote variant id → the local variant whose stock it moves (live link, stock tracked), at once."""
    found: dict = {}
    links = (
        VariantLink.objects.live()
        .filter(link__connection=connection, remote_variant_id__in=[r for r in remote_ids if r])
        .select_related("variant__product")
        .order_by("pk")
    )
    for vlink in links:
        variant = vlink.variant
        if vlink.remote_variant_id not in found and variant is not None and variant.product.track_stock:
            found[vlink.remote_variant_id] = variant
        found.setdefault(vlink.remote_variant_id, None)
    return found


def _line_adjustments(connection, plan: _Plan, variants: dict, places: OrderPlaces):
    """Each ledger row the order's lines may have, in the shop of the location each line's stock
    is taken from (given back to the shop it was taken from): (line, kind, adjustment). A line
    at a location no shop maps to has none (``plan.unmapped`` says which location)."""
    order_id, status = plan.order["id"], plan.status
    prefix = f"bigcommerce:{connection.pk}:order:{order_id}:line"
    about = {"shop": SHOP_NAME, "order": order_id, "connection": connection.pk}
    for line in plan.lines:
        variant = variants.get(line.get("variant_id"))
        quantity = line.get("quantity") or 0
        if variant is None or quantity <= 0:
            continue
        taken_at, back_to = places.shop(plan.order, line, taking=True), places.shop(plan.order, line, taking=False)
        if taken_at is None:
            plan.unmapped.add(places.location(plan.order, line))
            plan.unmapped_lines.append((variant, quantity))
        if back_to is None:
            continue
        key = f"{prefix}:{line['id']}"
        if taken_at is not None:
            yield (
                line,
                OrderLineEffect.Kind.TAKEN,
                Adjustment(
                    variant,
                    -quantity,
                    StockOrigin.ONLINE_ORDER,
                    f"{key}:taken",
                    ReasonCode.ONLINE_ORDER,
                    about,
                    shop=taken_at,
                ),
            )
        if plan.returned:
            back = status if status in plan.giving_back else min(plan.giving_back) if plan.giving_back else None
            params = {**about, "status": status_word(back)} if back is not None else about
            yield (
                line,
                OrderLineEffect.Kind.RETURNED,
                Adjustment(
                    variant,
                    quantity,
                    StockOrigin.ONLINE_REFUND,
                    f"{key}:returned",
                    ReasonCode.ONLINE_ORDER_RETURNED,
                    params,
                    shop=back_to,
                ),
            )
        kept = plan.kept
        if kept and (kept[0] != KEPT_BECAUSE_PARTIAL or (line.get("quantity_refunded") or 0) > 0):
            params = {**about, "why": kept[0], "status": kept[1]}
            yield (
                line,
                KEPT_KIND[kept[0]],
                Adjustment(
                    variant,
                    0,
                    StockOrigin.ONLINE_REFUND,
                    f"{key}:kept:{kept[0]}",
                    ReasonCode.ONLINE_ORDER_KEPT,
                    params,
                    shop=back_to,
                ),
            )


def _records_write(connection, plans: list[_Plan]) -> None:
    """What was decided of each order (status, ``date_modified``, taken, returned), in one write."""
    fields = ["channel_id", "status_id", "date_modified", "stock_taken", "stock_returned"]
    RemoteOrder.objects.bulk_create(
        [
            RemoteOrder(
                connection=connection,
                order_id=plan.order["id"],
                channel_id=plan.order.get("channel_id"),
                status_id=plan.status,
                date_modified=plan.order.get("date_modified", ""),
                stock_taken=plan.taken,
                stock_returned=plan.returned,
            )
            for plan in {plan.order["id"]: plan for plan in plans}.values()  # an order twice: the last read
        ],
        update_conflicts=True,
        unique_fields=["connection", "order_id"],
        update_fields=fields,
    )


def _journal_entries(connection, plan: _Plan) -> list[SyncEvent]:
    """ "Online order #100: Tote bag −1, Mug −2" (each product named, each searchable), and the
    word for a cancelled or refunded order whose stock stayed out on both sides."""
    order, entries = plan.order, []
    if plan.moved:
        moved = list(plan.moved.values())
        params = {"order": order["id"], "returned": plan.returned, "lines": order_lines_named(moved)}
        if plan.returned:
            # BigCommerce's status name is English text: the journal says it in the reader's language.
            params["status"] = status_word(order.get("status_id", 0))
        if plan.shop is not None and not plan.shop.is_primary:
            params["shop"] = plan.shop.name  # a name: never translated
        entries.append(
            sync_event_record(
                connection=connection,
                kind=SyncEvent.Kind.STOCK_IN,
                direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
                code=journal_messages.ONLINE_ORDER,
                params=params,
                products=order_products(moved),
                detail={"order_id": order["id"], "status_id": order.get("status_id"), "returned": plan.returned},
                save=False,
            )
        )
    if plan.unmapped and plan.first_take:
        entries.append(
            sync_event_record(
                connection=connection,
                kind=SyncEvent.Kind.STOCK_IN,
                direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
                status=SyncEvent.Status.SKIPPED,
                code=journal_messages.ONLINE_ORDER_UNMAPPED,
                params={
                    "order": order["id"],
                    "locations": sorted(plan.unmapped, key=str),
                    "lines": order_lines_named(plan.unmapped_lines),
                },
                products=order_products(plan.unmapped_lines),
                detail={"order_id": order["id"], "locations": sorted(plan.unmapped, key=str)},
                save=False,
            )
        )
    if plan.noted:
        noted, (why, status) = list(plan.noted.values()), plan.kept
        reason = {"order": order["id"], "shop": SHOP_NAME, "why": why, "status": status}
        entries.append(
            sync_event_record(
                connection=connection,
                kind=SyncEvent.Kind.STOCK_IN,
                direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
                code=journal_messages.ONLINE_ORDER_KEPT,
                params={"reason": reason, "lines": order_lines_named(noted)},
                products=order_products(noted),
                detail={"order_id": order["id"], "status_id": order.get("status_id"), "returned": False, "kept": why},
                save=False,
            )
        )
    return entries
