"""Reads the storage narrows in SQLite (by id, parent, name, SKU, URL or date) answer what a walk
of the whole store answers: the same records, the same order, the same pages."""


def _shirt(api, name: str, tracking: str = "variant") -> dict:
    return api.create_product(
        name=name,
        sku=name.upper(),
        inventory_tracking=tracking,
        variants=[
            {
                "sku": f"{name}-{size}",
                "inventory_level": level,
                "option_values": [{"option_display_name": "Size", "label": size}],
            }
            for size, level in (("S", 3), ("M", 4), ("L", 5))
        ],
    )


def test_variant_pages_are_the_store_variants_in_id_order(api):
    shirts = [_shirt(api, f"shirt{n}") for n in range(4)]
    ids = sorted(v["id"] for s in shirts for v in api.get(f"/v3/catalog/products/{s['id']}/variants").json()["data"])
    pages = [api.get("/v3/catalog/variants", params={"limit": 5, "page": p}).json() for p in (1, 2, 3, 4)]
    assert [v["id"] for page in pages for v in page["data"]] == ids
    assert pages[0]["meta"]["pagination"]["total"] == 12 and pages[0]["meta"]["pagination"]["total_pages"] == 3
    assert pages[3]["data"] == []
    narrowed = api.get("/v3/catalog/variants", params={"id:in": f"{ids[7]},{ids[2]}", "product_id:in": shirts[0]["id"]})
    assert [v["id"] for v in narrowed.json()["data"]] == [ids[2]]


def test_product_levels_and_filters_read_in_sqlite(api):
    shirt = _shirt(api, "levels")
    other = api.create_product(name="Été", sku="ETE-1")
    listed = api.get("/v3/catalog/products", params={"id:in": f"{shirt['id']}.0,{other['id']}"}).json()["data"]
    assert [(p["id"], p["inventory_level"]) for p in listed] == [(shirt["id"], 12), (other["id"], 0)]
    assert [p["id"] for p in api.get("/v3/catalog/products", params={"name": "Été"}).json()["data"]] == [other["id"]]
    assert api.get("/v3/catalog/products", params={"name": "été"}).json()["data"] == []  # the name is exact
    assert [p["id"] for p in api.get("/v3/catalog/products", params={"sku": "ete-1"}).json()["data"]] == [other["id"]]
    assert api.get("/v3/catalog/products", params={"id:in": "x", "name": "nobody"}).status_code == 400


def test_a_custom_url_is_unique_in_any_letter_case_unicode_included(api):
    api.create_product(name="Un", custom_url={"url": "/été/", "is_customized": True})
    taken = api.post(
        "/v3/catalog/products",
        json={"name": "Deux", "type": "physical", "weight": 1, "price": 1, "custom_url": {"url": "/ÉTÉ/"}},
    )
    assert taken.status_code in (409, 422)


def test_a_custom_url_stays_taken_when_its_product_stock_or_settings_move(api):
    """The stock writes save the product too: its SKU, name and URL keys must survive them."""
    product = api.create_product(
        name="Stocked",
        sku="STK-URL",
        inventory_tracking="product",
        custom_url={"url": "/stocked/", "is_customized": True},
    )
    writes = (
        ("PUT", f"/v3/catalog/products/{product['id']}", {"inventory_level": 5}),
        (
            "PUT",
            "/v3/inventory/adjustments/absolute",
            {"items": [{"location_id": 1, "product_id": product["id"], "quantity": 9}]},
        ),
        (
            "PUT",
            "/v3/inventory/locations/1/items",
            {"settings": [{"identity": {"product_id": product["id"]}, "warning_level": 2}]},
        ),
    )
    body = {"type": "physical", "weight": 1, "price": 1}
    for method, path, payload in writes:
        assert api.request(method, path, json=payload).status_code == 200, path
        for taken in (
            {"name": "Other", "custom_url": {"url": "/STOCKED/", "is_customized": True}},
            {"name": "Other", "sku": "stk-url"},
            {"name": "stocked"},
        ):
            assert api.post("/v3/catalog/products", json={**body, **taken}).status_code == 409, (path, taken)


def test_inventory_items_of_some_variants_whatever_the_tracking(api):
    by_variant, by_product = _shirt(api, "tracked"), _shirt(api, "pooled", tracking="product")
    wanted = [v["id"] for v in api.get(f"/v3/catalog/products/{by_variant['id']}/variants").json()["data"]][1:]
    pooled = [v["id"] for v in api.get(f"/v3/catalog/products/{by_product['id']}/variants").json()["data"]]
    items = api.get("/v3/inventory/items", params={"variant_id:in": ",".join(map(str, wanted + pooled[:1]))})
    identities = [i["identity"] for i in items.json()["data"]]
    # The product's item names no variant (inventory.v3.yml types variant_id as a non-null integer).
    assert [i.get("variant_id") for i in identities] == [*wanted, None]
    assert identities[-1]["product_id"] == by_product["id"]
    # A later variant of a product tracked by product stands for nothing: the item is the first one's.
    assert api.get("/v3/inventory/items", params={"variant_id:in": pooled[1]}).json()["data"] == []


def test_orders_since_a_date_modified(sandbox, store, api):
    product = api.create_product(name="Mug", sku="MUG", inventory_level=10, inventory_tracking="product")
    body = {"billing_address": {"first_name": "A", "last_name": "B", "email": "a@b.test"}}
    first = sandbox.place_order(store["hash"], {**body, "products": [{"product_id": product["id"], "quantity": 1}]})
    listed = api.get("/v2/orders", params={"min_date_modified": first["date_modified"]})
    assert [o["id"] for o in listed.json()] == [first["id"]]
    assert api.get("/v2/orders", params={"min_date_modified": "2999-01-01T00:00:00Z"}).status_code == 204
