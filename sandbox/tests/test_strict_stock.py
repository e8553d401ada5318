"""The sandbox behaves as BigCommerce does for stock sync (issue 10): order filters and
modification, per-channel inventory settings, asynchronous and relative inventory
adjustments, channel-scoped events. Sources: bigcommerce/docs `reference/orders.v2.oas2.yml`,
`reference/inventory.v3.yml`, `docs/store-operations/catalog/inventory-adjustments.mdx`,
`docs/integrations/webhooks/events/{index,channels,inventory-location}.mdx`."""

from __future__ import annotations

import email.utils
import time

from sandbox.tests.test_orders import _level, _order
from tests.waiting import wait_for


def _ids(api, query):
    answer = api.get(f"/v2/orders?{query}")
    assert answer.status_code in (200, 204), answer.text
    return [o["id"] for o in answer.json()] if answer.status_code == 200 else []


def test_order_date_filters_take_rfc_2822_and_modified_means_modified(api):
    product = api.create_product(name="Daté", sku="DT", price=3)
    old = _order(api, [{"product_id": product["id"], "quantity": 1}], customer_id=7)
    time.sleep(1.1)  # v2 dates have one-second resolution
    new = _order(api, [{"product_id": product["id"], "quantity": 1}])
    since = api.get(f"/v2/orders/{new['id']}").json()["date_created"]  # RFC 2822, as v2 writes it
    assert email.utils.parsedate_to_datetime(since)
    assert _ids(api, f"min_date_created={since}") == [new["id"]]
    assert _ids(api, f"max_date_created={old['date_created']}") == [old["id"]]
    assert _ids(api, f"min_date_modified={since}") == [new["id"]]
    assert api.put(f"/v2/orders/{old['id']}", json={"staff_notes": "called"}).status_code == 200
    # The PUT changed no status, yet the order is modified: it shows up since `since`.
    assert _ids(api, f"min_date_modified={since}") == [old["id"], new["id"]]
    assert _ids(api, "customer_id=7") == [old["id"]]
    assert api.get("/v2/orders?min_date_created=yesterday-ish").status_code == 422


def test_an_order_put_without_status_change_fires_order_updated(sandbox, api, receiver):
    api.post("/v3/hooks", json={"scope": "store/order/updated", "destination": receiver.url + "/o"})
    api.post("/v3/hooks", json={"scope": "store/channel/1/order/updated", "destination": receiver.url + "/c"})
    product = api.create_product(name="Noté", sku="NT", price=3)
    order = _order(api, [{"product_id": product["id"], "quantity": 1}])

    def queued():  # written in the PUT's own transaction
        return sorted(d["scope"] for d in sandbox.deliveries(api.store_hash) if not d["duplicate"])

    api.put(f"/v2/orders/{order['id']}", json={"staff_notes": "gift wrap"})
    assert queued() == ["store/channel/1/order/updated", "store/order/updated"]
    api.put(f"/v2/orders/{order['id']}", json={"staff_notes": "gift wrap"})  # nothing changes: no event
    assert len(queued()) == 2
    got = wait_for(lambda: len(receiver.payloads()) >= 2 and receiver.payloads())
    assert {p["data"].get("order_id", p["data"].get("id")) for p in got} == {order["id"]}


def test_channel_inventory_settings_leave_the_global_ones_alone_and_drive_channel_orders(api):
    channel = api.post("/v3/channels", json={"name": "POS", "type": "pos", "platform": "custom"}).json()["data"]
    put = api.put(
        f"/v3/settings/inventory?channel_id={channel['id']}",
        json={"update_stock_behavior": "order_completed_or_shipped"},
    )
    assert put.status_code == 200 and put.json()["data"]["update_stock_behavior"] == "order_completed_or_shipped"
    assert api.get("/v3/settings/inventory").json()["data"]["update_stock_behavior"] == "order_placed"
    assert api.get("/v3/settings/inventory?channel_id=999").status_code == 422  # settings.v3.yml: no 404
    product = api.create_product(name="Canal", sku="CN", inventory_tracking="product", inventory_level=5)
    _order(api, [{"product_id": product["id"], "quantity": 1}], channel_id=channel["id"])
    assert _level(api, product["id"]) == 5  # the channel takes stock at shipping
    _order(api, [{"product_id": product["id"], "quantity": 1}])
    assert _level(api, product["id"]) == 4  # the global settings take it when placed


def test_relative_adjustments_report_relative_and_need_an_absolute_first(api, receiver):
    api.post("/v3/hooks", json={"scope": "store/product/inventory/updated", "destination": receiver.url + "/i"})
    product = api.create_product(name="Relatif", sku="RL", inventory_tracking="product", inventory_level=5)
    relative = "/v3/inventory/adjustments/relative"
    assert api.post(relative, json={"items": [{"location_id": 1, "product_id": product["id"], "quantity": -2}]}).ok
    event = wait_for(lambda: receiver.payloads())[0]
    assert event["data"]["inventory"] == {"product_id": product["id"], "method": "relative", "value": -2}
    api.post("/v3/inventory/locations", json=[{"code": "DEPOT", "label": "Dépôt"}])
    depot = api.get("/v3/inventory/locations?location_code:in=DEPOT").json()["data"][0]["id"]
    first = api.post(relative, json={"items": [{"location_id": depot, "product_id": product["id"], "quantity": 1}]})
    assert first.status_code == 422
    assert first.json()["title"] == (
        f"Items with identity: [product_id {product['id']}] requires absolute adjustment before relative"
    )
    api.put(
        "/v3/inventory/adjustments/absolute",
        json={"items": [{"location_id": depot, "product_id": product["id"], "quantity": 0}]},
    )
    assert api.post(relative, json={"items": [{"location_id": depot, "product_id": product["id"], "quantity": 1}]}).ok


def test_stock_changed_fires_for_each_channel_of_the_product(api, receiver):
    api.post(
        "/v3/hooks", json={"scope": "store/channel/*/inventory/product/stock_changed", "destination": receiver.url}
    )
    channel = api.post("/v3/channels", json={"name": "POS", "type": "pos", "platform": "custom"}).json()["data"]
    product = api.create_product(name="Canaux", sku="CX", inventory_tracking="product", inventory_level=1)
    api.put(
        "/v3/catalog/products/channel-assignments",
        json=[{"product_id": product["id"], "channel_id": c} for c in (1, channel["id"])],
    )
    api.put(
        "/v3/inventory/adjustments/absolute",
        json={"items": [{"location_id": 1, "product_id": product["id"], "quantity": 4}]},
    )
    got = wait_for(lambda: len(receiver.payloads()) >= 2 and receiver.payloads())
    assert sorted(p["scope"] for p in got) == sorted(
        f"store/channel/{c}/inventory/product/stock_changed" for c in (1, channel["id"])
    )
    assert got[0]["data"] == {"variant_id": product["base_variant_id"], "product_id": product["id"], "location_id": 1}


def test_adjustments_can_apply_after_the_answer_as_bigcommerce_does(sandbox, api):
    sandbox.set_options(api.store_hash, inventory_apply_delay_ms=400)
    product = api.create_product(name="Lent", sku="LT", inventory_tracking="product", inventory_level=5)
    answer = api.put(
        "/v3/inventory/adjustments/absolute",
        json={"items": [{"location_id": 1, "product_id": product["id"], "quantity": 9}]},
    )
    assert answer.status_code == 200 and answer.json()["transaction_id"]
    assert _level(api, product["id"]) == 5  # not applied yet: no read-after-write
    wait_for(lambda: _level(api, product["id"]) == 9)
    refused = api.post(
        "/v3/inventory/adjustments/relative",
        json={"items": [{"location_id": 1, "product_id": product["id"], "quantity": -99}]},
    )
    assert refused.status_code == 422  # validation still answers at once
