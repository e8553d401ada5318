"""Products: create, update, delete, and the JSON the Catalog API answers with."""

from __future__ import annotations

import copy
import re

from ..values import iso_now
from ..web import ApiError, invalid
from ..webhooks.events import emit
from .fields import PRICE_FIELDS, PRODUCT_DEFAULTS, READ_ONLY, SUB_RESOURCES, as_price, product_errors, variant_errors
from .media import custom_field_add, image_add, video_add
from .stock import MAX_LEVEL, product_level, stock_write
from .variants import option_create, resolve_option_values, variant_build, variant_out, variant_save

INCLUDES = {
    "variants",
    "images",
    "custom_fields",
    "bulk_pricing_rules",
    "primary_image",
    "modifiers",
    "options",
    "videos",
    "channels",
    "parent_relations",
    "reviews",
}


def product_save(db, store_hash: str, product: dict) -> dict:
    return db.put(store_hash, "product", product, sku=product.get("sku") or None, name=product["name"])


def check_unique(
    db,
    store_hash: str,
    *,
    name: str | None = None,
    skus: list[str] = (),
    product_id: int | None = None,
    variant_id: int | None = None,
) -> None:
    """409 when the name or a SKU (any letter case, products and variants) is taken."""
    if name is not None and any(i != product_id for i in db.name_holders(store_hash, "product", name)):
        raise ApiError(
            409, "The product name is a duplicate", {"name": f"A product with the name {name!r} already exists."}
        )
    lowered = [s.lower() for s in skus if s]
    if len(lowered) != len(set(lowered)):
        raise ApiError(409, "The product sku is a duplicate", {"sku": "SKUs repeat in the request."})
    for sku in skus:
        if not sku:
            continue
        for kind, holder_id, _ in db.sku_holders(store_hash, sku):
            if (kind == "product" and holder_id == product_id) or (kind == "variant" and holder_id == variant_id):
                continue
            raise ApiError(409, "The product sku is a duplicate", {"sku": f"Sku {sku} is not unique."})


def check_categories(db, store_hash: str, category_ids: list[int]) -> None:
    missing = [c for c in category_ids if db.get(store_hash, "category", c) is None]
    if missing:
        raise ApiError(409, "Category does not exist", {"categories": f"Categories {missing} do not exist."})


def _apply_fields(product: dict, body: dict) -> None:
    for field, value in body.items():
        if field in READ_ONLY or field in SUB_RESOURCES or field not in PRODUCT_DEFAULTS:
            continue
        if field in PRICE_FIELDS or field in ("weight", "width", "depth", "height"):
            value = as_price(value)
        product[field] = value


def product_create(app, store_hash: str, body: dict, fetched_images: list | None = None) -> dict:
    db = app.db
    errors = product_errors(body, creating=True)
    for index, variant in enumerate(body.get("variants") or []):
        if isinstance(variant, dict):
            errors.update(variant_errors(variant, prefix=f"variants.{index}."))
        else:
            errors[f"variants.{index}"] = "error.expected.jsobject"
    if errors:
        raise invalid(errors, "Missing or invalid fields")
    variants_in = body.get("variants") or []
    check_unique(
        db, store_hash, name=body["name"], skus=[body.get("sku") or ""] + [v.get("sku") or "" for v in variants_in]
    )
    check_categories(db, store_hash, body.get("categories") or [])
    now = iso_now()
    product = {"id": db.next_id(store_hash, "product"), **copy.deepcopy(PRODUCT_DEFAULTS)}
    _apply_fields(product, body)
    if not product["custom_url"]:
        slug = re.sub(r"[^a-z0-9]+", "-", product["name"].lower()).strip("-") or str(product["id"])
        product["custom_url"] = {"url": f"/{slug}/", "is_customized": False}
    product.update(
        {
            "date_created": now,
            "date_modified": now,
            "base_variant_id": None,
            "_channels": [1],
            "_stock": {"1": min(body.get("inventory_level") or 0, MAX_LEVEL)},
        }
    )
    product_save(db, store_hash, product)
    for option in body.get("options") or []:
        option_create(db, store_hash, product["id"], option)
    with_options = [v for v in variants_in if v.get("option_values")]
    if not with_options:
        base = variant_build(db, store_hash, product, {}, [])
        product["base_variant_id"] = base["id"]
        variant_save(db, store_hash, base)
    for variant_in in with_options:
        values = resolve_option_values(db, store_hash, product["id"], variant_in["option_values"], create_missing=True)
        variant = variant_build(db, store_hash, product, variant_in, values)
        variant["_stock"] = {"1": min(variant_in.get("inventory_level") or 0, MAX_LEVEL)}
        variant_save(db, store_hash, variant)
    for index, image in enumerate(body.get("images") or []):
        image_add(
            db,
            store_hash,
            product,
            image,
            fetched_images[index] if fetched_images else None,
            base_url=app.config.base_url,
        )
    for video in body.get("videos") or []:
        video_add(db, store_hash, product["id"], video)
    for field in body.get("custom_fields") or []:
        custom_field_add(db, store_hash, product["id"], field)
    product_save(db, store_hash, product)
    emit(app, store_hash, "store/product/created", {"type": "product", "id": product["id"]})
    emit(app, store_hash, "store/channel/1/product/assigned", {"product_id": product["id"]})
    return product


def product_update(app, store_hash: str, product: dict, body: dict) -> dict:
    db = app.db
    errors = product_errors(body, creating=False)
    if errors:
        raise invalid(errors)
    check_unique(
        db, store_hash, name=body.get("name"), skus=[body["sku"]] if body.get("sku") else [], product_id=product["id"]
    )
    if body.get("categories") is not None:
        check_categories(db, store_hash, body["categories"])
    _apply_fields(product, body)
    product["date_modified"] = iso_now()
    product_save(db, store_hash, product)
    if "inventory_level" in body and product["inventory_tracking"] != "variant":
        stock_write(app, store_hash, product=product, variant=None, new_level=body["inventory_level"])
    emit(app, store_hash, "store/product/updated", {"type": "product", "id": product["id"]})
    return product


def product_touch(app, store_hash: str, product_id: int) -> None:
    """A sub-resource changed: the product is modified, as BigCommerce reports it."""
    product = app.db.get(store_hash, "product", product_id)
    if product is not None:
        product["date_modified"] = iso_now()
        product_save(app.db, store_hash, product)
        emit(app, store_hash, "store/product/updated", {"type": "product", "id": product_id})


def product_delete(app, store_hash: str, product: dict) -> None:
    db = app.db
    for kind in ("variant", "option", "image", "video", "custom_field"):
        for child in db.find(store_hash, kind, parent_id=product["id"]):
            if kind == "image":
                db.execute("DELETE FROM blobs WHERE store_hash=? AND id=?", (store_hash, child["id"]))
        db.delete_children(store_hash, kind, product["id"])
    db.delete(store_hash, "product", product["id"])
    emit(app, store_hash, "store/product/deleted", {"type": "product", "id": product["id"]})


def product_out(db, store_hash: str, product: dict, include: set[str] = frozenset()) -> dict:
    out = {k: v for k, v in product.items() if not k.startswith("_")}
    out["inventory_level"] = product_level(db, store_hash, product)
    out["calculated_price"] = product["sale_price"] or product["price"]
    if "variants" in include:
        out["variants"] = [variant_out(product, v) for v in db.find(store_hash, "variant", parent_id=product["id"])]
    if "options" in include:
        out["options"] = db.find(store_hash, "option", parent_id=product["id"])
    if "images" in include or "primary_image" in include:
        images = db.find(store_hash, "image", parent_id=product["id"])
        public = [{k: v for k, v in i.items() if not k.startswith("_")} for i in images]
        if "images" in include:
            out["images"] = public
        if "primary_image" in include:
            out["primary_image"] = next((i for i in public if i["is_thumbnail"]), public[0] if public else None)
    if "videos" in include:
        out["videos"] = db.find(store_hash, "video", parent_id=product["id"])
    if "custom_fields" in include:
        out["custom_fields"] = [
            {k: v for k, v in f.items() if k != "product_id"}
            for f in db.find(store_hash, "custom_field", parent_id=product["id"])
        ]
    if "channels" in include:
        out["channels"] = sorted(product.get("_channels", []))
    for name in ("modifiers", "bulk_pricing_rules", "parent_relations", "reviews"):
        if name in include:
            out[name] = []
    return out


def select_fields(out: dict, include_fields: list[str], exclude_fields: list[str]) -> dict:
    if include_fields:
        keep = set(include_fields) | {"id"} | (set(out) & (INCLUDES | {"primary_image"}))
        out = {k: v for k, v in out.items() if k in keep}
    for field in exclude_fields:
        if field != "id":
            out.pop(field, None)
    return out
