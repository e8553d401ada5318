"""Helpers shared by the API handlers: pagination and light validation."""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from ..stores import store_options
from ..web import MAX_ID, ApiError, Request, Response, invalid

MAX_LIMIT = 250


def paginate(req: Request, items: list, *, default_limit: int = 50, max_limit: int = MAX_LIMIT) -> tuple[list, dict]:
    """Slice `items` by ?page/&limit and build BigCommerce's `meta.pagination`."""
    limit = req.query_int("limit", default_limit) or default_limit
    limit = max(1, min(limit, max_limit))
    page = max(1, req.query_int("page", 1) or 1)
    total = len(items)
    total_pages = max(1, math.ceil(total / limit)) if total else 0
    chunk = items[(page - 1) * limit : page * limit]
    others = {k: v for k, v in req.query.items() if k not in ("page", "limit")}

    def link(number: int) -> str:
        return "?" + urlencode({**others, "page": number, "limit": limit}, safe=":,")

    links = {"current": link(page)}
    if page > 1:
        links["previous"] = link(page - 1)
    if page < total_pages:
        links["next"] = link(page + 1)
    meta = {
        "pagination": {
            "total": total,
            "count": len(chunk),
            "per_page": limit,
            "current_page": page,
            "total_pages": total_pages,
            "links": links,
        }
    }
    return chunk, meta


def require_object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise invalid({"body": "error.expected.jsobject"})
    return body


def require_list(body: Any, *, max_items: int | None = None) -> list:
    if not isinstance(body, list):
        raise invalid({"body": "error.expected.jsarray"})
    if max_items is not None and len(body) > max_items:
        raise too_many(max_items)
    return body


def too_many(max_items: int) -> ApiError:
    return ApiError(413, f"The request payload is too large. The maximum items allowed in the array is {max_items}.")


def as_float(value: Any) -> float:
    return float(value)


def non_negative_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def is_id(value: Any) -> bool:
    """A JSON value that can name a record (storage keeps ids up to MAX_ID)."""
    return non_negative_int(value) and value <= MAX_ID


def get_or_404(db, store_hash: str, kind: str, record_id: Any, title: str | None = None) -> dict:
    try:
        record = db.get(store_hash, kind, int(record_id))
    except (TypeError, ValueError):
        record = None
    if record is None:
        raise ApiError(404, title or f"The requested {kind} was not found.")
    return record


def transaction() -> Response:
    """Inventory and location writes answer with only a transaction id (they are asynchronous)."""
    return Response.json({"transaction_id": str(uuid.uuid4())})


def apply_async(req: Request, apply: Callable[[], None]) -> None:
    """Apply a validated write now, or `inventory_apply_delay_ms` after the answer (store option)
    in its own transaction, as BigCommerce's asynchronous Inventory and Locations APIs do (docs:
    inventory adjustments and locations, "there may be a short delay")."""
    delay_ms = store_options(req.store)["inventory_apply_delay_ms"]
    if not delay_ms:
        apply()
        return
    app = req.app

    def later() -> None:
        with app.db.tx():
            apply()

    timer = threading.Timer(delay_ms / 1000, later)
    timer.daemon = True
    app.db.on_commit(timer.start)
