"""A product's and a variant's row in storage, with the keys that the uniqueness checks and the
list filters read in SQLite (SKU, name, custom URL), and a variant's answer. Every write of either
goes through here, so no path can leave a key stale (a stale key lets a duplicate through) nor an
answer missing (its reader would remake it, slowly)."""

from __future__ import annotations

from .variants import variant_answer, variant_basis


def product_save(db, store_hash: str, product: dict) -> dict:
    """Also remakes the answers of its variants that were made from other values of its fields."""
    db.put(
        store_hash,
        "product",
        product,
        sku=product.get("sku") or None,
        name=product["name"],
        url=(product.get("custom_url") or {}).get("url"),
    )
    basis = variant_basis(product)
    stale = db.find(store_hash, "variant", parent_id=product["id"], where="answer_basis IS NOT ?", params=(basis,))
    db.put_answers(store_hash, "variant", [(v["id"], variant_answer(product, v), basis) for v in stale])
    return product


def variant_save(db, store_hash: str, variant: dict, product: dict) -> dict:
    """With its answer (`variants.variant_answer`), made with its product as it is now."""
    # A base variant's SKU is the product's own: index it once, on the product.
    sku = variant.get("sku") if variant.get("option_values") else None
    answer = (variant_answer(product, variant), variant_basis(product))
    return db.put(store_hash, "variant", variant, parent_id=variant["product_id"], sku=sku, answer=answer)
