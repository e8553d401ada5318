"""Stock levels per location, held by the product or by the variant depending on
`inventory_tracking`; every change announces itself with the inventory webhooks.

The Catalog API's `inventory_level` is location 1; the Inventory API sees every
location; both read and write the same numbers here, so they always agree.
"""

from __future__ import annotations

from ..web import ApiError
from ..webhooks.events import emit
from .levels import DEFAULT_LOCATION, level
from .rows import product_save, variant_save

MAX_LEVEL = 2147483647
# Settings that the Catalog API holds for the default location: (Inventory name, Catalog name).
CATALOG_SETTINGS = (("warning_level", "inventory_warning_level"), ("bin_picking_number", "bin_picking_number"))


def holder_of(product: dict, variant: dict | None) -> tuple[str, dict]:
    """('product', product) or ('variant', variant): who holds the stock."""
    if product.get("inventory_tracking") == "variant":
        if variant is None:
            raise ApiError(
                422, f"Item with product_id {product['id']} is tracked by variant, please update stock by variant id"
            )
        return "variant", variant
    return "product", product


def product_level(
    db, store_hash: str, product: dict, location_id: int = DEFAULT_LOCATION, *, totals: dict[int, int] | None = None
) -> int:
    """`totals`: `variant_totals` read once for a list of products."""
    if product.get("inventory_tracking") == "variant":
        if totals is not None:
            return totals.get(product["id"], 0)
        return sum(level(v, location_id) for v in db.find(store_hash, "variant", parent_id=product["id"]))
    return level(product, location_id)


def variant_totals(
    db, store_hash: str, location_id: int = DEFAULT_LOCATION, *, product_ids: list[int] | None = None
) -> dict[int, int]:
    """Per product, the sum of its variants' levels at a location, for every product at once, or for
    `product_ids` only (a page: the read then does not grow with the store)."""
    return db.stock_totals(store_hash, "variant", location_id, parent_ids=product_ids)


def stock_write(
    app,
    store_hash: str,
    *,
    product: dict,
    variant: dict | None,
    new_level: int,
    location_id: int = DEFAULT_LOCATION,
    method: str = "absolute",
    origin: str = "api",
) -> bool:
    """Set the level held for (product, variant) at a location, save the holder and
    emit the inventory webhook. `method` is how BigCommerce reports it: absolute for
    API/control panel writes, relative for orders and refunds. Returns whether the
    level changed."""
    db = app.db
    kind, holder = holder_of(product, variant)
    new_level = max(0, min(int(new_level), MAX_LEVEL))
    old_level = level(holder, location_id)
    had_record = str(location_id) in holder.get("_stock", {})
    if new_level == old_level:
        if not had_record:  # an absolute 0 creates the item's record at this location
            holder.setdefault("_stock", {})[str(location_id)] = new_level
            _save_holder(db, store_hash, kind, holder, product)
        return False
    holder.setdefault("_stock", {})[str(location_id)] = new_level
    _save_holder(db, store_hash, kind, holder, product)
    value = new_level if method == "absolute" else new_level - old_level
    item_variant = variant if kind == "variant" else None
    channel_inventory_event(app, store_hash, product, item_variant, location_id, "stock_changed")
    if origin == "order" and new_level < old_level:  # these two fire for orders only (events docs)
        warning = settings_at(holder, location_id)["warning_level"]
        if new_level == 0:
            channel_inventory_event(app, store_hash, product, item_variant, location_id, "out_of_stock_reached")
        elif new_level <= warning:
            channel_inventory_event(app, store_hash, product, item_variant, location_id, "low_stock_reached")
    suffix = "inventory/order/updated" if origin == "order" else "inventory/updated"
    if kind == "product":
        emit(
            app,
            store_hash,
            f"store/product/{suffix}",
            {
                "type": "product",
                "id": product["id"],
                "inventory": {"product_id": product["id"], "method": method, "value": value},
            },
        )
    else:
        emit(
            app,
            store_hash,
            f"store/sku/{suffix}",
            {
                "type": "sku",
                "id": holder["sku_id"],
                "inventory": {
                    "product_id": product["id"],
                    "method": method,
                    "value": value,
                    "variant_id": holder["id"],
                },
            },
        )
    return True


def _save_holder(db, store_hash: str, kind: str, holder: dict, product: dict) -> None:
    if kind == "product":
        product_save(db, store_hash, holder)
    else:
        variant_save(db, store_hash, holder, product)


def channel_inventory_event(
    app, store_hash: str, product: dict, variant: dict | None, location_id: int, event: str
) -> None:
    """store/channel/{id}/inventory/product/{event}, once per channel the product is assigned to
    (docs: webhooks events, inventory and location): stock_changed, settings_changed,
    low_stock_reached, out_of_stock_reached."""
    variant_id = variant["id"] if variant else product.get("base_variant_id")
    data = {"variant_id": variant_id, "product_id": product["id"], "location_id": location_id}
    for channel_id in sorted(product.get("_channels", [])):
        emit(app, store_hash, f"store/channel/{channel_id}/inventory/product/{event}", data)


def settings_at(holder: dict, location_id: int) -> dict:
    """The inventory settings of an item at a location (inventory.v3.yml, LocationItemsResponse).
    At the default location, warning level and bin picking number are the Catalog API's fields."""
    stored = holder.get("_settings", {}).get(str(location_id), {})
    out = {
        "safety_stock": stored.get("safety_stock", 0),
        "is_in_stock": stored.get("is_in_stock", level(holder, location_id) > 0),
        "warning_level": stored.get("warning_level", 0),
        "bin_picking_number": stored.get("bin_picking_number", ""),
    }
    if location_id == DEFAULT_LOCATION:
        out["warning_level"] = holder.get("inventory_warning_level", 0) or 0
        out["bin_picking_number"] = holder.get("bin_picking_number", "") or ""
    return out


def settings_write(
    app, store_hash: str, *, product: dict, variant: dict | None, location_id: int, changes: dict
) -> bool:
    """Set some of an item's settings at a location; settings_changed fires when one changed."""
    kind, holder = holder_of(product, variant)
    before = settings_at(holder, location_id)
    stored = holder.setdefault("_settings", {}).setdefault(str(location_id), {})
    stored.update(changes)
    if location_id == DEFAULT_LOCATION:
        for key, catalog in (
            ("warning_level", "inventory_warning_level"),
            ("bin_picking_number", "bin_picking_number"),
        ):
            if key in changes:
                holder[catalog] = changes[key]
    _save_holder(app.db, store_hash, kind, holder, product)
    if settings_at(holder, location_id) == before:
        return False
    channel_inventory_event(
        app, store_hash, product, variant if kind == "variant" else None, location_id, "settings_changed"
    )
    return True


def stock_adjust(
    app,
    store_hash: str,
    *,
    product: dict,
    variant: dict | None,
    delta: int,
    location_id: int = DEFAULT_LOCATION,
    origin: str = "api",
) -> int:
    """Add `delta` (may be negative; never below zero) and return the new level."""
    _, holder = holder_of(product, variant)
    new_level = max(0, level(holder, location_id) + delta)
    stock_write(
        app,
        store_hash,
        product=product,
        variant=variant,
        new_level=new_level,
        location_id=location_id,
        method="relative",
        origin=origin,
    )
    return new_level
