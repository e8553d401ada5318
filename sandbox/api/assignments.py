"""/v3/catalog/products/channel-assignments and /category-assignments."""

from __future__ import annotations

from ..model.rows import product_save
from ..values import iso_now
from ..web import ApiError, Request, Response, invalid, v3
from ..webhooks.events import emit
from .common import paginate, require_list


def _pairs(req: Request, key: str, kind: str) -> list[tuple[dict, int]]:
    items = require_list(req.json())
    db = req.app.db
    errors, pairs = {}, []
    for index, item in enumerate(items):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("product_id"), int)
            or not isinstance(item.get(key), int)
        ):
            errors[str(index)] = f"product_id and {key} are required integers"
            continue
        product = db.get(req.store_hash, "product", item["product_id"])
        if product is None:
            errors[f"{index}.product_id"] = f"Product {item['product_id']} does not exist."
        elif db.get(req.store_hash, kind, item[key]) is None:
            errors[f"{index}.{key}"] = f"{kind.title()} {item[key]} does not exist."
        else:
            pairs.append((product, item[key]))
    if errors:
        raise invalid(errors, "Invalid assignments")
    return pairs


def _filtered_products(req: Request, key: str, field: str):
    product_ids = set(req.query_ints("product_id:in"))
    other_ids = set(req.query_ints(f"{key}:in"))
    for product in req.app.db.find(req.store_hash, "product"):
        if product_ids and product["id"] not in product_ids:
            continue
        for other in sorted(product.get(field, [])):
            if not other_ids or other in other_ids:
                yield product, other


def channel_assignments_get(req: Request) -> Response:
    rows = [{"product_id": p["id"], "channel_id": c} for p, c in _filtered_products(req, "channel_id", "_channels")]
    page, meta = paginate(req, rows)
    return v3(page, meta)


def channel_assignments_put(req: Request) -> Response:
    for product, channel_id in _pairs(req, "channel_id", "channel"):
        product = req.app.db.get(req.store_hash, "product", product["id"])  # fresh copy
        if channel_id not in product["_channels"]:
            product["_channels"].append(channel_id)
            product_save(req.app.db, req.store_hash, product)
            emit(req.app, req.store_hash, f"store/channel/{channel_id}/product/assigned", {"product_id": product["id"]})
    return Response.no_content()


def channel_assignments_delete(req: Request) -> Response:
    if not req.query.get("product_id:in") and not req.query.get("channel_id:in"):
        raise ApiError(422, "A filter is required", {"product_id:in": "or channel_id:in"})
    for product, channel_id in list(_filtered_products(req, "channel_id", "_channels")):
        product = req.app.db.get(req.store_hash, "product", product["id"])
        product["_channels"].remove(channel_id)
        product_save(req.app.db, req.store_hash, product)
        emit(req.app, req.store_hash, f"store/channel/{channel_id}/product/unassigned", {"product_id": product["id"]})
    return Response.no_content()


def category_assignments_get(req: Request) -> Response:
    rows = [{"product_id": p["id"], "category_id": c} for p, c in _filtered_products(req, "category_id", "categories")]
    page, meta = paginate(req, rows)
    return v3(page, meta)


def _categories_changed(req: Request, product: dict) -> None:
    product["date_modified"] = iso_now()
    product_save(req.app.db, req.store_hash, product)
    emit(req.app, req.store_hash, "store/product/updated", {"type": "product", "id": product["id"]})


def category_assignments_put(req: Request) -> Response:
    for product, category_id in _pairs(req, "category_id", "category"):
        product = req.app.db.get(req.store_hash, "product", product["id"])
        if category_id not in product["categories"]:
            product["categories"].append(category_id)
            _categories_changed(req, product)
    return Response.no_content()


def category_assignments_delete(req: Request) -> Response:
    if not req.query.get("product_id:in") and not req.query.get("category_id:in"):
        raise ApiError(422, "A filter is required", {"product_id:in": "or category_id:in"})
    for product, category_id in list(_filtered_products(req, "category_id", "categories")):
        product = req.app.db.get(req.store_hash, "product", product["id"])
        product["categories"].remove(category_id)
        _categories_changed(req, product)
    return Response.no_content()


P = {"scope": "products"}
C = "/v3/catalog/products/channel-assignments"
K = "/v3/catalog/products/category-assignments"
ROUTES = [
    ("GET", C, channel_assignments_get, P),
    ("PUT", C, channel_assignments_put, P),
    ("DELETE", C, channel_assignments_delete, P),
    ("GET", K, category_assignments_get, P),
    ("PUT", K, category_assignments_put, P),
    ("DELETE", K, category_assignments_delete, P),
]
