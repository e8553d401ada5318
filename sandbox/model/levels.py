"""What a product's or a variant's stock level reads: pure functions over the records (no storage),
so that a variant's answer can be made where its row is written (`rows`) without importing the
stock writes, which save rows themselves."""

from __future__ import annotations

DEFAULT_LOCATION = 1


def level(record: dict, location_id: int = DEFAULT_LOCATION) -> int:
    return int(record.get("_stock", {}).get(str(location_id), 0))


def variant_level(product: dict, variant: dict, location_id: int = DEFAULT_LOCATION) -> int:
    if product.get("inventory_tracking") == "variant" or variant.get("option_values"):
        return level(variant, location_id)
    return level(product, location_id)  # the base variant is the product
