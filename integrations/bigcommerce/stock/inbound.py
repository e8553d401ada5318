"""Stock changes in BigCommerce → Comptoir: online orders, cancellations and refunds, manual
edits there, and the stock check (reconciliation).

**Orders** are the source of truth for order lines. BigCommerce takes an order's stock at most
once per line (when its status takes stock under the channel's ``update_stock_behavior``) and
gives it back at most once (Cancelled or Refunded, when ``refund_order_stock_adjustment`` says
so; a refund made through the API never does, per BigCommerce's refunds guide). ``order_sync``
reads the order as it is now and writes the two ledger rows each line may have, keyed
``bigcommerce:{connection}:order:{order}:line:{line}:taken|returned``: events that come twice,
late or out of order all end in the same ledger. ``RemoteOrder`` keeps what was decided, so an
order re-read unchanged costs one call. Triggers: the order webhooks, and ``orders_poll``
(every minute, ``GET /v2/orders?min_date_modified=``) for the webhooks that never came.

**Manual edits in BigCommerce** (``store/sku|product/inventory/updated``) mark the variant for a
check (``VariantLink.stock_check_requested_at``); our own adjustments coming back are recognised
and change nothing. **The stock check** (``stock_check``) compares BigCommerce's level with the
level Comptoir expects it to show (``max(0, online level)``) for variants that are *quiet*: no
stock push pending, unknown or just sent (BigCommerce applies adjustments asynchronously), no
order that moved them between two order polls taken around the level read. The difference is
written to the ledger (origin ``manual_online`` for a reported edit, ``reconciliation`` for the
scheduled check and "Check stock now"); busy variants are checked on the next round. A push
whose answer was lost and could not be told apart, or that BigCommerce refused three times, does
not keep its variant busy: the check sets BigCommerce to Comptoir's level (Comptoir's ledger is the
truth for its own sales) and closes those rows (``_undecided_settle``). A
correction is written only if Comptoir's level is still the one compared (the level row is locked
first), so two checks running at once never correct twice.

**Whose orders**: every channel's. Stock lives per location, not per channel, and every order
of the store (storefront, other channels, ours) moved BigCommerce's level of a bound variant, so
Comptoir's shared stock follows all of them; the order's channel only decides which inventory
settings apply (``GET /v3/settings/inventory?channel_id=``, cached a few minutes per channel).
The Comptoir-POS channel's order webhooks (``store/channel/{id}/order/*``) are subscribed as
twins of the store-wide ones, against a dropped delivery.

**Refunds**: a status change to Cancelled or Refunded gives the stock back when
``refund_order_stock_adjustment`` is on; the refund that refunds every line (through the API or
the control panel) does not, per BigCommerce's refunds guide, unless
``settings.BIGCOMMERCE_API_REFUNDS_RESTOCK`` says this store does (the sandbox's ``refund_restocks``);
a partial refund never does. When the stock of a cancelled or refunded line stays out (those rules,
or a store whose settings keep it), a ledger row that moves 0 says why (``:kept:{why}``, reason
``online_order_kept``) and the journal says the same: the merchant sees why nothing came back.

Every row keeps why it moved as a code and its parameters (``inventory.reasons``), with the order
and the connection, so the stock page links the order without reading the row's key or text.

Public entry points (tasks in ``integrations.tasks`` wrap them): ``order_sync(connection=,
order_id=)``, ``orders_poll(connection=)`` (task ``bigcommerce_orders_poll``),
``stock_check_request`` / ``stock_checks_requested_run(connection=)`` (task
``bigcommerce_stock_check_requested``), ``stock_reconcile(connection=)`` (a whole stock check,
inline) and ``stock_reconcile_start(connection=)`` (as a run, task ``bigcommerce_stock_reconcile``).
"""

from __future__ import annotations

import email.utils
import logging
from collections import defaultdict
from datetime import UTC, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.api.errors import NotFound
from integrations.bigcommerce.stock.push import _clamped, _remote_levels
from integrations.models import BigCommerceConnection, RemoteOrder, StockPush, SyncEvent, SyncRun, VariantLink
from integrations.services.journal import sync_event_record
from inventory.reasons import (
    KEPT_BECAUSE_PARTIAL,
    KEPT_BECAUSE_REFUND,
    KEPT_BECAUSE_SETTINGS,
    ORDER_STATUSES,
    ReasonCode,
    reason_text,
)

logger = logging.getLogger(__name__)

ORDER_SCOPES = (
    "store/order/created",
    "store/order/updated",
    "store/order/statusUpdated",
    "store/order/refund/created",
)
# The channel twins of the order events fire for orders of the Comptoir-POS channel only; the
# store-wide ones above cover every channel.
CHANNEL_ORDER_SCOPES = tuple(s.replace("store/", "store/channel/{channel_id}/", 1) for s in ORDER_SCOPES)
INVENTORY_SCOPES = ("store/sku/inventory/updated", "store/product/inventory/updated")
# Fired once per channel the product is on, with no value: it cannot tell our own push from an edit.
CHANNEL_INVENTORY_SCOPES = ("store/channel/{channel_id}/inventory/product/stock_changed",)

# BigCommerce's order statuses (GET /v2/order_statuses) as they move stock.
SHIPPED_OR_COMPLETED = frozenset({2, 10})
NEVER_TAKES_STOCK = frozenset({0, 4, 5, 6, 14})  # incomplete, refunded, cancelled, declined, partially refunded
GIVES_STOCK_BACK = frozenset({4, 5})  # refunded, cancelled
REFUNDED = 4
PARTIALLY_REFUNDED = 14
SHOP_NAME = "BigCommerce"  # how the stock history names the store (a name: never translated)
SETTINGS_CACHE_SECONDS = 300
POLL_MARGIN = timedelta(seconds=5)  # v2 dates have one-second resolution; clocks differ a little
CHECK_CHUNK = 1000
KICK_FLAG_SECONDS = 60
# A relative change equal to one Comptoir pushed this recently is taken for its echo. (A genuine
# edit of the same size in that time is left to the stock check.)
ECHO_WINDOW = timedelta(minutes=2)


def _apply_window() -> timedelta:
    """How long after a push BigCommerce may still be applying it (its Inventory API is asynchronous)."""
    return timedelta(seconds=getattr(settings, "BIGCOMMERCE_STOCK_APPLY_WINDOW_S", 5))


# -- orders ----------------------------------------------------------------------------------
def inventory_settings(*, connection: BigCommerceConnection, channel_id: int, client=None) -> dict:
    """The inventory settings that apply to a channel's orders (cached a few minutes)."""
    key = f"bigcommerce-inventory-settings:{connection.pk}:{connection.store_hash}:{channel_id}"
    found = cache.get(key)
    if found is None:
        client = client or client_for(connection)
        try:
            data = api.inventory_settings_get(client, channel_id=channel_id)
        except NotFound:  # a channel with no settings of its own
            data = api.inventory_settings_get(client)
        found = {
            "update_stock_behavior": data.get("update_stock_behavior") or "order_placed",
            "refund_order_stock_adjustment": bool(data.get("refund_order_stock_adjustment", True)),
        }
        cache.set(key, found, SETTINGS_CACHE_SECONDS)
    return found


def _takes_stock(status_id: int, behaviour: str) -> bool:
    if status_id in NEVER_TAKES_STOCK:
        return False
    return behaviour == "order_placed" or status_id in SHIPPED_OR_COMPLETED


def _live_link(connection, remote_variant_id) -> VariantLink | None:
    if not remote_variant_id:
        return None
    return (
        VariantLink.objects.live()
        .filter(link__connection=connection, remote_variant_id=remote_variant_id)
        .select_related("link")
        .first()
    )


def _local_variant(vlink: VariantLink):
    from catalog.models import Variant

    variant = Variant.objects.filter(pk=vlink.variant_id).select_related("product").first()
    return variant if variant is not None and variant.product.track_stock else None


def _ledger_write(*, connection, variant, delta: int, origin: str, key: str, code: str, params: dict) -> bool:
    """One ledger row under ``key`` (``delta`` 0: a row that says why nothing moved); False when
    that key was written before. ``code`` and ``params``: why, for the history (inventory.reasons)."""
    from inventory.models import StockMovement
    from inventory.services import stock_adjust, stock_note_record

    if StockMovement.objects.filter(merchant_id=connection.merchant_id, idempotency_key=key).exists():
        return False
    params = {"shop": SHOP_NAME, **params}
    if delta == 0:
        stock_note_record(
            merchant=connection.merchant,
            variant=variant,
            origin=origin,
            idempotency_key=key,
            reason_code=code,
            reason_params=params,
        )
    else:
        stock_adjust(
            merchant=connection.merchant,
            variant=variant,
            delta=delta,
            origin=origin,
            idempotency_key=key,
            reason_code=code,
            reason_params=params,
        )
    return True


def order_sync(
    *, connection: BigCommerceConnection, order_id: int, client=None, passed_status: int | None = None
) -> set[int]:
    """Read one order and bring its stock effect into the ledger; the local variants it moved.

    ``passed_status``: a status the order is known to have passed through (the ``new_status_id``
    of a ``statusUpdated`` event), which the order read now may have left already: a cancellation
    followed by a reopening gave the stock back all the same (BigCommerce never takes it again)."""
    client = client or client_for(connection)
    try:
        order = api.order_get(client, order_id)
    except NotFound:
        return set()
    return _order_apply(connection=connection, client=client, order=order, passed_status=passed_status)


def _order_apply(*, connection, client, order: dict, passed_status: int | None = None) -> set[int]:
    from inventory.models import StockOrigin

    order_id, status = order["id"], order.get("status_id", 0)
    seen = {status} | ({passed_status} if isinstance(passed_status, int) else set())
    record = RemoteOrder.objects.filter(connection=connection, order_id=order_id).first()
    if record is not None and (record.status_id, record.date_modified) == (status, order.get("date_modified", "")):
        if passed_status in (None, status) or record.stock_returned:
            return set()  # read before, unchanged
    channel_id = order.get("channel_id") or 1
    rules = inventory_settings(connection=connection, channel_id=channel_id, client=client)
    behaviour = rules["update_stock_behavior"]
    taken = bool(record and record.stock_taken) or any(_takes_stock(s, behaviour) for s in seen)
    if not taken and record is None and seen & (GIVES_STOCK_BACK | {PARTIALLY_REFUNDED}):
        # First seen already cancelled or refunded: it took stock when placed, or when shipped.
        taken = behaviour == "order_placed" or bool(order.get("date_shipped"))
    returned = bool(record and record.stock_returned)
    lines = list(api.order_lines_iter(client, order_id)) if taken else []
    giving_back = seen & GIVES_STOCK_BACK
    kept = None  # (why, status) when a cancelled or refunded order's stock stays out: the history says so
    if taken and not returned and giving_back and rules["refund_order_stock_adjustment"]:
        # Refunded by the refund that refunded every line (not by a status change): BigCommerce
        # keeps the stock, per its refunds guide, unless the store is known to restock.
        by_refund = giving_back == {REFUNDED} and _refunded_by_refunds(lines)
        returned = not by_refund or api_refunds_restock()
        if not returned:
            kept = (KEPT_BECAUSE_REFUND, "refunded")
    elif taken and not returned and giving_back:
        kept = (KEPT_BECAUSE_SETTINGS, _status_word(status if status in giving_back else min(giving_back)))
    elif taken and not returned and PARTIALLY_REFUNDED in seen:
        kept = (KEPT_BECAUSE_PARTIAL, "partially_refunded")
    moved: dict[int, tuple] = {}
    noted: dict[int, tuple] = {}
    prefix = f"bigcommerce:{connection.pk}:order:{order_id}:line"
    with transaction.atomic():
        for line in lines:
            vlink = _live_link(connection, line.get("variant_id"))
            variant = _local_variant(vlink) if vlink else None
            quantity = line.get("quantity") or 0
            if variant is None or quantity <= 0:
                continue
            about = {"order": order_id, "connection": connection.pk}
            wrote = _ledger_write(
                connection=connection,
                variant=variant,
                delta=-quantity,
                origin=StockOrigin.ONLINE_ORDER,
                key=f"{prefix}:{line['id']}:taken",
                code=ReasonCode.ONLINE_ORDER,
                params=about,
            )
            if returned:
                wrote |= _ledger_write(
                    connection=connection,
                    variant=variant,
                    delta=quantity,
                    origin=StockOrigin.ONLINE_REFUND,
                    key=f"{prefix}:{line['id']}:returned",
                    code=ReasonCode.ONLINE_ORDER_RETURNED,
                    params={**about, "status": _status_word(status if status in giving_back else min(giving_back))}
                    if giving_back
                    else about,
                )
            if wrote:
                moved[variant.pk] = (variant, quantity)
            refunded_here = kept and (kept[0] != KEPT_BECAUSE_PARTIAL or (line.get("quantity_refunded") or 0) > 0)
            if refunded_here and _ledger_write(
                connection=connection,
                variant=variant,
                delta=0,
                origin=StockOrigin.ONLINE_REFUND,
                key=f"{prefix}:{line['id']}:kept:{kept[0]}",
                code=ReasonCode.ONLINE_ORDER_KEPT,
                params={**about, "why": kept[0], "status": kept[1]},
            ):
                noted[variant.pk] = (variant, line.get("quantity_refunded") or quantity)
        _order_record(connection, order, status=status, taken=taken, returned=returned)
        if moved:
            _order_journal(connection, order, moved=list(moved.values()), returned=returned)
        if noted:
            _order_kept_journal(connection, order, noted=list(noted.values()), why=kept[0], status=kept[1])
    return set(moved)


def _status_word(status_id: int) -> str:
    """BigCommerce's order status, as the generic word the history translates (inventory.reasons)."""
    return {REFUNDED: "refunded", PARTIALLY_REFUNDED: "partially_refunded"}.get(status_id, "cancelled")


def _order_kept_journal(connection, order, *, noted: list, why: str, status: str) -> None:
    """The journal's word for a cancelled or refunded order whose stock stayed out on both sides."""
    skus = ", ".join(f"{variant.sku or variant} ×{quantity}" for variant, quantity in noted)
    params = {"order": order["id"], "shop": SHOP_NAME, "why": why, "status": status}
    first = noted[0][0]
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.STOCK_IN,
        direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
        message=lambda: (
            _("%(reason)s Items: %(skus)s.")
            % {"reason": reason_text(code=ReasonCode.ONLINE_ORDER_KEPT, params=params), "skus": skus}
        ),
        product={"id": first.product_id, "name": first.product.name, "sku": first.sku} if len(noted) == 1 else None,
        detail={"order_id": order["id"], "status_id": order.get("status_id"), "returned": False, "kept": why},
    )


def _refunded_by_refunds(lines: list[dict]) -> bool:
    """Every line refunded through refunds: the order became Refunded by its last refund. (A
    Refunded status set by hand after a partial refund, or with no refund, leaves lines unrefunded.)"""
    return bool(lines) and all((line.get("quantity_refunded") or 0) >= (line.get("quantity") or 0) for line in lines)


def api_refunds_restock() -> bool:
    """Whether the refund that completes an order gives its stock back. BigCommerce's refunds guide
    says it never does (the default); ``BIGCOMMERCE_API_REFUNDS_RESTOCK = True`` is for a store
    that does (the sandbox's ``refund_restocks`` store option)."""
    return bool(getattr(settings, "BIGCOMMERCE_API_REFUNDS_RESTOCK", False))


def _order_record(connection, order, *, status, taken, returned) -> None:
    values = {
        "channel_id": order.get("channel_id"),
        "status_id": status,
        "date_modified": order.get("date_modified", ""),
        "stock_taken": taken,
        "stock_returned": returned,
    }
    try:
        with transaction.atomic():
            RemoteOrder.objects.update_or_create(connection=connection, order_id=order["id"], defaults=values)
    except IntegrityError:  # another task recorded it at the same moment
        RemoteOrder.objects.filter(connection=connection, order_id=order["id"]).update(**values)


def _order_journal(connection, order, *, moved: list, returned: bool) -> None:
    items = sum(quantity for _variant, quantity in moved)
    # BigCommerce's status name is English text: the journal says it in the reader's language.
    status_word = _status_word(order.get("status_id", 0))
    skus = ", ".join(f"{variant.sku or variant} ×{quantity}" for variant, quantity in moved)

    def message():
        if returned:
            return ngettext(
                "Online order #%(id)s (%(status)s): %(count)s item back in Comptoir's stock (%(skus)s).",
                "Online order #%(id)s (%(status)s): %(count)s items back in Comptoir's stock (%(skus)s).",
                items,
            ) % {"id": order["id"], "status": ORDER_STATUSES[status_word], "count": items, "skus": skus}
        return ngettext(
            "Online order #%(id)s: %(count)s item taken from Comptoir's stock (%(skus)s).",
            "Online order #%(id)s: %(count)s items taken from Comptoir's stock (%(skus)s).",
            items,
        ) % {"id": order["id"], "count": items, "skus": skus}

    first = moved[0][0]
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.STOCK_IN,
        direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
        message=message,
        product={"id": first.product_id, "name": first.product.name, "sku": first.sku} if len(moved) == 1 else None,
        detail={"order_id": order["id"], "status_id": order.get("status_id"), "returned": returned},
    )


def order_id_of(data: dict) -> int | None:
    """The order an order event names (``{type: order, id}``, or ``{order_id}`` on channel scopes)."""
    candidate = data.get("order_id", data.get("id")) if isinstance(data, dict) else None
    return candidate if isinstance(candidate, int) and not isinstance(candidate, bool) and candidate > 0 else None


def _rfc2822(moment) -> str:
    return email.utils.format_datetime(moment.astimezone(UTC))


def orders_poll(*, connection: BigCommerceConnection, client=None) -> set[int]:
    """Every order modified since the last poll (minus a margin), brought into the ledger; the
    local variants that moved. Orders placed before the connection are in its starting stock."""
    client = client or client_for(connection)
    started = timezone.now()
    since = connection.orders_polled_until or connection.connected_at or started
    moved: set[int] = set()
    for order in api.orders_modified_since(client, since_rfc2822=_rfc2822(since - POLL_MARGIN)):
        moved |= _order_apply(connection=connection, client=client, order=order)
    BigCommerceConnection.objects.filter(pk=connection.pk).update(orders_polled_until=started)
    connection.orders_polled_until = started
    return moved


# -- manual edits in BigCommerce ---------------------------------------------------------------
def _echo(vlink: VariantLink, inventory: dict) -> bool:
    """A relative change equal to what Comptoir pushed for this variant a moment ago: ours."""
    if inventory.get("method") != "relative" or not isinstance(inventory.get("value"), int):
        return False
    recent = StockPush.objects.filter(
        variant_link=vlink, state=StockPush.State.SENT, sent_at__gte=timezone.now() - ECHO_WINDOW
    )
    by_batch: dict[str, int] = defaultdict(int)
    for batch, delta in recent.values_list("batch", "delta"):
        by_batch[batch] += delta
    return inventory["value"] in by_batch.values()


def _just_pushed(vlink: VariantLink) -> bool:
    return StockPush.objects.filter(
        variant_link=vlink, state=StockPush.State.SENT, sent_at__gte=timezone.now() - ECHO_WINDOW
    ).exists()


def stock_event_links(*, connection: BigCommerceConnection, data: dict) -> list[VariantLink]:
    """The bound variants an inventory event is about (a product tracked as a whole: its
    variants). ``store/channel/{id}/inventory/product/stock_changed`` names them at the top level."""
    inventory = data.get("inventory") if isinstance(data.get("inventory"), dict) else data
    variant_id = inventory.get("variant_id")
    live = VariantLink.objects.live().filter(link__connection=connection)
    if isinstance(variant_id, int) and not isinstance(variant_id, bool) and variant_id > 0:
        return list(live.filter(remote_variant_id=variant_id))
    product_id = inventory.get("product_id") or data.get("id")
    if isinstance(product_id, bool):
        return []
    if isinstance(product_id, int) and product_id > 0:
        return list(live.filter(link__remote_product_id=product_id))
    return []


def stock_check_request(*, connection: BigCommerceConnection, data: dict) -> int:
    """Mark the variants of an inventory event for a check (not our own change coming back);
    how many were marked. The check runs in a task, on commit."""
    inventory = data.get("inventory") if isinstance(data.get("inventory"), dict) else None
    links = stock_event_links(connection=connection, data=data)
    if inventory is not None:
        links = [v for v in links if not _echo(v, inventory)]
    else:  # no value to compare: right after our own push, the store-wide event (with its value) decides
        links = [v for v in links if not _just_pushed(v)]
    if links:
        VariantLink.objects.filter(pk__in=[v.pk for v in links]).update(stock_check_requested_at=timezone.now())
        transaction.on_commit(lambda: stock_check_kick(connection_id=connection.pk))
    return len(links)


def _flag(connection_id: int) -> str:
    return f"bigcommerce-stock-check-queued:{connection_id}"


def stock_check_kick(*, connection_id: int) -> bool:
    from django_q.tasks import async_task

    if not cache.add(_flag(connection_id), 1, timeout=KICK_FLAG_SECONDS):
        return False
    async_task("integrations.tasks.bigcommerce_stock_check_requested", connection_id)
    return True


def stock_checks_requested_run(*, connection: BigCommerceConnection) -> dict:
    """Check the variants BigCommerce reported a change of; the busy ones stay marked."""
    cache.delete(_flag(connection.pk))
    links = list(_checkable(connection).filter(stock_check_requested_at__isnull=False).order_by("pk")[:CHECK_CHUNK])
    if not links:
        return {"checked": 0, "corrected": 0, "busy": 0}
    from inventory.models import StockOrigin

    result = stock_check(connection=connection, links=links, origin=StockOrigin.MANUAL_ONLINE)
    decided = [v.pk for v in links if v.pk not in result["busy_links"]]
    VariantLink.objects.filter(pk__in=decided, stock_check_requested_at__lte=result["started"]).update(
        stock_check_requested_at=None
    )
    return result


# -- the stock check -------------------------------------------------------------------------
def _checkable(connection):
    return (
        VariantLink.objects.live()
        .filter(link__connection=connection, link__product__track_stock=True)
        .select_related("link")
    )


def initial_sync_running(connection: BigCommerceConnection) -> bool:
    return SyncRun.objects.filter(connection=connection, initial=True, status=SyncRun.Status.RUNNING).exists()


# A lost answer the push could not settle (BigCommerce's level moved in between) is left to the
# stock check once its grace is over: ``stock_push.stock_unknown_settle`` marks it attempts=2.
# So is a change BigCommerce kept refusing (below zero: its level and Comptoir's parted ways).
UNDECIDED = Q(state=StockPush.State.UNKNOWN, attempts__gte=2) | Q(state=StockPush.State.PENDING, attempts__gte=3)


def _busy_links(links: list[VariantLink], *, since) -> set[int]:
    """Links with a push not settled, just sent (maybe not applied yet) or written since
    ``since``; an undecided lost answer is not "busy": the check settles it (``_undecided``)."""
    from integrations.bigcommerce.stock.push import _settle_grace_seconds

    recent = since - _apply_window()
    grace = since - timedelta(seconds=_settle_grace_seconds())
    settled_by_check = UNDECIDED & (Q(sent_at__lte=grace) | Q(sent_at__isnull=True, created_at__lte=grace))
    return set(
        StockPush.objects.filter(variant_link__in=[v.pk for v in links])
        .filter(
            (Q(state__in=[StockPush.State.PENDING, StockPush.State.UNKNOWN]) & ~settled_by_check)
            | Q(sent_at__gte=recent)
            | Q(created_at__gte=since)
        )
        .values_list("variant_link_id", flat=True)
    )


def _undecided_settle(*, connection, client, links: list[VariantLink], levels: dict, remote: dict) -> set[int]:
    """Quiet links whose push answer was lost and could not be told apart: Comptoir's ledger is
    the truth for its own sales, so BigCommerce's level is set to Comptoir's (and the rows are
    closed). Returns the links settled so."""
    from integrations.bigcommerce.stock import push as stock_push

    rows = list(StockPush.objects.filter(UNDECIDED, variant_link__in=[v.pk for v in links]))
    if not rows:
        return set()
    if not stock_push.push_lock_take(connection_id=connection.pk):
        return set()  # a push run is sending: next round
    try:
        return _undecided_set(
            connection=connection, client=client, links=links, rows=rows, levels=levels, remote=remote
        )
    finally:
        stock_push.push_lock_release(connection_id=connection.pk)


def _undecided_set(*, connection, client, links, rows, levels, remote) -> set[int]:
    from integrations.bigcommerce.stock.push import DEFAULT_LOCATION_ID

    by_link = {v.pk: v for v in links}
    items, settled = [], set()
    for link_id in {r.variant_link_id for r in rows}:
        vlink = by_link[link_id]
        level = levels.get(vlink.variant_id)
        should = _clamped(level.online_level if level else 0)
        settled.add(link_id)
        if remote.get(vlink.remote_variant_id) != should:
            items.append(
                {"location_id": DEFAULT_LOCATION_ID, "variant_id": vlink.remote_variant_id, "quantity": should}
            )
    if items:
        api.inventory_adjust_absolute(client, items, reason=_("Comptoir stock level"))
    with transaction.atomic():
        StockPush.objects.filter(
            pk__in=[r.pk for r in rows], state__in=[StockPush.State.UNKNOWN, StockPush.State.PENDING]
        ).update(state=StockPush.State.SENT, sent_at=timezone.now())
        sync_event_record(
            connection=connection,
            kind=SyncEvent.Kind.STOCK_CHECK,
            direction=SyncEvent.Direction.TO_BIGCOMMERCE,
            message=lambda: (
                ngettext(
                    "Stock check: %(count)s stock change whose answer was lost is settled; BigCommerce shows "
                    "Comptoir's level (%(set)s set).",
                    "Stock check: %(count)s stock changes whose answers were lost are settled; BigCommerce shows "
                    "Comptoir's levels (%(set)s set).",
                    len(rows),
                )
                % {"count": len(rows), "set": len(items)}
            ),
            detail={"movements": [r.movement_id for r in rows], "items": items},
        )
    return settled


def stock_check(
    *, connection: BigCommerceConnection, links: list[VariantLink], origin: str, client=None, polled: bool = False
) -> dict:
    """Compare BigCommerce's level with Comptoir's for ``links`` and write the differences of the
    quiet ones. Returns counts, the corrections and the busy links. ``polled``: the orders were
    polled just before (by the previous chunk's second poll), so the first poll is skipped."""
    from inventory.models import StockLevel

    client = client or client_for(connection)
    started = timezone.now()
    if initial_sync_running(connection):  # the starting stock is not set yet: nothing to compare
        busy = {v.pk for v in links}
        return {
            "started": started,
            "checked": 0,
            "corrected": 0,
            "busy": len(busy),
            "busy_links": busy,
            "corrections": [],
        }
    if not polled:
        orders_poll(connection=connection, client=client)
    remote = _remote_levels(client, sorted({v.remote_variant_id for v in links}))
    moved = orders_poll(connection=connection, client=client)  # an order between the polls: check again later
    busy = _busy_links(links, since=started) | {v.pk for v in links if v.variant_id in moved}
    levels = {lv.variant_id: lv for lv in StockLevel.objects.filter(variant_id__in=[v.variant_id for v in links])}
    quiet = [v for v in links if v.pk not in busy]
    settled = _undecided_settle(connection=connection, client=client, links=quiet, levels=levels, remote=remote)
    corrections = []
    for vlink in links:
        if vlink.pk in busy or vlink.pk in settled or vlink.remote_variant_id not in remote:
            continue
        variant = _local_variant(vlink)
        if variant is None:
            continue
        level = levels.get(vlink.variant_id)
        online = level.online_level if level else 0
        seen = remote[vlink.remote_variant_id]
        if not isinstance(seen, int):
            continue
        difference = seen - _clamped(online)
        if difference == 0:
            continue
        key = f"bigcommerce:{connection.pk}:{origin}:{vlink.pk}:{started.timestamp():.6f}"
        with transaction.atomic():
            # Another check (a second worker) or an order may have moved it since the read: leave it.
            locked = StockLevel.objects.select_for_update().filter(variant_id=vlink.variant_id).first()
            if (locked.online_level if locked else 0) != online:
                busy.add(vlink.pk)
                continue
            if _ledger_write(
                connection=connection,
                variant=variant,
                delta=difference,
                origin=origin,
                key=key,
                code=ReasonCode.ONLINE_CHECK,
                params={"seen": seen, "expected": _clamped(online)},
            ):
                corrections.append((variant, _clamped(online), seen))
                _correction_journal(connection, variant, origin=origin, expected=_clamped(online), seen=seen)
    return {
        "started": started,
        "checked": len(links) - len(busy),
        "corrected": len(corrections),
        "busy": len(busy),
        "busy_links": busy,
        "corrections": corrections,
    }


def _correction_journal(connection, variant, *, origin: str, expected: int, seen: int) -> None:
    from inventory.models import StockOrigin

    sku = variant.sku or str(variant)

    def message():
        if origin == StockOrigin.MANUAL_ONLINE:
            return _("Stock of %(sku)s changed in BigCommerce (%(before)s → %(after)s); Comptoir's stock follows.") % {
                "sku": sku,
                "before": expected,
                "after": seen,
            }
        return _(
            "Stock check: BigCommerce showed %(seen)s for %(sku)s where Comptoir expected %(expected)s; "
            "Comptoir's stock was corrected by %(difference)+d."
        ) % {"sku": sku, "seen": seen, "expected": expected, "difference": seen - expected}

    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.STOCK_IN if origin == StockOrigin.MANUAL_ONLINE else SyncEvent.Kind.STOCK_CHECK,
        direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
        message=message,
        product={"id": variant.product_id, "name": variant.product.name, "sku": variant.sku},
        detail={"expected": expected, "bigcommerce": seen, "origin": origin},
    )


def stock_reconcile_start(*, connection: BigCommerceConnection, enqueue: bool = True) -> SyncRun:
    """A stock check of every synced variant, as a run with its progress (one at a time)."""
    running = SyncRun.objects.filter(
        connection=connection, kind=SyncRun.Kind.RECONCILIATION, status=SyncRun.Status.RUNNING
    ).first()
    if running is not None:
        return running
    run = SyncRun.objects.create(
        merchant=connection.merchant,
        connection=connection,
        kind=SyncRun.Kind.RECONCILIATION,
        total=_checkable(connection).count(),
    )
    if enqueue:
        transaction.on_commit(lambda: _enqueue_reconcile(run.pk))
    return run


def stock_reconcile(*, connection: BigCommerceConnection) -> SyncRun:
    """A whole stock check now, in this process (tests, benches); the run it recorded."""
    with transaction.atomic():
        run = stock_reconcile_start(connection=connection, enqueue=False)
    return stock_reconcile_run(run=run) if run.status == SyncRun.Status.RUNNING else run


def _enqueue_reconcile(run_id: int) -> None:
    from django_q.tasks import async_task

    async_task("integrations.tasks.bigcommerce_stock_reconcile", run_id)


def stock_reconcile_run(*, run: SyncRun) -> SyncRun:
    """Check every synced variant in chunks, recording progress; journal what was found."""
    from inventory.models import StockOrigin

    connection = run.connection
    client = client_for(connection)
    corrected, busy, last_pk = [], 0, 0
    while True:
        links = list(_checkable(connection).filter(pk__gt=last_pk).order_by("pk")[:CHECK_CHUNK])
        if not links:
            break
        polled = last_pk != 0  # the previous chunk's second poll is this one's first
        last_pk = links[-1].pk
        result = stock_check(
            connection=connection, links=links, origin=StockOrigin.RECONCILIATION, client=client, polled=polled
        )
        corrected += result["corrections"]
        busy += result["busy"]
        SyncRun.objects.filter(pk=run.pk).update(done=min(run.total, run.done + len(links)), updated_at=timezone.now())
        run.done = min(run.total, run.done + len(links))
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.FINISHED, done=run.total, corrected=len(corrected), busy=busy, finished_at=timezone.now()
    )
    run.refresh_from_db()
    found = [f"{variant.sku or variant}: {expected} → {seen}" for variant, expected, seen in corrected[:20]]

    def message():
        text = ngettext(
            "Stock check: %(count)s variant compared with BigCommerce",
            "Stock check: %(count)s variants compared with BigCommerce",
            run.total,
        ) % {"count": run.total}
        if corrected:
            text += ngettext(
                "; %(count)s corrected (%(found)s).", "; %(count)s corrected (%(found)s).", len(corrected)
            ) % {"count": len(corrected), "found": ", ".join(found)}
        else:
            text += _("; both sides agree.")
        if busy:
            text += " " + ngettext(
                "%(count)s was changing and will be checked on the next round.",
                "%(count)s were changing and will be checked on the next round.",
                busy,
            ) % {"count": busy}
        return text

    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.STOCK_CHECK,
        direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
        message=message,
        detail={"run_id": run.pk, "checked": run.total, "corrected": len(corrected), "busy": busy},
    )
    return run
