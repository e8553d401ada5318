"""Inventory adjustments, items and locations; they agree with the Catalog API."""

from __future__ import annotations


def _level(api, product_id):
    return api.get(f"/v3/catalog/products/{product_id}").json()["data"]["inventory_level"]


def test_default_location(api):
    locations = api.get("/v3/inventory/locations").json()["data"]
    assert locations[0]["id"] == 1 and locations[0]["code"] == "BC-LOCATION-1"


def test_absolute_and_relative_adjustments_agree_with_catalog(api):
    product = api.create_product(name="Stock", sku="STK", inventory_tracking="product", inventory_level=5)
    answer = api.put(
        "/v3/inventory/adjustments/absolute",
        json={"reason": "count", "items": [{"location_id": 1, "product_id": product["id"], "quantity": 12}]},
    )
    assert answer.status_code == 200 and answer.json()["transaction_id"]
    assert _level(api, product["id"]) == 12
    api.post("/v3/inventory/adjustments/relative", json={"items": [{"location_id": 1, "sku": "stk", "quantity": -4}]})
    assert _level(api, product["id"]) == 8
    api.put(f"/v3/catalog/products/{product['id']}", json={"inventory_level": 20})
    items = api.get(f"/v3/inventory/items?product_id:in={product['id']}").json()["data"]
    assert items[0]["locations"][0]["available_to_sell"] == 20
    assert items[0]["identity"]["sku"] == "STK"
    base = api.put(
        "/v3/inventory/adjustments/absolute",
        json={"items": [{"location_id": 1, "variant_id": product["base_variant_id"], "quantity": 3}]},
    )
    assert base.status_code == 200 and _level(api, product["id"]) == 3


def test_relative_below_zero_is_refused_and_changes_nothing(api):
    a = api.create_product(name="A", sku="A", inventory_tracking="product", inventory_level=5)
    b = api.create_product(name="B", sku="B", inventory_tracking="product", inventory_level=1)
    answer = api.post(
        "/v3/inventory/adjustments/relative",
        json={
            "items": [
                {"location_id": 1, "product_id": a["id"], "quantity": -2},
                {"location_id": 1, "product_id": b["id"], "quantity": -2},
            ]
        },
    )
    assert answer.status_code == 422
    assert (_level(api, a["id"]), _level(api, b["id"])) == (5, 1)
    # the same item twice adds up
    twice = api.post(
        "/v3/inventory/adjustments/relative",
        json={
            "items": [
                {"location_id": 1, "product_id": a["id"], "quantity": -3},
                {"location_id": 1, "product_id": a["id"], "quantity": -3},
            ]
        },
    )
    assert twice.status_code == 422 and _level(api, a["id"]) == 5


def test_variant_tracking(api):
    product = api.create_product(
        name="Tailles",
        sku="TL",
        inventory_tracking="variant",
        variants=[
            {"sku": "TL-S", "inventory_level": 1, "option_values": [{"option_display_name": "T", "label": "S"}]},
            {"sku": "TL-M", "inventory_level": 2, "option_values": [{"option_display_name": "T", "label": "M"}]},
        ],
    )
    s, m = product["variants"]
    api.put(
        "/v3/inventory/adjustments/absolute",
        json={
            "items": [
                {"location_id": 1, "variant_id": s["id"], "quantity": 10},
                {"location_id": 1, "sku": "TL-M", "quantity": 4},
            ]
        },
    )
    assert _level(api, product["id"]) == 14
    by_product = api.put(
        "/v3/inventory/adjustments/absolute",
        json={"items": [{"location_id": 1, "product_id": product["id"], "quantity": 1}]},
    )
    assert by_product.status_code == 422 and "tracked by variant" in by_product.json()["title"]
    variants = api.get(f"/v3/catalog/products/{product['id']}/variants").json()["data"]
    assert [v["inventory_level"] for v in variants] == [10, 4]
    items = api.get(f"/v3/inventory/items?variant_id:in={m['id']}").json()["data"]
    assert items[0]["identity"]["variant_id"] == m["id"]
    assert items[0]["locations"][0]["available_to_sell"] == 4


def test_variant_of_a_product_tracked_by_product_is_refused(api):
    product = api.create_product(
        name="PT",
        sku="PT",
        inventory_tracking="product",
        variants=[{"sku": "PT-S", "option_values": [{"option_display_name": "T", "label": "S"}]}],
    )
    answer = api.put(
        "/v3/inventory/adjustments/absolute",
        json={"items": [{"location_id": 1, "variant_id": product["variants"][0]["id"], "quantity": 1}]},
    )
    assert answer.status_code == 422 and "tracked by product" in answer.json()["title"]


def test_adjustment_validation(api):
    product = api.create_product(name="V", sku="V", inventory_tracking="product")
    for items in (
        [{"location_id": 1, "product_id": product["id"]}],
        [{"location_id": 1, "quantity": 1}],
        [{"location_id": 1, "sku": "NOPE", "quantity": 1}],
        [{"location_id": 99, "product_id": product["id"], "quantity": 1}],
    ):
        assert api.put("/v3/inventory/adjustments/absolute", json={"items": items}).status_code == 422, items
    assert api.put("/v3/inventory/adjustments/absolute", json={"items": []}).status_code == 422
    too_many = [{"location_id": 1, "product_id": product["id"], "quantity": 1}] * 2001
    assert api.post("/v3/inventory/adjustments/relative", json={"items": too_many}).status_code == 413
    assert api.put("/v3/inventory/adjustments/absolute", json={"items": too_many}).status_code == 413


def test_second_location(api):
    product = api.create_product(name="Multi", sku="MULTI", inventory_tracking="product", inventory_level=2)
    created = api.post("/v3/inventory/locations", json=[{"code": "SHOP", "label": "Boutique"}])
    assert created.status_code == 200 and created.json()["transaction_id"]
    location = api.get("/v3/inventory/locations?location_code:in=SHOP").json()["data"][0]
    api.put(
        "/v3/inventory/adjustments/absolute",
        json={"items": [{"location_id": location["id"], "product_id": product["id"], "quantity": 9}]},
    )
    assert _level(api, product["id"]) == 2  # catalog reads the default location
    per_location = api.get(f"/v3/inventory/locations/{location['id']}/items").json()["data"]
    assert per_location[0]["available_to_sell"] == 9
    assert api.post("/v3/inventory/locations", json=[{"code": "SHOP", "label": "Again"}]).status_code == 422
    assert api.delete("/v3/inventory/locations?location_id:in=1").status_code == 422
    assert api.get("/v3/inventory/locations/77/items").status_code == 404


def test_concurrent_relative_adjustments_are_consistent(api):
    from concurrent.futures import ThreadPoolExecutor

    import requests

    product = api.create_product(name="Course", sku="RACE", inventory_tracking="product", inventory_level=20)

    def take_one(_):
        return requests.post(
            f"{api.base}/v3/inventory/adjustments/relative",
            headers=dict(api.session.headers),
            timeout=30,
            json={"items": [{"location_id": 1, "product_id": product["id"], "quantity": -1}]},
        ).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(take_one, range(25)))
    assert statuses.count(200) == 20 and statuses.count(422) == 5
    assert _level(api, product["id"]) == 0


def test_control_stock_reads_every_variants_level_without_an_api_call(sandbox, store, api):
    simple = api.create_product(name="Bougie", sku="BOU", inventory_tracking="product", inventory_level=4)
    shirt = api.create_product(
        name="Marinière",
        sku="MAR",
        inventory_tracking="variant",
        variants=[
            {"sku": "MAR-S", "inventory_level": 2, "option_values": [{"option_display_name": "Taille", "label": "S"}]},
            {"sku": "MAR-M", "inventory_level": 5, "option_values": [{"option_display_name": "Taille", "label": "M"}]},
        ],
    )
    api.post("/v3/inventory/adjustments/relative", json={"items": [{"location_id": 1, "sku": "MAR-M", "quantity": -1}]})
    logged = len(sandbox.request_log(store["hash"]))
    levels = sandbox.stock_levels(store["hash"])
    small, medium = shirt["variants"]
    assert levels == {simple["base_variant_id"]: 4, small["id"]: 2, medium["id"]: 4}
    assert sandbox.stock_levels(store["hash"], location_id=2) == dict.fromkeys(levels, 0)
    assert len(sandbox.request_log(store["hash"])) == logged  # an inspection, not an API call
