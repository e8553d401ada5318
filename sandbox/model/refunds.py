"""Refund quotes and refunds (Orders v3 payment actions)."""

from __future__ import annotations

import time

from ..web import ApiError, invalid
from ..webhooks.events import emit
from .orders import _move_stock, money, order_set_status

SUPPORTED_TYPES = {"PRODUCT", "ORDER"}


def refund_plan(order: dict, body: dict) -> tuple[float, list[dict], list[tuple[dict, int]]]:
    """(total, refund items, (line, quantity) pairs) or 422."""
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise invalid({"items": "Please provide refund items."})
    lines = {ln["id"]: ln for ln in order["_lines"]}
    total, out, moves, asked = 0.0, [], [], {}
    already = float(order["refunded_amount"])
    for index, item in enumerate(items):
        kind = (item or {}).get("item_type")
        if kind not in SUPPORTED_TYPES:
            raise invalid({f"items.{index}.item_type": f"supported: {sorted(SUPPORTED_TYPES)}"})
        if kind == "PRODUCT":
            line = lines.get(item.get("item_id"))
            quantity = item.get("quantity")
            if line is None:
                raise invalid({f"items.{index}.item_id": "not a product of this order"})
            if not isinstance(quantity, int) or quantity < 1:
                raise invalid({f"items.{index}.quantity": "must be a positive integer"})
            asked[line["id"]] = asked.get(line["id"], 0) + quantity
            left = line["quantity"] - line["quantity_refunded"]
            if asked[line["id"]] > left:
                raise ApiError(
                    422,
                    "Unable to refund more than was ordered",
                    {f"items.{index}.quantity": f"at most {left} can be refunded"},
                )
            amount = float(line["price_inc_tax"]) * quantity
            moves.append((line, quantity))
        else:
            if item.get("item_id") != order["id"]:
                raise invalid({f"items.{index}.item_id": "must be the order id"})
            amount = item.get("amount")
            if not isinstance(amount, (int, float)) or amount <= 0:
                raise invalid({f"items.{index}.amount": "must be a positive number"})
        total += amount
        out.append(
            {
                "item_type": kind,
                "item_id": item["item_id"],
                "reason": item.get("reason", ""),
                "quantity": item.get("quantity"),
                "requested_amount": money(amount) if kind == "ORDER" else None,
                "adjustments": [],
            }
        )
    if already + total > float(order["total_inc_tax"]) + 1e-6:
        raise ApiError(422, "Unable to refund more than the order total")
    return round(total, 4), out, moves


def refund_quote(order: dict, body: dict, *, tax_included: bool) -> dict:
    total, _, _ = refund_plan(order, body)
    return {
        "order_id": order["id"],
        "total_refund_amount": total,
        "total_refund_tax_amount": 0,
        "rounding": 0,
        "adjustment": 0,
        "is_tax_included": tax_included,
        "order_level_refund_amount": 0,
        "refund_methods": [
            [
                {
                    "provider_id": "custom",
                    "provider_description": "Manual",
                    "amount": total,
                    "offline": True,
                    "offline_provider": True,
                    "offline_reason": "",
                }
            ]
        ],
    }


def refund_create(app, store_hash: str, order: dict, body: dict) -> dict:
    db = app.db
    store = db.store_get(store_hash)
    total, items, moves = refund_plan(order, body)
    payments = body.get("payments")
    if payments is not None:
        if not isinstance(payments, list) or not all(isinstance(p, dict) for p in payments):
            raise invalid({"payments": "error.expected.jsarray"})
        paid = sum(float(p.get("amount", 0)) for p in payments)
        if abs(paid - total) > 0.005:
            raise ApiError(
                422,
                "The payment amounts do not add up to the refund total",
                {"payments": f"expected {total}, got {paid}"},
            )
    else:
        payments = [{"provider_id": "custom", "amount": total, "offline": True}]
    for line, quantity in moves:
        line["quantity_refunded"] += quantity
        line["is_refunded"] = line["quantity_refunded"] >= line["quantity"]
    fully = all(ln["is_refunded"] for ln in order["_lines"])
    if fully and store["inventory_settings"]["refund_order_stock_adjustment"]:
        # BigCommerce restocks when an order becomes Refunded, "but not partially
        # refunded" (docs: webhooks events, store/product/inventory/order/updated).
        back = [(ln, ln["_stock_taken"] - ln["_stock_returned"]) for ln in order["_lines"]]
        _move_stock(app, store_hash, order, +1, back)
        for line, quantity in back:
            line["_stock_returned"] += quantity
    order["refunded_amount"] = money(float(order["refunded_amount"]) + total)
    refund = {
        "id": db.next_id(store_hash, "refund"),
        "order_id": order["id"],
        "user_id": 0,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        "reason": body.get("reason", ""),
        "total_amount": total,
        "total_tax": 0,
        "uses_merchant_override_values": bool(body.get("merchant_calculated_override")),
        "items": items,
        "payments": [
            {
                "id": index + 1,
                "provider_id": p.get("provider_id", "custom"),
                "amount": float(p.get("amount", 0)),
                "offline": bool(p.get("offline", True)),
                "is_declined": False,
                "declined_message": "",
                "transaction_id": None,
            }
            for index, p in enumerate(payments)
        ],
    }
    db.put(store_hash, "refund", refund, parent_id=order["id"])
    emit(
        app,
        store_hash,
        "store/order/refund/created",
        {"type": "order", "id": order["id"], "refund": {"refund_id": refund["id"]}},
    )
    order_set_status(app, store_hash, order, 4 if fully else 14)
    db.put(store_hash, "order", order)
    return refund
