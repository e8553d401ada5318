"""Refund quotes and refunds (Orders v3 payment actions)."""

from __future__ import annotations

import time
import uuid

from ..web import ApiError, invalid
from .orders import money, order_event, order_set_status

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
        entry = {"item_type": kind, "item_id": item["item_id"], "reason": item.get("reason", ""), "adjustments": []}
        # orders.v3.yml RefundItem: quantity "only populated for item_type PRODUCT"; amounts
        # are numbers rounded to 2 places, never strings or null.
        if kind == "PRODUCT":
            entry["quantity"] = item["quantity"]
        else:
            entry["requested_amount"] = round(float(amount), 2)
        out.append(entry)
    if already + total > float(order["total_inc_tax"]) + 1e-6:
        raise ApiError(422, "Unable to refund more than the order total")
    return round(total, 2), out, moves


def refund_quote(order: dict, body: dict, *, tax_included: bool) -> dict:
    total, _, _ = refund_plan(order, body)
    return {
        "order_id": order["id"],
        "total_refund_amount": total,
        "total_refund_tax_amount": 0,
        "rounding": 0,
        "adjustment": 0,
        "tax_inclusive": tax_included,
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
    total, items, moves = refund_plan(order, body)
    payments = body.get("payments")
    # orders.v3.yml RefundRequest_Post_Items: `items` and `payments` are both required.
    if payments is None:
        raise invalid({"payments": "error.path.missing"})
    if not isinstance(payments, list) or not payments or not all(isinstance(p, dict) for p in payments):
        raise invalid({"payments": "error.expected.jsarray (at least one payment)"})
    for index, payment in enumerate(payments):
        if not isinstance(payment.get("provider_id"), str) or not payment["provider_id"]:
            raise invalid({f"payments.{index}.provider_id": "error.path.missing"})
        if isinstance(payment.get("amount"), bool) or not isinstance(payment.get("amount"), (int, float)):
            raise invalid({f"payments.{index}.amount": "error.expected.jsnumber"})
    paid = sum(float(p["amount"]) for p in payments)
    if abs(paid - total) > 0.005:
        raise ApiError(
            422,
            "The payment amounts do not add up to the refund total",
            {"payments": f"expected {total}, got {paid}"},
        )
    for line, quantity in moves:
        line["quantity_refunded"] += quantity
        line["is_refunded"] = line["quantity_refunded"] >= line["quantity"]
    fully = all(ln["is_refunded"] for ln in order["_lines"])
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
                "transaction_id": str(uuid.uuid4()),
            }
            for index, p in enumerate(payments)
        ],
    }
    db.put(store_hash, "refund", refund, parent_id=order["id"])
    order_event(app, store_hash, order, "refund/created", {"refund": {"refund_id": refund["id"]}})
    order_set_status(app, store_hash, order, 4 if fully else 14, by_refund=True)
    db.put(store_hash, "order", order)
    return refund
