"""/v3/channels: sales channels; channel 1 (the default storefront) always exists."""

from __future__ import annotations

import re

from ..values import iso_now
from ..web import ApiError, Request, Response, invalid, v3
from ..webhooks.events import emit
from .common import get_or_404, paginate, require_object

PLATFORMS = {
    "pos": {"clover", "square", "stripe", "talech", "vend"},
    "marketplace": {
        "amazon",
        "belk",
        "catch",
        "ebay",
        "etsy",
        "hudsons_bay",
        "macys",
        "mirakl",
        "overstock",
        "pinterest",
        "target_plus",
        "tiktok",
        "wayfair",
        "wish",
        "walmart",
        "google",
        "meta",
        "facebook",
        "instagram",
    },
    "marketing": {"google", "meta", "facebook", "instagram", "microsoft", "google_shopping"},
    "storefront": {
        "acquia",
        "bigcommerce",
        "bloomreach",
        "catalyst",
        "deity",
        "drupal",
        "gatsby",
        "next",
        "vue",
        "wordpress",
    },
}
STATUSES = {
    "storefront": {"prelaunch", "active", "inactive", "archived", "deleted"},
    "other": {"connected", "disconnected", "archived", "deleted"},
}
NAME_RULE = re.compile(r"^[A-Za-z0-9_-]+$")
NAME_ERROR = "Only latin alphabet letters, arabic numerals, dash and underscore are allowed to be used as channel name."


def _allowed_statuses(channel_type: str) -> set[str]:
    return STATUSES["storefront"] if channel_type == "storefront" else STATUSES["other"]


def _check(body: dict, *, creating: bool, channel_type: str | None = None) -> None:
    errors = {}
    if creating:
        for field in ("name", "type", "platform"):
            if field not in body:
                errors[field] = "error.path.missing"
            elif not isinstance(body[field], str):
                errors[field] = "error.expected.jsstring"
    elif "name" in body and not isinstance(body["name"], str):
        errors["name"] = "error.expected.jsstring"
    if errors:
        raise invalid(errors)
    if "name" in body and not NAME_RULE.match(body["name"]):
        raise ApiError(422, NAME_ERROR, {"name": NAME_ERROR})
    if creating:
        channel_type, platform = body["type"], body["platform"]
        if channel_type not in PLATFORMS:
            raise invalid({"type": f"must be one of: {', '.join(sorted(PLATFORMS))}"})
        if platform != "custom" and platform not in PLATFORMS[channel_type]:
            raise ApiError(422, f"Input channel type [{channel_type}] with platform [{platform}] is not supported", {})
    if "status" in body and body["status"] not in _allowed_statuses(channel_type):
        raise invalid({"status": f"must be one of: {', '.join(sorted(_allowed_statuses(channel_type)))}"})
    for field in ("is_visible", "is_listable_from_ui"):
        if field in body and not isinstance(body[field], bool):
            raise invalid({field: "error.expected.jsboolean"})


def channels_list(req: Request) -> Response:
    channels = req.app.db.find(req.store_hash, "channel")
    for key, field in (("status:in", "status"), ("type:in", "type"), ("platform:in", "platform")):
        if req.query.get(key):
            wanted = set(req.query_list(key))
            channels = [c for c in channels if c[field] in wanted]
    if req.query.get("available") in ("true", "1"):
        channels = [c for c in channels if c["status"] not in ("deleted", "terminated")]
    page, meta = paginate(req, channels)
    return v3(page, meta)


def channel_create(req: Request) -> Response:
    body = require_object(req.json())
    _check(body, creating=True, channel_type=body.get("type"))
    db = req.app.db
    now = iso_now()
    channel = {
        "id": db.next_id(req.store_hash, "channel"),
        "name": body["name"],
        "type": body["type"],
        "platform": body["platform"],
        "status": body.get("status", "prelaunch" if body["type"] == "storefront" else "connected"),
        "external_id": body.get("external_id", ""),
        "is_listable_from_ui": body.get("is_listable_from_ui", True),
        "is_visible": body.get("is_visible", True),
        "is_enabled": True,
        "icon_url": "",
        "date_created": now,
        "date_modified": now,
    }
    channel["is_enabled"] = channel["status"] in ("active", "connected", "prelaunch")
    db.put(req.store_hash, "channel", channel)
    emit(req.app, req.store_hash, "store/channel/created", {"type": "channel", "id": channel["id"]})
    return v3(channel)


def channel_get(req: Request) -> Response:
    return v3(get_or_404(req.app.db, req.store_hash, "channel", req.params["channel_id"], "Channel not found"))


def channel_update(req: Request) -> Response:
    channel = get_or_404(req.app.db, req.store_hash, "channel", req.params["channel_id"], "Channel not found")
    body = require_object(req.json())
    for field in ("type", "platform"):
        if field in body and body[field] != channel[field]:
            raise invalid({field: "cannot be changed"})
    _check(body, creating=False, channel_type=channel["type"])
    before = dict(channel)
    for field in ("name", "status", "external_id", "is_listable_from_ui", "is_visible"):
        if field in body:
            channel[field] = body[field]
    channel["is_enabled"] = channel["status"] in ("active", "connected", "prelaunch")
    if channel != before:
        channel["date_modified"] = iso_now()
        req.app.db.put(req.store_hash, "channel", channel)
        # docs (webhooks events, channels): fires for a change of name, external_id, status,
        # is_listable_from_ui, is_visible or is_enabled; a PUT that changes nothing fires none.
        emit(req.app, req.store_hash, "store/channel/updated", {"type": "channel", "id": channel["id"]})
    return v3(channel)


P = {"scope": "channels"}
ROUTES = [
    ("GET", "/v3/channels", channels_list, P),
    ("POST", "/v3/channels", channel_create, P),
    ("GET", "/v3/channels/{channel_id}", channel_get, P),
    ("PUT", "/v3/channels/{channel_id}", channel_update, P),
]
