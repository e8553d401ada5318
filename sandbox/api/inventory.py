"""Inventory v3 (``reference/inventory.v3.yml``): absolute and relative adjustments, items at
every location or at one, and items' settings per location (safety stock, in-stock flag,
warning level, bin picking number). Writes are asynchronous (see `common.apply_async`)."""

from __future__ import annotations

from ..model.levels import level
from ..model.locations import location_usable
from ..model.stock import MAX_LEVEL, settings_at, settings_write, stock_write
from ..web import ApiError, Request, Response, invalid, v3
from .common import apply_async, get_or_404, non_negative_int, paginate, require_object, too_many, transaction
from .locations import locations_filtered

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
        if not isinstance(location_id, int) or isinstance(location_id, bool):
            raise invalid({f"items.{index}.location_id": "error.path.missing"})
        location_usable(db, req.store_hash, location_id, what="a stock adjustment")
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
    apply_async(req, lambda: _apply(app, store_hash, changes, relative))
    return transaction()


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


def adjust_absolute(req: Request) -> Response:
    return _adjust(req, relative=False)


def adjust_relative(req: Request) -> Response:
    return _adjust(req, relative=True)


# What an item's identity reads of a variant (its option values: whether it has any).
_IDENTITY_PATHS = ("$.sku", "$.sku_id", "$.option_values")


def _variants_of(db, store_hash: str, *, ids=None, parent_ids=None, read=None) -> dict[int, list[dict]]:
    """Variants by product, each in id order, as {"id", "product_id"} read from the index alone, with
    their identity fields (`_identify`) for the products in `read` (every one when None: one read)."""
    by_product: dict[int, list[dict]] = {}
    if read is None:  # every one's identity: one read
        for row in db.project(store_hash, "variant", _IDENTITY_PATHS, ids=ids, parent_ids=parent_ids):
            by_product.setdefault(row[1], []).append(_identify({"id": row[0], "product_id": row[1]}, row))
        return by_product
    for product_id, variant_id in db.child_ids(store_hash, "variant", ids=ids, parent_ids=parent_ids):
        by_product.setdefault(product_id, []).append({"id": variant_id, "product_id": product_id})
    read = read if parent_ids is None else set(read) & set(parent_ids)
    if read:
        known = {v["id"]: v for held in by_product.values() for v in held}
        for row in db.project(store_hash, "variant", _IDENTITY_PATHS, ids=ids, parent_ids=read):
            _identify(known.get(row[0]), row)
    return by_product


def _identify(variant: dict | None, row: tuple[int, int | None, list]) -> dict | None:
    """A light variant's SKU, SKU id and whether it has option values, from `storage.project`'s row."""
    if variant is not None:
        sku, sku_id, values = row[2]
        variant.update(sku=sku, sku_id=sku_id, option_values=bool(values))
    return variant


def _item_refs(req: Request) -> list[tuple[dict, dict, bool]]:
    """(product, variant, whether the item is the product's) of every item the filters keep, in order,
    read from light records (`storage.project`, `storage.child_ids`): a variant's SKU and option values
    are read when a filter or the item's shape needs them (`sku:in`; a product tracked by product),
    else for the page's items only (`_items`), as are the levels and settings."""
    db = req.app.db
    q = req.query
    refs = []
    # The filters read once; `variant_id:in` / `product_id:in` narrow the products read (in SQLite).
    product_ids = set(req.query_ints("product_id:in")) if q.get("product_id:in") else None
    variant_ids = set(req.query_ints("variant_id:in")) if q.get("variant_id:in") else None
    skus = {s.lower() for s in req.query_list("sku:in")}
    narrowed = product_ids
    if variant_ids is not None:
        owners = set(db.parents_of(req.store_hash, "variant", variant_ids))
        narrowed = owners if narrowed is None else narrowed & owners
    products = [
        {"id": i, "inventory_tracking": tracking, "sku": sku}
        for i, _, (tracking, sku) in db.project(
            req.store_hash, "product", ("$.inventory_tracking", "$.sku"), ids=narrowed
        )
    ]
    # A variant's SKU and option values are read before the page for `sku:in`, and for the products
    # tracked by product, whose items depend on them (one item for the product, or its base variant).
    read = None if q.get("sku:in") else [p["id"] for p in products if p["inventory_tracking"] != "variant"]
    # The variants asked for, by product (with `variant_id:in`, a product tracked by variant lists
    # only those: its other variants are not read).
    asked = _variants_of(db, req.store_hash, ids=variant_ids) if variant_ids is not None else {}
    # Every variant of the products that list them all.
    whole = None
    if narrowed is not None:
        whole = [p["id"] for p in products if variant_ids is None or p["inventory_tracking"] != "variant"]
    every = _variants_of(db, req.store_hash, parent_ids=whole, read=read) if whole != [] else {}
    for product in products:
        if product_ids is not None and product["id"] not in product_ids:
            continue
        by_variant = product["inventory_tracking"] == "variant"
        if variant_ids is not None and by_variant:
            variants = asked.get(product["id"], [])  # the others are filtered out below
        else:
            variants = every.get(product["id"], [])
        for variant in variants:
            if variant_ids is not None and variant["id"] not in variant_ids:
                continue
            if q.get("sku:in") and (_sku(product, variant) or "").lower() not in skus:
                continue
            if not by_variant and variant["option_values"]:
                if variant is not variants[0]:
                    continue  # tracked by product: one item, for the product
                refs.append((product, variant, True))
            else:
                refs.append((product, variant, False))
    return refs


def _sku(product: dict, variant: dict) -> str | None:
    return variant["sku"] if variant["option_values"] else product["sku"]


def _items(req: Request, refs: list[tuple[dict, dict, bool]], locations: list[dict]) -> list[dict]:
    """The items of these refs (a page), with their levels and settings at these locations."""
    db = req.app.db
    unread = {v["id"]: v for _, v, _ in refs if "sku" not in v}
    for row in db.project(req.store_hash, "variant", _IDENTITY_PATHS, ids=list(unread)) if unread else ():
        _identify(unread.get(row[0]), row)
    holders = {}
    kinds = [("variant", v["id"]) if p["inventory_tracking"] == "variant" else ("product", p["id"]) for p, v, _ in refs]
    for kind in ("product", "variant"):
        ids = [i for k, i in kinds if k == kind]
        holders.update({(kind, r["id"]): r for r in db.find(req.store_hash, kind, ids=ids)} if ids else {})
    return [
        {
            "identity": _identity(product, variant, whole),
            "locations": [
                {
                    "location_id": loc["id"],
                    "location_code": loc["code"],
                    "location_name": loc["label"],
                    "location_enabled": loc["enabled"],
                    **_quantities(holders[holder], loc["id"]),
                }
                for loc in locations
            ],
        }
        for (product, variant, whole), holder in zip(refs, kinds, strict=True)
    ]


def _identity(product: dict, variant: dict, whole: bool) -> dict:
    if whole:
        # The item is the product, which has no variant of its own to name (its base_variant_id is
        # null): no variant_id, never a null one (inventory.v3.yml types it as an integer); sku_id is
        # null "if the item is a base variant".
        return {"sku": product["sku"], "product_id": product["id"], "sku_id": None}
    return {
        "sku": _sku(product, variant),
        "variant_id": variant["id"],
        "product_id": product["id"],
        "sku_id": variant["sku_id"],
    }


def _quantities(holder: dict, location_id: int) -> dict:
    """On hand, available to sell (on hand minus the safety stock) and the settings at a location."""
    settings = settings_at(holder, location_id)
    onhand = level(holder, location_id)
    return {
        "available_to_sell": max(0, onhand - settings["safety_stock"]),
        "total_inventory_onhand": onhand,
        "settings": settings,
    }


def items_get(req: Request) -> Response:
    locations = locations_filtered(req)
    page, meta = paginate(req, _item_refs(req), max_limit=1000)
    return v3(_items(req, page, locations), meta)


def location_items_get(req: Request) -> Response:
    location = get_or_404(req.app.db, req.store_hash, "location", req.params["location_id"], "Location not found")
    page, meta = paginate(req, _item_refs(req), max_limit=1000)
    rows = [
        {
            "identity": i["identity"],
            **{
                k: v
                for k, v in i["locations"][0].items()
                if k in ("available_to_sell", "total_inventory_onhand", "settings")
            },
        }
        for i in _items(req, page, [location])
    ]
    return v3(rows, meta)


SETTINGS = ("safety_stock", "is_in_stock", "warning_level", "bin_picking_number")


def _setting_errors(index: int, entry) -> dict:
    """LocationItemsSettingsRequest, and its 422 example: at least one setting."""
    where = f"settings.{index}"
    if not isinstance(entry, dict):
        return {where: "error.expected.jsobject"}
    errors = {}
    identity = entry.get("identity")
    if not isinstance(identity, dict) or not any(
        identity.get(k) is not None for k in ("sku", "variant_id", "product_id")
    ):
        errors[f"{where}.identity"] = "One of sku, variant_id or product_id is required"
    if not any(k in entry for k in ("warning_level", "is_in_stock", "safety_stock")):
        errors[f"setting.{index}.settings"] = (
            "At least one setting must be specified: warning_level, is_in_stock or safety_stock"
        )
    for key in ("safety_stock", "warning_level"):
        if key in entry and not (non_negative_int(entry[key]) and entry[key] <= MAX_LEVEL):
            errors[f"{where}.{key}"] = "error.expected.non-negative integer"
    if "is_in_stock" in entry and not isinstance(entry["is_in_stock"], bool):
        errors[f"{where}.is_in_stock"] = "error.expected.jsboolean"
    if "bin_picking_number" in entry and not isinstance(entry["bin_picking_number"], str):
        errors[f"{where}.bin_picking_number"] = "error.expected.jsstring"
    return errors


def location_items_put(req: Request) -> Response:
    """Update inventory settings for items at a location (put-location-inventory-items)."""
    db = req.app.db
    # inventory.v3.yml documents 200 and 422 only for this PUT (its GET twin has a 404).
    location = location_usable(db, req.store_hash, int(req.params["location_id"]), what="an inventory setting")
    entries = require_object(req.json()).get("settings")
    if not isinstance(entries, list) or not entries:
        raise invalid({"settings": "error.path.missing"}, "Payload contains invalid fields")
    if len(entries) > MAX_ITEMS:
        raise too_many(MAX_ITEMS)
    errors: dict = {}
    for index, entry in enumerate(entries):
        errors.update(_setting_errors(index, entry))
    if errors:
        raise invalid(errors, "Payload contains invalid fields")
    resolved = []
    for entry in entries:
        product, variant = resolve_item(db, req.store_hash, entry["identity"])
        resolved.append((product["id"], variant and variant["id"], {k: entry[k] for k in SETTINGS if k in entry}))
    app, store_hash = req.app, req.store_hash

    def apply() -> None:
        for product_id, variant_id, changes in resolved:
            product = app.db.get(store_hash, "product", product_id)
            variant = app.db.get(store_hash, "variant", variant_id) if variant_id else None
            if product is None or (variant_id and variant is None):
                continue  # deleted meanwhile
            settings_write(
                app, store_hash, product=product, variant=variant, location_id=location["id"], changes=changes
            )

    apply_async(req, apply)
    return transaction()


P = {"scope": "inventory"}
ROUTES = [
    ("PUT", "/v3/inventory/adjustments/absolute", adjust_absolute, P),
    ("POST", "/v3/inventory/adjustments/relative", adjust_relative, P),
    ("GET", "/v3/inventory/items", items_get, P),
    ("GET", "/v3/inventory/locations/{location_id}/items", location_items_get, P),
    ("PUT", "/v3/inventory/locations/{location_id}/items", location_items_put, P),
]
