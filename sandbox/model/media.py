"""Images (bytes kept in the `blobs` table), videos and custom fields of a product."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

from ..values import iso_now
from ..web import ApiError, invalid

MAX_IMAGE_BYTES = 8 * 1024 * 1024
# The picture formats a product image may be; anything else (HTML, text, SVG) is refused.
SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def sniff(data: bytes) -> str | None:
    """The image type of these bytes by their signature, or None when not a picture."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((t for sig, t in SIGNATURES.items() if data.startswith(sig)), None)


def fetch_image(url: str, *, field: str = "image_url") -> tuple[bytes, str]:
    """Download an image as BigCommerce does; 422 when it cannot."""
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise invalid({field: "must be an http(s) URL"})
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            data = answer.read(MAX_IMAGE_BYTES + 1)
            content_type = answer.headers.get_content_type()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise invalid({field: f"The image could not be downloaded: {exc}"}, "Image URL is invalid") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise invalid({field: "The image is larger than 8 MB."}, "Image is too large")
    if not data:
        raise invalid({field: "The image is empty."}, "Image URL is invalid")
    sniffed = sniff(data)
    if sniffed is None:
        # BigCommerce checks the file itself, whatever the Content-Type said.
        raise invalid(
            {field: f"The file at {url} is not a valid image (got {content_type}, {len(data)} bytes)."},
            "Image file is invalid",
        )
    return data, sniffed


def prefetch_images(images) -> list:
    """Fetch every image_url of a payload before the transaction starts (a fetch may
    point back at this very server)."""
    fetched = []
    for index, image in enumerate(images if isinstance(images, list) else []):
        if isinstance(image, dict) and image.get("image_url"):
            fetched.append(fetch_image(image["image_url"], field=f"images.{index}.image_url"))
        else:
            fetched.append(None)
    return fetched


def image_add(db, store_hash: str, product: dict, body: dict, fetched, *, base_url: str) -> dict:
    if not isinstance(body, dict) or fetched is None:
        raise invalid({"image_url": "Please provide an image_url."})
    data, content_type = fetched
    image_id = db.next_id(store_hash, "image")
    name = quote(urlsplit(body["image_url"]).path.rsplit("/", 1)[-1] or f"{image_id}.img")
    url = f"{base_url}/cdn/{store_hash}/images/{image_id}/{name}"
    siblings = db.find(store_hash, "image", parent_id=product["id"])
    image = {
        "id": image_id,
        "product_id": product["id"],
        "is_thumbnail": bool(body.get("is_thumbnail", not siblings)),
        "sort_order": body.get("sort_order", len(siblings)),
        "description": body.get("description", ""),
        "image_file": name,
        "image_url": body["image_url"],
        "url_zoom": url,
        "url_standard": url,
        "url_thumbnail": url,
        "url_tiny": url,
        "date_modified": iso_now(),
        "_size": len(data),
        "_sha256": hashlib.sha256(data).hexdigest(),
        "_content_type": content_type,
    }
    if image["is_thumbnail"]:
        for other in siblings:
            if other["is_thumbnail"]:
                other["is_thumbnail"] = False
                db.put(store_hash, "image", other, parent_id=product["id"])
    db.execute(
        "INSERT OR REPLACE INTO blobs (store_hash, id, content_type, bytes) VALUES (?,?,?,?)",
        (store_hash, image_id, content_type, data),
    )
    return db.put(store_hash, "image", image, parent_id=product["id"])


def image_replace_bytes(db, store_hash: str, image: dict, image_url: str, fetched) -> None:
    data, content_type = fetched
    db.execute(
        "INSERT OR REPLACE INTO blobs (store_hash, id, content_type, bytes) VALUES (?,?,?,?)",
        (store_hash, image["id"], content_type, data),
    )
    image.update(
        {
            "image_url": image_url,
            "date_modified": iso_now(),
            "_size": len(data),
            "_sha256": hashlib.sha256(data).hexdigest(),
            "_content_type": content_type,
        }
    )


def image_update(db, store_hash: str, product: dict, body: dict, fetched) -> bool:
    """An image PUT inside a product PUT (entry with an id); returns whether it changed."""
    image = db.get(store_hash, "image", body["id"]) if isinstance(body["id"], int) else None
    if image is None or image["product_id"] != product["id"]:
        raise invalid({"images.id": f"Image {body['id']} is not an image of product {product['id']}."})
    before = dict(image)
    if fetched is not None and body.get("image_url") and body["image_url"] != image["image_url"]:
        image_replace_bytes(db, store_hash, image, body["image_url"], fetched)
    for field in ("is_thumbnail", "sort_order", "description"):
        if field in body:
            image[field] = body[field]
    if image.get("is_thumbnail") and not before.get("is_thumbnail"):
        for other in db.find(store_hash, "image", parent_id=product["id"]):
            if other["id"] != image["id"] and other["is_thumbnail"]:
                other["is_thumbnail"] = False
                db.put(store_hash, "image", other, parent_id=product["id"])
    if image == before:
        return False
    image["date_modified"] = iso_now()
    db.put(store_hash, "image", image, parent_id=product["id"])
    return True


def _own_child(db, store_hash: str, kind: str, product_id: int, child_id) -> dict:
    record = db.get(store_hash, kind, child_id) if isinstance(child_id, int) else None
    if record is None or record["product_id"] != product_id:
        raise invalid({f"{kind}s.id": f"{child_id} is not a {kind.replace('_', ' ')} of product {product_id}."})
    return record


def video_update(db, store_hash: str, product_id: int, body: dict) -> bool:
    video = _own_child(db, store_hash, "video", product_id, body["id"])
    errors = video_errors({**video, **body})
    if errors:
        raise invalid(errors)
    updated = {**video, **{k: body[k] for k in ("video_id", "title", "description", "sort_order") if k in body}}
    if updated == video:
        return False
    db.put(store_hash, "video", updated, parent_id=product_id)
    return True


def custom_field_update(db, store_hash: str, product_id: int, body: dict) -> bool:
    field = _own_child(db, store_hash, "custom_field", product_id, body["id"])
    errors = custom_field_errors({**field, **body})
    if errors:
        raise invalid(errors)
    updated = {**field, **{k: body[k] for k in ("name", "value") if k in body}}
    if updated == field:
        return False
    db.put(store_hash, "custom_field", updated, parent_id=product_id)
    return True


def video_errors(body) -> dict:
    if not isinstance(body, dict):
        return {"video": "error.expected.jsobject"}
    errors = {}
    if not isinstance(body.get("video_id"), str) or not body["video_id"]:
        errors["video_id"] = "Please provide a video_id."
    if body.get("type", "youtube") != "youtube":
        errors["type"] = "must be youtube"
    # productVideo_Base: title a string of at most 255 characters, description a string,
    # sort_order a 32-bit integer.
    if "title" in body and not (isinstance(body["title"], str) and len(body["title"]) <= 255):
        errors["title"] = "must be a string of at most 255 characters"
    if "description" in body and not isinstance(body["description"], str):
        errors["description"] = "error.expected.jsstring"
    sort_order = body.get("sort_order")
    if "sort_order" in body and not (
        isinstance(sort_order, int) and not isinstance(sort_order, bool) and -(2**31) <= sort_order < 2**31
    ):
        errors["sort_order"] = "must be an integer from -2147483648 to 2147483647"
    return errors


def video_add(db, store_hash: str, product_id: int, body: dict) -> dict:
    errors = video_errors(body)
    if errors:
        raise invalid(errors)
    siblings = db.find(store_hash, "video", parent_id=product_id)
    video = {
        "id": db.next_id(store_hash, "video"),
        "product_id": product_id,
        "video_id": body["video_id"],
        "type": "youtube",
        "title": body.get("title", ""),
        "description": body.get("description", ""),
        "sort_order": body.get("sort_order", len(siblings)),
        "length": "00:00",
    }
    return db.put(store_hash, "video", video, parent_id=product_id)


def custom_field_errors(body) -> dict:
    if not isinstance(body, dict):
        return {"custom_field": "error.expected.jsobject"}
    errors = {}
    for field in ("name", "value"):
        value = body.get(field)
        if not isinstance(value, str) or not 1 <= len(value) <= 250:
            errors[field] = "must be 1-250 characters"
    return errors


def custom_field_add(db, store_hash: str, product_id: int, body: dict) -> dict:
    errors = custom_field_errors(body)
    if errors:
        raise invalid(errors)
    if len(db.find(store_hash, "custom_field", parent_id=product_id)) >= 200:
        raise ApiError(422, "200 maximum custom fields per product")
    field = {
        "id": db.next_id(store_hash, "custom_field"),
        "product_id": product_id,
        "name": body["name"],
        "value": body["value"],
    }
    return db.put(store_hash, "custom_field", field, parent_id=product_id)
