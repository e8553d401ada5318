"""Orders v2 with their consignments: ``include=consignments`` / ``consignments.line_items`` and
``consignment_structure=object`` (orders.v2.oas2.yml, parameters ``order_includes`` and
``consignment_structure``), pickup orders placed in consignment mode, digital lines as downloads."""

from __future__ import annotations

import time

from sandbox.tests.test_orders import BILLING

LOCATION = {"name": "Atelier", "code": "AT-1", "city": "Lyon", "country_alpha2": "FR", "email": "at@example.test"}
WITH_LINES = "include=consignments.line_items&consignment_structure=object"


def _place(api, **body):
    answer = api.post("/v2/orders", json={"billing_address": BILLING, **body})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _pickup(lines):
    return {
        "pickups": [
            {
                "pickup_method_id": 1,
                "pickup_method_display_name": "Click & collect",
                "collection_instructions": "Bring your ID",
                "collection_time_description": "9am - 6pm",
                "location": LOCATION,
                "line_items": lines,
            }
        ]
    }


def test_shipping_and_download_consignments_carry_their_lines(api):
    mug = api.create_product(name="Mug", sku="MUG", price=12, inventory_tracking="product", inventory_level=5)
    ebook = api.create_product(name="Guide", sku="EBOOK", type="digital", price=5, weight=0)
    order = _place(api, products=[{"product_id": mug["id"], "quantity": 2}, {"product_id": ebook["id"], "quantity": 1}])
    got = api.get(f"/v2/orders/{order['id']}?{WITH_LINES}").json()["consignments"]
    assert got["pickups"] == [] and got["email"] == {"gift_certificates": []}
    [shipping] = got["shipping"]
    assert [(ln["sku"], ln["quantity"]) for ln in shipping["line_items"]] == [("MUG", 2)]
    assert shipping["items_total"] == 2 and shipping["city"] == BILLING["city"]
    assert shipping["line_items"][0]["order_address_id"] == shipping["id"]
    [downloads] = got["downloads"]
    assert downloads["recipient_email"] == BILLING["email"]
    assert [(ln["sku"], ln["type"]) for ln in downloads["line_items"]] == [("EBOOK", "digital")]
    # include=consignments alone: links to the lines, not the lines.
    linked = api.get(f"/v2/orders/{order['id']}?include=consignments&consignment_structure=object").json()
    line_id = shipping["line_items"][0]["id"]
    assert linked["consignments"]["shipping"][0]["line_items"] == [
        {
            "url": f"{api.base}/v2/orders/{order['id']}/products/{line_id}",
            "resource": f"/orders/{order['id']}/products/{line_id}",
        }
    ]


def test_pickup_order_placed_in_consignment_mode(sandbox, api):
    mug = api.create_product(name="Mug", sku="MUG", price=12, inventory_tracking="product", inventory_level=5)
    placed = sandbox.place_order(
        api.store_hash,
        {"billing_address": BILLING, "consignments": _pickup([{"product_id": mug["id"], "quantity": 3}])},
    )
    assert api.get(f"/v3/catalog/products/{mug['id']}").json()["data"]["inventory_level"] == 2
    got = api.get(f"/v2/orders?{WITH_LINES}").json()[0]["consignments"]
    [pickup] = got["pickups"]
    assert got["shipping"] == [] and got["downloads"] == []
    assert pickup["location"]["code"] == "AT-1" and pickup["pickup_method_id"] == 1
    assert [(ln["sku"], ln["quantity"], ln["order_pickup_method_id"]) for ln in pickup["line_items"]] == [
        ("MUG", 3, pickup["id"])
    ]
    assert api.get(f"/v2/orders/{placed['id']}/consignments").json()["pickups"][0]["id"] == pickup["id"]


def test_consignment_mode_is_checked(api):
    mug = api.create_product(name="Mug", sku="MUG", price=12)
    line = [{"product_id": mug["id"], "quantity": 1}]
    for body, says in (
        ({"consignments": _pickup(line), "products": line}, "'products' cannot be used together"),
        ({"consignments": {"pickups": [*_pickup(line)["pickups"]] * 2}}, "only one pickup consignment"),
        ({"consignments": _pickup([])}, "line_items' is required"),
        ({"consignments": {"pickups": [{"line_items": line}]}}, "pickup_method_id' is required"),
    ):
        answer = api.post("/v2/orders", json={"billing_address": BILLING, **body})
        assert answer.status_code == 400, answer.text
        [error] = answer.json()
        assert error["status"] == 400 and says in error["message"]
    assert api.get("/v2/orders").status_code == 204  # nothing was placed


def test_legacy_array_structure_and_default_link(api):
    mug = api.create_product(name="Mug", sku="MUG", price=12)
    order = _place(api, products=[{"product_id": mug["id"], "quantity": 1}])
    legacy = api.get(f"/v2/orders/{order['id']}?include=consignments").json()["consignments"]
    assert isinstance(legacy, list) and len(legacy) == 1 and len(legacy[0]["shipping"]) == 1
    plain = api.get(f"/v2/orders/{order['id']}").json()
    assert plain["consignments"] == {
        "url": f"{api.base}/v2/orders/{order['id']}/consignments",
        "resource": f"/orders/{order['id']}/consignments",
    }


def test_bad_include_values_are_refused(api):
    mug = api.create_product(name="Mug", sku="MUG", price=12)
    order = _place(api, products=[{"product_id": mug["id"], "quantity": 1}])
    for query, field in (
        ("include=consignment", "include"),
        ("include=consignments,lines", "include"),
        ("include=consignments&consignment_structure=array", "consignment_structure"),
    ):
        for path in (f"/v2/orders/{order['id']}", "/v2/orders"):
            answer = api.get(f"{path}?{query}")
            assert answer.status_code == 400, (path, query, answer.text)
            [error] = answer.json()
            assert error["status"] == 400 and f"'{field}'" in error["message"]


def test_include_carries_at_most_the_store_bound_of_lines(sandbox, api):
    sandbox.set_options(api.store_hash, include_line_items_max=3)
    mug = api.create_product(name="Mug", sku="MUG", price=1, inventory_tracking="product", inventory_level=50)
    order = _place(api, products=[{"product_id": mug["id"], "quantity": 1}] * 5)
    got = api.get(f"/v2/orders/{order['id']}?{WITH_LINES}").json()
    assert got["items_total"] == 5
    assert len(got["consignments"]["shipping"][0]["line_items"]) == 3
    assert len(api.get(f"/v2/orders/{order['id']}/products").json()) == 5


def test_orders_sorted_by_date_modified_with_lines(api):
    mug = api.create_product(name="Mug", sku="MUG", price=1, inventory_tracking="product", inventory_level=50)
    first = _place(api, products=[{"product_id": mug["id"], "quantity": 1}])
    second = _place(api, products=[{"product_id": mug["id"], "quantity": 2}])
    time.sleep(1.05)  # v2 dates have one-second resolution: orders modified in one second are tied
    api.put(f"/v2/orders/{first['id']}", json={"status_id": 11})  # modified after the second
    query = f"sort=date_modified:asc&min_date_modified={first['date_created']}&{WITH_LINES}"
    listed = api.get(f"/v2/orders?{query}").json()
    assert [o["id"] for o in listed] == [second["id"], first["id"]]
    assert [o["consignments"]["shipping"][0]["line_items"][0]["quantity"] for o in listed] == [2, 1]
