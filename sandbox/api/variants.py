"""Variants: per product (/products/{id}/variants) and store-wide (/catalog/variants)."""

from __future__ import annotations

from ..model.fields import VARIANT_DEFAULTS, variant_errors
from ..model.products import check_unique, product_touch, sku_event
from ..model.rows import product_save, variant_save
from ..model.stock import MAX_LEVEL, stock_write
from ..model.variants import resolve_option_values, variant_apply, variant_build, variant_out
from ..web import ApiError, Request, Response, invalid, v3
from .common import get_or_404, paginate, require_list, require_object

BATCH_LIMIT = 50


def _product(req: Request) -> dict:
    return get_or_404(
        req.app.db, req.store_hash, "product", req.params["product_id"], "The requested product was not found."
    )


def _variant(req: Request, product: dict) -> dict:
    variant = get_or_404(
        req.app.db, req.store_hash, "variant", req.params["variant_id"], "The requested variant was not found."
    )
    if variant["product_id"] != product["id"]:
        raise ApiError(404, "The requested variant was not found.")
    return variant


def variant_create(req: Request, product: dict, body: dict) -> dict:
    """Add a variant with option values to a product (BigCommerce drops the base variant)."""
    db = req.app.db
    errors = variant_errors(body)
    if not body.get("sku"):
        errors["sku"] = "Please provide a sku."
    if not body.get("option_values"):
        errors["option_values"] = "Please provide option_values."
    if errors:
        raise invalid(errors)
    check_unique(db, req.store_hash, skus=[body["sku"]])
    values = resolve_option_values(db, req.store_hash, product["id"], body["option_values"], create_missing=False)
    wanted = sorted(v["id"] for v in values)
    for other in db.find(req.store_hash, "variant", parent_id=product["id"]):
        if other["option_values"] and sorted(v["id"] for v in other["option_values"]) == wanted:
            raise ApiError(409, "Variant with the same option values set exists")
        if not other["option_values"]:
            db.delete(req.store_hash, "variant", other["id"])
            product["base_variant_id"] = None
            product_save(db, req.store_hash, product)
    variant = variant_build(db, req.store_hash, product, body, values)
    variant["_stock"] = {"1": min(body.get("inventory_level") or 0, MAX_LEVEL)}
    variant_save(db, req.store_hash, variant, product)
    product_touch(req.app, req.store_hash, product["id"])
    sku_event(req.app, req.store_hash, "created", variant)
    return variant


def variant_update(req: Request, product: dict, variant: dict, body: dict) -> dict:
    db = req.app.db
    errors = variant_errors(body)
    if errors:
        raise invalid(errors)
    is_base = not variant["option_values"]
    before = dict(variant)
    sku_changed = False
    if body.get("sku"):
        if is_base:
            check_unique(db, req.store_hash, skus=[body["sku"]], product_id=product["id"])
            sku_changed = product["sku"] != body["sku"]
            product["sku"] = body["sku"]
            product_save(db, req.store_hash, product)
        else:
            check_unique(db, req.store_hash, skus=[body["sku"]], variant_id=variant["id"])
    variant_apply(variant, body)
    variant_save(db, req.store_hash, variant, product)
    if body.get("inventory_level") is not None:
        if product["inventory_tracking"] == "variant" or is_base:
            stock_write(
                req.app,
                req.store_hash,
                product=product,
                variant=variant if product["inventory_tracking"] == "variant" else None,
                new_level=body["inventory_level"],
            )
        else:  # tracked by product: BigCommerce keeps the number but it has no effect
            variant.setdefault("_stock", {})["1"] = body["inventory_level"]
            variant_save(db, req.store_hash, variant, product)
    changed = {k for k in VARIANT_DEFAULTS if k != "inventory_level" and before.get(k) != variant.get(k)}
    if changed or sku_changed:
        product_touch(req.app, req.store_hash, product["id"], event=sku_changed)
        sku_event(req.app, req.store_hash, "updated", variant)
    return variant


def variants_of_product(req: Request) -> Response:
    product = _product(req)
    variants = req.app.db.find(req.store_hash, "variant", parent_id=product["id"])
    page, meta = paginate(req, variants)
    return v3([variant_out(product, v) for v in page], meta)


def variant_post(req: Request) -> Response:
    product = _product(req)
    variant = variant_create(req, product, require_object(req.json()))
    return v3(variant_out(product, variant))


def variant_get(req: Request) -> Response:
    product = _product(req)
    return v3(variant_out(product, _variant(req, product)))


def variant_put(req: Request) -> Response:
    product = _product(req)
    variant = _variant(req, product)
    variant = variant_update(req, product, variant, require_object(req.json()))
    product = req.app.db.get(req.store_hash, "product", product["id"])
    return v3(variant_out(product, variant))


def variant_delete(req: Request) -> Response:
    product = _product(req)
    variant = _variant(req, product)
    if not variant["option_values"]:
        raise ApiError(422, "The base variant of a product cannot be deleted.")
    req.app.db.delete(req.store_hash, "variant", variant["id"])
    product_touch(req.app, req.store_hash, product["id"])
    sku_event(req.app, req.store_hash, "deleted", variant)
    return Response.no_content()


class _VariantPages:
    """The store's variants (with their product) as a list `paginate` slices: only the page asked
    for is read and rendered."""

    def __init__(self, db, store_hash: str):
        self.db, self.store_hash = db, store_hash
        self.total = db.count_with_parent(store_hash, "variant", with_parent="product")

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, window: slice) -> list[dict]:
        start, stop, _ = window.indices(self.total)
        variants = self.db.find_page(
            self.store_hash, "variant", offset=start, limit=stop - start, with_parent="product"
        )
        products = {
            p["id"]: p for p in self.db.find(self.store_hash, "product", ids={v["product_id"] for v in variants})
        }
        return [variant_out(products[v["product_id"]], v) for v in variants]


def variants_list(req: Request) -> Response:
    db = req.app.db
    q = req.query
    filters = ("id", "id:in", "product_id:in", "sku", "sku:in", "upc")
    if not any(q.get(f) for f in filters):
        page, meta = paginate(req, _VariantPages(db, req.store_hash))
        return v3(page, meta)
    one_id = req.query_int("id") if q.get("id") else None
    ids = req.query_ints("id:in") if q.get("id:in") else None
    product_ids = req.query_ints("product_id:in") if q.get("product_id:in") else None
    if one_id is not None:
        ids = [one_id] if ids is None else [i for i in ids if i == one_id]
    ids = None if ids is None else set(ids)
    product_ids = None if product_ids is None else set(product_ids)
    skus = {s.lower() for s in req.query_list("sku:in")}
    variants = db.find(req.store_hash, "variant", ids=ids, parent_ids=product_ids)
    products = {p["id"]: p for p in db.find(req.store_hash, "product", ids={v["product_id"] for v in variants})}
    rows = []
    for variant in variants:
        product = products.get(variant["product_id"])
        if product is None:
            continue
        out = variant_out(product, variant)
        if one_id is not None and out["id"] != one_id:
            continue
        if ids is not None and out["id"] not in ids:
            continue
        if product_ids is not None and out["product_id"] not in product_ids:
            continue
        if q.get("sku") and (out["sku"] or "").lower() != q["sku"].lower():
            continue
        if q.get("sku:in") and (out["sku"] or "").lower() not in skus:
            continue
        if q.get("upc") and out["upc"] != q["upc"]:
            continue
        rows.append(out)
    page, meta = paginate(req, rows)
    return v3(page, meta)


def variants_batch_put(req: Request) -> Response:
    """Update by `id`, or create with `product_id` + `sku` + `option_values`; ≤ 50."""
    items = require_list(req.json(), max_items=BATCH_LIMIT)
    db = req.app.db
    results = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise invalid({str(index): "error.expected.jsobject"})
        if item.get("id") is not None:
            variant = db.get(req.store_hash, "variant", item["id"])
            if variant is None:
                raise invalid({f"{index}.id": f"Variant {item['id']} does not exist."})
            product = db.get(req.store_hash, "product", variant["product_id"])
            variant = variant_update(req, product, variant, item)
        elif item.get("product_id") is not None:
            product = db.get(req.store_hash, "product", item["product_id"])
            if product is None:
                raise invalid({f"{index}.product_id": f"Product {item['product_id']} does not exist."})
            variant = variant_create(req, product, item)
        else:
            raise invalid({f"{index}.id": "Please provide an id (or product_id to create)."})
        product = db.get(req.store_hash, "product", variant["product_id"])
        results.append(variant_out(product, variant))
    return v3(results)


P = {"scope": "products"}
V = "/v3/catalog/products/{product_id}/variants"
ROUTES = [
    ("GET", "/v3/catalog/variants", variants_list, P),
    ("PUT", "/v3/catalog/variants", variants_batch_put, P),
    ("GET", V, variants_of_product, P),
    ("POST", V, variant_post, P),
    ("GET", V + "/{variant_id}", variant_get, P),
    ("PUT", V + "/{variant_id}", variant_put, P),
    ("DELETE", V + "/{variant_id}", variant_delete, P),
]
