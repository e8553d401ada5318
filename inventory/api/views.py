"""The POS device JSON API (``/api/v1/…``); see ``README.md`` beside this file.

Authenticated by a device bearer token, so CSRF-exempt. Writes need an ``Idempotency-Key``
header: the key is scoped to the device, and the sale or refund stores a hash of the request,
so a retry with the same key and body gets the same answer and the same key with another body
is refused (409).
"""

import hashlib
import json
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from inventory.errors import IdempotencyConflict, InventoryError
from inventory.selectors import (
    refund_by_key,
    sale_by_key,
    sale_get,
    sale_lines_with_refunds,
    sale_refunds,
    variant_by_sku,
    variant_get,
    variant_search,
    variant_stock_quantity,
    variants_by_barcode,
)
from inventory.services import MAX_LINE_QUANTITY, MAX_SALE_LINES, refund_create, sale_create
from inventory.transfers import stock_transfer
from portal.api_errors import error_response
from portal.ids import MAX_ID
from portal.json_input import JsonRejected, json_parse
from portal.models import Device, device_token_hash
from portal.money import format_money
from portal.selectors import shop_get
from portal.services import device_authenticate

MAX_KEY_LENGTH = 100
MAX_QUERY_LENGTH = 200  # longer than any name or SKU; SQLite refuses LIKE patterns past 50,000 bytes


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def device_api(*methods):
    """Bearer-token authentication, allowed methods, and typed errors turned into JSON."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in methods:
                response = error_response(405, "method_not_allowed", _("Method not allowed."))
                response["Allow"] = ", ".join(methods)
                return response
            scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
            token = token.strip()
            if scheme.lower() != "bearer" or not token:
                return _unauthorized("missing_token", _("Send the device token as “Authorization: Bearer <token>”."))
            device = device_authenticate(token=token)
            if device is None:
                if Device.objects.filter(token_hash=device_token_hash(token), revoked_at__isnull=False).exists():
                    return _unauthorized("device_revoked", _("This device was revoked. Issue a new token in Comptoir."))
                return _unauthorized("invalid_token", _("This device token is not valid."))
            request.device = device
            try:
                return view(request, *args, **kwargs)
            except ApiError as error:
                return error_response(error.status, error.code, error.message, error.field)

        return wrapped

    return decorator


def _unauthorized(code: str, message: str) -> JsonResponse:
    response = error_response(401, code, message)
    response["WWW-Authenticate"] = 'Bearer realm="comptoir"'
    return response


def _inventory_error(error: InventoryError) -> ApiError:
    return ApiError(error.status, error.code, error.message, error.field)


def _json_body(request) -> dict:
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiError(
            413,
            "body_too_large",
            _("The request body is larger than %(max)s MB.") % {"max": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2**20},
        ) from None
    try:
        # One loader for what clients send: limits on depth, and no NUL, lone surrogate or NaN.
        body = json_parse(raw or b"")
    except JsonRejected as rejected:
        raise ApiError(400, "malformed_json", _json_rejection_message(rejected.reason)) from None
    if not isinstance(body, dict):
        raise ApiError(400, "malformed_json", _("The request body must be a JSON object."))
    return body


def _json_rejection_message(reason: str) -> str:
    if reason == "too_deep":
        return _("The request body is nested too deeply.")
    if reason == "nul":
        return _("The request body contains a NUL character (\\u0000), which no text may hold.")
    return _("The request body is not valid JSON.")


def _idempotency_key(request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise ApiError(400, "idempotency_key_missing", _("Send an Idempotency-Key header (for example a UUID)."))
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ApiError(
            400,
            "idempotency_key_invalid",
            _("The Idempotency-Key must be at most %(max)s printable ASCII characters.") % {"max": MAX_KEY_LENGTH},
        )
    return f"device:{request.device.pk}:{key}"


def _request_hash(payload) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _quantity(value, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_LINE_QUANTITY:
        raise ApiError(
            422,
            "invalid_quantity",
            _("Quantity must be a whole number from 1 to %(max)s.") % {"max": MAX_LINE_QUANTITY},
            field,
        )
    return value


def _lines(body) -> list:
    lines = body.get("lines")
    if not isinstance(lines, list) or not lines:
        raise ApiError(422, "invalid_lines", _("Send “lines”: a non-empty list."), "lines")
    if len(lines) > MAX_SALE_LINES:
        raise ApiError(422, "invalid_lines", _("At most %(max)s lines.") % {"max": MAX_SALE_LINES}, "lines")
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            raise ApiError(422, "invalid_lines", _("Each line must be a JSON object."), f"lines[{index}]")
    return lines


def _zero_price_check(variant, line: dict, index: int) -> None:
    """A variant without a price (0) is sold only on a line that says so: ``"allow_zero_price": true``."""
    allowed = line.get("allow_zero_price", False)
    if not isinstance(allowed, bool):
        raise ApiError(
            422,
            "invalid_lines",
            _("“allow_zero_price” must be true or false."),
            f"lines[{index}].allow_zero_price",
        )
    if variant.price == 0 and not allowed:
        raise ApiError(
            422,
            "zero_price",
            _(
                "“%(name)s” has no price: it would be sold at %(zero)s. Set its price in Comptoir, or send "
                "“allow_zero_price”: true on this line to sell it at %(zero)s."
            )
            % {"name": variant, "zero": format_money(0, variant.merchant.currency)},
            f"lines[{index}]",
        )


def _resolve_variant(merchant, line: dict, index: int):
    given = [name for name in ("sku", "barcode", "variant_id") if line.get(name) not in (None, "")]
    if len(given) != 1:
        raise ApiError(
            422, "invalid_lines", _("Give exactly one of “sku”, “barcode” or “variant_id”."), f"lines[{index}]"
        )
    name = given[0]
    value = line[name]
    field = f"lines[{index}].{name}"
    if name == "variant_id":
        is_id = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
        variant = variant_get(merchant=merchant, pk=value, levels=False) if is_id else None
        if variant is None:
            raise ApiError(422, "unknown_product", _("No product with variant id %(id)s.") % {"id": value}, field)
        return variant
    if not isinstance(value, str):
        raise ApiError(422, "invalid_lines", _("“%(name)s” must be a string.") % {"name": name}, field)
    if name == "sku":
        variant = variant_by_sku(merchant=merchant, sku=value, levels=False)
        if variant is None:
            raise ApiError(422, "unknown_product", _("No product with SKU “%(sku)s”.") % {"sku": value}, field)
        return variant
    matches = variants_by_barcode(merchant=merchant, barcode=value, levels=False)
    if not matches:
        raise ApiError(422, "unknown_product", _("No product with barcode “%(code)s”.") % {"code": value}, field)
    if len(matches) > 1:
        raise ApiError(
            422,
            "ambiguous_barcode",
            _("Several products have barcode “%(code)s”; send their SKU instead.") % {"code": value},
            field,
        )
    return matches[0]


# Representations --------------------------------------------------------------------------------


def _purchase_json(sale, *, lines=None, refunds=None) -> dict:
    """A purchase as recorded. ``lines``/``refunds`` (GET only) add what has been refunded since."""
    data = {
        "id": sale.pk,
        "created_at": sale.created_at.isoformat(),
        "currency": sale.currency,
        "total": sale.total,
        "device_id": sale.device_id,
        "shop": _shop_json(sale.shop),
        "lines": [
            {
                "id": line.pk,
                "variant_id": line.variant_id,
                "sku": line.sku,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "total": line.line_total,
                **({"refunded_quantity": line.refunded_quantity} if refunds is not None else {}),
            }
            for line in (lines if lines is not None else sale.lines.all())
        ],
    }
    if refunds is not None:
        data["refunds"] = [_refund_json(refund) for refund in refunds]
    return data


def _shop_json(shop) -> dict:
    return {"id": shop.pk, "name": shop.name}


def _refund_json(refund) -> dict:
    return {
        "id": refund.pk,
        "purchase_id": refund.sale_id,
        "created_at": refund.created_at.isoformat(),
        "total": refund.total,
        "shop": _shop_json(refund.shop),  # where the items went back
        "lines": [
            {"id": line.pk, "line_id": line.sale_line_id, "quantity": line.quantity} for line in refund.lines.all()
        ],
    }


def _variant_json(variant) -> dict:
    return {
        "variant_id": variant.pk,
        "product_id": variant.product_id,
        "name": variant.product.name,
        "options": variant.label,
        "sku": variant.sku,
        "barcode": variant.barcode,
        "price": variant.price,
        "has_price": variant.price > 0,
        "currency": variant.merchant.currency,
        "track_stock": variant.product.track_stock,
        "stock": variant_stock_quantity(variant=variant) if variant.product.track_stock else None,
    }


# Endpoints --------------------------------------------------------------------------------------


@device_api("GET")
def products(request):
    """Look up products by ``sku``, ``barcode`` or free text ``q`` (name or SKU), with their stock
    in the device's shop."""
    merchant, shop = request.device.merchant, request.device.shop
    if sku := request.GET.get("sku", "").strip():
        variant = variant_by_sku(merchant=merchant, sku=sku, shop=shop)
        found = [variant] if variant else []
    elif barcode := request.GET.get("barcode", "").strip():
        found = variants_by_barcode(merchant=merchant, barcode=barcode, shop=shop)
    elif q := request.GET.get("q", "").strip():
        found = variant_search(merchant=merchant, query=q[:MAX_QUERY_LENGTH], limit=50, shop=shop)
    else:
        raise ApiError(400, "query_missing", _("Give “sku”, “barcode” or “q”."))
    # Archived products are no longer offered for sale (as on the Register). A purchase that
    # names one is still recorded: an offline till may have sold it, and a sale is never lost.
    found = [v for v in found if not v.product.is_archived]
    return JsonResponse({"products": [_variant_json(v) for v in found]})


@device_api("POST")
def purchases(request):
    merchant = request.device.merchant
    key = _idempotency_key(request)
    body = _json_body(request)
    request_hash = _request_hash(body)
    existing = sale_by_key(merchant=merchant, idempotency_key=key)
    if existing is not None:
        if existing.request_hash != request_hash:
            raise _inventory_error(IdempotencyConflict())
        return JsonResponse(_purchase_json(existing), status=201)
    lines = []
    for index, line in enumerate(_lines(body)):
        variant = _resolve_variant(merchant, line, index)
        quantity = _quantity(line.get("quantity"), f"lines[{index}].quantity")
        _zero_price_check(variant, line, index)
        lines.append((variant, quantity))
    try:
        sale = sale_create(
            merchant=merchant,
            lines=lines,
            idempotency_key=key,
            device=request.device,
            request_hash=request_hash,
            key_looked_up=True,  # just above
        )
    except InventoryError as error:
        raise _inventory_error(error) from None
    return JsonResponse(_purchase_json(sale), status=201)


def _purchase_or_404(request, pk):
    sale = sale_get(merchant=request.device.merchant, pk=pk) if 0 < pk <= MAX_ID else None
    if sale is None:
        raise ApiError(404, "not_found", _("No purchase with id %(id)s.") % {"id": pk})
    return sale


@device_api("GET")
def purchase_detail(request, pk):
    sale = _purchase_or_404(request, pk)
    return JsonResponse(_purchase_json(sale, lines=sale_lines_with_refunds(sale=sale), refunds=sale_refunds(sale=sale)))


@device_api("POST")
def purchase_refunds(request, pk):
    merchant = request.device.merchant
    sale = _purchase_or_404(request, pk)
    key = _idempotency_key(request)
    body = _json_body(request)
    request_hash = _request_hash({"purchase_id": sale.pk, "body": body})
    existing = refund_by_key(merchant=merchant, idempotency_key=key)
    if existing is not None:
        if existing.request_hash != request_hash:
            raise _inventory_error(IdempotencyConflict())
        return JsonResponse(_refund_json(existing), status=201)
    sale_lines = {line.pk: line for line in sale.lines.all()}
    requested = []
    for index, line in enumerate(_lines(body)):
        line_id = line.get("line_id")
        sale_line = sale_lines.get(line_id) if isinstance(line_id, int) and not isinstance(line_id, bool) else None
        if sale_line is None:
            raise ApiError(
                422,
                "unknown_line",
                _("Purchase %(id)s has no line %(line)s.") % {"id": sale.pk, "line": line_id},
                f"lines[{index}].line_id",
            )
        requested.append((sale_line, _quantity(line.get("quantity"), f"lines[{index}].quantity")))
    try:
        refund = refund_create(
            merchant=merchant,
            sale=sale,
            lines=requested,
            idempotency_key=key,
            device=request.device,
            request_hash=request_hash,
        )
    except InventoryError as error:
        raise _inventory_error(error) from None
    return JsonResponse(_refund_json(refund), status=201)


@device_api("POST")
def transfers(request):
    """Move stock from the device's shop to ``to_shop_id`` (one transfer, all lines or none)."""
    merchant = request.device.merchant
    key = _idempotency_key(request)
    body = _json_body(request)
    to_id, note = body.get("to_shop_id"), body.get("note", "")
    is_id = isinstance(to_id, int) and not isinstance(to_id, bool) and 0 < to_id <= MAX_ID
    to_shop = shop_get(merchant=merchant, pk=to_id) if is_id else None
    if to_shop is None:
        raise ApiError(422, "unknown_shop", _("Send “to_shop_id”: the id of one of your shops."), "to_shop_id")
    if not isinstance(note, str) or len(note) > 255:
        raise ApiError(422, "invalid_note", _("“note” must be text of at most 255 characters."), "note")
    lines = [
        (_resolve_variant(merchant, line, index), _quantity(line.get("quantity"), f"lines[{index}].quantity"))
        for index, line in enumerate(_lines(body))
    ]
    try:
        transfer = stock_transfer(
            merchant=merchant,
            from_shop=request.device.shop,
            to_shop=to_shop,
            lines=lines,
            idempotency_key=key,
            note=note,
            device=request.device,
        )
    except InventoryError as error:
        refused = _inventory_error(error)
        refused.field = "to_shop_id" if error.field == "to_shop" else error.field  # the body's name
        raise refused from None
    rows = transfer.movements.filter(delta__gt=0).select_related("variant").order_by("variant_id")
    return JsonResponse(
        {
            "id": transfer.pk,
            "created_at": transfer.created_at.isoformat(),
            "from_shop_id": transfer.from_shop_id,
            "to_shop_id": transfer.to_shop_id,
            "note": transfer.note,
            "lines": [{"variant_id": m.variant_id, "sku": m.variant.sku, "quantity": m.delta} for m in rows],
        },
        status=201,
    )


def not_found(request, *args, **kwargs):
    """Every other address under /api/ (``/api/v1/purchases/-1``, a typo, another version)."""
    return error_response(404, "not_found", _("There is nothing at this address. See the API's documentation."))
