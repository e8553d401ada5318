"""Inventory locations and pickup methods (``reference/locations.v3.yml``,
``reference/pickup_methods.v3.yml``; ``docs/store-operations/catalog/inventory-locations.mdx``,
``docs/integrations/buy-online-pick-up-in-store/end-to-end-guide/configuration.mdx``).

Location 1 is the store's default location and shipping origin: it always exists, cannot be
deleted. A location's `enabled` flag decides whether stock can be edited there through the
management APIs and whether orders and pickup methods can use it (the locations guide). A
pickup method belongs to one location; an order placed for pickup takes its stock there.
"""

from __future__ import annotations

import re
import zoneinfo

from ..values import iso_now
from ..web import ApiError
from ..webhooks.events import emit

MAX_ACTIVE = 100  # locations.v3.yml, createLocations: "Limit of 100 active locations"
DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
TYPES = ("PHYSICAL", "VIRTUAL")
FLAGS = ("managed_by_external_source", "enabled", "storefront_visibility")
TEXTS = ("code", "label", "description", "time_zone")
FIELDS = (*TEXTS, *FLAGS, "type_id", "operating_hours", "address", "special_hours")
# LocationsCreateRequest: the address a PHYSICAL location is created with.
ADDRESS_REQUIRED = ("address1", "city", "state", "zip", "email", "geo_coordinates", "country_code")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _bool(value) -> bool:
    return isinstance(value, bool)


def _number_in(value, low: float, high: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high


def _address_errors(prefix: str, address, *, creating: bool) -> dict:
    if not isinstance(address, dict):
        return {prefix: "error.expected.jsobject"}
    errors = {}
    required = ADDRESS_REQUIRED if creating else ("country_code",)  # LocationsUpdateRequest: country_code
    for key in required:
        if address.get(key) in (None, ""):
            errors[f"{prefix}.{key}"] = "error.path.missing"
    for key in ("address1", "address2", "city", "state", "zip", "email", "phone", "country_code"):
        if key in address and not isinstance(address[key], str):
            errors[f"{prefix}.{key}"] = "error.expected.jsstring"
    if isinstance(address.get("email"), str) and address["email"] and not _EMAIL.match(address["email"]):
        errors[f"{prefix}.email"] = "error.email"
    geo = address.get("geo_coordinates")
    if geo is not None:
        if not isinstance(geo, dict):
            errors[f"{prefix}.geo_coordinates"] = "error.expected.jsobject"
        else:
            if not _number_in(geo.get("latitude"), -90, 90):
                errors[f"{prefix}.geo_coordinates.latitude"] = "error.range: must be between -90 and 90"
            if not _number_in(geo.get("longitude"), -180, 180):
                errors[f"{prefix}.geo_coordinates.longitude"] = "error.range: must be between -180 and 180"
    return errors


def _hours_errors(prefix: str, hours) -> dict:
    if not isinstance(hours, dict):
        return {prefix: "error.expected.jsobject"}
    errors = {}
    for day, value in hours.items():
        if day not in DAYS or not isinstance(value, dict):
            errors[f"{prefix}.{day}"] = "error.expected.jsobject of a day of the week"
            continue
        if "open" in value and not _bool(value["open"]):
            errors[f"{prefix}.{day}.open"] = "error.expected.jsboolean"
        for key in ("opening", "closing"):
            if key in value and not (isinstance(value[key], str) and _TIME.match(value[key])):
                errors[f"{prefix}.{day}.{key}"] = "error.time: HH:MM"
    return errors


def _special_errors(prefix: str, special) -> dict:
    if not isinstance(special, list):
        return {prefix: "error.expected.jsarray"}
    errors = {}
    for index, entry in enumerate(special):
        where = f"{prefix}.{index}"
        if not isinstance(entry, dict):
            errors[where] = "error.expected.jsobject"
            continue
        if not isinstance(entry.get("label"), str) or not entry["label"]:
            errors[f"{where}.label"] = "error.path.missing"
        if not (isinstance(entry.get("date"), str) and _DATE.match(entry["date"])):
            errors[f"{where}.date"] = "error.date: YYYY-MM-DD"
        if not _bool(entry.get("open")):
            errors[f"{where}.open"] = "error.path.missing"
    return errors


def location_errors(index: int, item, *, creating: bool) -> dict:
    """What locations.v3.yml (and its guide) refuse in one item of a create or an update."""
    if not isinstance(item, dict):
        return {str(index): "error.expected.jsobject"}
    errors = {}
    for key in ("code", "label") if creating else ():
        if not isinstance(item.get(key), str) or not item[key].strip():
            errors[f"{index}.{key}"] = "error.path.missing"
    for key in TEXTS:
        if key in item and not isinstance(item[key], str):
            errors[f"{index}.{key}"] = "error.expected.jsstring"
        elif key in ("code", "label") and key in item and not item[key].strip():
            errors[f"{index}.{key}"] = "error.minLength: must not be empty"
    for key in FLAGS:
        if key in item and not _bool(item[key]):
            errors[f"{index}.{key}"] = "error.expected.jsboolean"
    if "type_id" in item and item["type_id"] not in TYPES:
        errors[f"{index}.type_id"] = "error.enum: PHYSICAL or VIRTUAL"
    if isinstance(item.get("time_zone"), str) and item["time_zone"] not in _time_zones():
        errors[f"{index}.time_zone"] = "error.time_zone: not a tz database name"
    if "address" in item:
        errors.update(_address_errors(f"{index}.address", item["address"], creating=creating))
    if "operating_hours" in item:
        errors.update(_hours_errors(f"{index}.operating_hours", item["operating_hours"]))
    if "special_hours" in item:
        errors.update(_special_errors(f"{index}.special_hours", item["special_hours"]))
    return errors


_ZONES: set[str] = set()


def _time_zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(zoneinfo.available_timezones())
    return _ZONES


def location_out(location: dict) -> dict:
    return {k: v for k, v in location.items() if not k.startswith("_")}


def location_changed(app, store_hash: str, location: dict, action: str) -> None:
    """store/inventory/location/{created,updated} (docs: webhooks events, inventory and location)."""
    emit(app, store_hash, f"store/inventory/location/{action}", {"location_id": location["id"]})


def location_new(item: dict, location_id: int, *, defaults: dict) -> dict:
    now = iso_now()
    return {
        "id": location_id,
        "description": "",
        "managed_by_external_source": False,
        "type_id": "PHYSICAL",
        "enabled": True,
        "time_zone": "Etc/UTC",
        "storefront_visibility": True,
        "special_hours": [],
        **defaults,
        "is_default": False,
        **{k: item[k] for k in FIELDS if k in item and k != "address"},
        "address": {**defaults["address"], **item.get("address", {})},
        "created_at": now,
        "updated_at": now,
    }


def location_usable(db, store_hash: str, location_id, *, what: str) -> dict:
    """The location an adjustment, a setting or an order names: it exists and is enabled."""
    location = db.get(store_hash, "location", location_id) if isinstance(location_id, int) else None
    if location is None:
        raise ApiError(422, f"Location {location_id} does not exist")
    if not location["enabled"]:
        raise ApiError(422, f"Location {location_id} is disabled: {what} is not allowed there")
    return location


def pickup_method_put(db, store_hash: str, item: dict) -> dict:
    """A new pickup method (``BasePickupMethod``, already validated) at an enabled location."""
    location_usable(db, store_hash, item["location_id"], what="a pickup method")
    now = iso_now()
    method = {
        "id": db.next_id(store_hash, "pickup_method"),
        "location_id": item["location_id"],
        "display_name": item["display_name"],
        "collection_instructions": item.get("collection_instructions", ""),
        "collection_time_description": item.get("collection_time_description", ""),
        "date_created": now,
        "date_modified": now,
    }
    db.put(store_hash, "pickup_method", method)
    return method


def pickup_location(db, store_hash: str, pickup_method_id: int) -> dict:
    """The location an order placed for pickup with this method takes its stock from."""
    method = db.get(store_hash, "pickup_method", pickup_method_id)
    if method is None:
        raise ApiError(400, f"The pickup method {pickup_method_id} does not exist.")
    location = db.get(store_hash, "location", method["location_id"])
    if location is None or not location["enabled"]:
        raise ApiError(400, f"The pickup method {pickup_method_id}'s location is not available for orders.")
    return location
