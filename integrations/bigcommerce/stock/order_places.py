"""Where an online order takes its stock, as a Comptoir shop (issue 19).

BigCommerce takes a line's stock from one inventory location: the pickup method's location for
a line of a pickup consignment (``pickup_methods.v3.yml``: each method belongs to a location), the
default location for every other line (the storefront sells from it). That location's shop
(``integrations.selectors.location_shops``) is the shop whose stock moves; a location no shop maps to moves
nothing in Comptoir (the journal says so, once per order). A line's stock comes back to the shop
it was taken from, whatever the mapping says by then (the ``OrderLineEffect`` of its take)."""

from __future__ import annotations

import logging

from django.core.cache import cache

from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.errors import Forbidden
from integrations.bigcommerce.stock.levels import DEFAULT_LOCATION_ID
from integrations.models import OrderLineEffect
from integrations.selectors.locations import location_shops
from portal.models import Shop

logger = logging.getLogger(__name__)

# A pickup method's location rarely changes; a method unknown to the cache is read at once. A store
# that refused the read (its app lacks the fulfilment methods scope) is not asked again for as long.
METHODS_CACHE_SECONDS = 600


def _key(connection, method_id: int) -> str:
    return f"bigcommerce-pickup-method:{connection.pk}:{connection.store_hash}:{method_id}"


def _refused_key(connection) -> str:
    return f"bigcommerce-pickup-methods-refused:{connection.pk}:{connection.store_hash}"


def pickup_method_locations(*, connection, client, method_ids, named: dict | None = None) -> dict[int, int]:
    """Per pickup method id, its location (a method BigCommerce no longer has is absent).
    ``named``: the location each method's consignment names, taken when the store does not let
    Comptoir read its pickup methods (an app installed without the fulfilment methods scope)."""
    method_ids = sorted({m for m in method_ids if isinstance(m, int)})
    if not method_ids:
        return {}
    found = {m: loc for m in method_ids if (loc := cache.get(_key(connection, m))) is not None}
    missing = [m for m in method_ids if m not in found]
    from_orders = {m: loc for m, loc in (named or {}).items() if m in missing}
    if missing and cache.get(_refused_key(connection)):  # refused a moment ago: not asked again for each page
        return {**from_orders, **found}
    try:
        methods = api.pickup_methods(client, missing) if missing else []
    except Forbidden as exc:  # a scope missing, not the token refused (401 goes up as for any call)
        logger.warning("Pickup methods of connection %s not readable: %s", connection.pk, exc)
        cache.set(_refused_key(connection), 1, METHODS_CACHE_SECONDS)
        return {**from_orders, **found}
    if missing:
        for method in methods:
            if isinstance(method.get("id"), int) and isinstance(method.get("location_id"), int):
                found[method["id"]] = method["location_id"]
                cache.set(_key(connection, method["id"]), method["location_id"], METHODS_CACHE_SECONDS)
    return found


def line_location(order: dict, line: dict, methods: dict[int, int]) -> int | None:
    """The location a line takes its stock from (None: a pickup method BigCommerce no longer has)."""
    method = line.get("pickup_method_id")
    if method is None and line.get("order_pickup_method_id"):  # a line read from /products
        method = (order.get("pickups") or {}).get(line["order_pickup_method_id"])
    return DEFAULT_LOCATION_ID if method is None else methods.get(method)


class OrderPlaces:
    """The shops a page of orders' lines move, read at once: the mapping, the pickup methods'
    locations and the shops of the lines already taken."""

    def __init__(self, *, connection, client, orders: list[dict], lines: list[tuple[dict, dict]]):
        methods = {line.get("pickup_method_id") for _o, line in lines}
        methods |= {(order.get("pickups") or {}).get(line.get("order_pickup_method_id")) for order, line in lines}
        named = {m: loc for order in orders for m, loc in (order.get("pickup_locations") or {}).items()}
        self.methods = pickup_method_locations(connection=connection, client=client, method_ids=methods, named=named)
        self.shops = location_shops(connection=connection)
        self.shop_of = {shop.pk: shop for shop in Shop.objects.filter(pk__in=set(self.shops.values()))}
        taken = OrderLineEffect.objects.filter(
            connection=connection, order_id__in={o["id"] for o in orders}, kind=OrderLineEffect.Kind.TAKEN
        ).values_list("order_id", "line_id", "movement__shop_id")
        self.taken = {(order, line): shop for order, line, shop in taken}
        missing = set(self.taken.values()) - set(self.shop_of)
        self.shop_of |= {shop.pk: shop for shop in Shop.objects.filter(pk__in=missing)} if missing else {}

    def location(self, order: dict, line: dict) -> int | None:
        return line_location(order, line, self.methods)

    def shop(self, order: dict, line: dict, *, taking: bool) -> Shop | None:
        """The shop whose stock the line moves: where it is taken (``taking``), or given back to
        the shop it was taken from (its location's shop when its take is not known)."""
        if not taking and (order["id"], line["id"]) in self.taken:
            return self.shop_of.get(self.taken[(order["id"], line["id"])])
        shop_id = self.shops.get(self.location(order, line))
        return self.shop_of.get(shop_id) if shop_id is not None else None
