"""/v3/hooks: webhook subscriptions, visible only to the API account that made them."""

from __future__ import annotations

import ipaddress
import time
from urllib.parse import urlsplit

from ..web import ApiError, Request, Response, invalid, v3
from ..webhooks.scopes import is_valid_scope
from .common import paginate, require_object

MAX_HOOKS_PER_SCOPE = 10
PUBLIC_FIELDS = (
    "id",
    "client_id",
    "store_hash",
    "created_at",
    "updated_at",
    "scope",
    "destination",
    "is_active",
    "headers",
)


def public(hook: dict) -> dict:
    return {k: hook.get(k) for k in PUBLIC_FIELDS}


def _destination_error(destination: str) -> str | None:
    """BigCommerce wants https on port 443; the sandbox also allows http(s) to loopback,
    where the local portal and test receivers listen."""
    try:
        parts = urlsplit(destination)
        port = parts.port
    except ValueError:
        return "must be a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be a valid URL"
    host = parts.hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        return None
    if parts.scheme != "https" or port not in (None, 443):
        return "must use https on port 443"
    return None


def _own_hook(req: Request) -> dict:
    hook = req.app.db.get(req.store_hash, "hook", _int(req.params["hook_id"]))
    if hook is None or hook["client_id"] != req.account["client_id"]:
        raise ApiError(404, "Webhook not found")
    return hook


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ApiError(404, "Webhook not found") from None


def _validate(req: Request, body: dict, hook: dict | None) -> dict:
    errors = {}
    scope = body.get("scope", hook and hook["scope"])
    destination = body.get("destination", hook and hook["destination"])
    if scope is None:
        errors["scope"] = "error.path.missing"
    elif not isinstance(scope, str) or not is_valid_scope(scope):
        # BigCommerce refuses a scope it does not have (docs: webhooks events).
        errors["scope"] = f"Invalid scope {scope!r}: not a BigCommerce webhook scope"
    if destination is None:
        errors["destination"] = "error.path.missing"
    elif not isinstance(destination, str) or _destination_error(destination):
        errors["destination"] = (
            _destination_error(destination) if isinstance(destination, str) else "error.expected.jsstring"
        )
    headers = body.get("headers", hook and hook.get("headers"))
    if headers is not None and not (isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values())):
        errors["headers"] = "must be an object of strings"
    if "is_active" in body and not isinstance(body["is_active"], bool):
        errors["is_active"] = "error.expected.jsboolean"
    if errors:
        raise invalid(errors)
    siblings = [
        h
        for h in req.app.db.find(req.store_hash, "hook")
        if h["client_id"] == req.account["client_id"]
        and h["scope"] == scope
        and (hook is None or h["id"] != hook["id"])
    ]
    if any(h["destination"] == destination for h in siblings):
        raise invalid({"destination": "a webhook with this scope and destination exists"}, "Webhook already exists")
    if len(siblings) >= MAX_HOOKS_PER_SCOPE:
        raise invalid({"scope": f"at most {MAX_HOOKS_PER_SCOPE} webhooks per scope"}, "Webhook limit reached")
    return {"scope": scope, "destination": destination, "headers": headers}


def hook_list(req: Request) -> Response:
    hooks = [h for h in req.app.db.find(req.store_hash, "hook") if h["client_id"] == req.account["client_id"]]
    q = req.query
    if "is_active" in q:
        active = q["is_active"].lower() in ("1", "true")
        hooks = [h for h in hooks if h["is_active"] == active]
    for field in ("scope", "destination"):
        if q.get(field):
            hooks = [h for h in hooks if h[field] == q[field]]
    page, meta = paginate(req, [public(h) for h in hooks])
    return v3(page, meta)


def hook_create(req: Request) -> Response:
    body = require_object(req.json())
    fields = _validate(req, body, None)
    db = req.app.db
    now = int(time.time())
    hook = {
        "id": db.next_id(req.store_hash, "hook"),
        "client_id": req.account["client_id"],
        "store_hash": req.store_hash,
        "created_at": now,
        "updated_at": now,
        "is_active": body.get("is_active", True),
        **fields,
        "_secret": req.account["client_secret"],
    }
    db.put(req.store_hash, "hook", hook)
    return v3(public(hook))


def hook_get(req: Request) -> Response:
    return v3(public(_own_hook(req)))


def hook_update(req: Request) -> Response:
    hook = _own_hook(req)
    body = require_object(req.json())
    hook.update(_validate(req, body, hook))
    if "is_active" in body:
        hook["is_active"] = body["is_active"]
    hook["updated_at"] = int(time.time())
    req.app.db.put(req.store_hash, "hook", hook)
    return v3(public(hook))


def hook_delete(req: Request) -> Response:
    hook = _own_hook(req)
    req.app.db.delete(req.store_hash, "hook", hook["id"])
    return v3(public(hook))


ROUTES = [
    ("GET", "/v3/hooks", hook_list, {"scope": "hooks"}),
    ("POST", "/v3/hooks", hook_create, {"scope": "hooks"}),
    ("GET", "/v3/hooks/{hook_id}", hook_get, {"scope": "hooks"}),
    ("PUT", "/v3/hooks/{hook_id}", hook_update, {"scope": "hooks"}),
    ("DELETE", "/v3/hooks/{hook_id}", hook_delete, {"scope": "hooks"}),
]
