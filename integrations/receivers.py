"""What the integrations app does when the catalog, the inventory or the portal announces a change.

Receivers are the fast path only: the durable mark is the product's revision (bumped in the
change's own transaction) and the scheduled sweep (``tasks.bigcommerce_export_sweep``) finds
whatever a receiver never saw because the process died in between.
"""

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from catalog.signals import ORIGIN_COMPTOIR, product_deleted, product_saved
from integrations.bigcommerce.products import export as exporter
from integrations.bigcommerce.products.export import exporting
from integrations.bigcommerce.stock.outbox import stock_push_kick, stock_push_mark
from integrations.models import BigCommerceConnection, ProductAssignment, ShopLocation, SyncState
from integrations.services import locations
from inventory.signals import stock_changing
from portal.signals import shop_saved


def _exporting_connection(merchant_id: int) -> BigCommerceConnection | None:

    connection = BigCommerceConnection.objects.select_related("merchant").filter(merchant_id=merchant_id).first()
    return connection if connection is not None and exporting(connection) else None


@receiver(product_saved, dispatch_uid="integrations.product_saved")
def product_saved_export(*, merchant_id: int, product_id: int, created: bool, origin: str = ORIGIN_COMPTOIR, **_kw):
    if origin != ORIGIN_COMPTOIR:
        return  # a change that came from elsewhere is not sent back there
    connection = _exporting_connection(merchant_id)
    if connection is None:
        return

    with transaction.atomic():
        if created:  # both sync scopes sync products created later
            ProductAssignment.objects.get_or_create(merchant_id=merchant_id, product_id=product_id)
        if not ProductAssignment.objects.filter(product_id=product_id, unassigned_at__isnull=True).exists():
            return
        exporter.links_ensure(connection=connection)
    exporter.export_kick(connection=connection)


@receiver(product_deleted, dispatch_uid="integrations.product_deleted")
def product_deleted_export(*, merchant_id: int, product_id: int, origin: str = ORIGIN_COMPTOIR, **_kw):
    if origin != ORIGIN_COMPTOIR:
        return
    connection = _exporting_connection(merchant_id)
    if connection is None:
        return

    if connection.product_links.live().filter(product_id=product_id).exists():
        exporter.export_kick(connection=connection)


# -- stock (Comptoir → BigCommerce) ----------------------------------------------------------
@receiver(stock_changing, dispatch_uid="integrations.stock_changing")
def stock_changing_mark(
    *,
    variant_id: int,
    movement_id: int,
    origin: str,
    delta: int,
    online_before: int,
    online_after: int,
    shop_id: int | None = None,
    primary_shop: bool = True,
    **_kw,
):
    """Inside the ledger's transaction: the durable mark (a ``StockPush`` row) of a bound variant,
    and after commit the fast path: enqueue the push of each store marked (the sweep sends it if
    this never runs). The marks written here are the ones to kick: no read of them after commit.

    Each at the location of the movement's shop; a shop that maps to no location moves nothing there."""
    pushes = stock_push_mark(
        variant_id=variant_id,
        movement_id=movement_id,
        origin=origin,
        delta=delta,
        online_before=online_before,
        online_after=online_after,
        shop_id=shop_id,
        primary_shop=primary_shop,
    )
    for connection_id in sorted({push.connection_id for push in pushes}):
        # robust: a kick that fails (the broker out of reach) is logged; the sale stays committed.
        transaction.on_commit(partial(stock_push_kick, connection_id=connection_id), robust=True)


# -- shops and their BigCommerce locations ---------------------------------------------------------
@receiver(shop_saved, dispatch_uid="integrations.shop_saved")
def shop_saved_location(*, merchant_id: int, shop_id: int, created: bool, **_kw):
    """After commit: a shop added while connected gets its location created; a changed shop's
    location is updated (one Comptoir created) or, if it had failed, tried again (the merchant may
    just have completed the address BigCommerce asked for). The sweep does the same for what this
    never saw."""
    connection = locations.connected_for_locations(merchant_id=merchant_id)
    if connection is None:
        return
    with transaction.atomic():
        # A new shop, or one reactivated that never had a location: one is created for it.
        locations.shop_location_ensure(connection=connection, shop_id=shop_id)
        if not created:
            ShopLocation.objects.filter(connection=connection, shop_id=shop_id, state=SyncState.FAILED).update(
                state=SyncState.PENDING
            )
        locations.shop_locations_kick(connection=connection)
