"""Which shop is which BigCommerce inventory location, as the stock sync reads it."""

from integrations.models import BigCommerceConnection, ShopLocation, SyncState
from integrations.models.locations import DEFAULT_LOCATION_ID
from portal.models import Merchant, Shop


def shop_location_rows(connection_ids) -> list[tuple]:
    """The connections' mappings as (connection, shop, state, location): one query."""
    return list(
        ShopLocation.objects.filter(connection_id__in=list(connection_ids)).values_list(
            "connection_id", "shop_id", "state", "remote_location_id"
        )
    )


def shop_location_in(rows: list[tuple], *, connection_id: int, shop_id: int, primary: bool) -> int | None:
    """The rule, for one shop (``rows``: ``shop_location_rows``): its synced location; the primary
    shop without a row of its own, BigCommerce's default location (what every connection did before
    shops had locations) unless another shop's row took it; else None (the shop moves nothing)."""
    mine = [r for r in rows if r[0] == connection_id and r[1] == shop_id]
    synced = [r[3] for r in mine if r[2] == SyncState.SYNCED and r[3]]
    if synced:
        return synced[0]
    taken = any(r[0] == connection_id and r[2] == SyncState.SYNCED and r[3] == DEFAULT_LOCATION_ID for r in rows)
    return DEFAULT_LOCATION_ID if primary and not mine and not taken else None


def shop_locations(*, connection: BigCommerceConnection) -> dict[int, int]:
    """Per shop id, the BigCommerce location whose level is that shop's (``shop_location_in``)."""
    rows = shop_location_rows([connection.pk])
    primary = set(Shop.objects.filter(merchant_id=connection.merchant_id, is_primary=True).values_list("pk", flat=True))
    found = {
        shop: shop_location_in(rows, connection_id=connection.pk, shop_id=shop, primary=shop in primary)
        for shop in sorted({r[1] for r in rows} | primary)
    }
    return {shop: location for shop, location in found.items() if location is not None}


def disabled_locations(*, connection: BigCommerceConnection) -> set[int]:
    """The locations of the connection's deactivated shops: disabled in BigCommerce, which refuses
    any adjustment there (the whole call, naming no item), so the stock sync sends them nothing."""
    return set(
        ShopLocation.objects.filter(
            connection=connection, state=SyncState.SYNCED, shop__is_active=False, remote_location_id__isnull=False
        ).values_list("remote_location_id", flat=True)
    )


# Either grants GET /v3/pickup/methods (pickup_methods.v3.yml, securitySchemes).
PICKUP_METHODS_SCOPES = frozenset({"store_fulfillment_methods_read_only", "store_fulfillment_methods_manage"})


def pickup_methods_readable(*, connection: BigCommerceConnection) -> bool:
    """Whether the store gave Comptoir its pickup methods (which location a pickup order takes its
    stock from). Without them Comptoir goes by the location each pickup consignment names."""
    granted = set(connection.scope.split())
    return not granted or bool(granted & PICKUP_METHODS_SCOPES)  # no scopes kept: not known, not told


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
