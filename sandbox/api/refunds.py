"""Orders v3 refunds: quotes, refunds, and their lists."""

from __future__ import annotations

from ..model.refunds import refund_create, refund_quote
from ..web import ERROR_TYPE, ApiError, Request, Response, v3
from .common import paginate, require_object


def _order(req: Request) -> dict:
    try:
        order = req.app.db.get(req.store_hash, "order", int(req.params["order_id"]))
    except ValueError:
        order = None
    if order is None:
        raise ApiError(404, "Order not found")
    return order


def quote_post(req: Request) -> Response:
    order = _order(req)
    quote = refund_quote(order, require_object(req.json()), tax_included=req.store["is_price_entered_with_tax"])
    return v3(quote, status=201)


def refund_post(req: Request) -> Response:
    order = _order(req)
    try:
        refund = refund_create(req.app, req.store_hash, order, require_object(req.json()))
    except ApiError as exc:
        if exc.status != 422:
            raise
        # orders.v3.yml: this endpoint's 422 is {"data": [ErrorResponse, ...]}.
        error = {"status": 422, "title": exc.title, "type": ERROR_TYPE, "errors": exc.errors}
        raise ApiError(422, exc.title, exc.errors, body={"data": [error]}) from None
    return v3(refund, status=201)


def refunds_of_order(req: Request) -> Response:
    order = _order(req)
    page, meta = paginate(req, req.app.db.find(req.store_hash, "refund", parent_id=order["id"]))
    return v3(page, meta)


def refunds_all(req: Request) -> Response:
    refunds = req.app.db.find(req.store_hash, "refund")
    if req.query.get("order_id:in"):
        refunds = [r for r in refunds if r["order_id"] in req.query_ints("order_id:in")]
    if req.query.get("id:in"):
        refunds = [r for r in refunds if r["id"] in req.query_ints("id:in")]
    page, meta = paginate(req, refunds)
    return v3(page, meta)


def refund_get(req: Request) -> Response:
    refund = (
        req.app.db.get(req.store_hash, "refund", int(req.params["refund_id"]))
        if req.params["refund_id"].isdigit()
        else None
    )
    if refund is None:
        raise ApiError(404, "Refund not found")
    return v3(refund)


P = {"scope": "orders"}
A = "/v3/orders/{order_id}/payment_actions"
ROUTES = [
    ("GET", "/v3/orders/payment_actions/refunds", refunds_all, P),
    ("GET", "/v3/orders/payment_actions/refunds/{refund_id}", refund_get, P),
    ("POST", A + "/refund_quotes", quote_post, P),
    ("POST", A + "/refunds", refund_post, P),
    ("GET", A + "/refunds", refunds_of_order, P),
]
