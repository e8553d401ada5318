"""Which shop is which BigCommerce inventory location, as the stock sync reads it."""

from integrations.models import BigCommerceConnection, ShopLocation, SyncState
from integrations.models.locations import DEFAULT_LOCATION_ID
from portal.models import Merchant, Shop


def shop_locations(*, connection: BigCommerceConnection) -> dict[int, int]:
    """Per shop id, the BigCommerce location whose level is that shop's (synced mappings only).

    The primary shop without a row of its own is BigCommerce's default location: what every
    connection did before shops had locations."""
    rows = ShopLocation.objects.filter(connection=connection).values_list("shop_id", "state", "remote_location_id")
    mapped = {shop: location for shop, state, location in rows if state == SyncState.SYNCED and location}
    with_row = {shop for shop, _state, _location in rows}
    if connection.merchant_id is not None and DEFAULT_LOCATION_ID not in mapped.values():
        primary = Shop.objects.filter(merchant_id=connection.merchant_id, is_primary=True).values_list("pk", flat=True)
        for shop_id in primary:
            if shop_id not in with_row:
                mapped[shop_id] = DEFAULT_LOCATION_ID
    return mapped


def location_shops(*, connection: BigCommerceConnection) -> dict[int, int]:
    """Per BigCommerce location id, the shop whose stock it is (the inverse of ``shop_locations``)."""
    return {location: shop for shop, location in shop_locations(connection=connection).items()}


def shop_location_pairs(*, merchant: Merchant, connection: BigCommerceConnection) -> list[dict]:
    """Each shop beside its location, as the pages show them: active shops, and deactivated ones
    that have a location. ``row`` is None for the primary shop on the default location and for a
    shop not mapped yet. Two queries, whatever the number of shops."""
    rows = {row.shop_id: row for row in ShopLocation.objects.filter(connection=connection)}
    pairs = []
    for shop in Shop.objects.filter(merchant=merchant).order_by("-is_primary", "name", "pk"):
        row = rows.get(shop.pk)
        if not shop.is_active and row is None:
            continue
        on_default = shop.is_primary and row is None
        pairs.append(
            {
                "shop": shop,
                "row": row,
                "on_default": on_default,
                "location_id": DEFAULT_LOCATION_ID if on_default else (row.remote_location_id if row else None),
                "location_name": row.remote_name if row else "",
                "managed": row is not None and row.origin == ShopLocation.Origin.CREATED,
                "state": SyncState.SYNCED if on_default else (row.state if row else ""),
                "retriable": row is not None
                and (row.state == SyncState.FAILED or (row.state == SyncState.SYNCED and bool(row.last_error))),
            }
        )
    return pairs
