"""Variants (per product and batch) and variant options with their values."""

from __future__ import annotations


def _with_sizes(api, **fields):
    return api.create_product(
        name=fields.pop("name", "Marinière"),
        sku=fields.pop("sku", "MAR"),
        inventory_tracking="variant",
        variants=[
            {"sku": "MAR-S", "inventory_level": 2, "option_values": [{"option_display_name": "Taille", "label": "S"}]},
            {
                "sku": "MAR-M",
                "inventory_level": 5,
                "price": 12,
                "option_values": [{"option_display_name": "Taille", "label": "M"}],
            },
        ],
        **fields,
    )


def test_inline_variants_create_options_and_values(api):
    product = _with_sizes(api)
    assert product["base_variant_id"] is None
    assert [v["sku"] for v in product["variants"]] == ["MAR-S", "MAR-M"]
    assert product["inventory_level"] == 7  # tracked by variant: the sum
    option = product["options"][0]
    assert option["display_name"] == "Taille"
    assert [v["label"] for v in option["option_values"]] == ["S", "M"]
    value = product["variants"][1]["option_values"][0]
    assert value == {
        "id": option["option_values"][1]["id"],
        "label": "M",
        "option_id": option["id"],
        "option_display_name": "Taille",
    }
    assert product["variants"][1]["calculated_price"] == 12
    assert all(v["sku_id"] and v["sku_id"] != v["id"] for v in product["variants"])
    assert api.create_product(name="Sans options")["variants"][0]["sku_id"] is None
    assert product["variants"][0]["calculated_price"] == product["price"]


def test_variant_crud_per_product(api):
    product = _with_sizes(api)
    option = api.get(f"/v3/catalog/products/{product['id']}/options").json()["data"][0]
    value_l = api.post(
        f"/v3/catalog/products/{product['id']}/options/{option['id']}/values", json={"label": "L", "sort_order": 3}
    ).json()["data"]
    created = api.post(
        f"/v3/catalog/products/{product['id']}/variants",
        json={
            "sku": "MAR-L",
            "inventory_level": 4,
            "option_values": [{"id": value_l["id"], "option_id": option["id"]}],
        },
    )
    assert created.status_code == 200, created.text
    variant = created.json()["data"]
    assert variant["option_values"][0]["label"] == "L" and variant["inventory_level"] == 4
    path = f"/v3/catalog/products/{product['id']}/variants"
    assert len(api.get(path).json()["data"]) == 3
    updated = api.put(f"{path}/{variant['id']}", json={"price": 15, "inventory_level": 9})
    assert updated.json()["data"]["price"] == 15 and updated.json()["data"]["inventory_level"] == 9
    same_values = api.post(
        path, json={"sku": "MAR-L2", "option_values": [{"id": value_l["id"], "option_id": option["id"]}]}
    )
    assert same_values.status_code == 409
    assert (
        api.post(
            path, json={"sku": "mar-s", "option_values": [{"id": value_l["id"], "option_id": option["id"]}]}
        ).status_code
        == 409
    )
    assert api.post(path, json={"option_values": []}).status_code == 422
    assert api.delete(f"{path}/{variant['id']}").status_code == 204
    assert api.get(f"{path}/{variant['id']}").status_code == 404


def test_adding_a_variant_to_a_simple_product_drops_the_base_variant(api):
    product = api.create_product(name="Simple", sku="SIMPLE")
    option = api.post(
        f"/v3/catalog/products/{product['id']}/options",
        json={
            "display_name": "Couleur",
            "type": "swatch",
            "option_values": [{"label": "Bleu", "sort_order": 0, "value_data": {"colors": ["#0000FF"]}}],
        },
    )
    assert option.status_code == 200
    option = option.json()["data"]
    api.post(
        f"/v3/catalog/products/{product['id']}/variants",
        json={
            "sku": "SIMPLE-BLEU",
            "option_values": [{"id": option["option_values"][0]["id"], "option_id": option["id"]}],
        },
    )
    variants = api.get(f"/v3/catalog/products/{product['id']}/variants").json()["data"]
    assert [v["sku"] for v in variants] == ["SIMPLE-BLEU"]
    assert api.get(f"/v3/catalog/products/{product['id']}").json()["data"]["base_variant_id"] is None


def test_store_wide_variants_list_and_sku_filter(api):
    _with_sizes(api)
    simple = api.create_product(name="Seul", sku="SEUL")
    listed = api.get("/v3/catalog/variants?sku=mar-m").json()["data"]
    assert [v["sku"] for v in listed] == ["MAR-M"]
    base = api.get("/v3/catalog/variants?sku=SEUL").json()["data"]
    assert base[0]["id"] == simple["base_variant_id"]
    assert len(api.get(f"/v3/catalog/variants?product_id:in={simple['id']}").json()["data"]) == 1


def test_batch_variants_update_and_create_50_max(api):
    product = _with_sizes(api)
    s, m = product["variants"]
    option = product["options"][0]
    value_xl = api.post(
        f"/v3/catalog/products/{product['id']}/options/{option['id']}/values", json={"label": "XL", "sort_order": 9}
    ).json()["data"]
    answer = api.put(
        "/v3/catalog/variants",
        json=[
            {"id": s["id"], "inventory_level": 11},
            {"id": m["id"], "price": 20},
            {
                "product_id": product["id"],
                "sku": "MAR-XL",
                "option_values": [{"id": value_xl["id"], "option_id": option["id"]}],
            },
        ],
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert data[0]["inventory_level"] == 11 and data[1]["price"] == 20 and data[2]["sku"] == "MAR-XL"
    assert api.get(f"/v3/catalog/products/{product['id']}").json()["data"]["inventory_level"] == 16
    too_many = api.put("/v3/catalog/variants", json=[{"id": s["id"]}] * 51)
    assert too_many.status_code == 413 and "50" in too_many.json()["title"]
    assert api.put("/v3/catalog/variants", json=[{"id": 987654}]).status_code == 422


def test_options_crud_and_rules(api):
    product = api.create_product(name="Options")
    path = f"/v3/catalog/products/{product['id']}/options"
    assert api.post(path, json={"display_name": "Taille", "type": "dropdown"}).status_code == 422
    assert (
        api.post(
            path, json={"display_name": "Taille", "type": "nope", "option_values": [{"label": "S", "sort_order": 0}]}
        ).status_code
        == 422
    )
    option = api.post(
        path, json={"display_name": "Taille", "type": "dropdown", "option_values": [{"label": "S", "sort_order": 0}]}
    ).json()["data"]
    assert (
        api.post(
            path,
            json={"display_name": "taille", "type": "dropdown", "option_values": [{"label": "S", "sort_order": 0}]},
        ).status_code
        == 409
    )
    renamed = api.put(f"{path}/{option['id']}", json={"display_name": "Pointure"}).json()["data"]
    assert renamed["display_name"] == "Pointure"
    values = f"{path}/{option['id']}/values"
    assert api.post(values, json={"label": "s"}).status_code == 409
    value = api.post(values, json={"label": "M", "sort_order": 1}).json()["data"]
    assert api.put(f"{values}/{value['id']}", json={"label": "Moyen"}).json()["data"]["label"] == "Moyen"
    assert len(api.get(values).json()["data"]) == 2
    assert api.delete(f"{values}/{value['id']}").status_code == 204
    assert api.get(f"{values}/{value['id']}").status_code == 404
    assert api.delete(f"{path}/{option['id']}").status_code == 204
    assert api.get(path).json()["data"] == []


def test_option_in_use_cannot_be_deleted(api):
    product = _with_sizes(api)
    option = product["options"][0]
    answer = api.delete(f"/v3/catalog/products/{product['id']}/options/{option['id']}")
    assert answer.status_code == 422
