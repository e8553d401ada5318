"""/_sandbox/...: the JSON control endpoint that tests and benchmarks drive."""

from __future__ import annotations

import json

from . import apps, auth
from .faults import parse_fault
from .model.levels import DEFAULT_LOCATION, variant_level
from .ratelimit import parse_rate
from .stores import options_errors, store_create, store_options
from .web import ApiError, Request, Response, invalid, route_table
from .webhooks.delivery import delivery_list


def public_store(store: dict) -> dict:
    return {k: v for k, v in store.items() if k not in ("owner",)} | {
        "owner": {k: v for k, v in store["owner"].items() if k != "password"}
    }


def _store(req: Request) -> dict:
    store = req.app.db.store_get(req.params["store_hash"])
    if store is None:
        raise ApiError(404, "Store not found")
    return store


def _body(req: Request, default=None):
    return req.json() if req.body else ({} if default is None else default)


def health(req: Request) -> Response:
    return Response.json({"ok": True, "base_url": req.app.config.base_url})


def stores_list(req: Request) -> Response:
    return Response.json([public_store(s) for s in req.app.db.store_list()])


def stores_create(req: Request) -> Response:
    body = _body(req)
    allowed = {
        "hash",
        "name",
        "currency",
        "is_price_entered_with_tax",
        "owner_email",
        "owner_password",
        "app",
        "rate_limit",
        "options",
    }
    if not isinstance(body, dict) or set(body) - allowed:
        raise invalid({"body": f"allowed fields: {sorted(allowed)}"})
    errors = options_errors(body.get("options", {}))
    if errors:
        raise invalid(errors)
    db = req.app.db
    if body.get("hash") and db.store_get(body["hash"]) is not None:
        raise ApiError(409, "A store with this hash exists")
    app_override = body.get("app") or {}
    client_id = app_override.pop("client_id", req.app.config.app_client_id)
    store = store_create(
        db,
        store_hash=body.get("hash"),
        name=body.get("name", "Sandbox store"),
        currency=body.get("currency", "EUR"),
        is_price_entered_with_tax=body.get("is_price_entered_with_tax", True),
        owner_email=body.get("owner_email"),
        owner_password=body.get("owner_password", "sandbox"),
        apps={client_id: app_override} if app_override else {},
        options=body.get("options"),
    )
    if body.get("rate_limit"):
        req.app.rate.configure(store["hash"], *parse_rate(body["rate_limit"]))
    return Response.json(public_store(store), 201)


def stores_get(req: Request) -> Response:
    return Response.json(public_store(_store(req)))


def stores_delete(req: Request) -> Response:
    store = _store(req)
    req.app.db.store_wipe(store["hash"])
    req.app.faults.clear(store["hash"])
    req.app.rate.reset(store["hash"])
    return Response.no_content()


def options_get(req: Request) -> Response:
    return Response.json(store_options(_store(req)))


def options_put(req: Request) -> Response:
    """Change some store options (README "Store options"); answers all of them."""
    store = _store(req)
    body = _body(req)
    errors = options_errors(body)
    if errors:
        raise invalid(errors)
    store["options"] = {**store_options(store), **body}
    req.app.db.store_put(store)
    return Response.json(store["options"])


def store_app_put(req: Request) -> Response:
    """Per-store override of an app registration (secret, URL, scopes)."""
    store = _store(req)
    body = _body(req)
    store.setdefault("apps", {})[req.params["client_id"]] = {
        k: body.get(k) for k in ("client_secret", "app_url", "scopes", "name") if k in body
    }
    req.app.db.store_put(store)
    return Response.json(apps.app_get(req.app.db, req.params["client_id"], store))


def app_register(req: Request) -> Response:
    body = _body(req)
    if not body.get("client_id") or not body.get("client_secret"):
        raise invalid({"client_id": "required", "client_secret": "required"})
    app = apps.app_register(
        req.app.db,
        client_id=body["client_id"],
        client_secret=body["client_secret"],
        app_url=body.get("app_url", req.app.config.app_url),
        name=body.get("name", body["client_id"]),
        scopes=body.get("scopes"),
    )
    return Response.json(app, 201)


def api_account_create(req: Request) -> Response:
    store = _store(req)
    body = _body(req)
    account = auth.account_create(
        req.app.db, store_hash=store["hash"], scopes=body.get("scopes"), name=body.get("name", "")
    )
    return Response.json(account, 201)


def api_account_list(req: Request) -> Response:
    return Response.json(auth.account_list(req.app.db, _store(req)["hash"]))


def faults_get(req: Request) -> Response:
    return Response.json(req.app.faults.listing(_store(req)["hash"]))


def faults_put(req: Request) -> Response:
    """Replace the store's faults with the given list."""
    store = _store(req)
    specs = _body(req, [])
    try:
        faults = [parse_fault(spec) for spec in (specs if isinstance(specs, list) else [specs])]
    except (ValueError, TypeError) as exc:
        raise invalid({"faults": str(exc)}) from None
    req.app.faults.replace(store["hash"], faults)
    return Response.json(req.app.faults.listing(store["hash"]))


def global_faults_put(req: Request) -> Response:
    specs = _body(req, [])
    try:
        faults = [parse_fault(spec) for spec in specs]
    except (ValueError, TypeError) as exc:
        raise invalid({"faults": str(exc)}) from None
    req.app.faults.replace(None, faults)
    return Response.json(req.app.faults.listing())


def rate_limit_put(req: Request) -> Response:
    store = _store(req)
    body = _body(req)
    quota, window_ms = body.get("quota"), body.get("window_ms")
    if not isinstance(quota, int) or not isinstance(window_ms, int) or quota < 0 or window_ms < 1:
        raise invalid({"quota": "integer >= 0", "window_ms": "integer >= 1"})
    req.app.rate.configure(store["hash"], quota, window_ms)
    return Response.json({"quota": quota, "window_ms": window_ms})


def requests_get(req: Request) -> Response:
    store = _store(req)
    since = req.query_int("since", 0)
    rows = req.app.db.execute(
        "SELECT id, data FROM requests WHERE store_hash=? AND id>? ORDER BY id", (store["hash"], since)
    ).fetchall()
    return Response.json([{"id": r["id"], **json.loads(r["data"])} for r in rows])


def counters_get(req: Request) -> Response:
    """Totals by `METHOD route` and status, with the item counts sent and received."""
    store = _store(req)
    rows = req.app.db.execute("SELECT data FROM requests WHERE store_hash=?", (store["hash"],)).fetchall()
    total, routes, statuses = 0, {}, {}
    for row in rows:
        entry = json.loads(row["data"])
        total += 1
        key = f"{entry['method']} {entry['route'] or entry['path']}"
        bucket = routes.setdefault(key, {"count": 0, "items_in": 0, "items_out": 0, "statuses": {}})
        bucket["count"] += 1
        bucket["items_in"] += entry["items_in"] or 0
        bucket["items_out"] += entry["items_out"] or 0
        status = str(entry["status"])
        bucket["statuses"][status] = bucket["statuses"].get(status, 0) + 1
        statuses[status] = statuses.get(status, 0) + 1
    return Response.json({"total": total, "statuses": statuses, "routes": routes})


def _levels_at(db, store_hash: str, location_id: int) -> dict[str, int]:
    levels = {}
    for product in db.find(store_hash, "product"):
        for variant in db.find(store_hash, "variant", parent_id=product["id"]):
            levels[str(variant["id"])] = variant_level(product, variant, location_id)
    return levels


def locations_stock_get(req: Request) -> Response:
    """Every location (id, code, label, flags) with every variant's level there, from storage."""
    store = _store(req)
    db = req.app.db
    locations = [
        {
            **{k: loc[k] for k in ("id", "code", "label", "enabled", "managed_by_external_source")},
            "variants": _levels_at(db, store["hash"], loc["id"]),
        }
        for loc in db.find(store["hash"], "location")
    ]
    return Response.json({"locations": locations})


def stock_get(req: Request) -> Response:
    """Every variant's level at one location (`location_id`, default 1), read from storage: an
    inspection for tests and benchmarks that costs no API quota and is not in the request log."""
    store = _store(req)
    location_id = req.query_int("location_id", DEFAULT_LOCATION)
    return Response.json({"location_id": location_id, "variants": _levels_at(req.app.db, store["hash"], location_id)})


def store_reset(req: Request) -> Response:
    """Reset the request log, faults, rate-limit window (default: all three)."""
    store = _store(req)
    body = _body(req)
    what = set(body.get("what") or ["requests", "faults", "rate_limit"])
    db = req.app.db
    if "requests" in what:
        db.execute("DELETE FROM requests WHERE store_hash=?", (store["hash"],))
    if "faults" in what:
        req.app.faults.clear(store["hash"])
    if "rate_limit" in what:
        req.app.rate.reset(store["hash"])
    if "deliveries" in what:
        db.execute("DELETE FROM deliveries WHERE store_hash=?", (store["hash"],))
    return Response.json({"reset": sorted(what)})


def deliveries_get(req: Request) -> Response:
    store = _store(req)
    return Response.json(
        delivery_list(req.app.db, store["hash"], hook_id=req.query_int("hook_id"), limit=req.query_int("limit", 500))
    )


def webhooks_retry_now(req: Request) -> Response:
    store = _store(req)
    return Response.json({"rescheduled": req.app.webhooks.retry_now(store["hash"])})


def order_place(req: Request) -> Response:
    """Place an order as a shopper would (no API token needed)."""
    from .api.orders import order_create_service

    store = _store(req)
    order = order_create_service(req.app, store, _body(req))
    return Response.json(order, 201)


def app_load_url(req: Request) -> Response:
    from .model.installs import load_url

    store = _store(req)
    body = _body(req)
    return Response.json({"url": load_url(req.app.db, store, req.params["client_id"], body.get("channel_id"))})


def app_uninstall(req: Request) -> Response:
    from .model.installs import uninstall

    return Response.json(uninstall(req.app, _store(req)["hash"], req.params["client_id"]))


def app_remove_user(req: Request) -> Response:
    from .model.installs import remove_user

    return Response.json(remove_user(req.app, _store(req)["hash"], req.params["client_id"]))


def build():
    S = "/stores/{store_hash}"
    return route_table(
        ("GET", "/health", health),
        ("GET", "/stores", stores_list),
        ("POST", "/stores", stores_create),
        ("GET", S, stores_get),
        ("DELETE", S, stores_delete),
        ("PUT", S + "/apps/{client_id}", store_app_put),
        ("GET", S + "/options", options_get),
        ("PUT", S + "/options", options_put),
        ("POST", "/apps", app_register),
        ("GET", S + "/api-accounts", api_account_list),
        ("POST", S + "/api-accounts", api_account_create),
        ("GET", S + "/faults", faults_get),
        ("PUT", S + "/faults", faults_put),
        ("PUT", "/faults", global_faults_put),
        ("PUT", S + "/rate-limit", rate_limit_put),
        ("GET", S + "/requests", requests_get),
        ("GET", S + "/counters", counters_get),
        ("GET", S + "/stock", stock_get),
        ("GET", S + "/locations/stock", locations_stock_get),
        ("POST", S + "/reset", store_reset),
        ("GET", S + "/deliveries", deliveries_get),
        ("POST", S + "/webhooks/retry-now", webhooks_retry_now),
        ("POST", S + "/orders", order_place, {"in_tx": False}),
        ("POST", S + "/apps/{client_id}/load-url", app_load_url),
        ("POST", S + "/apps/{client_id}/uninstall", app_uninstall, {"in_tx": False}),
        ("POST", S + "/apps/{client_id}/remove-user", app_remove_user, {"in_tx": False}),
    )
