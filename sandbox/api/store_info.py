"""GET /v2/store, /v2/time and the inventory settings (/v3/settings/inventory)."""

from __future__ import annotations

import time

from ..stores import INVENTORY_SETTING_CHOICES, inventory_settings, store_info
from ..web import Request, Response, invalid, v3
from .common import require_object


def store_get(req: Request) -> Response:
    return Response.json(store_info(req.store, req.app.config.base_url))


def time_get(req: Request) -> Response:
    return Response.json({"time": int(time.time())})


def _channel_id(req: Request) -> int | None:
    """The ?channel_id= asked for; an unknown channel is a 422 (settings.v3.yml lists 200 and
    422, "Provided settings could not be applied", and no 404)."""
    channel_id = req.query_int("channel_id")
    if channel_id is not None and req.app.db.get(req.store_hash, "channel", channel_id) is None:
        raise invalid({"channel_id": f"Channel {channel_id} does not exist."}, "Channel not found")
    return channel_id


def inventory_settings_get(req: Request) -> Response:
    return v3(inventory_settings(req.store, _channel_id(req)))


def inventory_settings_put(req: Request) -> Response:
    """Global settings, or with ?channel_id= that channel's own (the global ones stay)."""
    channel_id = _channel_id(req)
    body = require_object(req.json())
    settings = inventory_settings(req.store, channel_id)
    errors = {}
    for key, value in body.items():
        if key not in settings:
            continue  # unknown fields are ignored, as the real API does
        choices = INVENTORY_SETTING_CHOICES.get(key)
        if choices is not None and value not in choices:
            errors[key] = f"must be one of: {', '.join(sorted(choices))}"
        elif choices is None and not isinstance(value, type(settings[key])):
            errors[key] = f"must be a {type(settings[key]).__name__}"
    if errors:
        raise invalid(errors)
    changes = {k: v for k, v in body.items() if k in settings}
    if channel_id is None:
        req.store["inventory_settings"].update(changes)
    else:
        req.store.setdefault("channel_inventory_settings", {}).setdefault(str(channel_id), {}).update(changes)
    req.app.db.store_put(req.store)
    return v3(inventory_settings(req.store, channel_id))


ROUTES = [
    ("GET", "/v2/store", store_get, {"scope": "information"}),
    ("GET", "/v2/time", time_get, {"scope": "information"}),
    ("GET", "/v3/settings/inventory", inventory_settings_get, {"scope": "information"}),
    ("PUT", "/v3/settings/inventory", inventory_settings_put, {"scope": "information"}),
]
