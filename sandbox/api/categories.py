"""Category trees (/v3/catalog/trees...) and the legacy /v3/catalog/categories (tree 1)."""

from __future__ import annotations

from ..model.categories import category_delete, category_write, legacy_out, nested, tree_out
from ..web import ApiError, Request, Response, invalid, v3
from .common import get_or_404, is_id, paginate, require_list, require_object

TREE_BATCH_LIMIT = 50


def trees_get(req: Request) -> Response:
    trees = req.app.db.find(req.store_hash, "tree")
    if req.query.get("id:in"):
        trees = [t for t in trees if t["id"] in req.query_ints("id:in")]
    if req.query.get("channel_id:in"):
        wanted = set(req.query_ints("channel_id:in"))
        trees = [t for t in trees if wanted & set(t["channels"])]
    page, meta = paginate(req, trees)
    return v3(page, meta)


def trees_put(req: Request) -> Response:
    """Upsert trees; a channel belongs to at most one tree."""
    items = require_list(req.json(), max_items=TREE_BATCH_LIMIT)
    db = req.app.db
    saved = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise invalid({str(index): "error.expected.jsobject"})
        tree = db.get(req.store_hash, "tree", item.get("id")) if item.get("id") else None
        if item.get("id") and tree is None:
            raise invalid({f"{index}.id": "Tree does not exist."})
        if not isinstance(item.get("name", tree and tree["name"]), str):
            raise invalid({f"{index}.name": "Please provide a name."})
        channels = item.get("channels", tree and tree["channels"])
        if not channels or not all(db.get(req.store_hash, "channel", c) for c in channels):
            raise invalid({f"{index}.channels": "Please provide existing channel ids."})
        for other in db.find(req.store_hash, "tree"):
            if (tree is None or other["id"] != tree["id"]) and set(other["channels"]) & set(channels):
                raise invalid({f"{index}.channels": "A channel can belong to only one tree."})
        tree = tree or {"id": db.next_id(req.store_hash, "tree")}
        tree.update({"name": item.get("name", tree.get("name")), "channels": channels})
        saved.append(db.put(req.store_hash, "tree", tree))
    return v3(saved)


def trees_delete(req: Request) -> Response:
    ids = req.query_ints("id:in")
    if not ids:
        raise ApiError(422, "A filter is required", {"id:in": "required"})
    for tree_id in ids:
        for category in req.app.db.find(req.store_hash, "category", parent_id=tree_id):
            if req.app.db.get(req.store_hash, "category", category["id"]):
                category_delete(req.app, req.store_hash, category)
        req.app.db.delete(req.store_hash, "tree", tree_id)
    return Response.no_content()


def tree_categories_nested(req: Request) -> Response:
    tree = get_or_404(req.app.db, req.store_hash, "tree", req.params["tree_id"], "Tree not found")
    return v3(nested(req.app.db.find(req.store_hash, "category", parent_id=tree["id"])))


def _filter_categories(req: Request, id_key: str) -> list[dict]:
    q = req.query
    rows = req.app.db.find(req.store_hash, "category")
    for key, field in ((id_key, "id"), ("tree_id:in", "tree_id"), ("parent_id:in", "parent_id")):
        if q.get(key):
            wanted = set(req.query_ints(key))
            rows = [c for c in rows if c[field] in wanted]
    if q.get("parent_id") not in (None, ""):
        rows = [c for c in rows if c["parent_id"] == req.query_int("parent_id")]
    if q.get("id") and id_key == "id:in":
        rows = [c for c in rows if c["id"] == req.query_int("id")]
    if q.get("name"):
        rows = [c for c in rows if c["name"] == q["name"]]
    if q.get("name:like"):
        rows = [c for c in rows if q["name:like"].lower() in c["name"].lower()]
    if q.get("is_visible") not in (None, ""):
        rows = [c for c in rows if c["is_visible"] == (q["is_visible"] in ("1", "true"))]
    return rows


def tree_categories_get(req: Request) -> Response:
    page, meta = paginate(req, _filter_categories(req, "category_id:in"))
    return v3([tree_out(c) for c in page], meta)


def tree_categories_post(req: Request) -> Response:
    items = require_list(req.json())
    created = [
        tree_out(category_write(req.app.db, req.store_hash, require_object(item), None, conflict_status=422))
        for item in items
    ]
    return v3(created, {"total": len(created), "success": len(created), "failed": 0}, status=201)


def tree_categories_put(req: Request) -> Response:
    """A batch is all or nothing here: an unknown category_id is a 422 (the spec lists 200, 207
    and 422, never 404) and no category of the batch changes."""
    items = require_list(req.json())
    updated = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("category_id"):
            raise invalid({f"{index}.category_id": "Please provide a category_id."})
        category_id = item["category_id"]
        current = req.app.db.get(req.store_hash, "category", category_id) if is_id(category_id) else None
        if current is None:
            raise invalid({f"{index}.category_id": f"Category {category_id} does not exist."})
        updated.append(tree_out(category_write(req.app.db, req.store_hash, item, current, conflict_status=422)))
    return v3(updated, {"total": len(updated), "success": len(updated), "failed": 0})


def tree_categories_delete(req: Request) -> Response:
    ids = req.query_ints("category_id:in")
    if not ids and not req.query.get("tree_id:in") and not req.query.get("parent_id:in"):
        raise ApiError(422, "A filter is required", {"category_id:in": "required"})
    doomed = _filter_categories(req, "category_id:in")
    for category in doomed:
        if req.app.db.get(req.store_hash, "category", category["id"]):
            category_delete(req.app, req.store_hash, category)
    # 202 with a meta count, as the spec's deleteTreeCategories says
    return Response.json({"meta": {"total": len(doomed), "success": len(doomed), "failed": 0}}, 202)


# -- legacy /v3/catalog/categories: the categories of tree 1 ----------------------
def _legacy(req: Request) -> dict:
    category = get_or_404(req.app.db, req.store_hash, "category", req.params["category_id"], "Category not found")
    if category["tree_id"] != 1:
        raise ApiError(404, "Category not found")
    return category


def categories_get(req: Request) -> Response:
    rows = [c for c in _filter_categories(req, "id:in") if c["tree_id"] == 1]
    page, meta = paginate(req, rows)
    return v3([legacy_out(c) for c in page], meta)


def categories_post(req: Request) -> Response:
    body = require_object(req.json())
    if "parent_id" not in body:
        raise invalid({"parent_id": "Please provide a parent_id (0 for top level)."})
    category = category_write(req.app.db, req.store_hash, {**body, "tree_id": 1}, None)
    return v3(legacy_out(category))


def category_get(req: Request) -> Response:
    return v3(legacy_out(_legacy(req)))


def category_put(req: Request) -> Response:
    category = category_write(req.app.db, req.store_hash, require_object(req.json()), _legacy(req))
    return v3(legacy_out(category))


def category_remove(req: Request) -> Response:
    category_delete(req.app, req.store_hash, _legacy(req))
    return Response.no_content()


def categories_delete(req: Request) -> Response:
    if not req.query.get("id:in") and not req.query.get("parent_id") and not req.query.get("name"):
        raise ApiError(422, "A filter is required", {"id:in": "required"})
    for category in _filter_categories(req, "id:in"):
        if category["tree_id"] == 1 and req.app.db.get(req.store_hash, "category", category["id"]):
            category_delete(req.app, req.store_hash, category)
    return Response.no_content()


P = {"scope": "products"}
ROUTES = [
    ("GET", "/v3/catalog/trees", trees_get, P),
    ("PUT", "/v3/catalog/trees", trees_put, P),
    ("DELETE", "/v3/catalog/trees", trees_delete, P),
    ("GET", "/v3/catalog/trees/categories", tree_categories_get, P),
    ("POST", "/v3/catalog/trees/categories", tree_categories_post, P),
    ("PUT", "/v3/catalog/trees/categories", tree_categories_put, P),
    ("DELETE", "/v3/catalog/trees/categories", tree_categories_delete, P),
    ("GET", "/v3/catalog/trees/{tree_id}/categories", tree_categories_nested, P),
    ("GET", "/v3/catalog/categories", categories_get, P),
    ("POST", "/v3/catalog/categories", categories_post, P),
    ("DELETE", "/v3/catalog/categories", categories_delete, P),
    ("GET", "/v3/catalog/categories/{category_id}", category_get, P),
    ("PUT", "/v3/catalog/categories/{category_id}", category_put, P),
    ("DELETE", "/v3/catalog/categories/{category_id}", category_remove, P),
]
