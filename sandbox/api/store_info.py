"""GET /v2/store, /v2/time and the inventory settings (/v3/settings/inventory)."""

from __future__ import annotations

import time

from ..stores import INVENTORY_SETTING_CHOICES, store_info
from ..web import Request, Response, invalid, v3
from .common import require_object


def store_get(req: Request) -> Response:
    return Response.json(store_info(req.store, req.app.config.base_url))


def time_get(req: Request) -> Response:
    return Response.json({"time": int(time.time())})


def inventory_settings_get(req: Request) -> Response:
    return v3(req.store["inventory_settings"])


def inventory_settings_put(req: Request) -> Response:
    body = require_object(req.json())
    settings = req.store["inventory_settings"]
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
    settings.update({k: v for k, v in body.items() if k in settings})
    req.app.db.store_put(req.store)
    return v3(settings)


ROUTES = [
    ("GET", "/v2/store", store_get, {"scope": "information"}),
    ("GET", "/v2/time", time_get, {"scope": "information"}),
    ("GET", "/v3/settings/inventory", inventory_settings_get, {"scope": "information"}),
    ("PUT", "/v3/settings/inventory", inventory_settings_put, {"scope": "information"}),
]
