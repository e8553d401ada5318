"""Categories (each in a category tree; a tree belongs to one channel)."""

from __future__ import annotations

import uuid

from ..web import ApiError
from .fields import custom_url_errors
from .rows import product_save

CATEGORY_FIELDS = {
    "description": "",
    "views": 0,
    "sort_order": 0,
    "page_title": "",
    "search_keywords": "",
    "meta_keywords": [],
    "meta_description": "",
    "layout_file": "category.html",
    "is_visible": True,
    "default_product_sort": "use_store_settings",
    "image_url": "",
}


def category_errors(db, store_hash: str, body: dict, *, current: dict | None) -> dict:
    errors = {}
    name = body.get("name", current and current["name"])
    if not isinstance(name, str) or not 1 <= len(name) <= 50:
        errors["name"] = "Please provide a name (1-50 characters)."
    if "is_visible" in body and not isinstance(body["is_visible"], bool):
        errors["is_visible"] = "error.expected.jsboolean"
    if "custom_url" in body:  # the legacy shape: customUrl_Full, `url` x-required on post and put
        errors.update(custom_url_errors(body["custom_url"]))
    if "url" in body:
        errors.update(_tree_url_errors(body["url"]))
    return errors


def _tree_url_errors(value) -> dict[str, str]:
    """The tree shape (category-trees_catalog.v3.yml `url`): an object whose `path`, when
    given, has 1-255 characters; without one the path comes from the name."""
    if not isinstance(value, dict):
        return {"url": "error.expected.jsobject"}
    errors = {}
    if "path" in value and not (isinstance(value["path"], str) and 1 <= len(value["path"]) <= 255):
        errors["url.path"] = "must be a string of 1 to 255 characters"
    if "is_customized" in value and not isinstance(value["is_customized"], bool):
        errors["url.is_customized"] = "error.expected.jsboolean"
    return errors


def category_place(db, store_hash: str, body: dict, current: dict | None) -> tuple[int, int]:
    """(tree_id, parent_id) for a create/update, checked."""
    parent_id = body.get("parent_id", current["parent_id"] if current else 0) or 0
    tree_id = body.get("tree_id", current["tree_id"] if current else None)
    if parent_id:
        parent = db.get(store_hash, "category", parent_id)
        if parent is None:
            raise ApiError(422, "Parent category does not exist", {"parent_id": "does not exist"})
        if tree_id is not None and tree_id != parent["tree_id"]:
            raise ApiError(422, "Parent category is in another tree", {"parent_id": "other tree"})
        tree_id = parent["tree_id"]
    if tree_id is None:
        raise ApiError(422, "tree_id or parent_id is required", {"tree_id": "required"})
    if db.get(store_hash, "tree", tree_id) is None:
        raise ApiError(422, "Category tree does not exist", {"tree_id": "does not exist"})
    return tree_id, parent_id


def check_sibling_name(
    db, store_hash: str, tree_id: int, parent_id: int, name: str, category_id: int | None, status: int
) -> None:
    for other in db.find(store_hash, "category", parent_id=tree_id):
        if other["parent_id"] == parent_id and other["name"].lower() == name.lower() and other["id"] != category_id:
            raise ApiError(
                status,
                "Category name is a duplicate",
                {"name": "A category with this name exists under the same parent."},
            )


def category_write(db, store_hash: str, body: dict, current: dict | None, *, conflict_status: int = 409) -> dict:
    from ..web import invalid

    errors = category_errors(db, store_hash, body, current=current)
    if errors:
        raise invalid(errors)
    tree_id, parent_id = category_place(db, store_hash, body, current)
    name = body.get("name", current and current["name"])
    check_sibling_name(db, store_hash, tree_id, parent_id, name, current and current["id"], conflict_status)
    category = current or {
        "id": db.next_id(store_hash, "category"),
        "category_uuid": str(uuid.uuid4()),
        **CATEGORY_FIELDS,
    }
    category.update({k: body[k] for k in CATEGORY_FIELDS if k in body})
    category.update({"name": name, "tree_id": tree_id, "parent_id": parent_id})
    given = body["url"] if "url" in body else body.get("custom_url")  # both checked above
    generated = {"path": f"/{name.lower().replace(' ', '-')}-{category['id']}/", "is_customized": False}
    url = dict(category.get("url") or generated)
    if given is not None:
        url["path"] = given.get("path", given.get("url", url["path"]))
        url["is_customized"] = bool(given.get("is_customized", url["is_customized"]))
    category["url"] = url
    return db.put(store_hash, "category", category, parent_id=tree_id)


def category_delete(app, store_hash: str, category: dict) -> None:
    """Delete a category, its descendants, and their assignments to products."""
    db = app.db
    doomed = {category["id"]}
    siblings = db.find(store_hash, "category", parent_id=category["tree_id"])
    grew = True
    while grew:
        more = {c["id"] for c in siblings if c["parent_id"] in doomed} - doomed
        doomed |= more
        grew = bool(more)
    for category_id in doomed:
        db.delete(store_hash, "category", category_id)
    for product in db.find(store_hash, "product"):
        if set(product["categories"]) & doomed:
            product["categories"] = [c for c in product["categories"] if c not in doomed]
            product_save(db, store_hash, product)


def tree_out(category: dict) -> dict:
    out = {k: v for k, v in category.items() if k != "id"}
    return {"category_id": category["id"], **out}


def legacy_out(category: dict) -> dict:
    out = {k: v for k, v in category.items() if k not in ("url", "tree_id", "category_uuid")}
    out["custom_url"] = {"url": category["url"]["path"], "is_customized": category["url"]["is_customized"]}
    return out


def nested(categories: list[dict], parent_id: int = 0, depth: int = 1, path: list[int] | None = None) -> list[dict]:
    path = path or []
    out = []
    for c in sorted((c for c in categories if c["parent_id"] == parent_id), key=lambda c: (c["sort_order"], c["id"])):
        out.append(
            {
                "id": c["id"],
                "parent_id": parent_id,
                "depth": depth,
                "path": path + [c["id"]],
                "name": c["name"],
                "is_visible": c["is_visible"],
                "url": c["url"]["path"],
                "children": nested(categories, c["id"], depth + 1, path + [c["id"]]),
            }
        )
    return out
