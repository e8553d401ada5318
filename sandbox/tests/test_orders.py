"""Orders v2 (stock taken per the inventory settings) and v3 refunds (stock returned)."""

from __future__ import annotations

import json

BILLING = {
    "first_name": "Camille",
    "last_name": "Martin",
    "street_1": "1 rue Haute",
    "city": "Lyon",
    "zip": "69001",
    "country": "France",
    "country_iso2": "FR",
    "email": "camille@example.test",
}


def _level(api, product_id):
    return api.get(f"/v3/catalog/products/{product_id}").json()["data"]["inventory_level"]


def _order(api, products, **extra):
    answer = api.post("/v2/orders", json={"billing_address": BILLING, "products": products, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_empty_order_list_is_204_without_body(api):
    answer = api.get("/v2/orders")
    assert answer.status_code == 204 and answer.content == b""


def test_create_order_decrements_stock_on_order_placed(api):
    mug = api.create_product(name="Mug", sku="MUG", price=12, inventory_tracking="product", inventory_level=10)
    shirt = api.create_product(
        name="Chemise",
        sku="CH",
        price=40,
        inventory_tracking="variant",
        variants=[{"sku": "CH-S", "inventory_level": 3, "option_values": [{"option_display_name": "T", "label": "S"}]}],
    )
    order = _order(api, [{"product_id": mug["id"], "quantity": 2}, {"sku": "CH-S", "quantity": 1}])
    assert order["status_id"] == 1 and order["total_inc_tax"] == "64.0000"
    assert order["currency_code"] == "EUR" and order["products"]["resource"] == f"/orders/{order['id']}/products"
    assert _level(api, mug["id"]) == 8
    assert api.get(f"/v3/catalog/products/{shirt['id']}/variants").json()["data"][0]["inventory_level"] == 2
    lines = api.get(f"/v2/orders/{order['id']}/products").json()
    assert [(ln["sku"], ln["quantity"], ln["price_inc_tax"]) for ln in lines] == [
        ("MUG", 2, "12.0000"),
        ("CH-S", 1, "40.0000"),
    ]
    assert lines[1]["variant_id"] == shirt["variants"][0]["id"]
    listed = api.get("/v2/orders").json()
    assert [o["id"] for o in listed] == [order["id"]]
    assert api.get("/v2/orders/count").json()["count"] == 1


def test_order_validation(api):
    product = api.create_product(name="Rare", sku="RARE", inventory_tracking="product", inventory_level=1)
    assert api.post("/v2/orders", json={"products": [{"product_id": product["id"], "quantity": 1}]}).status_code == 400
    assert api.post("/v2/orders", json={"billing_address": BILLING, "products": []}).status_code == 400
    out_of_stock = api.post(
        "/v2/orders", json={"billing_address": BILLING, "products": [{"product_id": product["id"], "quantity": 2}]}
    )
    assert out_of_stock.status_code == 400 and isinstance(out_of_stock.json(), list)
    assert _level(api, product["id"]) == 1
    assert (
        api.post(
            "/v2/orders", json={"billing_address": BILLING, "products": [{"sku": "NOPE", "quantity": 1}]}
        ).status_code
        == 400
    )


def test_stock_taken_on_completion_when_configured(api):
    api.put("/v3/settings/inventory", json={"update_stock_behavior": "order_completed_or_shipped"})
    product = api.create_product(name="Plus tard", sku="PT", inventory_tracking="product", inventory_level=5)
    order = _order(api, [{"product_id": product["id"], "quantity": 2}])
    assert _level(api, product["id"]) == 5
    updated = api.put(f"/v2/orders/{order['id']}", json={"status_id": 10})
    assert updated.status_code == 200 and updated.json()["status"] == "Completed"
    assert _level(api, product["id"]) == 3
    api.put(f"/v2/orders/{order['id']}", json={"status_id": 2})
    assert _level(api, product["id"]) == 3  # taken once only


def test_cancel_returns_stock(api):
    product = api.create_product(name="Annulé", sku="AN", inventory_tracking="product", inventory_level=5)
    order = _order(api, [{"product_id": product["id"], "quantity": 3}])
    assert _level(api, product["id"]) == 2
    api.put(f"/v2/orders/{order['id']}", json={"status_id": 5})
    assert _level(api, product["id"]) == 5


def test_refund_quote_refund_and_stock_back_when_fully_refunded(sandbox, api):
    sandbox.set_options(api.store_hash, refund_restocks=True)
    product = api.create_product(name="Remboursé", sku="RB", price=10, inventory_tracking="product", inventory_level=10)
    order = _order(api, [{"product_id": product["id"], "quantity": 3}])
    line = api.get(f"/v2/orders/{order['id']}/products").json()[0]
    items = [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 2}]
    quote = api.post(f"/v3/orders/{order['id']}/payment_actions/refund_quotes", json={"items": items})
    assert quote.status_code == 201 and quote.json()["data"]["total_refund_amount"] == 20
    assert _level(api, product["id"]) == 7  # a quote changes nothing
    refund = api.post(
        f"/v3/orders/{order['id']}/payment_actions/refunds",
        json={"items": items, "payments": [{"provider_id": "custom", "amount": 20, "offline": True}]},
    )
    assert refund.status_code == 201, refund.text
    assert refund.json()["data"]["total_amount"] == 20 and refund.json()["data"]["items"][0]["item_id"] == line["id"]
    assert _level(api, product["id"]) == 7  # a partial refund does not restock (BigCommerce docs)
    after = api.get(f"/v2/orders/{order['id']}").json()
    assert after["status_id"] == 14 and after["refunded_amount"] == "20.0000"
    too_much = api.post(
        f"/v3/orders/{order['id']}/payment_actions/refunds",
        json={"items": [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 2}]},
    )
    assert too_much.status_code == 422 and _level(api, product["id"]) == 7
    assert (
        api.post(
            f"/v3/orders/{order['id']}/payment_actions/refunds",
            json={
                "items": [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 1}],
                "payments": [{"provider_id": "custom", "amount": 3, "offline": True}],
            },
        ).status_code
        == 422
    )
    last = api.post(
        f"/v3/orders/{order['id']}/payment_actions/refunds",
        json={
            "items": [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 1}],
            "payments": [{"provider_id": "custom", "amount": 10, "offline": True}],
        },
    )
    assert last.status_code == 201
    assert api.get(f"/v2/orders/{order['id']}").json()["status_id"] == 4
    assert _level(api, product["id"]) == 10  # fully refunded with refund_restocks on: all three come back
    listed = api.get(f"/v3/orders/{order['id']}/payment_actions/refunds").json()["data"]
    assert [r["total_amount"] for r in listed] == [20, 10]
    assert api.post("/v3/orders/999/payment_actions/refunds", json={"items": items}).status_code == 404
    assert (
        api.post(
            f"/v3/orders/{order['id']}/payment_actions/refunds",
            json={"items": [{"item_type": "PRODUCT", "item_id": 424242, "quantity": 1}]},
        ).status_code
        == 422
    )


def _refund_all(api, order, line, amount):
    answer = api.post(
        f"/v3/orders/{order['id']}/payment_actions/refunds",
        json={
            "items": [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": line["quantity"]}],
            "payments": [{"provider_id": "custom", "amount": amount, "offline": True}],
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["data"]


def test_refund_without_stock_adjustment_setting(sandbox, api):
    sandbox.set_options(api.store_hash, refund_restocks=True)
    api.put("/v3/settings/inventory", json={"refund_order_stock_adjustment": False})
    product = api.create_product(name="Gardé", sku="GD", inventory_tracking="product", inventory_level=4)
    order = _order(api, [{"product_id": product["id"], "quantity": 1}])
    _refund_all(api, order, api.get(f"/v2/orders/{order['id']}/products").json()[0], 10)
    assert _level(api, product["id"]) == 3


def test_api_refunds_never_restock_by_default_but_a_refunded_status_does(api):
    """The refunds guide: items refunded via the API do not return to inventory; the events
    docs: an order whose status changes to Refunded gives its stock back (per the settings)."""
    product = api.create_product(name="Guide", sku="GU", price=10, inventory_tracking="product", inventory_level=4)
    order = _order(api, [{"product_id": product["id"], "quantity": 2}])
    _refund_all(api, order, api.get(f"/v2/orders/{order['id']}/products").json()[0], 20)
    assert api.get(f"/v2/orders/{order['id']}").json()["status_id"] == 4 and _level(api, product["id"]) == 2
    other = _order(api, [{"product_id": product["id"], "quantity": 1}])
    api.put(f"/v2/orders/{other['id']}", json={"status_id": 4})
    assert _level(api, product["id"]) == 2  # 1 taken, 1 back


def test_refund_needs_payments_and_answers_errors_as_the_spec_says(api):
    product = api.create_product(name="Payé", sku="PY", price=10, inventory_tracking="product", inventory_level=4)
    order = _order(api, [{"product_id": product["id"], "quantity": 1}])
    line = api.get(f"/v2/orders/{order['id']}/products").json()[0]
    path = f"/v3/orders/{order['id']}/payment_actions/refunds"
    items = [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 1}]
    missing = api.post(path, json={"items": items})
    assert missing.status_code == 422
    body = missing.json()
    assert set(body) == {"data"} and body["data"][0]["status"] == 422 and "payments" in body["data"][0]["errors"]
    wrong = api.post(path, json={"items": items, "payments": [{"provider_id": "custom", "amount": 3}]})
    assert wrong.status_code == 422 and wrong.json()["data"][0]["title"]
    refund = _refund_all(api, order, line, 10)
    assert refund["items"] == [
        {"item_type": "PRODUCT", "item_id": line["id"], "reason": "", "quantity": 1, "adjustments": []}
    ]
    assert isinstance(refund["payments"][0]["transaction_id"], str)
    quote = api.post(f"/v3/orders/{order['id']}/payment_actions/refund_quotes", json={"items": items})
    assert quote.status_code == 422 and set(quote.json()) >= {"status", "title", "type"}


def test_order_webhooks(sandbox, store, api, receiver):
    sandbox.set_options(api.store_hash, refund_restocks=True)
    for scope in ("store/order/*", "store/product/inventory/order/updated", "store/channel/*/order/created"):
        api.post("/v3/hooks", json={"scope": scope, "destination": receiver.url + "/o"})
    product = api.create_product(name="Webhooké", sku="WH", inventory_tracking="product", inventory_level=4)
    order = _order(api, [{"product_id": product["id"], "quantity": 1}])
    _refund_all(api, order, api.get(f"/v2/orders/{order['id']}/products").json()[0], 10)
    wanted = {
        "store/order/created",
        "store/channel/1/order/created",
        "store/order/statusUpdated",
        "store/order/refund/created",
        "store/product/inventory/order/updated",
    }
    # Every queued webhook sent (not merely one of each scope: two stock events are expected).
    deliveries = sandbox.deliveries_settled(store["hash"])
    assert {d["status"] for d in deliveries} == {"delivered"}
    payloads = receiver.payloads()
    assert wanted <= {p["scope"] for p in payloads}
    stock = sorted(
        p["data"]["inventory"]["value"] for p in payloads if p["scope"] == "store/product/inventory/order/updated"
    )
    assert stock == [-1, 1] and all(
        p["data"]["inventory"]["method"] == "relative"
        for p in payloads
        if p["scope"] == "store/product/inventory/order/updated"
    )
    status = next(p for p in payloads if p["scope"] == "store/order/statusUpdated")
    assert status["data"]["status"] == {"previous_status_id": 1, "new_status_id": 4}
    refund = next(p for p in payloads if p["scope"] == "store/order/refund/created")
    assert refund["data"]["id"] == order["id"] and refund["data"]["refund"]["refund_id"]
    assert json.dumps(refund)
    channel = next(p for p in payloads if p["scope"] == "store/channel/1/order/created")
    assert channel["data"] == {"order_id": order["id"]}


def test_place_order_from_control_panel_and_control_endpoint(sandbox, api, store):
    import requests

    product = api.create_product(name="Panel", sku="PNL", price=5, inventory_tracking="product", inventory_level=6)
    order = sandbox.place_order(
        store["hash"], {"billing_address": BILLING, "products": [{"sku": "PNL", "quantity": 2}]}
    )
    assert order["id"] and _level(api, product["id"]) == 4
    base = f"{sandbox.url}/manage/stores/{store['hash']}"
    answer = requests.post(
        base + "/orders", data={"variant_id": product["base_variant_id"], "quantity": 1}, allow_redirects=False
    )
    assert answer.status_code == 302 and _level(api, product["id"]) == 3
    order_id = answer.headers["Location"].rsplit("/", 1)[1]
    line = api.get(f"/v2/orders/{order_id}/products").json()[0]
    refunded = requests.post(f"{base}/orders/{order_id}/refund", data={f"qty_{line['id']}": "1"}, allow_redirects=False)
    assert refunded.status_code == 302 and _level(api, product["id"]) == 3  # refunds do not restock by default
    assert requests.get(f"{base}/orders/{order_id}").status_code == 200


def test_variant_tracked_order_fires_sku_inventory_order_updated(api, receiver):
    api.post("/v3/hooks", json={"scope": "store/sku/inventory/order/updated", "destination": receiver.url + "/s"})
    product = api.create_product(
        name="Pull",
        sku="PULL",
        inventory_tracking="variant",
        variants=[
            {"sku": "PULL-M", "inventory_level": 4, "option_values": [{"option_display_name": "T", "label": "M"}]}
        ],
    )
    variant = product["variants"][0]
    _order(api, [{"product_id": product["id"], "variant_id": variant["id"], "quantity": 3}])
    receiver.wait_for(1)
    [payload] = receiver.payloads()
    assert payload["data"]["type"] == "sku" and payload["data"]["id"] == variant["sku_id"]
    assert payload["data"]["inventory"] == {
        "product_id": product["id"],
        "variant_id": variant["id"],
        "method": "relative",
        "value": -3,
    }
