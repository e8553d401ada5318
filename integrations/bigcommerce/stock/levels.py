"""Stock levels on both sides, as the stock sync compares them: Comptoir's online level as
BigCommerce should show it (clamped at 0), BigCommerce's level read back, and what is still
waiting to be sent.

Per location (issue 19): each Comptoir shop's stock is the level of the BigCommerce inventory
location it maps to (``integrations.models.ShopLocation``; the primary shop without a row is the
default location, as every connection was before). Everything here is keyed by *place*,
``(variant, location)``: a shop that maps to no location moves nothing in BigCommerce."""

from django.conf import settings
from django.db.models import Sum

from integrations.bigcommerce.api import endpoints as api
from integrations.models import StockPush
from integrations.models.locations import DEFAULT_LOCATION_ID
from integrations.selectors.locations import location_shops, shop_location_in, shop_location_rows
from inventory.selectors import online_levels, online_levels_by_shop

LEVELS_PER_CALL = 250

State = StockPush.State


def clamped(level: int) -> int:
    return max(0, level)


def comptoir_levels(variant_ids) -> dict[int, int]:
    """Per local variant, the primary shop's level BigCommerce should show before clamping."""
    return online_levels(variant_ids=variant_ids)


def comptoir_levels_at(*, connection, places) -> dict[tuple[int, int], int]:
    """Per ``(local variant, location)``, the online level of the location's shop before clamping
    (a location no shop maps to is absent)."""
    places = set(places)
    shops = location_shops(connection=connection)
    found = online_levels_by_shop(
        variant_ids={v for v, _l in places}, shop_ids={shops[loc] for _v, loc in places if loc in shops}
    )
    return {(v, loc): found.get((v, shops[loc]), 0) for v, loc in places if loc in shops}


def shop_location_of(*, connection_ids, shop_id: int, primary: bool) -> dict[int, int]:
    """Per connection, the location whose level is ``shop_id``'s, in one query (the ledger's
    transaction calls it for each movement)."""
    rows = shop_location_rows(connection_ids)
    found = {c: shop_location_in(rows, connection_id=c, shop_id=shop_id, primary=primary) for c in connection_ids}
    return {c: location for c, location in found.items() if location is not None}


def remote_levels_at(client, remote_ids: list[int], *, locations=None) -> dict[tuple[int, int], int]:
    """Per ``(remote variant, location)``, BigCommerce's level on hand (``locations``: only these;
    None: every location). A variant with no record at a location is absent there."""
    levels: dict[tuple[int, int], int] = {}
    # 250 ids a call: one page each (the URL stays near 2 KB).
    for start in range(0, len(remote_ids), LEVELS_PER_CALL):
        chunk = remote_ids[start : start + LEVELS_PER_CALL]
        for item in api.inventory_items_iter(client, variant_ids=chunk):
            variant_id = (item.get("identity") or {}).get("variant_id")
            for location in item.get("locations") or ():
                where = location.get("location_id")
                if variant_id and (locations is None or where in locations):
                    quantity = location.get("total_inventory_onhand", location.get("available_to_sell"))
                    levels[(variant_id, where)] = quantity
    return levels


def remote_levels(client, remote_ids: list[int]) -> dict[int, int]:
    """Per remote variant, BigCommerce's level at the default location."""
    found = remote_levels_at(client, remote_ids, locations={DEFAULT_LOCATION_ID})
    return {variant_id: level for (variant_id, _loc), level in found.items()}


def pending_totals(*, connection, exclude_batch: str = "") -> dict[tuple[int, int], int]:
    """Per ``(remote variant, location)``, the sum of the changes not sent yet (and not in ``exclude_batch``)."""
    rows = StockPush.objects.filter(connection=connection, state=State.PENDING)
    if exclude_batch:
        rows = rows.exclude(batch=exclude_batch)
    totals = rows.values_list("variant_link__remote_variant_id", "location_id").annotate(total=Sum("delta"))
    return {(remote, location): total for remote, location, total in totals}


def settle_grace_seconds() -> float:
    # Long enough that no call of that batch can still be in flight (timeouts and retries included):
    # a lost answer's wait when the call may still be running at BigCommerce (``push``).
    return getattr(settings, "BIGCOMMERCE_STOCK_SETTLE_AFTER_S", max(60.0, 4 * settings.BIGCOMMERCE_TIMEOUT))
