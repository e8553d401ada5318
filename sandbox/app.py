"""The WSGI application: routes the four hosts BigCommerce has (API, login, control
panel, our control endpoint) and runs the API pipeline: rate limit, auth, faults,
scopes, handler in one transaction, request log."""

from __future__ import annotations

import json
import time
import traceback

from . import auth
from .config import Config
from .faults import REQUEST_KINDS, FaultBook, parse_fault
from .ratelimit import RateLimiter
from .storage import Database, dumps
from .web import ERROR_TYPE, REASONS, ApiError, Request, Response, Router


class Sandbox:
    def __init__(self, db: Database, config: Config):
        from . import apps, control, oauth
        from .api import routes as api_routes
        from .panel import routes as panel_routes
        from .webhooks.delivery import Dispatcher

        self.db = db
        self.config = config
        self.rate = RateLimiter(config.rate_quota, config.rate_window_ms)
        self.faults = FaultBook(config.seed)
        for spec in config.faults:
            self.faults.add(parse_fault(spec))
        self.webhooks = Dispatcher(self)
        self.api = api_routes.build()
        self.login = oauth.build()
        self.panel = panel_routes.build()
        self.control = control.build()
        with db.tx():
            apps.app_register_default(db, config)

    # -- WSGI ----------------------------------------------------------------
    def __call__(self, environ, start_response):
        req = _request_from_environ(environ, self)
        try:
            resp = self.dispatch(req)
        except Exception:  # a bug in the sandbox: say so in the body, keep serving
            traceback.print_exc()
            resp = Response.json(
                {"status": 500, "title": "Sandbox internal error", "type": ERROR_TYPE, "errors": {}}, 500
            )
        headers = list(resp.headers.items())
        if resp.status != 204 and resp.status != 304:
            headers.append(("Content-Length", str(len(resp.body))))
        start_response(f"{resp.status} {REASONS.get(resp.status, 'Status')}", headers)
        return [b""] if req.method == "HEAD" or resp.status == 204 else [resp.body]

    def dispatch(self, req: Request) -> Response:
        parts = req.path.split("/", 3)  # ['', 'stores', hash, 'v3/...']
        if len(parts) >= 4 and parts[1] == "stores":
            return self.handle_api(req, parts[2], "/" + parts[3])
        for prefix, router, render in (
            ("/login", self.login, _json_error),
            ("/manage", self.panel, _html_error),
            ("/_sandbox", self.control, _json_error),
        ):
            if req.path == prefix or req.path.startswith(prefix + "/"):
                return self.handle_plain(req, router, req.path[len(prefix) :] or "/", render)
        if req.path.startswith("/cdn/"):
            from .api.images import serve_image

            return self.handle_plain(req, None, req.path, _json_error, serve_image)
        if req.path in ("/", ""):
            return Response.redirect("/manage/")
        return _json_error(req, ApiError(404, "Not found"))

    def handle_plain(self, req, router: Router | None, path: str, render, handler=None):
        try:
            if handler is None:
                route, req.params = router.match(req.method, path)
                handler = route.handler
                if not route.in_tx:
                    return handler(req)
            with self.db.tx():
                return handler(req)
        except ApiError as exc:
            return render(req, exc)

    # -- the REST API ----------------------------------------------------------
    def handle_api(self, req: Request, store_hash: str, path: str) -> Response:
        started = time.monotonic()
        arrived_at = time.time()
        req.store_hash = store_hash
        extra_headers: dict[str, str] = {}
        fired: list = []
        hold_ms = 0
        try:
            req.store = self.db.store_get(store_hash)
            if req.store is None:
                raise ApiError(404, "Store not found")
            allowed, extra_headers = self.rate.take(store_hash)
            if not allowed:
                raise ApiError(429, "Too many requests", headers={})
            req.account = auth.authenticate(req)
            route, req.params = self.api.match(req.method, path)
            req.route = route.pattern
            auth.require_scope(req.account, route.scope, req.method)
            _check_content_type(req)
            fired = self.faults.draw(store_hash, req.method, path, REQUEST_KINDS)
            kinds = {f.kind: f for f in fired}
            req.faults = set(kinds)
            if "latency" in kinds:
                time.sleep(kinds["latency"].duration_ms / 1000)
            if "rate_limit" in kinds:
                extra_headers.update({"X-Rate-Limit-Requests-Left": "0", "X-Retry-After": "1"})
                raise ApiError(429, "Too many requests")
            if "error_before" in kinds:
                raise ApiError(kinds["error_before"].status, "Injected fault (before write)")
            if route.in_tx:
                with self.db.tx():
                    resp = route.handler(req)
            else:
                resp = route.handler(req)
            if "error_after" in kinds:
                resp = _error_response(req, ApiError(kinds["error_after"].status, "Injected fault (after write)"))
            if "timeout_after" in kinds:
                hold_ms = kinds["timeout_after"].duration_ms
        except ApiError as exc:
            extra_headers.update(exc.headers)
            resp = _error_response(req, exc)
        for name, value in extra_headers.items():
            resp.headers.setdefault(name, value)
        if req.store is not None:
            self.log_request(req, resp, started, arrived_at, fired)
        if hold_ms:
            time.sleep(hold_ms / 1000)  # the client's read timeout fires first
        return resp

    def log_request(self, req: Request, resp: Response, started: float, arrived_at: float, fired: list) -> None:
        entry = {
            "at": arrived_at,  # when the request arrived, as a rate limiter counts it
            "method": req.method,
            "path": req.path,
            "query": req.query_string,
            "route": req.route,
            "status": resp.status,
            "ms": round((time.monotonic() - started) * 1000, 1),
            "items_in": _count_items(req.body),
            "items_out": resp.items_out,
            "client_id": (req.account or {}).get("client_id"),
            "faults": [f.kind for f in fired],
            # What the faults held the request for (latency before it, timeout_after after the answer).
            "fault_ms": {f.kind: f.duration_ms for f in fired if f.kind in ("latency", "timeout_after")},
        }
        self.db.execute("INSERT INTO requests (store_hash, data) VALUES (?,?)", (req.store_hash, dumps(entry)))


def _check_content_type(req: Request) -> None:
    """A body that is not JSON gets 415, as BigCommerce answers (the reference declares
    `Content-Type: application/json` required on every write)."""
    if not req.body or req.method not in ("POST", "PUT", "PATCH"):
        return
    content_type = (req.header("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, f"Unsupported Media Type: {content_type or 'none'}; send application/json")


def _count_items(body: bytes) -> int:
    if not body:
        return 0
    try:
        data = json.loads(body)
    except ValueError:
        return 0
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return len(data["items"])
    return 1


def _error_response(req: Request, exc: ApiError) -> Response:
    if exc.body is not None:
        return Response.json(exc.body, exc.status)
    path = req.path.split("/", 3)[-1] if req.path.startswith("/stores/") else ""
    if path.startswith("v2/"):
        # v2 answers errors as a list of {status, message}.
        return Response.json([{"status": exc.status, "message": exc.title}], exc.status)
    body = {"status": exc.status, "title": exc.title, "type": ERROR_TYPE, "errors": exc.errors}
    if path.startswith("v3/catalog/trees") and exc.status in (400, 422):
        # category-trees_catalog.v3.yml wraps its errors: a 400 is ErrorRequest ({errors: [error]}),
        # a 422 GeneralErrorWithErrors / ErrorResponse ({errors: error, meta}).
        if exc.status == 400:
            return Response.json({"errors": [{k: body[k] for k in ("status", "title", "type")}]}, 400)
        return Response.json({"errors": body, "meta": {"total": 0, "success": 0, "failed": 0}}, 422)
    resp = Response.json(body, exc.status)
    if path.startswith("v3/inventory/") and exc.status in (404, 422):
        resp.headers["Content-Type"] = "application/problem+json"  # inventory.v3.yml, locations.v3.yml
    return resp


def _json_error(req: Request, exc: ApiError) -> Response:
    body = {"status": exc.status, "title": exc.title, "type": ERROR_TYPE, "errors": exc.errors}
    return Response.json(body, exc.status)


def _html_error(req: Request, exc: ApiError) -> Response:
    from .panel.layout import esc, page

    return Response.html(page("Error", f"<p class='error'>{exc.status}: {esc(exc.title)}</p>"), exc.status)


def _request_from_environ(environ, app: Sandbox) -> Request:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length else b""
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
    return Request(
        method=environ["REQUEST_METHOD"].upper(),
        path=path,
        query_string=environ.get("QUERY_STRING", ""),
        headers=headers,
        body=body,
        remote_addr=environ.get("REMOTE_ADDR", ""),
        app=app,
    )
