"""Products: create, update, delete, and the JSON the Catalog API answers with."""

from __future__ import annotations

import copy
import re

from ..values import iso_now
from ..web import ApiError, RawJSON, invalid
from ..webhooks.events import emit
from .fields import PRICE_FIELDS, PRODUCT_DEFAULTS, READ_ONLY, SUB_RESOURCES, as_price, product_errors, variant_errors
from .media import custom_field_add, custom_field_update, image_add, image_update, video_add, video_update
from .rows import product_save, variant_save
from .stock import MAX_LEVEL, product_level, stock_write
from .variants import option_create, resolve_option_values, variant_build, variant_out

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


# The product fields whose change fires store/product/updated (docs: webhooks events,
# "Product update events"); a change to any other field (gtin, mpn, custom_url, meta
# keywords, warning level, bin picking number...) or a PUT that changes nothing fires none.
UPDATE_EVENT_FIELDS = frozenset(
    """availability availability_description categories brand_id condition is_condition_shown description
    depth height width inventory_tracking is_featured meta_description name order_quantity_minimum
    order_quantity_maximum open_graph_type open_graph_title open_graph_description open_graph_use_product_name
    open_graph_use_meta_description open_graph_use_image page_title is_preorder_only preorder_message price
    cost_price retail_price sale_price is_price_hidden price_hidden_label type related_products reviews_count
    search_keywords fixed_cost_shipping_price is_free_shipping sku sort_order tax_class_id layout_file total_sold
    upc is_visible warranty weight""".split()
)
PARTIAL_SUCCESS = "partial_success"  # the injectable fault answered with 207 Multi-Status


def updated_event(app, store_hash: str, product_id: int) -> None:
    emit(app, store_hash, "store/product/updated", {"type": "product", "id": product_id})


def sku_event(app, store_hash: str, action: str, variant: dict) -> None:
    """store/sku/created|updated|deleted (docs: webhooks events, SKUs): variants with option
    values only; a base variant has no SKU record."""
    if variant.get("sku_id") is None:
        return
    emit(
        app,
        store_hash,
        f"store/sku/{action}",
        {
            "type": "sku",
            "id": variant["sku_id"],
            "sku": {"product_id": variant["product_id"], "variant_id": variant["id"]},
        },
    )


def unique_custom_url(db, store_hash: str, url: str, product_id: int | None) -> bool:
    return not any(holder != product_id for holder in db.url_holders(store_hash, "product", url))


def check_custom_url(db, store_hash: str, custom_url: dict | None, product_id: int | None) -> None:
    if custom_url and not unique_custom_url(db, store_hash, custom_url["url"], product_id):
        raise ApiError(
            409, "The custom URL is a duplicate", {"custom_url": f"URL {custom_url['url']} is used by another product."}
        )


def _default_custom_url(db, store_hash: str, product: dict) -> dict:
    slug = re.sub(r"[^a-z0-9]+", "-", product["name"].lower()).strip("-") or str(product["id"])
    url, suffix = f"/{slug}/", 1
    while not unique_custom_url(db, store_hash, url, product["id"]):
        url, suffix = f"/{slug}-{suffix}/", suffix + 1
    return {"url": url, "is_customized": False}


def check_inline_variants(variants: list) -> None:
    """Two variants of one create with the same option values: 422, nothing created."""
    seen: dict[tuple, int] = {}
    for index, variant in enumerate(variants):
        values = variant.get("option_values") or []
        key = tuple(
            sorted(
                (
                    str(v.get("option_display_name", v.get("option_id"))).lower(),
                    str(v.get("label", v.get("id"))).lower(),
                )
                for v in values
                if isinstance(v, dict)
            )
        )
        if not key:
            continue
        if key in seen:
            raise invalid(
                {f"variants.{index}.option_values": f"the same option values as variants.{seen[key]}"},
                "Variants with the same option values",
            )
        seen[key] = index


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


def product_create(
    app, store_hash: str, body: dict, fetched_images: list | None = None, *, partial: bool = False
) -> dict:
    """`partial`: the partial-success fault: everything is saved but the stock levels."""
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
    check_inline_variants(variants_in)
    check_unique(
        db, store_hash, name=body["name"], skus=[body.get("sku") or ""] + [v.get("sku") or "" for v in variants_in]
    )
    check_categories(db, store_hash, body.get("categories") or [])
    check_custom_url(db, store_hash, body.get("custom_url"), None)
    store = db.store_get(store_hash)
    on_channel_1 = store.get("options", {}).get("assign_new_products_to_channel_1", False)
    now = iso_now()
    product = {"id": db.next_id(store_hash, "product"), **copy.deepcopy(PRODUCT_DEFAULTS)}
    _apply_fields(product, body)
    if not product["custom_url"]:
        product["custom_url"] = _default_custom_url(db, store_hash, product)
    product["custom_url"] = {k: v for k, v in product["custom_url"].items() if k != "create_redirect"}
    product.update(
        {
            "date_created": now,
            "date_modified": now,
            "base_variant_id": None,
            # Multi-storefront: a new product is on no channel until assigned (a store option
            # gives the single-storefront habit of channel 1).
            "_channels": [1] if on_channel_1 else [],
            "_stock": {"1": 0 if partial else min(body.get("inventory_level") or 0, MAX_LEVEL)},
        }
    )
    product_save(db, store_hash, product)
    for option in body.get("options") or []:
        option_create(db, store_hash, product["id"], option)
    with_options = [v for v in variants_in if v.get("option_values")]
    created_skus: list[dict] = []
    if not with_options:
        base = variant_build(db, store_hash, product, {}, [])
        product["base_variant_id"] = base["id"]
        variant_save(db, store_hash, base, product)
    for variant_in in with_options:
        values = resolve_option_values(db, store_hash, product["id"], variant_in["option_values"], create_missing=True)
        variant = variant_build(db, store_hash, product, variant_in, values)
        variant["_stock"] = {"1": 0 if partial else min(variant_in.get("inventory_level") or 0, MAX_LEVEL)}
        variant_save(db, store_hash, variant, product)
        created_skus.append(variant)
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
    for variant in created_skus:
        sku_event(app, store_hash, "created", variant)
    if on_channel_1:
        emit(app, store_hash, "store/channel/1/product/assigned", {"product_id": product["id"]})
    return product


def product_update(
    app, store_hash: str, product: dict, body: dict, fetched_images: list | None = None, *, partial: bool = False
) -> dict:
    """Apply a product PUT: fields, and the custom_fields, images and videos it carries (an
    entry with an `id` updates that one, without one adds one; none is removed). Fires
    store/product/updated only when a field of UPDATE_EVENT_FIELDS really changed."""
    db = app.db
    errors = product_errors(body, creating=False)
    for field in ("variants", "options", "modifiers", "bulk_pricing_rules"):
        if body.get(field):
            # Not applied by this sandbox: refuse rather than answer 200 and drop them.
            errors[field] = f"send {field} to their own endpoints; the sandbox does not apply them on product PUT"
    if errors:
        raise invalid(errors)
    check_unique(
        db, store_hash, name=body.get("name"), skus=[body["sku"]] if body.get("sku") else [], product_id=product["id"]
    )
    if body.get("categories") is not None:
        check_categories(db, store_hash, body["categories"])
    check_custom_url(db, store_hash, body.get("custom_url"), product["id"])
    before = copy.deepcopy(product)
    level_before = product_level(db, store_hash, product)
    _apply_fields(product, body)
    if "custom_url" in body:
        product["custom_url"] = {k: v for k, v in body["custom_url"].items() if k != "create_redirect"}
    changed = {f for f in UPDATE_EVENT_FIELDS if before.get(f) != product.get(f)}
    media_changed, first_thumbnail = _apply_media(app, store_hash, product, body, fetched_images or [])
    if changed or media_changed or any(before.get(f) != product.get(f) for f in PRODUCT_DEFAULTS):
        product["date_modified"] = iso_now()
    product_save(db, store_hash, product)
    if "inventory_level" in body and product["inventory_tracking"] != "variant" and not partial:
        stock_write(app, store_hash, product=product, variant=None, new_level=body["inventory_level"])
        if product["inventory_tracking"] == "product" and product_level(db, store_hash, product) != level_before:
            changed.add("inventory_level")
    if changed or first_thumbnail:
        updated_event(app, store_hash, product["id"])
    return product


def _apply_media(app, store_hash: str, product: dict, body: dict, fetched: list) -> tuple[bool, bool]:
    """(anything changed, a first thumbnail was set) for the PUT's sub-resources."""
    db = app.db
    had_thumbnail = any(i["is_thumbnail"] for i in db.find(store_hash, "image", parent_id=product["id"]))
    changed = False
    for index, image in enumerate(body.get("images") or []):
        if isinstance(image, dict) and image.get("id") is not None:
            changed |= image_update(db, store_hash, product, image, fetched[index] if index < len(fetched) else None)
        else:
            image_add(
                db,
                store_hash,
                product,
                image,
                fetched[index] if index < len(fetched) else None,
                base_url=app.config.base_url,
            )
            changed = True
    for video in body.get("videos") or []:
        if isinstance(video, dict) and video.get("id") is not None:
            changed |= video_update(db, store_hash, product["id"], video)
        else:
            video_add(db, store_hash, product["id"], video)
            changed = True
    for field in body.get("custom_fields") or []:
        if isinstance(field, dict) and field.get("id") is not None:
            changed |= custom_field_update(db, store_hash, product["id"], field)
        else:
            custom_field_add(db, store_hash, product["id"], field)
            changed = True
    has_thumbnail = any(i["is_thumbnail"] for i in db.find(store_hash, "image", parent_id=product["id"]))
    return changed, has_thumbnail and not had_thumbnail


def product_touch(app, store_hash: str, product_id: int, *, event: bool = False) -> None:
    """A sub-resource changed: the product's date_modified moves. store/product/updated
    fires only when `event` (a change the docs list: a first thumbnail, a SKU...)."""
    product = app.db.get(store_hash, "product", product_id)
    if product is not None:
        product["date_modified"] = iso_now()
        product_save(app.db, store_hash, product)
        if event:
            updated_event(app, store_hash, product_id)


def product_delete(app, store_hash: str, product: dict) -> None:
    db = app.db
    for variant in db.find(store_hash, "variant", parent_id=product["id"]):
        sku_event(app, store_hash, "deleted", variant)
    for kind in ("variant", "option", "image", "video", "custom_field"):
        for child in db.find(store_hash, kind, parent_id=product["id"]):
            if kind == "image":
                db.execute("DELETE FROM blobs WHERE store_hash=? AND id=?", (store_hash, child["id"]))
        db.delete_children(store_hash, kind, product["id"])
    db.delete(store_hash, "product", product["id"])
    emit(app, store_hash, "store/product/deleted", {"type": "product", "id": product["id"]})


def product_out(
    db,
    store_hash: str,
    product: dict,
    include: set[str] = frozenset(),
    *,
    totals: dict[int, int] | None = None,
    variants: dict[int, RawJSON] | None = None,
) -> dict:
    """`totals`: the variants' levels per product (`stock.variant_totals`), read once for a list;
    `variants`: the variants' answers per product (`variants.variant_answers`), read once for a list."""
    out = {k: v for k, v in product.items() if not k.startswith("_")}
    out["inventory_level"] = product_level(db, store_hash, product, totals=totals)
    out["calculated_price"] = product["sale_price"] or product["price"]
    if "variants" in include:
        if variants is not None:
            out["variants"] = variants.get(product["id"], [])
        else:
            out["variants"] = [variant_out(product, v) for v in db.find(store_hash, "variant", parent_id=product["id"])]
    if "options" in include:
        out["options"] = db.find(store_hash, "option", parent_id=product["id"])
    if "images" in include or "primary_image" in include:
        images = db.find(store_hash, "image", parent_id=product["id"])
        public = [{k: v for k, v in i.items() if not k.startswith("_")} for i in images]
        if "images" in include:
            out["images"] = public
        if "primary_image" in include and public:  # no image: no primary_image (never null)
            out["primary_image"] = next((i for i in public if i["is_thumbnail"]), public[0])
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
