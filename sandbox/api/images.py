"""Product images, videos and custom fields; /cdn/ serves the stored image bytes."""

from __future__ import annotations

from ..model.media import (
    custom_field_add,
    custom_field_errors,
    fetch_image,
    image_add,
    image_replace_bytes,
    video_add,
    video_errors,
)
from ..model.products import product_touch
from ..web import ApiError, Request, Response, invalid, v3
from .common import get_or_404, paginate, require_object


def _product(req: Request) -> dict:
    return get_or_404(
        req.app.db, req.store_hash, "product", req.params["product_id"], "The requested product was not found."
    )


def _child(req: Request, kind: str, product: dict) -> dict:
    record = get_or_404(
        req.app.db,
        req.store_hash,
        kind,
        req.params["child_id"],
        f"The requested {kind.replace('_', ' ')} was not found.",
    )
    if record["product_id"] != product["id"]:
        raise ApiError(404, f"The requested {kind.replace('_', ' ')} was not found.")
    return record


def _public(record: dict) -> dict:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def children_list(kind: str):
    def handler(req: Request) -> Response:
        product = _product(req)
        page, meta = paginate(req, req.app.db.find(req.store_hash, kind, parent_id=product["id"]))
        return v3([_public(r) for r in page], meta)

    return handler


def child_get(kind: str):
    def handler(req: Request) -> Response:
        return v3(_public(_child(req, kind, _product(req))))

    return handler


def child_delete(kind: str):
    def handler(req: Request) -> Response:
        product = _product(req)
        record = _child(req, kind, product)
        req.app.db.delete(req.store_hash, kind, record["id"])
        if kind == "image":
            req.app.db.execute("DELETE FROM blobs WHERE store_hash=? AND id=?", (req.store_hash, record["id"]))
        product_touch(req.app, req.store_hash, product["id"])
        return Response.no_content()

    return handler


def image_post(req: Request) -> Response:
    body = require_object(req.json())
    if not body.get("image_url"):
        raise invalid(
            {"image_url": "Please provide an image_url (image_file uploads are not supported by the sandbox)."}
        )
    fetched = fetch_image(body["image_url"])  # outside the transaction
    with req.app.db.tx():
        product = _product(req)
        first = not _has_thumbnail(req, product)
        image = image_add(req.app.db, req.store_hash, product, body, fetched, base_url=req.app.config.base_url)
        product_touch(req.app, req.store_hash, product["id"], event=first and image["is_thumbnail"])
        return v3(_public(image))


def _has_thumbnail(req: Request, product: dict) -> bool:
    """The docs fire store/product/updated for a thumbnail only when it is the first one."""
    return any(i["is_thumbnail"] for i in req.app.db.find(req.store_hash, "image", parent_id=product["id"]))


def image_put(req: Request) -> Response:
    body = require_object(req.json())
    fetched = fetch_image(body["image_url"]) if body.get("image_url") else None
    with req.app.db.tx():
        product = _product(req)
        image = _child(req, "image", product)
        first = not _has_thumbnail(req, product)
        db = req.app.db
        if fetched is not None:  # a new picture: replace the bytes, keep the id and URLs
            image_replace_bytes(db, req.store_hash, image, body["image_url"], fetched)
        for field in ("is_thumbnail", "sort_order", "description"):
            if field in body:
                image[field] = body[field]
        db.put(req.store_hash, "image", image, parent_id=product["id"])
        product_touch(req.app, req.store_hash, product["id"], event=first and bool(image["is_thumbnail"]))
        return v3(_public(image))


def video_post(req: Request) -> Response:
    product = _product(req)
    video = video_add(req.app.db, req.store_hash, product["id"], require_object(req.json()))
    product_touch(req.app, req.store_hash, product["id"])
    return v3(video)


def video_put(req: Request) -> Response:
    product = _product(req)
    video = _child(req, "video", product)
    body = require_object(req.json())
    errors = video_errors({**video, **body})
    if errors:
        raise invalid(errors)
    video.update({k: body[k] for k in ("video_id", "title", "description", "sort_order") if k in body})
    req.app.db.put(req.store_hash, "video", video, parent_id=product["id"])
    product_touch(req.app, req.store_hash, product["id"])
    return v3(video)


def custom_field_post(req: Request) -> Response:
    product = _product(req)
    field = custom_field_add(req.app.db, req.store_hash, product["id"], require_object(req.json()))
    product_touch(req.app, req.store_hash, product["id"])
    return v3(field)


def custom_field_put(req: Request) -> Response:
    product = _product(req)
    field = _child(req, "custom_field", product)
    body = require_object(req.json())
    errors = custom_field_errors({**field, **body})
    if errors:
        raise invalid(errors)
    field.update({k: body[k] for k in ("name", "value") if k in body})
    req.app.db.put(req.store_hash, "custom_field", field, parent_id=product["id"])
    product_touch(req.app, req.store_hash, product["id"])
    return v3(field)


def serve_image(req: Request) -> Response:
    """GET /cdn/{store_hash}/images/{image_id}/{name}: the bytes fetched at upload."""
    parts = req.path.strip("/").split("/")
    if len(parts) < 4 or parts[2] != "images" or not parts[3].isdigit():
        raise ApiError(404, "Not found")
    row = req.app.db.execute(
        "SELECT content_type, bytes FROM blobs WHERE store_hash=? AND id=?", (parts[1], int(parts[3]))
    ).fetchone()
    if row is None:
        raise ApiError(404, "Not found")
    return Response(200, bytes(row["bytes"]), {"Content-Type": row["content_type"] or "application/octet-stream"})


P = {"scope": "products"}
B = "/v3/catalog/products/{product_id}"
ROUTES = [
    ("GET", B + "/images", children_list("image"), P),
    ("POST", B + "/images", image_post, {**P, "in_tx": False}),
    ("GET", B + "/images/{child_id}", child_get("image"), P),
    ("PUT", B + "/images/{child_id}", image_put, {**P, "in_tx": False}),
    ("DELETE", B + "/images/{child_id}", child_delete("image"), P),
    ("GET", B + "/videos", children_list("video"), P),
    ("POST", B + "/videos", video_post, P),
    ("GET", B + "/videos/{child_id}", child_get("video"), P),
    ("PUT", B + "/videos/{child_id}", video_put, P),
    ("DELETE", B + "/videos/{child_id}", child_delete("video"), P),
    ("GET", B + "/custom-fields", children_list("custom_field"), P),
    ("POST", B + "/custom-fields", custom_field_post, P),
    ("GET", B + "/custom-fields/{child_id}", child_get("custom_field"), P),
    ("PUT", B + "/custom-fields/{child_id}", custom_field_put, P),
    ("DELETE", B + "/custom-fields/{child_id}", child_delete("custom_field"), P),
]
