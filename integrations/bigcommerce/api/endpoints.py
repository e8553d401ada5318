"""BigCommerce's endpoints, named: the flows call these and never spell a path. Each function
sends exactly one kind of request through the client (pacing, retries and typed errors are the
client's); what it returns is said per function: ``data_of`` unwraps a v3 envelope once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from . import pagination
from .client import BigCommerceClient
from .errors import AdjustmentRefused, ValidationFailed

PRODUCTS = "/v3/catalog/products"
VARIANTS = "/v3/catalog/variants"
ASSIGNMENTS = "/v3/catalog/products/channel-assignments"
CATEGORIES = "/v3/catalog/trees/categories"
CHANNELS = "/v3/channels"
HOOKS = "/v3/hooks"
INVENTORY_ITEMS = "/v3/inventory/items"
INVENTORY_SETTINGS = "/v3/settings/inventory"
LOCATIONS = "/v3/inventory/locations"
ORDERS = "/v2/orders"
PICKUP_METHODS = "/v3/pickup/methods"
ASSIGN_BATCH = 50  # channel assignments per PUT


def data_of(answer: Any) -> Any:
    """The ``data`` of a v3 envelope (or the bare v2 object, or None)."""
    if isinstance(answer, dict) and "data" in answer:
        return answer["data"]
    return answer


def _ids(ids: Iterable[int]) -> str:
    return ",".join(map(str, ids))


# -- store ----------------------------------------------------------------------------------
def store_get(client: BigCommerceClient) -> dict:
    """``GET /v2/store``: name, currency, ``is_price_entered_with_tax``, ``default_channel_id``…"""
    return client.get_store()


def inventory_settings_get(client: BigCommerceClient, *, channel_id: int | None = None) -> dict:
    """``GET /v3/settings/inventory`` (of a channel, or the store's); the settings object.
    ``ValidationFailed`` (422, as settings.v3.yml lists) for a channel the store does not have."""
    if channel_id is None:
        return client.get(INVENTORY_SETTINGS)["data"]
    return client.get(INVENTORY_SETTINGS, {"channel_id": channel_id})["data"]


# -- products -------------------------------------------------------------------------------
def product_create(client: BigCommerceClient, body: dict) -> Any:
    """``POST /v3/catalog/products`` (never retried: a lost answer raises ``OutcomeUnknown``);
    the whole answer, whose ``errors`` a 207 fills."""
    return client.request("POST", PRODUCTS, json=body, idempotent=False)


def product_get(client: BigCommerceClient, product_id: int, *, include: str | None = None) -> dict:
    """One product (``include``: e.g. ``"variants,images"``)."""
    params = {"include": include} if include else None
    return data_of(client.get(f"{PRODUCTS}/{product_id}", params=params))


def product_update(client: BigCommerceClient, product_id: int, fields: dict) -> Any:
    return client.put(f"{PRODUCTS}/{product_id}", json=fields)


def product_delete(client: BigCommerceClient, product_id: int) -> None:
    client.delete(f"{PRODUCTS}/{product_id}")


def products_delete(client: BigCommerceClient, product_ids: Iterable[int]) -> None:
    """One call for these ids (at most 50 by the caller)."""
    client.delete(PRODUCTS, params={"id:in": _ids(product_ids)})


def products_list(client: BigCommerceClient, params: dict) -> list[dict]:
    """One page of ``GET /v3/catalog/products`` with these filters (``id:in``, ``name``, ``include``…)."""
    return data_of(client.get(PRODUCTS, params=params)) or []


def products_iter(client: BigCommerceClient, params: dict | None = None) -> Iterator[dict]:
    """Every product of the store matching the filters (all pages)."""
    return client.iter_pages(PRODUCTS, params=params)


def products_update(client: BigCommerceClient, products: list[dict]):
    """Batched ``PUT /v3/catalog/products`` (≤ 10 a call); yields (batch, answer)."""
    return client.update_products(products)


def variants_update(client: BigCommerceClient, variants: list[dict]):
    """Batched ``PUT /v3/catalog/variants`` (≤ 50 a call); yields (batch, answer)."""
    return client.update_variants(variants)


def variants_by_sku(client: BigCommerceClient, skus: Iterable[str]) -> list[dict]:
    return data_of(client.get(VARIANTS, params={"sku:in": ",".join(skus)})) or []


def variant_create(client: BigCommerceClient, product_id: int, body: dict) -> dict:
    return data_of(client.request("POST", f"{PRODUCTS}/{product_id}/variants", json=body, idempotent=False))


def variant_update(client: BigCommerceClient, product_id: int, variant_id: int, fields: dict) -> Any:
    return client.put(f"{PRODUCTS}/{product_id}/variants/{variant_id}", json=fields)


def variant_delete(client: BigCommerceClient, product_id: int, variant_id: int) -> None:
    client.delete(f"{PRODUCTS}/{product_id}/variants/{variant_id}")


def options_list(client: BigCommerceClient, product_id: int) -> list[dict]:
    return data_of(client.get(f"{PRODUCTS}/{product_id}/options")) or []


def option_create(client: BigCommerceClient, product_id: int, body: dict) -> dict:
    return data_of(client.request("POST", f"{PRODUCTS}/{product_id}/options", json=body, idempotent=False))


def option_update(client: BigCommerceClient, product_id: int, option_id: int, fields: dict) -> Any:
    return client.put(f"{PRODUCTS}/{product_id}/options/{option_id}", json=fields)


def option_delete(client: BigCommerceClient, product_id: int, option_id: int) -> None:
    client.delete(f"{PRODUCTS}/{product_id}/options/{option_id}")


def option_value_create(client: BigCommerceClient, product_id: int, option_id: int, body: dict) -> dict:
    path = f"{PRODUCTS}/{product_id}/options/{option_id}/values"
    return data_of(client.request("POST", path, json=body, idempotent=False))


def option_value_update(client: BigCommerceClient, product_id: int, option_id: int, value_id: int, fields: dict):
    return client.put(f"{PRODUCTS}/{product_id}/options/{option_id}/values/{value_id}", json=fields)


def option_value_delete(client: BigCommerceClient, product_id: int, option_id: int, value_id: int) -> None:
    client.delete(f"{PRODUCTS}/{product_id}/options/{option_id}/values/{value_id}")


def media_create(client: BigCommerceClient, product_id: int, media: str, body: dict) -> dict:
    """``media``: ``"images"`` or ``"videos"``."""
    return data_of(client.request("POST", f"{PRODUCTS}/{product_id}/{media}", json=body, idempotent=False))


def media_update(client: BigCommerceClient, product_id: int, media: str, media_id: int, fields: dict) -> Any:
    return client.put(f"{PRODUCTS}/{product_id}/{media}/{media_id}", json=fields)


def media_delete(client: BigCommerceClient, product_id: int, media: str, media_id: int) -> None:
    client.delete(f"{PRODUCTS}/{product_id}/{media}/{media_id}")


# -- channels and their products ------------------------------------------------------------
def channel_get(client: BigCommerceClient, channel_id: int) -> dict:
    return data_of(client.get(f"{CHANNELS}/{channel_id}"))


def channels_list(client: BigCommerceClient, *, type_: str, platform: str) -> list[dict]:
    return data_of(client.get(CHANNELS, params={"type:in": type_, "platform:in": platform})) or []


def channel_create(client: BigCommerceClient, body: dict) -> dict:
    return data_of(client.post(CHANNELS, json=body))


def channel_status_set(client: BigCommerceClient, channel_id: int, status: str) -> dict:
    return data_of(client.put(f"{CHANNELS}/{channel_id}", json={"status": status}))


def channel_assign(client: BigCommerceClient, *, channel_id: int, product_ids: list[int]) -> None:
    """Put these products on the channel, 50 to a call (a PUT: idempotent, so retried)."""
    body = [{"product_id": pk, "channel_id": channel_id} for pk in product_ids]
    for start in range(0, len(body), ASSIGN_BATCH):
        client.request("PUT", ASSIGNMENTS, json=body[start : start + ASSIGN_BATCH], idempotent=True)


def channel_unassign(client: BigCommerceClient, *, channel_id: int, product_id: int) -> None:
    params = {"product_id:in": product_id, "channel_id:in": channel_id}
    client.request("DELETE", ASSIGNMENTS, params=params, idempotent=True)


def channel_assignments_iter(client: BigCommerceClient, *, channel_id: int) -> Iterator[dict]:
    """Every product assignment of the channel (all pages)."""
    return client.iter_pages(ASSIGNMENTS, params={"channel_id:in": channel_id})


def channel_assignments_page(client: BigCommerceClient, *, channel_id: int, limit: int, page: int) -> list[dict]:
    answer = client.get(ASSIGNMENTS, params={"channel_id:in": channel_id, "limit": limit, "page": page})
    return (answer or {}).get("data") or []


def channel_assignments_of(client: BigCommerceClient, *, channel_id: int, product_id: int) -> list[dict]:
    answer = client.get(ASSIGNMENTS, params={"product_id:in": product_id, "channel_id:in": channel_id})
    return (answer or {}).get("data") or []


# -- categories -----------------------------------------------------------------------------
def categories_find(client: BigCommerceClient, params: dict) -> list[dict]:
    """``GET /v3/catalog/trees/categories`` with filters (``category_id:in``, ``name``, ``tree_id:in``)."""
    return data_of(client.get(CATEGORIES, params=params)) or []


def categories_create(client: BigCommerceClient, body: list[dict]) -> list[dict]:
    return data_of(client.post(CATEGORIES, json=body))


# -- webhooks -------------------------------------------------------------------------------
def hooks_iter(client: BigCommerceClient) -> Iterator[dict]:
    return client.iter_pages(HOOKS)


def hook_create(client: BigCommerceClient, body: dict) -> dict:
    return data_of(client.post(HOOKS, json=body))


def hook_update(client: BigCommerceClient, hook_id: int, fields: dict) -> dict:
    return data_of(client.put(f"{HOOKS}/{hook_id}", json=fields))


def hook_delete(client: BigCommerceClient, hook_id: int) -> None:
    client.delete(f"{HOOKS}/{hook_id}")


# -- orders ---------------------------------------------------------------------------------
# An order's lines inline, in its consignments (orders.v2.oas2.yml, ``order_includes`` and
# ``consignment_structure``): shipping, pickups, downloads and gift certificates by email.
ORDER_LINES_INLINE = {"include": "consignments.line_items", "consignment_structure": "object"}


def _lines_inline(order: dict) -> dict:
    """The order with ``lines``: the lines its consignments carried, or None when they do not add
    up to the items the order says it holds (the include carries a bounded number of lines: read
    the rest with ``order_lines_iter``). The consignments themselves are dropped, but for what
    says where a line takes its stock: ``pickups`` (pickup consignment id → its pickup method id),
    ``pickup_locations`` (pickup method id → the location id its consignment names, for when the
    pickup methods cannot be read), and each line of a pickup consignment carries ``pickup_method_id``."""
    consignments = order.pop("consignments", None)
    if isinstance(consignments, list):  # the legacy array structure: the object in a list
        consignments = consignments[0] if consignments else None
    found: dict[int, dict] = {}
    order["pickups"], order["pickup_locations"] = {}, {}
    if isinstance(consignments, dict):
        for pickup in consignments.get("pickups") or []:
            if isinstance(pickup, dict) and isinstance(pickup.get("pickup_method_id"), int):
                order["pickups"][pickup.get("id")] = pickup["pickup_method_id"]
                named = (pickup.get("location") or {}).get("id") if isinstance(pickup.get("location"), dict) else None
                if isinstance(named, int):
                    order["pickup_locations"][pickup["pickup_method_id"]] = named
                for line in pickup.get("line_items") if isinstance(pickup.get("line_items"), list) else []:
                    if isinstance(line, dict):
                        line["pickup_method_id"] = pickup["pickup_method_id"]
        groups = [consignments.get(k) or [] for k in ("pickups", "shipping", "downloads")]
        groups.append((consignments.get("email") or {}).get("gift_certificates") or [])
        for group in groups:
            for consignment in group:
                items = consignment.get("line_items") if isinstance(consignment, dict) else None
                for line in items if isinstance(items, list) else []:
                    if isinstance(line, dict) and isinstance(line.get("id"), int):
                        found.setdefault(line["id"], line)
    lines = list(found.values())
    held = order.get("items_total")
    complete = isinstance(held, int) and sum(line.get("quantity") or 0 for line in lines) == held
    order["lines"] = lines if complete else None
    return order


def order_get(client: BigCommerceClient, order_id: int) -> dict:
    """One order with its ``lines`` inline (None when the include did not carry them all)."""
    return _lines_inline(client.get(f"{ORDERS}/{order_id}", params=ORDER_LINES_INLINE))


def order_lines_iter(client: BigCommerceClient, order_id: int) -> Iterator[dict]:
    """Every line of an order (all pages of ``/products``)."""
    return client.iter_pages(f"{ORDERS}/{order_id}/products")


def orders_modified_page(
    client: BigCommerceClient, *, since_rfc2822: str, page: int = 1, limit: int = pagination.PAGE_LIMIT_MAX
) -> list[dict]:
    """One page of the orders modified since that second (included), oldest change first, each
    with its ``lines`` inline (None when the include did not carry them all); [] past the last."""
    params = {
        "min_date_modified": since_rfc2822,
        "sort": "date_modified:asc",
        "limit": pagination.page_limit(None, limit),
        "page": page,
        **ORDER_LINES_INLINE,
    }
    return [_lines_inline(order) for order in client.get(ORDERS, params=params) or []]


def pickup_methods(client: BigCommerceClient, method_ids: Iterable[int]) -> list[dict]:
    """These pickup methods (``GET /v3/pickup/methods?id:in=``, pickup_methods.v3.yml): each names
    the inventory location an order picked up with it takes its stock from."""
    return list(client.iter_pages(PICKUP_METHODS, {"id:in": _ids(method_ids)}))


# -- inventory ------------------------------------------------------------------------------
def inventory_items_iter(client: BigCommerceClient, *, variant_ids: list[int]) -> Iterator[dict]:
    """The inventory items of these variants (at most ``pagination`` 250 a call by the caller)."""
    params = {"variant_id:in": ",".join(str(i) for i in variant_ids)}
    return client.iter_pages(INVENTORY_ITEMS, params, limit=pagination.PAGE_LIMIT_MAX)


def inventory_adjust_relative(client: BigCommerceClient, items: list[dict], *, reason: str | None = None) -> None:
    """Relative adjustments (never retried once sent: a lost answer raises ``OutcomeUnknown``); a
    422 is raised as ``AdjustmentRefused``, which says what BigCommerce refused."""
    try:
        list(client.adjust_inventory_relative(items, reason=reason))
    except ValidationFailed as exc:
        raise AdjustmentRefused.parsed(exc) from exc


def inventory_adjust_absolute(client: BigCommerceClient, items: list[dict], *, reason: str | None = None) -> None:
    """Absolute levels (idempotent, so retried)."""
    list(client.adjust_inventory_absolute(items, reason=reason))


# -- locations ------------------------------------------------------------------------------
# Writes are asynchronous (locations guide): they answer a ``transaction_id`` only, so a created
# location's id is read back by the ``code`` it was created with.
def locations_list(
    client: BigCommerceClient, *, ids: Iterable[int] | None = None, codes: Iterable[str] | None = None
) -> list[dict]:
    """Every location of the store (all pages), or those with these ids or codes."""
    params = {}
    if ids is not None:
        params["location_id:in"] = _ids(ids)
    if codes is not None:
        params["location_code:in"] = ",".join(codes)
    return list(client.iter_pages(LOCATIONS, params or None))


def location_create(client: BigCommerceClient, body: dict) -> None:
    """``POST /v3/inventory/locations`` with one location (never retried once sent: a lost answer
    raises ``OutcomeUnknown``; the caller looks the location up by its code)."""
    client.request("POST", LOCATIONS, json=[body], idempotent=False)


def location_update(client: BigCommerceClient, body: dict) -> None:
    """``PUT /v3/inventory/locations`` with one location's changed fields (``id`` in ``body``;
    idempotent, so retried)."""
    client.request("PUT", LOCATIONS, json=[body], idempotent=True)
