"""Locations v3 (``reference/locations.v3.yml``) and pickup methods
(``reference/pickup_methods.v3.yml``). Location writes are asynchronous as the locations guide
says: they answer a `transaction_id` only, and with the store option `inventory_apply_delay_ms`
they are validated at once (a 422 changes nothing) and applied that many ms later."""

from __future__ import annotations

from ..model.levels import DEFAULT_LOCATION
from ..model.locations import (
    FIELDS,
    MAX_ACTIVE,
    location_changed,
    location_errors,
    location_new,
    location_out,
    location_usable,
    pickup_method_put,
)
from ..stores import default_address, default_operating_hours
from ..values import iso_now
from ..web import ApiError, Request, Response, invalid, v3
from .common import apply_async, paginate, require_list, too_many, transaction

MAX_PICKUP_METHODS_POST = 100  # pickup_methods.v3.yml: "up to 100 pickup methods objects in one request"
# Orders in these states are over: a location they were placed at can go (delete's 422 example).
CLOSED_ORDER_STATUSES = {0, 2, 4, 5, 6, 10}
_BOOLEAN_FILTERS = {
    "is_default": "is_default",
    "managed_by_external_source": "managed_by_external_source",
    "is_active": "enabled",
    "storefront_visibility": "storefront_visibility",
}


def locations_filtered(req: Request) -> list[dict]:
    """GET /v3/inventory/locations' filters (LocationIdsParam ... LocationStorefrontVisibilityParam)."""
    q = req.query
    locations = req.app.db.find(req.store_hash, "location")
    if q.get("location_id:in"):
        wanted = set(req.query_ints("location_id:in"))
        locations = [loc for loc in locations if loc["id"] in wanted]
    if q.get("location_code:in"):
        codes = set(req.query_list("location_code:in"))
        locations = [loc for loc in locations if loc["code"] in codes]
    if q.get("type_id:in"):
        types = set(req.query_list("type_id:in"))
        locations = [loc for loc in locations if loc["type_id"] in types]
    for name, field in _BOOLEAN_FILTERS.items():
        if name not in q:
            continue
        if q[name] not in ("true", "false", "1", "0"):
            raise ApiError(400, f"Invalid value for {name}: true or false")
        wanted = q[name] in ("true", "1")
        locations = [loc for loc in locations if bool(loc.get(field)) is wanted]
    return locations


def locations_get(req: Request) -> Response:
    page, meta = paginate(req, [location_out(loc) for loc in locations_filtered(req)], max_limit=1000)
    return v3(page, meta)


def _code_clashes(items: list[dict], existing: list[dict]) -> dict:
    """Codes are unique in the store (LocationResponse: "user-defined unique identifier")."""
    errors, taken = {}, {loc["code"]: loc["id"] for loc in existing}
    for index, item in enumerate(items):
        code = item.get("code")
        if code is None:
            continue
        if code in taken and taken[code] != item.get("id"):
            errors[f"{index}.code"] = f"Location code {code} is already used"
        taken[code] = item.get("id", -1 - index)
    return errors


def locations_post(req: Request) -> Response:
    db = req.app.db
    items = require_list(req.json())
    if not items:
        raise invalid({"body": "error.minItems: at least one location"})
    errors: dict = {}
    for index, item in enumerate(items):
        errors.update(location_errors(index, item, creating=True))
    if errors:
        raise invalid(errors)
    existing = db.find(req.store_hash, "location")
    if errors := _code_clashes(items, existing):
        raise invalid(errors)
    active = sum(1 for loc in existing if loc["enabled"]) + sum(1 for i in items if i.get("enabled", True))
    if active > MAX_ACTIVE:
        raise ApiError(422, f"A store can have at most {MAX_ACTIVE} active locations.")
    defaults = {"address": default_address(), "operating_hours": default_operating_hours()}
    ids = [db.next_id(req.store_hash, "location") for _ in items]  # taken now: the answer names none
    app, store_hash = req.app, req.store_hash

    def create() -> None:
        for item, location_id in zip(items, ids, strict=True):
            location = location_new(item, location_id, defaults=defaults)
            app.db.put(store_hash, "location", location)
            location_changed(app, store_hash, location, "created")

    apply_async(req, create)
    return transaction()


def locations_put(req: Request) -> Response:
    db = req.app.db
    items = require_list(req.json())
    errors: dict = {}
    for index, item in enumerate(items):
        errors.update(location_errors(index, item, creating=False))
        if isinstance(item, dict) and (not isinstance(item.get("id"), int) or isinstance(item["id"], bool)):
            errors[f"{index}.id"] = "error.path.missing"
        elif isinstance(item, dict) and db.get(req.store_hash, "location", item["id"]) is None:
            errors[f"{index}.id"] = f"Location {item['id']} does not exist"
        elif isinstance(item, dict) and item["id"] == DEFAULT_LOCATION and item.get("enabled") is False:
            errors[f"{index}.enabled"] = "The default location cannot be disabled"
    if errors:
        raise invalid(errors)
    if errors := _code_clashes(items, db.find(req.store_hash, "location")):
        raise invalid(errors)
    app, store_hash = req.app, req.store_hash

    def update() -> None:
        for item in items:
            location = app.db.get(store_hash, "location", item["id"])
            if location is None:
                continue  # deleted meanwhile
            before = dict(location)
            for key in FIELDS:
                if key == "address" and key in item:
                    location["address"] = {**location["address"], **item["address"]}
                elif key in item:
                    location[key] = item[key]
            if location != before:
                location["updated_at"] = iso_now()
                app.db.put(store_hash, "location", location)
                location_changed(app, store_hash, location, "updated")

    apply_async(req, update)
    return transaction()


def locations_delete(req: Request) -> Response:
    db = req.app.db
    ids = req.query_ints("location_id:in")
    if not ids:
        raise ApiError(422, "The filter location_id:in is required", {"location_id:in": "error.path.missing"})
    locations = [db.get(req.store_hash, "location", location_id) for location_id in ids]
    if any(loc is None for loc in locations):
        missing = [i for i, loc in zip(ids, locations, strict=True) if loc is None]
        raise ApiError(404, f"Location {missing[0]} was not found")
    for location in locations:
        if location["id"] == DEFAULT_LOCATION:
            raise ApiError(
                422,
                f"Location canʼt be deleted. {location['label']} is set as a shipping origin for this store "
                "and canʼt be deleted.",
            )
        open_orders = [
            o
            for o in db.find(req.store_hash, "order")
            if o.get("_location_id") == location["id"] and o["status_id"] not in CLOSED_ORDER_STATUSES
        ]
        if open_orders:
            raise ApiError(
                422,
                f"Location with associated orders canʼt be deleted. {location['label']} is associated with "
                f"{len(open_orders)} order(s) and canʼt be deleted by now.",
            )
    app, store_hash = req.app, req.store_hash

    def delete() -> None:
        for location in locations:
            app.db.delete(store_hash, "location", location["id"])
            app.db.stock_forget(store_hash, location["id"])
            for method in app.db.find(store_hash, "pickup_method"):
                if method["location_id"] == location["id"]:
                    app.db.delete(store_hash, "pickup_method", method["id"])

    apply_async(req, delete)
    return transaction()


def pickup_methods_get(req: Request) -> Response:
    methods = req.app.db.find(req.store_hash, "pickup_method")
    if req.query.get("id:in"):
        wanted = set(req.query_ints("id:in"))
        methods = [m for m in methods if m["id"] in wanted]
    page, meta = paginate(req, methods)
    return v3(page, meta)


def pickup_methods_post(req: Request) -> Response:
    db = req.app.db
    items = require_list(req.json())
    if len(items) > MAX_PICKUP_METHODS_POST:
        raise too_many(MAX_PICKUP_METHODS_POST)
    errors = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors[str(index)] = "error.expected.jsobject"
            continue
        if not isinstance(item.get("location_id"), int) or isinstance(item.get("location_id"), bool):
            errors[f"{index}.location_id"] = "error.path.missing"
        if not isinstance(item.get("display_name"), str) or not item["display_name"].strip():
            errors[f"{index}.display_name"] = "error.path.missing"
        for key in ("collection_instructions", "collection_time_description"):
            if key in item and not isinstance(item[key], str):
                errors[f"{index}.{key}"] = "error.expected.jsstring"
    if errors:
        raise invalid(errors)
    for item in items:
        location_usable(db, req.store_hash, item["location_id"], what="a pickup method")
    created = [pickup_method_put(db, req.store_hash, item) for item in items]
    return v3(created, {})


def pickup_methods_delete(req: Request) -> Response:
    ids = req.query_ints("id:in")
    if not ids:
        raise ApiError(422, "The filter id:in is required", {"id:in": "error.path.missing"})
    for method_id in ids:
        req.app.db.delete(req.store_hash, "pickup_method", method_id)
    return Response.no_content()


P = {"scope": "inventory"}
F = {"scope": "fulfillment"}
ROUTES = [
    ("GET", "/v3/inventory/locations", locations_get, P),
    ("POST", "/v3/inventory/locations", locations_post, P),
    ("PUT", "/v3/inventory/locations", locations_put, P),
    ("DELETE", "/v3/inventory/locations", locations_delete, P),
    ("GET", "/v3/pickup/methods", pickup_methods_get, F),
    ("POST", "/v3/pickup/methods", pickup_methods_post, F),
    ("DELETE", "/v3/pickup/methods", pickup_methods_delete, F),
]
