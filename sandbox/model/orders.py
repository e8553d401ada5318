"""Orders and refunds: stock moves with them per the store's inventory settings."""

from __future__ import annotations

import email.utils
import time

from ..stores import inventory_settings, store_options
from ..web import ApiError
from ..webhooks.events import emit
from .consignments import lines_place, order_includes_add, pickups_read
from .levels import DEFAULT_LOCATION, level
from .locations import pickup_location
from .stock import holder_of, stock_adjust

STATUSES = {
    0: "Incomplete",
    1: "Pending",
    2: "Shipped",
    3: "Partially Shipped",
    4: "Refunded",
    5: "Cancelled",
    6: "Declined",
    7: "Awaiting Payment",
    8: "Awaiting Pickup",
    9: "Awaiting Shipment",
    10: "Completed",
    11: "Awaiting Fulfillment",
    12: "Manual Verification Required",
    13: "Disputed",
    14: "Partially Refunded",
}
SHIPPED_OR_COMPLETED = {2, 10}
# Incomplete, refunded, cancelled, declined, partially refunded: reaching these never takes stock.
NO_STOCK_TAKEN = {0, 4, 5, 6, 14}


def money(value: float) -> str:
    return f"{value:.4f}"


def rfc2822(ts: float | None = None) -> str:
    return email.utils.formatdate(ts if ts is not None else time.time(), usegmt=False)


def _find_line_item(db, store_hash: str, line: dict, index: int) -> tuple[dict, dict | None]:
    """(product, variant) of an order line given by product_id/variant_id or sku."""
    variant = None
    if line.get("variant_id") is not None:
        variant = db.get(store_hash, "variant", line["variant_id"])
        if variant is None:
            raise ApiError(400, f"products[{index}]: variant {line['variant_id']} does not exist")
        product = db.get(store_hash, "product", variant["product_id"])
    elif line.get("product_id") is not None:
        product = db.get(store_hash, "product", line["product_id"])
        if product is None:
            raise ApiError(400, f"products[{index}]: product {line['product_id']} does not exist")
    elif line.get("sku"):
        holders = db.sku_holders(store_hash, line["sku"])
        if not holders:
            raise ApiError(400, f"products[{index}]: no product has SKU {line['sku']}")
        kind, holder_id, _ = holders[0]
        if kind == "variant":
            variant = db.get(store_hash, "variant", holder_id)
            product = db.get(store_hash, "product", variant["product_id"])
        else:
            product = db.get(store_hash, "product", holder_id)
    else:
        raise ApiError(400, f"products[{index}]: give product_id, variant_id or sku")
    variants = db.find(store_hash, "variant", parent_id=product["id"])
    if variant is None:
        if any(v["option_values"] for v in variants):
            raise ApiError(400, f"products[{index}]: product {product['id']} has variants; give variant_id")
        variant = variants[0] if variants else None
    return product, variant


def _tracked(product: dict) -> bool:
    return product["inventory_tracking"] in ("product", "variant")


def _move_stock(app, store_hash: str, order: dict, sign: int, lines: list[tuple[dict, int]]) -> None:
    """Take (sign=-1) or give back (+1) stock for (order line, quantity) pairs."""
    db = app.db
    for line, quantity in lines:
        product = db.get(store_hash, "product", line["product_id"])
        if product is None or not _tracked(product) or quantity <= 0:
            continue
        variant = db.get(store_hash, "variant", line["variant_id"]) if line["variant_id"] else None
        stock_variant = variant if product["inventory_tracking"] == "variant" else None
        stock_adjust(
            app,
            store_hash,
            product=product,
            variant=stock_variant,
            delta=sign * quantity,
            location_id=order.get("_location_id", DEFAULT_LOCATION),
            origin="order",
        )


def order_create(app, store_hash: str, body: dict) -> dict:
    db = app.db
    store = db.store_get(store_hash)
    if not isinstance(body, dict) or not isinstance(body.get("billing_address"), dict):
        raise ApiError(400, "The field 'billing_address' is required.")
    pickups = pickups_read(body)  # consignment mode: one pickup and its lines, instead of products
    lines_in = pickups[1] if pickups else body.get("products")
    if not isinstance(lines_in, list) or not lines_in:
        raise ApiError(400, "The field 'products' is required.")
    # The pickup method's location is where the order takes its stock; else the default location.
    location = pickup_location(db, store_hash, pickups[0][0]["pickup_method_id"]) if pickups else None
    location_id = location["id"] if location else DEFAULT_LOCATION
    order_id = db.next_id(store_hash, "order", start=100)
    lines, wanted = [], {}
    for index, line_in in enumerate(lines_in):
        quantity = line_in.get("quantity") if isinstance(line_in, dict) else None
        if not isinstance(quantity, int) or quantity < 1:
            raise ApiError(400, f"products[{index}]: quantity must be a positive integer")
        product, variant = _find_line_item(db, store_hash, line_in, index)
        if _tracked(product):
            kind, holder = holder_of(product, variant if product["inventory_tracking"] == "variant" else None)
            key = (kind, holder["id"])
            wanted[key] = wanted.get(key, 0) + quantity
            left = level(holder, location_id)
            if wanted[key] > left:
                raise ApiError(400, f"products[{index}]: {product['name']} is out of stock ({left} left)")
        price = variant["price"] if variant and variant.get("price") is not None else product["price"]
        price = float(line_in.get("price_inc_tax", price))
        sku = variant["sku"] if variant and variant["option_values"] else product["sku"]
        lines.append(
            {
                "id": db.next_id(store_hash, "order_product"),
                "order_id": order_id,
                "product_id": product["id"],
                "variant_id": variant["id"] if variant else None,
                "order_address_id": 0,
                "name": product["name"],
                "name_customer": product["name"],
                "name_merchant": product["name"],
                "sku": sku,
                "upc": product.get("upc", ""),
                "type": product["type"],
                "base_price": money(price),
                "price_ex_tax": money(price),
                "price_inc_tax": money(price),
                "price_tax": money(0),
                "base_total": money(price * quantity),
                "total_ex_tax": money(price * quantity),
                "total_inc_tax": money(price * quantity),
                "total_tax": money(0),
                "quantity": quantity,
                "quantity_shipped": 0,
                "is_refunded": False,
                "quantity_refunded": 0,
                "refund_amount": "0.0000",
                "return_id": 0,
                "product_options": [
                    {
                        "id": v["id"],
                        "option_id": v["option_id"],
                        "display_name": v["option_display_name"],
                        "display_value": v["label"],
                    }
                    for v in (variant or {}).get("option_values", [])
                ],
                "applied_discounts": [],
                "weight": product["weight"],
                "_stock_taken": 0,
                "_stock_returned": 0,
            }
        )
    total = sum(float(ln["total_inc_tax"]) for ln in lines)
    now = time.time()
    status_id = body.get("status_id", 1)
    if status_id not in STATUSES:
        raise ApiError(400, "Invalid status_id")
    order = {
        "id": order_id,
        "customer_id": body.get("customer_id", 0),
        "date_created": rfc2822(now),
        "date_modified": rfc2822(now),
        "date_shipped": "",
        "status_id": status_id,
        "status": STATUSES[status_id],
        "subtotal_ex_tax": money(total),
        "subtotal_inc_tax": money(total),
        "subtotal_tax": money(0),
        "base_shipping_cost": money(0),
        "shipping_cost_ex_tax": money(0),
        "shipping_cost_inc_tax": money(0),
        "total_ex_tax": money(total),
        "total_inc_tax": money(total),
        "total_tax": money(0),
        "items_total": sum(ln["quantity"] for ln in lines),
        "items_shipped": 0,
        "payment_method": body.get("payment_method", "Manual"),
        "payment_status": "captured",
        "refunded_amount": money(0),
        "store_credit_amount": money(0),
        "currency_code": store["currency"],
        "default_currency_code": store["currency"],
        "currency_exchange_rate": "1.0000000000",
        "channel_id": body.get("channel_id", 1),
        "external_source": body.get("external_source", ""),
        "external_id": body.get("external_id"),
        "customer_message": body.get("customer_message", ""),
        "staff_notes": body.get("staff_notes", ""),
        "billing_address": body["billing_address"],
        "is_deleted": False,
        "_lines": lines,
        "_location_id": location_id,
        "_ts": now,
        "_modified_ts": now,
    }
    lines_place(
        order,
        lines,
        pickups=pickups[0] if pickups else None,
        location=location,
        body=body,
        next_id=lambda kind: db.next_id(store_hash, kind),
    )
    db.put(store_hash, "order", order)
    order_event(app, store_hash, order, "created")
    if _takes_stock_now(store, status_id, order["channel_id"]):
        _take_stock(app, store_hash, order)
    db.put(store_hash, "order", order)
    return order


def order_event(app, store_hash: str, order: dict, action: str, extra: dict | None = None) -> None:
    """store/order/{action} and its channel twin store/channel/{id}/order/{action}
    (docs: webhooks events, channels: data is {"order_id": ...})."""
    emit(app, store_hash, f"store/order/{action}", {"type": "order", "id": order["id"], **(extra or {})})
    emit(
        app,
        store_hash,
        f"store/channel/{order['channel_id']}/order/{action}",
        {"order_id": order["id"], **(extra or {})},
    )


def order_touch(app, store_hash: str, order: dict) -> None:
    """A change that is not a status change: date_modified moves and store/order/updated fires."""
    now = time.time()
    order.update({"date_modified": rfc2822(now), "_modified_ts": now})
    app.db.put(store_hash, "order", order)
    order_event(app, store_hash, order, "updated")


def _takes_stock_now(store: dict, status_id: int, channel_id: int | None = None) -> bool:
    behaviour = inventory_settings(store, channel_id)["update_stock_behavior"]
    if status_id in NO_STOCK_TAKEN:
        return False
    return behaviour == "order_placed" or status_id in SHIPPED_OR_COMPLETED


def _take_stock(app, store_hash: str, order: dict) -> None:
    pending = [(ln, ln["quantity"] - ln["_stock_taken"]) for ln in order["_lines"]]
    _move_stock(app, store_hash, order, -1, pending)
    for line, quantity in pending:
        line["_stock_taken"] += quantity


def order_set_status(app, store_hash: str, order: dict, status_id: int, *, by_refund: bool = False) -> dict:
    """Change the status; stock moves as the order's channel's inventory settings say.

    Cancelled or Refunded gives back what was taken when `refund_order_stock_adjustment`
    (events docs). A refund made through the API that completes the order (`by_refund`)
    does so only when the store option `refund_restocks` is on: the refunds guide says
    API refunds never return stock."""
    if status_id not in STATUSES:
        raise ApiError(400, "Invalid status_id")
    store = app.db.store_get(store_hash)
    previous = order["status_id"]
    if previous == status_id:
        return order
    now = time.time()
    order.update(
        {"status_id": status_id, "status": STATUSES[status_id], "date_modified": rfc2822(now), "_modified_ts": now}
    )
    if status_id == 2:
        order["date_shipped"] = rfc2822(now)
    settings = inventory_settings(store, order["channel_id"])
    if _takes_stock_now(store, status_id, order["channel_id"]):
        _take_stock(app, store_hash, order)
    restock = status_id in (4, 5) and settings["refund_order_stock_adjustment"]
    if restock and by_refund:
        restock = store_options(store)["refund_restocks"]
    if restock:
        # Gives back whatever was taken and not yet returned.
        back = [(ln, ln["_stock_taken"] - ln["_stock_returned"]) for ln in order["_lines"]]
        _move_stock(app, store_hash, order, +1, back)
        for line, quantity in back:
            line["_stock_returned"] += quantity
    app.db.put(store_hash, "order", order)
    order_event(app, store_hash, order, "updated")
    order_event(
        app,
        store_hash,
        order,
        "statusUpdated",
        {"status": {"previous_status_id": previous, "new_status_id": status_id}},
    )
    return order


def order_out(
    order: dict, base_url: str, store_hash: str, *, include: tuple[set[str], bool] = (set(), False), lines_max=50
) -> dict:
    """An order as v2 answers it; ``include``: what ``include`` asked for and whether in the object
    structure (``consignments.includes_read``); ``lines_max``: how many lines an include carries."""
    out = {k: v for k, v in order.items() if not k.startswith("_")}
    api = f"{base_url}/stores/{store_hash}/v2/orders/{order['id']}"
    out["products"] = {"url": f"{api}/products", "resource": f"/orders/{order['id']}/products"}
    out["shipping_addresses"] = {
        "url": f"{api}/shipping_addresses",
        "resource": f"/orders/{order['id']}/shipping_addresses",
    }
    out["coupons"] = {"url": f"{api}/coupons", "resource": f"/orders/{order['id']}/coupons"}
    asked, as_object = include
    return order_includes_add(
        out, order, asked=asked, as_object=as_object, api=api, line_out=line_out, lines_max=lines_max
    )


def line_out(line: dict) -> dict:
    return {k: v for k, v in line.items() if not k.startswith("_")}
