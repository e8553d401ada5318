"""Catalog products: create, read, list (filters, include, pagination), update, delete."""

from __future__ import annotations

import time


def test_create_returns_200_with_data_and_empty_meta(api):
    answer = api.post(
        "/v3/catalog/products",
        json={
            "name": "Mug",
            "type": "physical",
            "weight": 0.4,
            "price": "12.50",
            "sku": "MUG-1",
            "inventory_tracking": "product",
            "inventory_level": 7,
            "is_visible": False,
            "custom_fields": [{"name": "Matière", "value": "Grès"}],
            "videos": [{"video_id": "dQw4w9WgXcQ", "type": "youtube", "title": "Le mug"}],
        },
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["meta"] == {}
    product = body["data"]
    assert product["id"] > 0 and product["price"] == 12.5 and product["inventory_level"] == 7
    assert product["is_visible"] is False and product["base_variant_id"] is not None
    assert product["custom_fields"][0]["name"] == "Matière"
    assert product["videos"][0]["video_id"] == "dQw4w9WgXcQ"
    assert [v["sku"] for v in product["variants"]] == ["MUG-1"]


def test_missing_fields_are_422_with_errors_map(api):
    answer = api.post("/v3/catalog/products", json={"sku": "X"})
    assert answer.status_code == 422
    assert set(answer.json()["errors"]) >= {"name", "type", "weight", "price"}


def test_invalid_values_are_422(api):
    for body, field in (
        ({"type": "spaceship"}, "type"),
        ({"price": -1}, "price"),
        ({"name": "x" * 251}, "name"),
        ({"inventory_tracking": "maybe"}, "inventory_tracking"),
        ({"is_visible": "yes"}, "is_visible"),
        ({"inventory_level": -3}, "inventory_level"),
    ):
        payload = {"name": "Ok", "type": "physical", "weight": 1, "price": 1, **body}
        answer = api.post("/v3/catalog/products", json=payload)
        assert answer.status_code == 422, body
        assert field in answer.json()["errors"]


def test_malformed_json_is_400(api):
    answer = api.post("/v3/catalog/products", data=b"{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400


def test_names_unique_case_insensitively(api):
    api.create_product(name="Bougie")
    answer = api.post("/v3/catalog/products", json={"name": "BOUGIE", "type": "physical", "weight": 1, "price": 1})
    assert answer.status_code == 409 and "name" in answer.json()["errors"]


def test_skus_unique_across_products_and_variants_any_case(api):
    api.create_product(name="A", sku="ABC-1")
    api.create_product(
        name="B",
        sku="B-1",
        variants=[{"sku": "VAR-1", "option_values": [{"option_display_name": "Size", "label": "S"}]}],
    )
    for sku in ("abc-1", "var-1"):
        answer = api.post(
            "/v3/catalog/products", json={"name": f"C {sku}", "type": "physical", "weight": 1, "price": 1, "sku": sku}
        )
        assert answer.status_code == 409, sku
    clash = api.post(
        "/v3/catalog/products",
        json={
            "name": "D",
            "type": "physical",
            "weight": 1,
            "price": 1,
            "sku": "D-1",
            "variants": [{"sku": "Abc-1", "option_values": [{"option_display_name": "Size", "label": "M"}]}],
        },
    )
    assert clash.status_code == 409


def test_get_one_and_404(api):
    product = api.create_product(name="Seul")
    assert api.get(f"/v3/catalog/products/{product['id']}").json()["data"]["name"] == "Seul"
    missing = api.get("/v3/catalog/products/99999")
    assert missing.status_code == 404 and missing.json()["status"] == 404


def test_pagination_meta_and_links(api):
    for index in range(5):
        api.create_product(name=f"P{index}")
    page = api.get("/v3/catalog/products?limit=2&page=2").json()
    pagination = page["meta"]["pagination"]
    assert pagination == {
        "total": 5,
        "count": 2,
        "per_page": 2,
        "current_page": 2,
        "total_pages": 3,
        "links": {"current": "?page=2&limit=2", "previous": "?page=1&limit=2", "next": "?page=3&limit=2"},
    }
    assert [p["name"] for p in page["data"]] == ["P2", "P3"]
    last = api.get("/v3/catalog/products?limit=2&page=3").json()["meta"]["pagination"]
    assert "next" not in last["links"] and last["count"] == 1


def test_limit_is_capped_at_250(api):
    api.create_product(name="Only")
    assert api.get("/v3/catalog/products?limit=1000").json()["meta"]["pagination"]["per_page"] == 250


def test_filters(api):
    a = api.create_product(name="Tasse bleue", sku="T-BLUE", description="en grès")
    b = api.create_product(name="Tasse rouge", sku="T-RED")
    c = api.create_product(name="Assiette", sku="ASS-1")

    def names(query):
        answer = api.get("/v3/catalog/products?" + query)
        assert answer.status_code == 200, answer.text
        return sorted(p["name"] for p in answer.json()["data"])

    assert names(f"id:in={a['id']},{c['id']}") == ["Assiette", "Tasse bleue"]
    assert names("sku=t-red") == ["Tasse rouge"]
    assert names("sku:in=T-BLUE,ASS-1") == ["Assiette", "Tasse bleue"]
    assert names("name=Assiette") == ["Assiette"]
    assert names("keyword=grès") == ["Tasse bleue"]
    assert names("keyword=tasse") == ["Tasse bleue", "Tasse rouge"]
    assert names(f"id:min={b['id']}") == ["Assiette", "Tasse rouge"]
    assert names("channel_id:in=1") == []  # new products are on no channel until assigned
    assert names("channel_id:in=2") == []


def test_date_modified_min_filter(api):
    old = api.create_product(name="Ancien")
    time.sleep(1.1)
    marker = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    api.put(f"/v3/catalog/products/{old['id']}", json={"price": 3})
    api.create_product(name="Nouveau")
    before = api.create_product(name="Autre")  # same second as marker or later
    answer = api.get(f"/v3/catalog/products?date_modified:min={marker}").json()["data"]
    assert {p["name"] for p in answer} == {"Ancien", "Nouveau", "Autre"}
    later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    assert api.get(f"/v3/catalog/products?date_modified:min={later}").json()["data"] == []
    assert before["id"]


def test_include_sub_resources(api):
    product = api.create_product(
        name="Avec",
        variants=[{"sku": "AV-S", "option_values": [{"option_display_name": "Taille", "label": "S"}]}],
        custom_fields=[{"name": "k", "value": "v"}],
    )
    listed = api.get("/v3/catalog/products?include=variants,options,custom_fields,channels,images,videos")
    item = next(p for p in listed.json()["data"] if p["id"] == product["id"])
    assert item["variants"][0]["sku"] == "AV-S"
    assert item["options"][0]["display_name"] == "Taille"
    assert item["custom_fields"][0]["value"] == "v"
    assert item["channels"] == [] and item["images"] == [] and item["videos"] == []
    plain = api.get(f"/v3/catalog/products/{product['id']}").json()["data"]
    assert "variants" not in plain
    assert api.get("/v3/catalog/products?include=nonsense").status_code == 422


def test_include_and_exclude_fields(api):
    product = api.create_product(name="Champs", sku="CH-1")
    only = api.get(f"/v3/catalog/products/{product['id']}?include_fields=name,sku").json()["data"]
    assert set(only) == {"id", "name", "sku"}
    without = api.get(f"/v3/catalog/products/{product['id']}?exclude_fields=description").json()["data"]
    assert "description" not in without and "name" in without


def test_update_one(api):
    product = api.create_product(name="Avant", sku="AV-1")
    answer = api.put(f"/v3/catalog/products/{product['id']}", json={"name": "Après", "price": 4.5, "categories": []})
    assert answer.status_code == 200
    assert answer.json()["data"]["name"] == "Après" and answer.json()["data"]["price"] == 4.5
    other = api.create_product(name="Autre", sku="AU-1")
    assert api.put(f"/v3/catalog/products/{other['id']}", json={"sku": "av-1"}).status_code == 409
    assert api.put(f"/v3/catalog/products/{other['id']}", json={"name": "après"}).status_code == 409
    assert api.put(f"/v3/catalog/products/{other['id']}", json={"price": "cher"}).status_code == 422
    assert api.put("/v3/catalog/products/424242", json={"price": 1}).status_code == 404
    assert api.put(f"/v3/catalog/products/{other['id']}", json={"categories": [9999]}).status_code == 409


def test_batch_update_up_to_10_and_413_beyond(api):
    products = [api.create_product(name=f"Lot {i}") for i in range(3)]
    answer = api.put("/v3/catalog/products", json=[{"id": p["id"], "price": 99} for p in products])
    assert answer.status_code == 200
    assert [p["price"] for p in answer.json()["data"]] == [99, 99, 99]
    too_many = api.put("/v3/catalog/products", json=[{"id": products[0]["id"]}] * 11)
    assert too_many.status_code == 413
    assert "10" in too_many.json()["title"]
    # one bad item fails the whole batch, nothing is changed
    mixed = api.put(
        "/v3/catalog/products", json=[{"id": products[0]["id"], "price": 1}, {"id": products[1]["id"], "price": -5}]
    )
    assert mixed.status_code == 422
    assert api.get(f"/v3/catalog/products/{products[0]['id']}").json()["data"]["price"] == 99
    assert api.put("/v3/catalog/products", json=[{"price": 1}]).status_code == 422


def test_delete_one_and_batch(api):
    products = [api.create_product(name=f"Del {i}", sku=f"DEL-{i}") for i in range(4)]
    assert api.delete(f"/v3/catalog/products/{products[0]['id']}").status_code == 204
    assert api.get(f"/v3/catalog/products/{products[0]['id']}").status_code == 404
    answer = api.delete(f"/v3/catalog/products?id:in={products[1]['id']},{products[2]['id']}")
    assert answer.status_code == 204
    left = [p["name"] for p in api.get("/v3/catalog/products").json()["data"]]
    assert left == ["Del 3"]
    assert api.delete("/v3/catalog/products").status_code == 422
    # the SKU is free again once its product is gone
    api.create_product(name="Reborn", sku="DEL-0")


def test_concurrent_creates_with_one_name_make_one_product(api):
    from concurrent.futures import ThreadPoolExecutor

    import requests

    def create(_):
        return requests.post(
            f"{api.base}/v3/catalog/products",
            headers=dict(api.session.headers),
            timeout=30,
            json={"name": "Unique au monde", "type": "physical", "weight": 1, "price": 1},
        ).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(create, range(10)))
    assert sorted(statuses) == [200] + [409] * 9
    assert len(api.get("/v3/catalog/products?name=Unique au monde").json()["data"]) == 1
