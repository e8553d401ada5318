"""Stock levels on both sides, as the stock sync compares them: Comptoir's online level as
BigCommerce should show it (clamped at 0), BigCommerce's level read back, and what is still
waiting to be sent.

One shop: until issue 19 maps each Comptoir shop to a BigCommerce inventory location, the
connector reads and writes the merchant's *primary* shop's levels only, at BigCommerce's default
location (``inventory.selectors.online_levels``; ledger writes pass ``shop=None``, the primary
shop). Another shop's sales and counts move nothing in BigCommerce."""

from django.conf import settings
from django.db.models import Sum

from integrations.bigcommerce.api import endpoints as api
from integrations.models import StockPush
from integrations.models.locations import DEFAULT_LOCATION_ID  # noqa: F401 (the stock sync's name for it)
from inventory.selectors import online_levels

LEVELS_PER_CALL = 250

State = StockPush.State


def clamped(level: int) -> int:
    return max(0, level)


def comptoir_levels(variant_ids) -> dict[int, int]:
    """Per local variant, the level BigCommerce should show before clamping (the online level)."""
    return online_levels(variant_ids=variant_ids)


def remote_levels(client, remote_ids: list[int]) -> dict[int, int]:
    levels: dict[int, int] = {}
    # 250 ids a call: one page each (the URL stays near 2 KB).
    for start in range(0, len(remote_ids), LEVELS_PER_CALL):
        chunk = remote_ids[start : start + LEVELS_PER_CALL]
        for item in api.inventory_items_iter(client, variant_ids=chunk):
            variant_id = (item.get("identity") or {}).get("variant_id")
            for location in item.get("locations") or ():
                if location.get("location_id") == DEFAULT_LOCATION_ID and variant_id:
                    levels[variant_id] = location.get("total_inventory_onhand", location.get("available_to_sell"))
    return levels


def pending_totals(*, connection, exclude_batch: str = "") -> dict[int, int]:
    """Per remote variant, the sum of the changes not sent yet (and not in ``exclude_batch``)."""
    rows = StockPush.objects.filter(connection=connection, state=State.PENDING)
    if exclude_batch:
        rows = rows.exclude(batch=exclude_batch)
    return dict(rows.values_list("variant_link__remote_variant_id").annotate(total=Sum("delta")))


def settle_grace_seconds() -> float:
    # Long enough that no call of that batch can still be in flight (timeouts and retries included).
    return getattr(settings, "BIGCOMMERCE_STOCK_SETTLE_AFTER_S", max(60.0, 4 * settings.BIGCOMMERCE_TIMEOUT))
