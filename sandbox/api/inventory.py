"""Inventory v3: absolute and relative adjustments, items, locations."""

from __future__ import annotations

import threading
import uuid

from ..model.stock import MAX_LEVEL, level, stock_write
from ..stores import default_address, default_operating_hours, store_options
from ..values import iso_now
from ..web import ApiError, Request, Response, invalid, v3
from .common import get_or_404, paginate, require_list, require_object

MAX_ITEMS = 2000


def resolve_item(db, store_hash: str, item: dict) -> tuple[dict, dict | None]:
    """(product, variant or None for product-level stock) of an adjustment item."""
    if item.get("product_id") is not None:
        product = db.get(store_hash, "product", item["product_id"])
        if product is None:
            raise ApiError(422, f"Item with product_id {item['product_id']} does not exist")
        if product["inventory_tracking"] == "variant":
            raise ApiError(
                422, f"[Item with product_id {product['id']} is tracked by variant, please update stock by variant id]"
            )
        return product, None
    variant = None
    if item.get("variant_id") is not None:
        variant = db.get(store_hash, "variant", item["variant_id"])
        label = f"variant_id {item['variant_id']}"
    elif item.get("sku"):
        label = f"sku {item['sku']}"
        for kind, holder_id, _ in db.sku_holders(store_hash, item["sku"]):
            if kind == "product":
                product = db.get(store_hash, "product", holder_id)
                if product["inventory_tracking"] != "variant":
                    return product, None
                raise ApiError(422, f"[Item with {label} is tracked by variant, please update stock by variant id]")
            variant = db.get(store_hash, "variant", holder_id)
    else:
        raise invalid({"items": "each item needs sku, variant_id or product_id"})
    if variant is None:
        raise ApiError(422, f"Item with {label} does not exist")
    product = db.get(store_hash, "product", variant["product_id"])
    if product["inventory_tracking"] == "variant":
        return product, variant
    if variant["option_values"]:
        raise ApiError(
            422, f"[Item with variant_id {variant['id']} is tracked by product, please update stock by product id]"
        )
    return product, None  # the base variant is the product


def _adjust(req: Request, relative: bool) -> Response:
    """Validate every item now (any error: 422 and nothing changes), then apply them, at
    once or after the store's `inventory_apply_delay_ms`, as BigCommerce's asynchronous
    Inventory API does (docs: inventory adjustments, "there may be a short delay")."""
    body = require_object(req.json())
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise invalid({"items": "error.path.missing"})
    if len(items) > MAX_ITEMS:
        raise ApiError(413, f"The request payload is too large. The maximum items allowed in the array is {MAX_ITEMS}.")
    db = req.app.db
    changes: dict[tuple, int] = {}  # (product, variant, location) -> new level (absolute) or delta (relative)
    totals: dict[tuple, int] = {}  # the same item twice in one request adds up
    for index, item in enumerate(items):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("quantity"), int)
            or isinstance(item.get("quantity"), bool)
        ):
            raise invalid({f"items.{index}.quantity": "Please provide an integer quantity."})
        location_id = item.get("location_id")
        if db.get(req.store_hash, "location", location_id or 0) is None:
            raise ApiError(422, f"Location {location_id} does not exist")
        product, variant = resolve_item(db, req.store_hash, item)
        key = (product["id"], variant and variant["id"], location_id)
        holder = variant or product
        if relative and str(location_id) not in holder.get("_stock", {}):
            # inventory.v3.yml, 422 of the relative adjustment: no level at this location yet.
            identity = f"variant_id {variant['id']}" if variant else f"product_id {product['id']}"
            raise ApiError(422, f"Items with identity: [{identity}] requires absolute adjustment before relative")
        base = totals.get(key, level(holder, location_id))
        new_level = base + item["quantity"] if relative else item["quantity"]
        if new_level < 0:
            raise ApiError(
                422, f"Item {index} would take stock below zero ({base} {item['quantity']:+d}); nothing was changed."
            )
        if new_level > MAX_LEVEL:
            raise ApiError(422, f"Item {index} would exceed {MAX_LEVEL}; nothing was changed.")
        totals[key] = new_level
        changes[key] = changes.get(key, 0) + item["quantity"] if relative else item["quantity"]
    app, store_hash = req.app, req.store_hash
    delay_ms = store_options(req.store)["inventory_apply_delay_ms"]
    if delay_ms:
        timer = threading.Timer(delay_ms / 1000, _apply_later, (app, store_hash, changes, relative))
        timer.daemon = True
        db.on_commit(timer.start)
    else:
        _apply(app, store_hash, changes, relative)
    return _transaction()


def _apply_later(app, store_hash: str, changes: dict, relative: bool) -> None:
    with app.db.tx():
        _apply(app, store_hash, changes, relative)


def _apply(app, store_hash: str, changes: dict, relative: bool) -> None:
    db = app.db
    for (product_id, variant_id, location_id), quantity in changes.items():
        product = db.get(store_hash, "product", product_id)
        variant = db.get(store_hash, "variant", variant_id) if variant_id else None
        if product is None or (variant_id and variant is None):
            continue  # deleted meanwhile
        holder = variant or product
        new_level = level(holder, location_id) + quantity if relative else quantity
        if new_level < 0:
            continue  # an order took the stock meanwhile: BigCommerce's post-check drops it
        stock_write(
            app,
            store_hash,
            product=product,
            variant=variant,
            new_level=new_level,
            location_id=location_id,
            method="relative" if relative else "absolute",
        )


def _transaction() -> Response:
    """Inventory writes answer with only a transaction id (the API is asynchronous)."""
    return Response.json({"transaction_id": str(uuid.uuid4())})


def adjust_absolute(req: Request) -> Response:
    return _adjust(req, relative=False)


def adjust_relative(req: Request) -> Response:
    return _adjust(req, relative=True)


def _items(req: Request, locations: list[dict]) -> list[dict]:
    db = req.app.db
    q = req.query
    out = []
    # The filters read once; `variant_id:in` / `product_id:in` narrow the products read (in SQLite).
    product_ids = set(req.query_ints("product_id:in")) if q.get("product_id:in") else None
    variant_ids = set(req.query_ints("variant_id:in")) if q.get("variant_id:in") else None
    skus = {s.lower() for s in req.query_list("sku:in")}
    narrowed = product_ids
    if variant_ids is not None:
        owners = set(db.parents_of(req.store_hash, "variant", variant_ids))
        narrowed = owners if narrowed is None else narrowed & owners
    asked: dict[int, list[dict]] = {}  # the variants asked for, by product (when tracked by variant)
    for variant in db.find(req.store_hash, "variant", ids=variant_ids) if variant_ids is not None else ():
        asked.setdefault(variant["product_id"], []).append(variant)
    for product in db.find(req.store_hash, "product", ids=narrowed):
        if product_ids is not None and product["id"] not in product_ids:
            continue
        if variant_ids is not None and product["inventory_tracking"] == "variant":
            variants = asked.get(product["id"], [])  # the others are filtered out below
        else:
            variants = db.find(req.store_hash, "variant", parent_id=product["id"])
        for variant in variants:
            by_variant = product["inventory_tracking"] == "variant"
            holder = variant if by_variant else product
            sku = variant["sku"] if variant["option_values"] else product["sku"]
            if variant_ids is not None and variant["id"] not in variant_ids:
                continue
            if q.get("sku:in") and (sku or "").lower() not in skus:
                continue
            identity = {
                "sku": sku,
                "variant_id": variant["id"],
                "product_id": product["id"],
                "sku_id": variant["sku_id"],
            }
            if not by_variant and variant["option_values"]:
                if variant is not variants[0]:
                    continue  # tracked by product: one item, for the product
                # The item is the product, which has no variant of its own to name (its
                # base_variant_id is null): no variant_id, never a null one (inventory.v3.yml
                # types it as an integer); sku_id is null "if the item is a base variant".
                identity = {"sku": product["sku"], "product_id": product["id"], "sku_id": None}
            out.append(
                {
                    "identity": identity,
                    "locations": [
                        {
                            "location_id": loc["id"],
                            "location_code": loc["code"],
                            "location_name": loc["label"],
                            "location_enabled": loc["enabled"],
                            "available_to_sell": level(holder, loc["id"]),
                            "total_inventory_onhand": level(holder, loc["id"]),
                            "settings": {
                                "safety_stock": 0,
                                "is_in_stock": level(holder, loc["id"]) > 0,
                                "warning_level": holder.get("inventory_warning_level", 0),
                                "bin_picking_number": holder.get("bin_picking_number", ""),
                            },
                        }
                        for loc in locations
                    ],
                }
            )
    return out


def _locations(req: Request) -> list[dict]:
    locations = req.app.db.find(req.store_hash, "location")
    if req.query.get("location_id:in"):
        locations = [loc for loc in locations if loc["id"] in req.query_ints("location_id:in")]
    if req.query.get("location_code:in"):
        locations = [loc for loc in locations if loc["code"] in req.query_list("location_code:in")]
    return locations


def items_get(req: Request) -> Response:
    page, meta = paginate(req, _items(req, _locations(req)), max_limit=1000)
    return v3(page, meta)


def location_items_get(req: Request) -> Response:
    location = get_or_404(req.app.db, req.store_hash, "location", req.params["location_id"], "Location not found")
    rows = [
        {
            "identity": i["identity"],
            **{
                k: v
                for k, v in i["locations"][0].items()
                if k in ("available_to_sell", "total_inventory_onhand", "settings")
            },
        }
        for i in _items(req, [location])
    ]
    page, meta = paginate(req, rows, max_limit=1000)
    return v3(page, meta)


LOCATION_FIELDS = (
    "code",
    "label",
    "description",
    "managed_by_external_source",
    "type_id",
    "enabled",
    "operating_hours",
    "time_zone",
    "address",
    "storefront_visibility",
)


def _location_errors(index: int, item: dict) -> dict:
    """locations.v3.yml: `address` and `operating_hours` are objects, never null."""
    return {
        f"{index}.{k}": "error.expected.jsobject"
        for k in ("address", "operating_hours")
        if k in item and not isinstance(item[k], dict)
    }


def locations_get(req: Request) -> Response:
    page, meta = paginate(req, _locations(req))
    return v3(page, meta)


def locations_post(req: Request) -> Response:
    db = req.app.db
    for index, item in enumerate(require_list(req.json())):
        if not isinstance(item, dict) or not item.get("label") or not item.get("code"):
            raise invalid({f"{index}": "code and label are required"})
        if _location_errors(index, item):
            raise invalid(_location_errors(index, item))
        if any(ln["code"] == item["code"] for ln in db.find(req.store_hash, "location")):
            raise invalid({f"{index}.code": "Location code must be unique"})
        now = iso_now()
        location = {
            "id": db.next_id(req.store_hash, "location"),
            "description": "",
            "managed_by_external_source": False,
            "type_id": "PHYSICAL",
            "enabled": True,
            "operating_hours": default_operating_hours(),
            "time_zone": "Europe/Paris",
            "address": default_address(),
            "storefront_visibility": True,
            "is_default": False,
            **{k: item[k] for k in LOCATION_FIELDS if k in item},
            "created_at": now,
            "updated_at": now,
        }
        db.put(req.store_hash, "location", location)
    return _transaction()


def locations_put(req: Request) -> Response:
    db = req.app.db
    for index, item in enumerate(require_list(req.json())):
        if not isinstance(item, dict):
            raise invalid({str(index): "error.expected.jsobject"})
        location = db.get(req.store_hash, "location", item.get("id") or 0)
        if location is None:
            raise invalid({f"{index}.id": "Location does not exist"})
        if _location_errors(index, item):
            raise invalid(_location_errors(index, item))
        location.update({k: item[k] for k in LOCATION_FIELDS if k in item})
        location["updated_at"] = iso_now()
        db.put(req.store_hash, "location", location)
    return _transaction()


def locations_delete(req: Request) -> Response:
    ids = req.query_ints("location_id:in")
    if not ids:
        raise ApiError(422, "A filter is required", {"location_id:in": "required"})
    if 1 in ids:
        raise ApiError(422, "The default location cannot be deleted")
    for location_id in ids:
        req.app.db.delete(req.store_hash, "location", location_id)
    return _transaction()


P = {"scope": "inventory"}
ROUTES = [
    ("PUT", "/v3/inventory/adjustments/absolute", adjust_absolute, P),
    ("POST", "/v3/inventory/adjustments/relative", adjust_relative, P),
    ("GET", "/v3/inventory/items", items_get, P),
    ("GET", "/v3/inventory/locations", locations_get, P),
    ("POST", "/v3/inventory/locations", locations_post, P),
    ("PUT", "/v3/inventory/locations", locations_put, P),
    ("DELETE", "/v3/inventory/locations", locations_delete, P),
    ("GET", "/v3/inventory/locations/{location_id}/items", location_items_get, P),
]
