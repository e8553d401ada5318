"""Documented collection limits, page iteration and batching.

* v3 collections: ``?page=&limit=`` (limit ≤ 250) and ``meta.pagination = {total, count,
  per_page, current_page, total_pages, links}``.
* v2 collections: ``?page=&limit=``; an empty page is a ``204 No Content``.
* Batch writes: products ≤ 10 per PUT, variants ≤ 50 per PUT, inventory adjustments ≤ 2000
  items per request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

PAGE_LIMIT_MAX = 250
PRODUCTS_BATCH_MAX = 10
VARIANTS_BATCH_MAX = 50
INVENTORY_ITEMS_MAX = 2000

Fetch = Callable[[str, dict[str, Any]], Any]


def batched(items: Iterable, size: int, *, limit: int | None = None) -> Iterator[list]:
    """Consecutive lists of at most ``size`` items; ``size`` may not exceed ``limit``."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    if limit is not None and size > limit:
        raise ValueError(f"batch size {size} exceeds the documented limit of {limit}")
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def page_limit(params: dict[str, Any] | None, limit: int | None) -> int:
    requested = limit if limit is not None else (params or {}).get("limit", PAGE_LIMIT_MAX)
    requested = int(requested)
    if not 1 <= requested <= PAGE_LIMIT_MAX:
        raise ValueError(f"page limit must be between 1 and {PAGE_LIMIT_MAX}, not {requested}")
    return requested


def iter_v3(
    fetch: Fetch, path: str, params: dict[str, Any] | None = None, *, limit: int | None = None
) -> Iterator[dict]:
    """Every item of a v3 collection, page after page, following ``meta.pagination``."""
    query = dict(params or {})
    query["limit"] = page_limit(params, limit)
    page = int(query.pop("page", 1))
    while True:
        body = fetch(path, {**query, "page": page})
        if body is None:
            return
        data = body.get("data") or []
        yield from data
        pagination = (body.get("meta") or {}).get("pagination") or {}
        current = int(pagination.get("current_page", page))
        total_pages = pagination.get("total_pages")
        if total_pages is None:
            # No pagination meta: a short page is the last one.
            if len(data) < query["limit"]:
                return
        elif current >= int(total_pages):
            return
        if not data:
            return  # defensive: never loop on empty pages
        page = current + 1


def iter_v2(
    fetch: Fetch, path: str, params: dict[str, Any] | None = None, *, limit: int | None = None
) -> Iterator[dict]:
    """Every item of a v2 collection; a 204 (None) or a short page ends it."""
    query = dict(params or {})
    query["limit"] = page_limit(params, limit)
    page = int(query.pop("page", 1))
    while True:
        body = fetch(path, {**query, "page": page})
        if not body:
            return
        if not isinstance(body, list):
            raise TypeError(f"{path}: expected a list, got {type(body).__name__}")
        yield from body
        if len(body) < query["limit"]:
            return
        page += 1
