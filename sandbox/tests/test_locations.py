"""Inventory locations as BigCommerce has them: the Locations API's validations and filters
(locations.v3.yml), stock and settings per location (inventory.v3.yml), location webhooks
(docs: webhooks events, inventory and location), pickup orders that take their location's
stock (orders.v2.oas2.yml consignments, pickup_methods.v3.yml), asynchronous writes."""

from __future__ import annotations

import time

import requests

from sandbox.tests.test_orders import BILLING
from tests.waiting import wait_for

ADDRESS = {
    "address1": "12 rue Mercière",
    "city": "Lyon",
    "state": "ARA",
    "zip": "69002",
    "email": "lyon@example.test",
    "geo_coordinates": {"latitude": 45.76, "longitude": 4.83},
    "country_code": "FR",
}
ITEMS = "/v3/inventory/items"
ABSOLUTE = "/v3/inventory/adjustments/absolute"
RELATIVE = "/v3/inventory/adjustments/relative"


def _location(code="SHOP-2", label="Lyon", **extra) -> dict:
    return {
        "code": code,
        "label": label,
        "type_id": "PHYSICAL",
        "time_zone": "Europe/Paris",
        "address": ADDRESS,
    } | extra


def _create(api, *locations) -> list[dict]:
    answer = api.post("/v3/inventory/locations", json=list(locations))
    assert answer.status_code == 200, answer.text
    assert answer.json()["transaction_id"]  # the answer names no location: read them by code
    codes = ",".join(loc["code"] for loc in locations)
    return api.get(f"/v3/inventory/locations?location_code:in={codes}").json()["data"]


def _refused(answer, status=422) -> dict:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) >= {"status", "title", "type", "errors"} and body["status"] == status
    return body


def _at(api, product_id: int, location_id: int) -> dict:
    [item] = api.get(f"{ITEMS}?product_id:in={product_id}&location_id:in={location_id}").json()["data"]
    [where] = item["locations"]
    assert where["location_id"] == location_id
    return where


def test_create_list_update_and_delete(api):
    [lyon] = _create(api, _location(description="Presqu'île"))
    assert lyon["id"] == 2 and lyon["address"]["city"] == "Lyon" and lyon["enabled"] is True
    assert lyon["operating_hours"]["monday"] == {"open": False, "opening": "00:00", "closing": "00:00"}
    [depot] = _create(api, _location("DEPOT", "Dépôt", type_id="VIRTUAL", storefront_visibility=False))

    def ids(query):
        answer = api.get(f"/v3/inventory/locations?{query}")
        assert answer.status_code == 200, answer.text
        return [loc["id"] for loc in answer.json()["data"]]

    assert ids("") == [1, lyon["id"], depot["id"]]
    assert ids("is_default=true") == [1]
    assert ids("type_id:in=VIRTUAL") == [depot["id"]]
    assert ids("storefront_visibility=false") == [depot["id"]]
    assert ids(f"location_id:in=1,{depot['id']}") == [1, depot["id"]]
    assert api.get("/v3/inventory/locations?is_active=maybe").status_code == 400

    assert api.put("/v3/inventory/locations", json=[{"id": lyon["id"], "label": "Lyon 2", "enabled": False}]).ok
    assert ids("is_active=false") == [lyon["id"]]
    [renamed] = api.get(f"/v3/inventory/locations?location_id:in={lyon['id']}").json()["data"]
    assert (renamed["label"], renamed["code"], renamed["address"]["zip"]) == ("Lyon 2", "SHOP-2", "69002")

    product = api.create_product(name="Bol", sku="BOL", inventory_tracking="product", inventory_level=4)
    assert api.put(ABSOLUTE, json={"items": [{"location_id": depot["id"], "product_id": product["id"], "quantity": 6}]})
    assert api.delete(f"/v3/inventory/locations?location_id:in={depot['id']}").status_code == 200
    assert ids("") == [1, lyon["id"]]
    # Deleting a location deletes its stock (locations.v3.yml); a new one starts with none.
    [again] = _create(api, _location("DEPOT", "Dépôt"))
    assert _at(api, product["id"], again["id"])["total_inventory_onhand"] == 0
    assert _at(api, product["id"], 1)["total_inventory_onhand"] == 4


def test_create_refusals_change_nothing(api):
    _create(api, _location())
    bad = [
        [{"label": "No code", "address": ADDRESS}],
        [{"code": "NO-LABEL", "address": ADDRESS}],
        [{"code": " ", "label": "Blank code"}],
        [_location("SHOP-2")],  # the code is taken
        [_location("TWIN"), _location("TWIN", "Twin")],  # twice in one batch
        [_location("T", type_id="STORE")],
        [_location("T", time_zone="Mars/Olympus")],
        [_location("T", address={**ADDRESS, "geo_coordinates": {"latitude": 91, "longitude": 0}})],
        [_location("T", address={k: v for k, v in ADDRESS.items() if k != "city"})],
        [_location("T", address={**ADDRESS, "email": "not an email"})],
        [_location("T", enabled="yes")],
        [_location("T", operating_hours={"monday": {"open": True, "opening": "25:00", "closing": "18:00"}})],
        [_location("T", special_hours=[{"label": "Noël", "date": "25/12", "open": False}])],
        ["SHOP-3"],
        [],
    ]
    for body in bad:
        refused = _refused(api.post("/v3/inventory/locations", json=body))
        assert refused["errors"] or refused["title"], body
    assert api.post("/v3/inventory/locations", json={"code": "X"}).status_code == 422  # not an array
    assert [loc["code"] for loc in api.get("/v3/inventory/locations").json()["data"]] == ["BC-LOCATION-1", "SHOP-2"]


def test_update_refusals_change_nothing(api):
    [lyon] = _create(api, _location())
    _create(api, _location("SHOP-3", "Nantes"))
    bad = [
        [{"label": "No id"}],
        [{"id": 99, "label": "Unknown"}],
        [{"id": lyon["id"], "code": "SHOP-3"}],  # another location's code
        [{"id": 1, "enabled": False}],  # the default location stays enabled
        [{"id": lyon["id"], "address": {"city": "Lyon"}}],  # an address update names its country
        [{"id": lyon["id"], "managed_by_external_source": "true"}],
        [{"id": lyon["id"], "label": "Fine"}, {"id": 1, "address": None}],  # all or nothing
    ]
    for body in bad:
        _refused(api.put("/v3/inventory/locations", json=body))
    [after] = api.get(f"/v3/inventory/locations?location_id:in={lyon['id']}").json()["data"]
    assert after == lyon
    # Its own code again is no clash.
    assert api.put("/v3/inventory/locations", json=[{"id": lyon["id"], "code": "SHOP-2"}]).status_code == 200


def test_delete_rules(sandbox, api):
    [lyon] = _create(api, _location())
    refused = _refused(api.delete("/v3/inventory/locations?location_id:in=1"))
    assert "is set as a shipping origin" in refused["title"]
    _refused(api.delete("/v3/inventory/locations?location_id:in=77"), 404)
    _refused(api.delete(f"/v3/inventory/locations?location_id:in={lyon['id']},77"), 404)
    _refused(api.delete("/v3/inventory/locations"))
    # An open order for pickup there keeps it; once the order is completed it can go.
    method = _pickup_method(api, lyon["id"])
    product = api.create_product(name="Pot", sku="POT", inventory_tracking="product", inventory_level=0)
    api.put(ABSOLUTE, json={"items": [{"location_id": lyon["id"], "product_id": product["id"], "quantity": 3}]})
    order = _pickup_order(api, method["id"], product["id"], 1)
    refused = _refused(api.delete(f"/v3/inventory/locations?location_id:in={lyon['id']}"))
    assert refused["title"].startswith("Location with associated orders canʼt be deleted. Lyon is associated with 1")
    assert api.put(f"/v2/orders/{order['id']}", json={"status_id": 10}).status_code == 200
    assert api.delete(f"/v3/inventory/locations?location_id:in={lyon['id']}").status_code == 200
    # Its pickup methods went with it.
    assert [m["id"] for m in api.get("/v3/pickup/methods").json()["data"]] == [1]


def test_managed_by_external_source_round_trips_and_locks_the_panel(sandbox, api):
    [shop] = _create(api, _location(managed_by_external_source=True))
    assert shop["managed_by_external_source"] is True
    listed = api.get("/v3/inventory/locations?managed_by_external_source=true").json()["data"]
    assert [loc["id"] for loc in listed] == [shop["id"]]
    product = api.create_product(name="Vase", sku="VASE", inventory_tracking="product", inventory_level=2)
    api.put(ABSOLUTE, json={"items": [{"location_id": shop["id"], "product_id": product["id"], "quantity": 7}]})
    panel = f"{sandbox.url}/manage/stores/{api.store_hash}/products/{product['id']}"
    html = requests.get(panel, timeout=10).text
    assert "Lyon (SHOP-2) · managed by an app" in html
    assert f"name='location_id' value='{shop['id']}'" not in html  # its level is shown, with no form
    assert "name='location_id' value='1'" in html
    # The API still writes there; the control panel does not (locations.v3.yml).
    edit = requests.post(panel + "/stock", data={"location_id": shop["id"], "level": "1"}, timeout=10)
    assert edit.status_code == 422
    assert sandbox.location_levels(api.store_hash)[shop["id"]][product["base_variant_id"]] == 7
    assert api.put("/v3/inventory/locations", json=[{"id": shop["id"], "managed_by_external_source": False}]).ok
    [after] = api.get(f"/v3/inventory/locations?location_id:in={shop['id']}").json()["data"]
    assert after["managed_by_external_source"] is False
    edit = requests.post(panel + "/stock", data={"location_id": shop["id"], "level": "1"}, timeout=10)
    assert edit.status_code == 200  # redirected to the product's page
    assert sandbox.location_levels(api.store_hash)[shop["id"]][product["base_variant_id"]] == 1


def test_adjustments_per_location_relative_and_absolute(sandbox, api):
    [lyon] = _create(api, _location())
    product = api.create_product(
        name="Tasse",
        sku="TASSE",
        inventory_tracking="variant",
        variants=[
            {"sku": "TASSE-B", "inventory_level": 10, "option_values": [{"option_display_name": "C", "label": "B"}]},
            {"sku": "TASSE-R", "inventory_level": 4, "option_values": [{"option_display_name": "C", "label": "R"}]},
        ],
    )
    blue, red = product["variants"]
    first = api.post(RELATIVE, json={"items": [{"location_id": lyon["id"], "variant_id": blue["id"], "quantity": 1}]})
    assert "requires absolute adjustment before relative" in _refused(first)["title"]
    assert api.put(ABSOLUTE, json={"items": [{"location_id": lyon["id"], "sku": "TASSE-B", "quantity": 5}]}).ok
    assert api.post(
        RELATIVE,
        json={
            "items": [
                {"location_id": lyon["id"], "variant_id": blue["id"], "quantity": -2},
                {"location_id": 1, "variant_id": blue["id"], "quantity": -1},
            ]
        },
    ).ok
    levels = sandbox.location_levels(api.store_hash)
    assert (levels[1][blue["id"]], levels[lyon["id"]][blue["id"]]) == (9, 3)
    assert (levels[1][red["id"]], levels[lyon["id"]][red["id"]]) == (4, 0)
    assert sandbox.stock_levels(api.store_hash, lyon["id"]) == levels[lyon["id"]]
    # Reads filtered by location: one location per item, the Catalog stays location 1.
    items = api.get(f"{ITEMS}?location_id:in={lyon['id']}&variant_id:in={blue['id']}").json()["data"]
    assert [[(w["location_id"], w["total_inventory_onhand"]) for w in i["locations"]] for i in items] == [
        [(lyon["id"], 3)]
    ]
    at_lyon = api.get(f"/v3/inventory/locations/{lyon['id']}/items?sku:in=TASSE-B").json()["data"]
    assert [(i["identity"]["sku"], i["available_to_sell"]) for i in at_lyon] == [("TASSE-B", 3)]
    catalog = api.get(f"/v3/catalog/products/{product['id']}/variants/{blue['id']}").json()["data"]
    assert catalog["inventory_level"] == 9
    # Below zero at one location is refused whatever the others hold; nothing changes.
    below = api.post(RELATIVE, json={"items": [{"location_id": lyon["id"], "variant_id": blue["id"], "quantity": -4}]})
    _refused(below)
    _refused(api.put(ABSOLUTE, json={"items": [{"variant_id": blue["id"], "quantity": 1}]}))  # location_id required
    assert sandbox.location_levels(api.store_hash) == levels


def test_a_disabled_location_refuses_stock_edits(api):
    [lyon] = _create(api, _location(enabled=False))
    product = api.create_product(name="Cruche", sku="CRU", inventory_tracking="product", inventory_level=1)
    item = {"location_id": lyon["id"], "product_id": product["id"], "quantity": 2}
    assert "disabled" in _refused(api.put(ABSOLUTE, json={"items": [item]}))["title"]
    setting = {"settings": [{"identity": {"product_id": product["id"]}, "safety_stock": 1}]}
    _refused(api.put(f"/v3/inventory/locations/{lyon['id']}/items", json=setting))
    _refused(api.post("/v3/pickup/methods", json=[{"location_id": lyon["id"], "display_name": "Retrait"}]))
    assert api.put("/v3/inventory/locations", json=[{"id": lyon["id"], "enabled": True}]).ok
    assert api.put(ABSOLUTE, json={"items": [item]}).ok
    assert _at(api, product["id"], lyon["id"])["location_enabled"] is True


def test_settings_per_location(api, receiver):
    api.post(
        "/v3/hooks", json={"scope": "store/channel/*/inventory/product/settings_changed", "destination": receiver.url}
    )
    [lyon] = _create(api, _location())
    product = api.create_product(name="Plat", sku="PLAT", inventory_tracking="product", inventory_level=8)
    api.put("/v3/catalog/products/channel-assignments", json=[{"product_id": product["id"], "channel_id": 1}])
    api.put(ABSOLUTE, json={"items": [{"location_id": lyon["id"], "product_id": product["id"], "quantity": 5}]})
    put = f"/v3/inventory/locations/{lyon['id']}/items"
    body = {
        "settings": [{"identity": {"sku": "PLAT"}, "safety_stock": 2, "warning_level": 3, "bin_picking_number": "B4"}]
    }
    assert api.put(put, json=body).status_code == 200
    at_lyon = _at(api, product["id"], lyon["id"])
    assert (at_lyon["total_inventory_onhand"], at_lyon["available_to_sell"]) == (5, 3)
    assert at_lyon["settings"] == {
        "safety_stock": 2,
        "is_in_stock": True,
        "warning_level": 3,
        "bin_picking_number": "B4",
    }
    at_default = _at(api, product["id"], 1)
    assert (at_default["available_to_sell"], at_default["settings"]["warning_level"]) == (8, 0)
    # At the default location the warning level is the Catalog's.
    api.put(
        "/v3/inventory/locations/1/items",
        json={"settings": [{"identity": {"product_id": product["id"]}, "warning_level": 6}]},
    )
    assert api.get(f"/v3/catalog/products/{product['id']}").json()["data"]["inventory_warning_level"] == 6
    got = wait_for(lambda: len(receiver.payloads()) >= 2 and receiver.payloads())
    assert sorted(p["data"]["location_id"] for p in got) == [1, lyon["id"]]
    assert got[0]["scope"] == "store/channel/1/inventory/product/settings_changed"
    # What BigCommerce refuses (inventory.v3.yml's 422 example), and an unknown location.
    missing = _refused(api.put(put, json={"settings": [{"identity": {"sku": "PLAT"}, "bin_picking_number": "C"}]}))
    assert missing["errors"] == {
        "setting.0.settings": "At least one setting must be specified: warning_level, is_in_stock or safety_stock"
    }
    _refused(api.put(put, json={"settings": [{"identity": {"sku": "PLAT"}, "safety_stock": -1}]}))
    _refused(api.put(put, json={"settings": [{"identity": {}, "safety_stock": 1}]}))
    _refused(api.put(put, json={"settings": [{"identity": {"sku": "NOPE"}, "safety_stock": 1}]}))
    _refused(api.put("/v3/inventory/locations/77/items", json=body))  # the PUT documents no 404
    assert _at(api, product["id"], lyon["id"])["settings"]["safety_stock"] == 2


def _pickup_method(api, location_id: int) -> dict:
    answer = api.post("/v3/pickup/methods", json=[{"location_id": location_id, "display_name": "Retrait"}])
    assert answer.status_code == 200, answer.text
    [method] = answer.json()["data"]
    return method


def _pickup_order(api, method_id: int, product_id: int, quantity: int, status: int = 200) -> dict:
    pickup = {
        "pickup_method_id": method_id,
        "line_items": [{"product_id": product_id, "quantity": quantity}],
    }
    answer = api.post("/v2/orders", json={"billing_address": BILLING, "consignments": {"pickups": [pickup]}})
    assert answer.status_code == status, answer.text
    return answer.json()


def test_a_pickup_order_at_location_2_takes_location_2s_stock(sandbox, api, receiver):
    api.post(
        "/v3/hooks", json={"scope": "store/channel/*/inventory/product/stock_changed", "destination": receiver.url}
    )
    [lyon] = _create(api, _location())
    method = _pickup_method(api, lyon["id"])
    assert method["location_id"] == lyon["id"]
    product = api.create_product(name="Théière", sku="TH", inventory_tracking="product", inventory_level=10)
    api.put("/v3/catalog/products/channel-assignments", json=[{"product_id": product["id"], "channel_id": 1}])
    api.put(ABSOLUTE, json={"items": [{"location_id": lyon["id"], "product_id": product["id"], "quantity": 5}]})
    receiver.wait_for(1)
    order = _pickup_order(api, method["id"], product["id"], 2)
    variant = product["base_variant_id"]
    levels = sandbox.location_levels(api.store_hash)
    assert (levels[1][variant], levels[lyon["id"]][variant]) == (10, 3)
    got = wait_for(lambda: len(receiver.payloads()) >= 2 and receiver.payloads())
    assert got[-1]["data"] == {"variant_id": variant, "product_id": product["id"], "location_id": lyon["id"]}
    consignments = api.get(f"/v2/orders/{order['id']}/consignments").json()
    [pickup] = consignments[0]["pickups"] if isinstance(consignments, list) else consignments["pickups"]
    assert (pickup["location"]["id"], pickup["location"]["code"], pickup["location"]["city"]) == (
        lyon["id"],
        "SHOP-2",
        "Lyon",
    )
    # More than Lyon holds is refused, though the default location has plenty.
    _pickup_order(api, method["id"], product["id"], 4, status=400)
    _pickup_order(api, 99, product["id"], 1, status=400)  # no such pickup method
    # Cancelling gives the stock back where it was taken.
    assert api.put(f"/v2/orders/{order['id']}", json={"status_id": 5}).status_code == 200
    levels = sandbox.location_levels(api.store_hash)
    assert (levels[1][variant], levels[lyon["id"]][variant]) == (10, 5)
    # Pickup method 1 is at the default location: its orders take the default location's stock.
    _pickup_order(api, 1, product["id"], 1)
    assert sandbox.location_levels(api.store_hash)[1][variant] == 9


def test_location_webhooks_carry_the_location_id(api, receiver):
    for scope in ("store/inventory/location/created", "store/inventory/location/updated"):
        assert api.post("/v3/hooks", json={"scope": scope, "destination": receiver.url}).status_code == 200
    [lyon] = _create(api, _location())
    api.put("/v3/inventory/locations", json=[{"id": lyon["id"], "enabled": False}])
    api.put("/v3/inventory/locations", json=[{"id": lyon["id"], "enabled": False}])  # no change: no event
    api.put("/v3/inventory/locations", json=[{"id": 1, "label": "Entrepôt"}])
    got = wait_for(lambda: len(receiver.payloads()) >= 3 and receiver.payloads())
    time.sleep(0.3)  # a fourth (wrong) event would have arrived by now
    assert sorted((p["scope"], p["data"]["location_id"]) for p in receiver.payloads()) == [
        ("store/inventory/location/created", lyon["id"]),
        ("store/inventory/location/updated", 1),
        ("store/inventory/location/updated", lyon["id"]),
    ]
    assert all(p["data"] == {"location_id": p["data"]["location_id"]} for p in got)


def test_location_writes_are_asynchronous_with_a_delay(sandbox, api):
    sandbox.set_options(api.store_hash, inventory_apply_delay_ms=400)
    answer = api.post("/v3/inventory/locations", json=[_location()])
    assert answer.status_code == 200 and answer.json()["transaction_id"]
    codes = lambda: [loc["code"] for loc in api.get("/v3/inventory/locations").json()["data"]]  # noqa: E731
    assert codes() == ["BC-LOCATION-1"]  # not applied yet: no read-after-write
    wait_for(lambda: codes() == ["BC-LOCATION-1", "SHOP-2"])
    _refused(api.post("/v3/inventory/locations", json=[_location()]))  # validation answers at once


def test_the_panel_shows_each_locations_level(sandbox, api):
    [lyon] = _create(api, _location())
    product = api.create_product(name="Coupe", sku="COUPE", inventory_tracking="product", inventory_level=3)
    api.put(ABSOLUTE, json={"items": [{"location_id": lyon["id"], "product_id": product["id"], "quantity": 11}]})
    base = f"{sandbox.url}/manage/stores/{api.store_hash}"
    page = requests.get(f"{base}/products/{product['id']}", timeout=10).text
    assert "BC-LOCATION-1" in page and "SHOP-2" in page
    assert "value='3'" in page and "value='11'" in page
    assert "SHOP-2: 11" in requests.get(f"{base}/", timeout=10).text
    locations = requests.get(f"{base}/locations", timeout=10).text
    assert "<code>SHOP-2</code>" in locations and "<td>11</td>" in locations
    # Setting a location's level from the panel moves that location only.
    requests.post(f"{base}/products/{product['id']}/stock", data={"location_id": lyon["id"], "level": "12"}, timeout=10)
    levels = sandbox.location_levels(api.store_hash)
    assert (levels[1][product["base_variant_id"]], levels[lyon["id"]][product["base_variant_id"]]) == (3, 12)


def test_orders_reaching_low_and_out_of_stock_at_a_location_say_so(api, receiver):
    for event in ("low_stock_reached", "out_of_stock_reached"):
        hook = {"scope": f"store/channel/*/inventory/product/{event}", "destination": receiver.url}
        assert api.post("/v3/hooks", json=hook).status_code == 200
    [lyon] = _create(api, _location())
    method = _pickup_method(api, lyon["id"])
    product = api.create_product(name="Carafe", sku="CAR", inventory_tracking="product", inventory_level=9)
    api.put("/v3/catalog/products/channel-assignments", json=[{"product_id": product["id"], "channel_id": 1}])
    api.put(ABSOLUTE, json={"items": [{"location_id": lyon["id"], "product_id": product["id"], "quantity": 3}]})
    setting = {"settings": [{"identity": {"product_id": product["id"]}, "warning_level": 1}]}
    assert api.put(f"/v3/inventory/locations/{lyon['id']}/items", json=setting).status_code == 200
    _pickup_order(api, method["id"], product["id"], 1)  # 2 left: above the warning level, nothing
    _pickup_order(api, method["id"], product["id"], 1)  # 1 left: low
    _pickup_order(api, method["id"], product["id"], 1)  # 0 left: out
    got = wait_for(lambda: len(receiver.payloads()) >= 2 and receiver.payloads())
    time.sleep(0.3)  # a third (wrong) event would have arrived by now
    assert sorted((p["scope"].rsplit("/", 1)[-1], p["data"]["location_id"]) for p in receiver.payloads()) == [
        ("low_stock_reached", lyon["id"]),
        ("out_of_stock_reached", lyon["id"]),
    ]
    assert got[0]["data"]["variant_id"] == product["base_variant_id"]


def test_the_panel_adds_a_pickup_method_and_places_an_order_for_pickup_there(sandbox, api):
    """As a merchant and a shopper would: a pickup method at the second location (Locations page),
    then an order collected there (Orders page) takes that location's stock, not the default's."""
    [lyon] = _create(api, _location())
    product = api.create_product(name="Bol", sku="BOL", inventory_tracking="product", inventory_level=9)
    api.put(ABSOLUTE, json={"items": [{"location_id": lyon["id"], "product_id": product["id"], "quantity": 6}]})
    base = f"{sandbox.url}/manage/stores/{api.store_hash}"
    assert f"<option value='{lyon['id']}'>" in requests.get(f"{base}/locations", timeout=10).text
    refused = requests.post(f"{base}/pickup-methods", data={"location_id": lyon["id"], "display_name": " "}, timeout=10)
    assert refused.status_code == 422
    added = requests.post(
        f"{base}/pickup-methods", data={"location_id": lyon["id"], "display_name": "Retrait Lyon"}, timeout=10
    )
    assert added.status_code == 200 and "Retrait Lyon" in added.text  # the redirect followed: the Locations page
    [method] = [m for m in api.get("/v3/pickup/methods").json()["data"] if m["location_id"] == lyon["id"]]
    orders = requests.get(f"{base}/orders", timeout=10).text
    assert f"<option value='{method['id']}'>Pick up: Retrait Lyon at" in orders
    placed = requests.post(
        f"{base}/orders",
        data={"variant_id": product["base_variant_id"], "quantity": 2, "fulfilment": method["id"]},
        allow_redirects=False,
        timeout=10,
    )
    assert placed.status_code == 302
    levels = sandbox.location_levels(api.store_hash)
    assert (levels[1][product["base_variant_id"]], levels[lyon["id"]][product["base_variant_id"]]) == (9, 4)
    order_id = int(placed.headers["Location"].rsplit("/", 1)[1])
    order = api.get(f"/v2/orders/{order_id}", params={"include": "consignments", "consignment_structure": "object"})
    [pickup] = order.json()["consignments"]["pickups"]
    assert pickup["pickup_method_id"] == method["id"] and pickup["location"]["id"] == lyon["id"]
