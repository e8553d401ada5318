"""Variant options and their values: /v3/catalog/products/{id}/options[/{id}/values]."""

from __future__ import annotations

from ..model.products import product_touch
from ..model.rows import variant_save
from ..model.variants import option_create, option_errors, option_save, option_value_add
from ..web import ApiError, Request, Response, invalid, v3
from .common import get_or_404, paginate, require_object


def _product(req: Request) -> dict:
    return get_or_404(
        req.app.db, req.store_hash, "product", req.params["product_id"], "The requested product was not found."
    )


def _option(req: Request, product: dict) -> dict:
    option = get_or_404(
        req.app.db, req.store_hash, "option", req.params["option_id"], "The requested option was not found."
    )
    if option["product_id"] != product["id"]:
        raise ApiError(404, "The requested option was not found.")
    return option


def _value(req: Request, option: dict) -> dict:
    value_id = req.params["value_id"]
    value = next((v for v in option["option_values"] if str(v["id"]) == value_id), None)
    if value is None:
        raise ApiError(404, "The requested option value was not found.")
    return value


def _in_use(req: Request, product_id: int, value_ids: set[int]) -> bool:
    return any(
        v["id"] in value_ids
        for variant in req.app.db.find(req.store_hash, "variant", parent_id=product_id)
        for v in variant["option_values"]
    )


def options_list(req: Request) -> Response:
    product = _product(req)
    page, meta = paginate(req, req.app.db.find(req.store_hash, "option", parent_id=product["id"]))
    return v3(page, meta)


def option_post(req: Request) -> Response:
    product = _product(req)
    option = option_create(req.app.db, req.store_hash, product["id"], require_object(req.json()))
    product_touch(req.app, req.store_hash, product["id"])
    return v3(option)


def option_get(req: Request) -> Response:
    return v3(_option(req, _product(req)))


def option_put(req: Request) -> Response:
    product = _product(req)
    option = _option(req, product)
    body = require_object(req.json())
    errors = option_errors(body, creating=False)
    if errors:
        raise invalid(errors)
    for field in ("display_name", "type", "sort_order", "config", "name"):
        if field in body:
            option[field] = body[field]
    for value in body.get("option_values") or []:
        existing = next((v for v in option["option_values"] if v["id"] == value.get("id")), None)
        if existing is not None:
            existing.update({k: value[k] for k in ("label", "sort_order", "value_data", "is_default") if k in value})
        else:
            option_value_add(req.app.db, req.store_hash, option, value)
    option_save(req.app.db, req.store_hash, option)
    product_touch(req.app, req.store_hash, product["id"])
    return v3(option)


def option_delete(req: Request) -> Response:
    product = _product(req)
    option = _option(req, product)
    if _in_use(req, product["id"], {v["id"] for v in option["option_values"]}):
        raise ApiError(422, "The option is used by variants; delete them first.")
    req.app.db.delete(req.store_hash, "option", option["id"])
    product_touch(req.app, req.store_hash, product["id"])
    return Response.no_content()


def values_list(req: Request) -> Response:
    option = _option(req, _product(req))
    page, meta = paginate(req, option["option_values"])
    return v3(page, meta)


def value_post(req: Request) -> Response:
    product = _product(req)
    option = _option(req, product)
    value = option_value_add(req.app.db, req.store_hash, option, require_object(req.json()))
    option_save(req.app.db, req.store_hash, option)
    product_touch(req.app, req.store_hash, product["id"])
    return v3(value)


def value_get(req: Request) -> Response:
    return v3(_value(req, _option(req, _product(req))))


def value_put(req: Request) -> Response:
    product = _product(req)
    option = _option(req, product)
    value = _value(req, option)
    body = require_object(req.json())
    if "label" in body and (not isinstance(body["label"], str) or not body["label"]):
        raise invalid({"label": "Please provide a label."})
    value.update({k: body[k] for k in ("label", "sort_order", "value_data", "is_default") if k in body})
    option_save(req.app.db, req.store_hash, option)
    for variant in req.app.db.find(req.store_hash, "variant", parent_id=product["id"]):
        for entry in variant["option_values"]:
            if entry["id"] == value["id"]:
                entry["label"] = value["label"]
                variant_save(req.app.db, req.store_hash, variant, product)
    product_touch(req.app, req.store_hash, product["id"])
    return v3(value)


def value_delete(req: Request) -> Response:
    product = _product(req)
    option = _option(req, product)
    value = _value(req, option)
    if _in_use(req, product["id"], {value["id"]}):
        raise ApiError(422, "The option value is used by a variant; delete it first.")
    option["option_values"].remove(value)
    option_save(req.app.db, req.store_hash, option)
    product_touch(req.app, req.store_hash, product["id"])
    return Response.no_content()


P = {"scope": "products"}
OPTIONS = "/v3/catalog/products/{product_id}/options"
ROUTES = [
    ("GET", OPTIONS, options_list, P),
    ("POST", OPTIONS, option_post, P),
    ("GET", OPTIONS + "/{option_id}", option_get, P),
    ("PUT", OPTIONS + "/{option_id}", option_put, P),
    ("DELETE", OPTIONS + "/{option_id}", option_delete, P),
    ("GET", OPTIONS + "/{option_id}/values", values_list, P),
    ("POST", OPTIONS + "/{option_id}/values", value_post, P),
    ("GET", OPTIONS + "/{option_id}/values/{value_id}", value_get, P),
    ("PUT", OPTIONS + "/{option_id}/values/{value_id}", value_put, P),
    ("DELETE", OPTIONS + "/{option_id}/values/{value_id}", value_delete, P),
]
