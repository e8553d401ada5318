"""Stock changes in BigCommerce → Comptoir: online orders, cancellations and refunds, manual
edits there, and the stock check (reconciliation).

**Orders** are the source of truth for order lines. BigCommerce takes an order's stock at most
once per line (when its status takes stock under the channel's ``update_stock_behavior``) and
gives it back at most once (Cancelled or Refunded, when ``refund_order_stock_adjustment`` says
so; a refund made through the API never does, per BigCommerce's refunds guide). ``order_sync``
reads the order as it is now and writes the two ledger rows each line may have, keyed
``bigcommerce:{connection}:order:{order}:line:{line}:taken|returned``, each with its
``OrderLineEffect`` (order, line, kind, the ledger row) written in the same transaction: events
that come twice, late or out of order all end in the same ledger. What an order line did is read
from that row, never from a key. ``RemoteOrder`` keeps what was decided, so an order re-read
unchanged writes nothing. This module applies one order's effect; orders are read in batches
(lines inline, from a durable cursor) by ``intake``, which the order webhooks and the minute
poll trigger.

**Whose orders**: every channel's. Stock lives per location, not per channel, and every order
of the store (storefront, other channels, ours) moved BigCommerce's level of a bound variant, so
Comptoir's shared stock follows all of them; the order's channel only decides which inventory
settings apply (``GET /v3/settings/inventory?channel_id=``, cached a few minutes per channel).
**Whose stock**: the shop of the location BigCommerce took each line from (``order_places``: a
pickup method's location, else the default location); given back to the shop it was taken from.
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

Public entry points: ``order_apply`` (one order as read, for ``intake``) and ``order_sync``
(read one order by id: an order task queued before the batched intake, an announced status
whose order no batch carried). Manual edits there: ``manual_edits``; the stock check: ``check``.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from catalog.models import Variant
from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.api.errors import NotFound, ValidationFailed
from integrations.models import BigCommerceConnection, OrderLineEffect, VariantLink
from inventory.errors import IdempotencyConflict
from inventory.reasons import (
    KEPT_BECAUSE_PARTIAL,
    KEPT_BECAUSE_REFUND,
    KEPT_BECAUSE_SETTINGS,
)
from inventory.services import stock_adjust, stock_note_record

logger = logging.getLogger(__name__)

# BigCommerce's order statuses (GET /v2/order_statuses) as they move stock.
SHIPPED_OR_COMPLETED = frozenset({2, 10})


NEVER_TAKES_STOCK = frozenset({0, 4, 5, 6, 14})  # incomplete, refunded, cancelled, declined, partially refunded


GIVES_STOCK_BACK = frozenset({4, 5})  # refunded, cancelled


REFUNDED = 4


PARTIALLY_REFUNDED = 14


KEPT_KIND = {  # why a line's stock stayed out → the kind of its OrderLineEffect
    KEPT_BECAUSE_REFUND: OrderLineEffect.Kind.KEPT_REFUND,
    KEPT_BECAUSE_SETTINGS: OrderLineEffect.Kind.KEPT_SETTINGS,
    KEPT_BECAUSE_PARTIAL: OrderLineEffect.Kind.KEPT_PARTIAL,
}


SHOP_NAME = "BigCommerce"  # how the stock history names the store (a name: never translated)


SETTINGS_CACHE_SECONDS = 300


def apply_window() -> timedelta:
    """How long after a push BigCommerce may still be applying it (its Inventory API is asynchronous)."""
    return timedelta(seconds=getattr(settings, "BIGCOMMERCE_STOCK_APPLY_WINDOW_S", 5))


def being_applied(*, at) -> Q:
    """Pushes BigCommerce answered within its apply window before ``at`` whose echo has not come
    back: its level may not show them yet."""
    return Q(sent_at__gte=at - apply_window(), echoed_at__isnull=True)


def inventory_settings(*, connection: BigCommerceConnection, channel_id: int, client=None) -> dict:
    """The inventory settings that apply to a channel's orders (cached a few minutes)."""
    key = f"bigcommerce-inventory-settings:{connection.pk}:{connection.store_hash}:{channel_id}"
    found = cache.get(key)
    if found is None:
        client = client or client_for(connection)
        try:
            data = api.inventory_settings_get(client, channel_id=channel_id)
        except (NotFound, ValidationFailed):  # an unknown channel: 422 per settings.v3.yml (404 once)
            data = api.inventory_settings_get(client)
        found = {
            "update_stock_behavior": data.get("update_stock_behavior") or "order_placed",
            "refund_order_stock_adjustment": bool(data.get("refund_order_stock_adjustment", True)),
        }
        cache.set(key, found, SETTINGS_CACHE_SECONDS)
    return found


def takes_stock(status_id: int, behaviour: str) -> bool:
    if status_id in NEVER_TAKES_STOCK:
        return False
    return behaviour == "order_placed" or status_id in SHIPPED_OR_COMPLETED


def live_link(connection, remote_variant_id) -> VariantLink | None:
    if not remote_variant_id:
        return None
    return (
        VariantLink.objects.live()
        .filter(link__connection=connection, remote_variant_id=remote_variant_id)
        .select_related("link")
        .first()
    )


def local_variant(vlink: VariantLink):

    variant = Variant.objects.filter(pk=vlink.variant_id).select_related("product").first()
    return variant if variant is not None and variant.product.track_stock else None


def ledger_write(
    *,
    connection,
    variant,
    delta: int,
    origin: str,
    key: str,
    code: str,
    params: dict,
    line: tuple | None = None,
    shop=None,
) -> bool:
    """One ledger row under ``key`` (``delta`` 0: a row that says why nothing moved) and, for an
    order line (``line``: order id, line id, kind), the ``OrderLineEffect`` that ties the row to it,
    in one transaction; False when that key was written before (``stock_adjust`` says so: nothing
    is written).
    ``code`` and ``params``: why, for the history (inventory.reasons); ``shop``: whose stock (None:
    the primary shop's, the default location's)."""
    params = {"shop": SHOP_NAME, **params}
    try:
        return _ledger_line_write(
            connection=connection,
            variant=variant,
            delta=delta,
            origin=origin,
            key=key,
            code=code,
            params=params,
            line=line,
            shop=shop,
        )
    except IdempotencyConflict:
        # The key was written before with another quantity or variant (the order was edited, or
        # the variant relinked): the line's effect is the row already written, as for any replay.
        return False


def _ledger_line_write(*, connection, variant, delta, origin, key, code, params, line, shop) -> bool:
    with transaction.atomic():
        if delta == 0:
            movement = stock_note_record(
                merchant=connection.merchant,
                variant=variant,
                origin=origin,
                idempotency_key=key,
                reason_code=code,
                reason_params=params,
                shop=shop,
            )
        else:
            movement = stock_adjust(
                merchant=connection.merchant,
                variant=variant,
                delta=delta,
                origin=origin,
                idempotency_key=key,
                reason_code=code,
                reason_params=params,
                shop=shop,
            )
        if not movement.created:
            return False
        if line is None:
            return True
        order_id, line_id, kind = line
        OrderLineEffect.objects.create(
            connection=connection, order_id=order_id, line_id=line_id, kind=kind, movement=movement
        )
    return True


def status_word(status_id: int) -> str:
    """BigCommerce's order status, as the generic word the history translates (inventory.reasons)."""
    return {REFUNDED: "refunded", PARTIALLY_REFUNDED: "partially_refunded"}.get(status_id, "cancelled")


def order_lines_named(rows: list) -> list[dict]:
    """The order's lines as the journal names them: the product (and its SKU), the quantity."""
    return [{"product": variant.product.name, "sku": variant.sku, "quantity": quantity} for variant, quantity in rows]


def order_products(rows: list) -> list[dict]:
    return [{"id": variant.product_id, "name": variant.product.name, "sku": variant.sku} for variant, _q in rows]


def refunded_by_refunds(lines: list[dict]) -> bool:
    """Every line refunded through refunds: the order became Refunded by its last refund. (A
    Refunded status set by hand after a partial refund, or with no refund, leaves lines unrefunded.)"""
    return bool(lines) and all((line.get("quantity_refunded") or 0) >= (line.get("quantity") or 0) for line in lines)


def api_refunds_restock() -> bool:
    """Whether the refund that completes an order gives its stock back. BigCommerce's refunds guide
    says it never does (the default); ``BIGCOMMERCE_API_REFUNDS_RESTOCK = True`` is for a store
    that does (the sandbox's ``refund_restocks`` store option)."""
    return bool(getattr(settings, "BIGCOMMERCE_API_REFUNDS_RESTOCK", False))


def order_id_of(data: dict) -> int | None:
    """The order an order event names (``{type: order, id}``, or ``{order_id}`` on channel scopes)."""
    candidate = data.get("order_id", data.get("id")) if isinstance(data, dict) else None
    return candidate if isinstance(candidate, int) and not isinstance(candidate, bool) and candidate > 0 else None
