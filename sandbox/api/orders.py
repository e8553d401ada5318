"""Orders v2: /v2/orders, /v2/orders/{id}, /v2/orders/{id}/products, /v2/orders/count."""

from __future__ import annotations

from ..model.consignments import consignments_out, includes_read
from ..model.orders import line_out, order_create, order_out, order_set_status, order_touch
from ..stores import store_options
from ..values import parse_time
from ..web import ApiError, Request, Response


def order_create_service(app, store: dict, body) -> dict:
    """Shared by the API, the control panel and the control endpoint."""
    with app.db.tx():
        order = order_create(app, store["hash"], body)
        return order_out(order, app.config.base_url, store["hash"])


def _order(req: Request) -> dict:
    try:
        order = req.app.db.get(req.store_hash, "order", int(req.params["order_id"]))
    except ValueError:
        order = None
    if order is None or order.get("is_deleted"):
        raise ApiError(404, "The requested resource was not found.")
    return order


# filter -> (how to read the query value, test on an order)
ORDER_FILTERS = {
    "min_id": (int, lambda o, v: o["id"] >= v),
    "max_id": (int, lambda o, v: o["id"] <= v),
    "status_id": (int, lambda o, v: o["status_id"] == v),
    "channel_id": (int, lambda o, v: o["channel_id"] == v),
    "min_total": (float, lambda o, v: float(o["total_inc_tax"]) >= v),
    "max_total": (float, lambda o, v: float(o["total_inc_tax"]) <= v),
    "customer_id": (int, lambda o, v: o["customer_id"] == v),
    "email": (str, lambda o, v: o["billing_address"].get("email") == v),
    "external_order_id": (str, lambda o, v: str(o.get("external_id")) == v),
    # Orders placed through the v2 API have no cart; a checkout's order would carry its cart's id.
    "cart_id": (str, lambda o, v: (o.get("cart_id") or "") == v),
    "payment_method": (str, lambda o, v: o.get("payment_method") == v),
}
# orders.v2.oas2.yml, `sort`: these fields, each with `:asc` or `:desc` ("sort=date_created:desc");
# the default is by id, lowest first. Order fields kept under another name are mapped here.
ORDER_SORTS = {
    "id": "id",
    "customer_id": "customer_id",
    "date_created": "_ts",
    "date_modified": "_modified_ts",
    "status_id": "status_id",
    "channel_id": "channel_id",
    "external_id": "external_id",
}


# What the filters and sorts read of an order (`ORDER_FILTERS`, `ORDER_SORTS`, the date bounds,
# is_deleted): a list reads these in SQLite and decodes only the orders of the page it answers.
_LIGHT = (
    "status_id",
    "channel_id",
    "total_inc_tax",
    "customer_id",
    "external_id",
    "cart_id",
    "payment_method",
    "is_deleted",
    "_ts",
    "_modified_ts",
)


def _stored(req: Request) -> list[dict]:
    """The store's orders as light records (id, the `_LIGHT` fields and the billing email), narrowed
    in SQLite by `min_date_modified` when it reads (a poll's cursor then reads the orders it may
    answer, not every order); `_filtered` still decides. `_page` decodes the whole orders answered."""
    try:
        bound = parse_time(req.query["min_date_modified"]) if req.query.get("min_date_modified") else None
    except (ApiError, ValueError, OverflowError):
        bound = None
    where, params = "", ()
    if bound is not None:
        where = "COALESCE(json_extract(data, '$._modified_ts'), json_extract(data, '$._ts')) >= ?"
        params = (bound,)
    paths = (*(f"$.{name}" for name in _LIGHT), "$.billing_address.email")
    orders = []
    for order_id, _, values in req.app.db.project(req.store_hash, "order", paths, where=where, params=params):
        light = {name: value for name, value in zip(_LIGHT, values[:-1], strict=True) if value is not None}
        light["id"] = order_id
        light["billing_address"] = {"email": values[-1]}
        if "_modified_ts" not in light:
            light["_modified_ts"] = light["_ts"]
        orders.append(light)
    return orders


def _page(req: Request, light: list[dict]) -> list[dict]:
    """The whole orders of these light records, in their order."""
    found = {o["id"]: o for o in req.app.db.find(req.store_hash, "order", ids=[o["id"] for o in light])}
    return [found[o["id"]] for o in light]


def _filtered(req: Request) -> list[dict]:
    q = req.query
    orders = [o for o in _stored(req) if not o.get("is_deleted")]
    for key, (read, test) in ORDER_FILTERS.items():
        if q.get(key):
            try:
                value = read(q[key])
            except ValueError:
                raise ApiError(400, f"Invalid value for {key}") from None
            orders = [o for o in orders if test(o, value)]
    # orders.v2.oas2.yml: RFC 2822 or ISO 8601 dates; *_modified filter on the last change.
    for key, field, keep in (
        ("min_date_created", "_ts", lambda a, b: a >= b),
        ("max_date_created", "_ts", lambda a, b: a <= b),
        ("min_date_modified", "_modified_ts", lambda a, b: a >= b),
        ("max_date_modified", "_modified_ts", lambda a, b: a <= b),
    ):
        if q.get(key):
            bound = parse_time(q[key])
            orders = [o for o in orders if keep(int(o.get(field, o["_ts"])), bound)]
    return _sorted(orders, q.get("sort") or "id")


def _sorted(orders: list[dict], sort: str) -> list[dict]:
    """Orders in the `sort` order; equal values keep the id order (lowest first). A field the
    spec does not list, or a direction other than asc/desc, is a malformed request (400)."""
    field, _, direction = sort.partition(":")
    if field not in ORDER_SORTS or direction not in ("", "asc", "desc"):
        raise ApiError(400, f"Invalid sort: {sort}. Sort by one of {', '.join(ORDER_SORTS)}, with :asc or :desc.")
    key = _sort_key(ORDER_SORTS[field])
    ordered = sorted(orders, key=lambda o: o["id"])
    ordered.sort(key=key)
    if direction != "desc":
        return ordered
    groups: list[list[dict]] = []  # runs of equal values, reversed as runs: ties stay lowest id first
    for order in ordered:
        if groups and key(groups[-1][0]) == key(order):
            groups[-1].append(order)
        else:
            groups.append([order])
    return [order for group in reversed(groups) for order in group]


def _sort_key(name: str):
    """Comparable values: dates to the second as v2 shows them (orders of one second are tied),
    a missing value (an order without external_id) before any other, numbers before text."""

    def key(order: dict) -> tuple:
        value = order.get(name)
        if name in ("_ts", "_modified_ts"):
            value = int(order.get(name, order["_ts"]))
        if value is None:
            return (0, 0, "")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return (1, value, "")
        return (2, 0, str(value))

    return key


def _out(req: Request, order: dict, include: tuple[set[str], bool]) -> dict:
    lines_max = store_options(req.store or req.app.db.store_get(req.store_hash))["include_line_items_max"]
    return order_out(order, req.app.config.base_url, req.store_hash, include=include, lines_max=lines_max)


def orders_list(req: Request) -> Response:
    include = includes_read(req.query)
    orders = _filtered(req)
    limit = max(1, min(req.query_int("limit", 50) or 50, 250))
    page = max(1, req.query_int("page", 1) or 1)
    chunk = _page(req, orders[(page - 1) * limit : page * limit])
    if not chunk:
        return Response.no_content()  # v2 answers an empty page with 204 and no body
    return Response.json([_out(req, o, include) for o in chunk])


def orders_count(req: Request) -> Response:
    return Response.json({"count": len(_filtered(req))})


def order_post(req: Request) -> Response:
    include = includes_read(req.query)
    order = order_create(req.app, req.store_hash, req.json())
    # The reference spec (orders.v2.oas2.yml) lists 200 for this POST, not 201.
    return Response.json(_out(req, order, include))


def order_get(req: Request) -> Response:
    include = includes_read(req.query)
    return Response.json(_out(req, _order(req), include))


def order_consignments(req: Request) -> Response:
    """``GET /v2/orders/{id}/consignments`` (``include=consignments.line_items``: the lines)."""
    raw = req.query.get("include", "")
    asked = {part.strip() for part in raw.split(",") if part.strip()}
    if asked - {"consignments.line_items"}:
        raise ApiError(400, f"The value '{raw}' is not valid for the field 'include'.")
    order = _order(req)
    api = f"{req.app.config.base_url}/stores/{req.store_hash}/v2/orders/{order['id']}"
    lines_max = store_options(req.store or req.app.db.store_get(req.store_hash))["include_line_items_max"]
    return Response.json(
        consignments_out(order, api=api, with_lines=bool(asked), line_out=line_out, lines_max=lines_max)
    )


def order_put(req: Request) -> Response:
    order = _order(req)
    body = req.json()
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be an object.")
    if "status_id" in body and (not isinstance(body["status_id"], int) or isinstance(body["status_id"], bool)):
        raise ApiError(400, "status_id must be an integer")
    changed = False
    for field in ("staff_notes", "customer_message", "external_id"):
        if field in body and order.get(field) != body[field]:
            order[field] = body[field]
            changed = True
    req.app.db.put(req.store_hash, "order", order)
    status_changes = "status_id" in body and body["status_id"] != order["status_id"]
    if status_changes:
        order = order_set_status(req.app, req.store_hash, order, body["status_id"])
    elif changed:
        order_touch(req.app, req.store_hash, order)
    return Response.json(order_out(order, req.app.config.base_url, req.store_hash))


def order_products(req: Request) -> Response:
    order = _order(req)
    limit = max(1, min(req.query_int("limit", 50) or 50, 250))
    page = max(1, req.query_int("page", 1) or 1)
    chunk = order["_lines"][(page - 1) * limit : page * limit]
    if not chunk:
        return Response.no_content()
    return Response.json([line_out(ln) for ln in chunk])


def order_statuses(req: Request) -> Response:
    from ..model.orders import STATUSES

    return Response.json(
        [
            {"id": i, "name": n, "system_label": n, "custom_label": n, "system_description": n, "order": i}
            for i, n in STATUSES.items()
        ]
    )


P = {"scope": "orders"}
ROUTES = [
    ("GET", "/v2/orders", orders_list, P),
    ("POST", "/v2/orders", order_post, P),
    ("GET", "/v2/orders/count", orders_count, P),
    ("GET", "/v2/order_statuses", order_statuses, P),
    ("GET", "/v2/orders/{order_id}", order_get, P),
    ("PUT", "/v2/orders/{order_id}", order_put, P),
    ("GET", "/v2/orders/{order_id}/products", order_products, P),
    ("GET", "/v2/orders/{order_id}/consignments", order_consignments, P),
]
