"""/v3/catalog/products: list, create, get, update, delete, batch update and delete."""

from __future__ import annotations

from ..model.media import prefetch_images
from ..model.products import (
    INCLUDES,
    PARTIAL_SUCCESS,
    product_create,
    product_delete,
    product_out,
    product_update,
    select_fields,
)
from ..model.stock import variant_totals
from ..model.variants import variant_answers
from ..values import parse_time
from ..web import ERROR_TYPE, ApiError, Request, Response, invalid, v3
from .common import get_or_404, paginate, require_list, require_object

BATCH_UPDATE_LIMIT = 10
BATCH_DELETE_LIMIT = 250
SORTS = {
    "id",
    "name",
    "sku",
    "price",
    "date_modified",
    "date_last_imported",
    "inventory_level",
    "is_visible",
    "total_sold",
    "calculated_price",
}
NUMERIC_FILTERS = ("id", "price", "weight", "inventory_level", "total_sold", "brand_id")


def _includes(req: Request) -> set[str]:
    wanted = set(req.query_list("include"))
    unknown = wanted - INCLUDES
    if unknown:
        raise ApiError(422, "Invalid include", {"include": f"unknown: {sorted(unknown)}"})
    return wanted


def _render(
    req: Request, product: dict, include: set[str], totals: dict | None = None, variants: dict | None = None
) -> dict:
    out = product_out(req.app.db, req.store_hash, product, include, totals=totals, variants=variants)
    return select_fields(out, req.query_list("include_fields"), req.query_list("exclude_fields"))


def _matches(req: Request, p: dict, out: dict) -> bool:
    q = req.query
    for field in NUMERIC_FILTERS:
        value = out.get(field)
        for op, test in (
            ("", lambda a, b: a == b),
            (":min", lambda a, b: a >= b),
            (":max", lambda a, b: a <= b),
            (":greater", lambda a, b: a > b),
            (":less", lambda a, b: a < b),
        ):
            raw = q.get(field + op)
            if raw not in (None, "") and not test(float(value or 0), float(raw)):
                return False
        if q.get(field + ":in") and float(value) not in {float(x) for x in req.query_list(field + ":in")}:
            return False
        if q.get(field + ":not_in") and float(value) in {float(x) for x in req.query_list(field + ":not_in")}:
            return False
    if q.get("sku") and (p.get("sku") or "").lower() != q["sku"].lower():
        return False
    if q.get("sku:in") and (p.get("sku") or "").lower() not in {s.lower() for s in req.query_list("sku:in")}:
        return False
    if q.get("name") and p["name"] != q["name"]:
        return False
    if q.get("name:like") and q["name:like"].lower() not in p["name"].lower():
        return False
    if q.get("keyword"):
        needle = q["keyword"].lower()
        if not any(needle in (p.get(f) or "").lower() for f in ("name", "sku", "description", "search_keywords")):
            return False
    if q.get("channel_id:in") and not set(req.query_ints("channel_id:in")) & set(p.get("_channels", [])):
        return False
    for key in ("categories", "categories:in"):
        if q.get(key) and not set(req.query_ints(key)) & set(p["categories"]):
            return False
    for key, test in (
        ("date_modified:min", lambda a, b: a >= b),
        ("date_modified:max", lambda a, b: a <= b),
        ("date_modified", lambda a, b: a == b),
    ):
        if q.get(key) and not test(parse_time(p["date_modified"]), parse_time(q[key])):
            return False
    for key in ("is_visible", "is_featured", "is_free_shipping"):
        if q.get(key) not in (None, "") and p[key] != (q[key].lower() in ("1", "true")):
            return False
    for key in ("type", "condition", "availability", "mpn", "upc"):
        if q.get(key) and p.get(key) != q[key]:
            return False
    return True


def _query_parses(req: Request) -> bool:
    """Every numeric and date filter value reads (else `_matches` answers 400 on the first product)."""
    q = req.query
    try:
        for field in NUMERIC_FILTERS:
            for op in ("", ":min", ":max", ":greater", ":less"):
                if q.get(field + op) not in (None, ""):
                    float(q[field + op])
            for op in (":in", ":not_in"):
                if q.get(field + op):
                    [float(x) for x in req.query_list(field + op)]
        for key in ("date_modified:min", "date_modified:max", "date_modified"):
            if q.get(key):
                parse_time(q[key])
    except ValueError:
        return False
    return True


def _candidates(req: Request) -> list[dict]:
    """The products the filters may match, narrowed in SQLite by `id:in`, `name` and `sku`
    (`_matches` still decides); the whole store when a filter value does not read."""
    q, db = req.query, req.app.db
    if not _query_parses(req):
        return db.find(req.store_hash, "product")
    ids = None
    if q.get("id:in"):
        floats = [float(x) for x in req.query_list("id:in")]
        ids = [int(x) for x in floats if x.is_integer()]
    where, params = [], []
    if q.get("name"):
        where.append("name_key=?")
        params.append(q["name"].lower())
    if q.get("sku"):
        where.append("sku_key=?")
        params.append(q["sku"].lower())
    return db.find(req.store_hash, "product", ids=ids, where=" AND ".join(where), params=tuple(params))


def _reads_level(req: Request, sort: str) -> bool:
    """Whether the filters or the sort read `inventory_level` (a variant-tracked product's is the sum
    of its variants' levels: read for every product only then, else for the page's only)."""
    return sort == "inventory_level" or any(k.split(":", 1)[0] == "inventory_level" for k in req.query)


def product_list(req: Request) -> Response:
    include = _includes(req)
    db = req.app.db
    sort = req.query.get("sort", "id")
    every_total = variant_totals(db, req.store_hash) if _reads_level(req, sort) else None
    rows = []
    try:
        for product in _candidates(req):
            out = product_out(db, req.store_hash, product, totals=every_total if every_total is not None else {})
            if _matches(req, product, out):
                rows.append((product, out))
    except ValueError:
        raise ApiError(400, "Invalid filter value") from None
    if sort not in SORTS:
        raise ApiError(422, "Invalid sort", {"sort": f"must be one of {sorted(SORTS)}"})
    rows.sort(key=lambda r: (r[1].get(sort) is None, r[1].get(sort)), reverse=req.query.get("direction") == "desc")
    max_limit = 10 if include & {"options", "modifiers"} else 250
    page, meta = paginate(req, rows, max_limit=max_limit)
    ids = [p["id"] for p, _ in page]
    totals = every_total if every_total is not None else variant_totals(db, req.store_hash, product_ids=ids)
    # The page's variants' answers in one read, not one a product, spliced into the answer as they are.
    variants = variant_answers(db, req.store_hash, [p for p, _ in page]) if "variants" in include else None
    return v3([_render(req, p, include, totals, variants) for p, _ in page], meta)


def product_get(req: Request) -> Response:
    product = get_or_404(
        req.app.db, req.store_hash, "product", req.params["product_id"], "The requested product was not found."
    )
    return v3(_render(req, product, _includes(req)))


def _answer(req: Request, data, meta: dict | None = None, *, listed: bool = False) -> Response:
    """200, or 207 Multi-Status when the partial-success fault fired: the product was saved
    but its stock was not (products_catalog.v3.yml, 207 of create and update; the create's
    207 lists the product in an array, `listed`)."""
    if PARTIAL_SUCCESS not in req.faults:
        return v3(data, meta)
    data = [data] if listed else data
    errors = {
        "status": 207,
        "title": "The product was saved, but some of its data failed to update",
        "type": ERROR_TYPE,
        "errors": {"inventory_level": "Inventory data failed to update; the stock levels were not changed."},
    }
    return Response.json({"data": data, "errors": errors, "meta": meta if meta is not None else {}}, 207)


def product_post(req: Request) -> Response:
    body = require_object(req.json())
    fetched = prefetch_images(body.get("images"))  # outside the transaction
    with req.app.db.tx():
        product = product_create(req.app, req.store_hash, body, fetched, partial=PARTIAL_SUCCESS in req.faults)
        include = {"variants", "images", "videos", "custom_fields", "options", "modifiers", "bulk_pricing_rules"}
        return _answer(req, product_out(req.app.db, req.store_hash, product, include), listed=True)


def product_put(req: Request) -> Response:
    body = require_object(req.json())
    fetched = prefetch_images(body.get("images"))  # outside the transaction
    with req.app.db.tx():
        product = get_or_404(
            req.app.db, req.store_hash, "product", req.params["product_id"], "The requested product was not found."
        )
        product = product_update(req.app, req.store_hash, product, body, fetched, partial=PARTIAL_SUCCESS in req.faults)
        return _answer(req, _render(req, product, _includes(req)))


def product_remove(req: Request) -> Response:
    product = get_or_404(
        req.app.db, req.store_hash, "product", req.params["product_id"], "The requested product was not found."
    )
    product_delete(req.app, req.store_hash, product)
    return Response.no_content()


def products_batch_put(req: Request) -> Response:
    items = require_list(req.json(), max_items=BATCH_UPDATE_LIMIT)
    fetched = [prefetch_images(i.get("images")) if isinstance(i, dict) else [] for i in items]  # outside the tx
    with req.app.db.tx():
        return _batch_put(req, items, fetched)


def _batch_put(req: Request, items: list, fetched: list) -> Response:
    db = req.app.db
    products = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            raise invalid({f"{index}.id": "Please provide an id."}, "Missing Required Fields")
        product = db.get(req.store_hash, "product", item["id"])
        if product is None:
            raise ApiError(404, f"Product {item['id']} was not found.")
        products.append((product, item))
    # One bad item fails the whole batch: the transaction rolls back on any error.
    partial = PARTIAL_SUCCESS in req.faults
    updated = [
        product_update(
            req.app, req.store_hash, p, {k: v for k, v in item.items() if k != "id"}, fetched[i], partial=partial
        )
        for i, (p, item) in enumerate(products)
    ]
    return _answer(req, [product_out(db, req.store_hash, p) for p in updated])


def products_batch_delete(req: Request) -> Response:
    ids = req.query_ints("id:in")
    if not ids:
        raise ApiError(422, "A filter is required to delete products", {"id:in": "required"})
    if len(ids) > BATCH_DELETE_LIMIT:
        raise ApiError(413, f"The maximum number of ids is {BATCH_DELETE_LIMIT}.")
    for product_id in ids:
        product = req.app.db.get(req.store_hash, "product", product_id)
        if product is not None:
            product_delete(req.app, req.store_hash, product)
    return Response.no_content()


P = {"scope": "products"}
ROUTES = [
    ("GET", "/v3/catalog/products", product_list, P),
    ("POST", "/v3/catalog/products", product_post, {**P, "in_tx": False}),
    ("PUT", "/v3/catalog/products", products_batch_put, {**P, "in_tx": False}),
    ("DELETE", "/v3/catalog/products", products_batch_delete, P),
    ("GET", "/v3/catalog/products/{product_id}", product_get, P),
    ("PUT", "/v3/catalog/products/{product_id}", product_put, {**P, "in_tx": False}),
    ("DELETE", "/v3/catalog/products/{product_id}", product_remove, P),
]
