"""A product's and a variant's row in storage, with the keys that the uniqueness checks and the
list filters read in SQLite (SKU, name, custom URL). Every write of either goes through here, so
no path can leave a key stale (a stale key lets a duplicate through)."""

from __future__ import annotations


def product_save(db, store_hash: str, product: dict) -> dict:
    return db.put(
        store_hash,
        "product",
        product,
        sku=product.get("sku") or None,
        name=product["name"],
        url=(product.get("custom_url") or {}).get("url"),
    )


def variant_save(db, store_hash: str, variant: dict) -> dict:
    # A base variant's SKU is the product's own: index it once, on the product.
    sku = variant.get("sku") if variant.get("option_values") else None
    return db.put(store_hash, "variant", variant, parent_id=variant["product_id"], sku=sku)
