"""Tiny HTTP layer of our own: request, response, errors and a path router."""

from __future__ import annotations

import decimal
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

ERROR_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"

REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    207: "Multi-Status",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class ApiError(Exception):
    """An error answer; rendered in the v2, v3 or plain format by the app."""

    def __init__(
        self, status: int, title: str, errors: dict | None = None, headers: dict | None = None, body: Any = None
    ):
        super().__init__(title)
        self.status = status
        self.title = title
        self.errors = errors if errors is not None else {}
        self.headers = headers or {}
        self.body = body  # a whole answer of its own, for endpoints that wrap their errors


def not_found(title: str = "The requested resource was not found.") -> ApiError:
    return ApiError(404, title)


def invalid(errors: dict, title: str = "JSON data is missing or invalid") -> ApiError:
    return ApiError(422, title, errors)


# Ids are stored as SQLite INTEGERs (signed 64 bits); BigCommerce's own are far smaller. A larger
# number names nothing: it is answered like an unknown id, never passed on to storage.
MAX_ID = 2**63 - 1


def parse_id(raw: str) -> int | None:
    """An id as a URL carries it: ASCII digits naming a storable id, else None."""
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


def _is_id_name(name: str) -> bool:
    """`id`, `channel_id`, `id:in`, `product_id:not_in`... : a parameter that names records."""
    base = name.split(":", 1)[0]
    return base == "id" or base.endswith("_id")


@dataclass
class Request:
    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes
    remote_addr: str = ""
    params: dict[str, str] = field(default_factory=dict)  # from the route pattern
    store_hash: str | None = None
    store: dict | None = None
    account: dict | None = None
    app: Any = None
    route: str = ""
    faults: set[str] = field(default_factory=set)  # kinds of the faults drawn for this request

    @property
    def query(self) -> dict[str, str]:
        # Parsed once per query string (handlers read it per record of a list); a copy each time.
        cached = self.__dict__.get("_query")
        if cached is None or cached[0] != self.query_string:
            parsed = {k: v[-1] for k, v in parse_qs(self.query_string, keep_blank_values=True).items()}
            cached = self.__dict__["_query"] = (self.query_string, parsed)
        return dict(cached[1])

    def query_list(self, name: str) -> list[str]:
        raw = self.query.get(name)
        return [p for p in raw.split(",") if p != ""] if raw else []

    def query_ints(self, name: str) -> list[int]:
        return [_query_number(name, p) for p in self.query_list(name)]

    def query_int(self, name: str, default: int | None = None) -> int | None:
        raw = self.query.get(name)
        if raw in (None, ""):
            return default
        return _query_number(name, raw)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        if not self.body:
            raise ApiError(400, "Input is invalid.")
        try:
            return json.loads(self.body, parse_int=_stored_int)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "Input is invalid.") from None

    def form(self) -> dict[str, str]:
        data = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[-1] for k, v in data.items()}

    def form_lists(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)


def _whole_number(raw: str) -> int | None:
    try:
        number = decimal.Decimal(raw)
    except decimal.InvalidOperation:
        return None
    return int(number) if number.is_finite() and number == number.to_integral_value() else None


def _stored_int(text: str) -> int:
    """A JSON integer; one beyond 64 bits (no id, level or count can be) makes the body malformed."""
    value = int(text)
    if abs(value) > MAX_ID:
        raise ValueError(f"{text} is beyond 64 bits")
    return value


def _query_number(name: str, raw: str) -> int:
    """An integer query value; an id that no record can have (beyond MAX_ID) is a malformed request."""
    try:
        value = int(raw)
    except ValueError:
        value = _whole_number(raw)  # `page` and `limit` are `type: number` in orders.v2.oas2.yml: 2.0 is 2
        if value is None:
            raise ApiError(400, f"Invalid value for {name}") from None
    if _is_id_name(name) and abs(value) > MAX_ID:
        raise ApiError(400, f"Invalid value for {name}")
    return value


class RawJSON:
    """JSON text made beforehand (a record's answer, kept with its row), put into an answer as it is."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


# Stands for a RawJSON while an answer is encoded: its NUL comes out escaped, and no stored string
# holds that escape followed by this process's random mark.
_RAW_MARK = "\0" + secrets.token_hex(16)


def encode(data: Any) -> str:
    """`data` as every answer encodes it, each RawJSON's text in its place: the bytes are those of the
    decoded value (json.dumps encodes nested values as it encodes them alone)."""
    raws: list[str] = []

    def stand_in(value: Any) -> str:
        if not isinstance(value, RawJSON):
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
        raws.append(value.text)
        return _RAW_MARK

    text = json.dumps(data, ensure_ascii=False, default=stand_in)
    if not raws:
        return text
    pieces = text.split(json.dumps(_RAW_MARK))
    return "".join(piece for pair in zip(pieces, [*raws, ""], strict=True) for piece in pair)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    items_out: int | None = None  # for the request log

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Response:
        items = None
        if isinstance(data, dict) and isinstance(data.get("data"), list):
            items = len(data["data"])
        elif isinstance(data, list):
            items = len(data)
        body = encode(data).encode()
        return cls(status, body, {"Content-Type": "application/json"}, items)

    @classmethod
    def no_content(cls) -> Response:
        return cls(204, b"", {})

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), {"Content-Type": "text/html; charset=utf-8"})

    @classmethod
    def redirect(cls, location: str) -> Response:
        return cls(302, b"", {"Location": location})


def v3(data: Any, meta: dict | None = None, status: int = 200) -> Response:
    return Response.json({"data": data, "meta": meta if meta is not None else {}}, status)


Handler = Callable[[Request], Response]


@dataclass
class Route:
    method: str
    pattern: str
    regex: re.Pattern
    handler: Handler
    scope: str | None = None  # permission family, see auth.SCOPES
    in_tx: bool = True  # run the handler inside one DB transaction


class Router:
    """`ids=True`: path parameters named `*_id` are record ids; a value that cannot be one (not
    ASCII digits, or beyond MAX_ID) is answered 404 here, as an unknown id is, before any handler."""

    def __init__(self, *, ids: bool = False) -> None:
        self.routes: list[Route] = []
        self.ids = ids

    def add(self, method: str, pattern: str, handler: Handler, *, scope: str | None = None, in_tx: bool = True) -> None:
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", pattern) + "$")
        self.routes.append(Route(method, pattern, regex, handler, scope, in_tx))

    def include(self, other: Router) -> None:
        self.routes.extend(other.routes)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        allowed = False
        for route in self.routes:
            found = route.regex.match(path)
            if not found:
                continue
            if route.method == method or (route.method == "GET" and method == "HEAD"):
                params = found.groupdict()
                if self.ids and any(k.endswith("_id") and parse_id(v) is None for k, v in params.items()):
                    raise not_found()
                return route, params
            allowed = True
        if allowed:
            raise ApiError(405, "Method Not Allowed")
        raise not_found()


def route_table(*entries: tuple) -> Router:
    """Build a Router from (method, pattern, handler[, options]) tuples."""
    router = Router()
    for entry in entries:
        method, pattern, handler, *rest = entry
        router.add(method, pattern, handler, **(rest[0] if rest else {}))
    return router
