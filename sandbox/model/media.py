"""Images (bytes kept in the `blobs` table), videos and custom fields of a product."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

from ..values import iso_now
from ..web import ApiError, invalid

MAX_IMAGE_BYTES = 8 * 1024 * 1024
SIGNATURES = {
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF8": "image/gif",
    b"RIFF": "image/webp",
    b"<svg": "image/svg+xml",
    b"<?xm": "image/svg+xml",
}


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
    sniffed = next((t for sig, t in SIGNATURES.items() if data.startswith(sig)), None)
    return data, sniffed or content_type


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


def video_errors(body) -> dict:
    if not isinstance(body, dict):
        return {"video": "error.expected.jsobject"}
    errors = {}
    if not isinstance(body.get("video_id"), str) or not body["video_id"]:
        errors["video_id"] = "Please provide a video_id."
    if body.get("type", "youtube") != "youtube":
        errors["type"] = "must be youtube"
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
