"""Category trees, tree categories, legacy categories, category assignments."""

from __future__ import annotations


def test_channel_1_has_tree_1(api):
    trees = api.get("/v3/catalog/trees").json()["data"]
    assert trees == [{"id": 1, "name": "Test store", "channels": [1]}]


def test_tree_categories_create_list_update_delete(api):
    answer = api.post(
        "/v3/catalog/trees/categories",
        json=[{"name": "Maison", "tree_id": 1}, {"name": "Vêtements", "tree_id": 1, "is_visible": False}],
    )
    assert answer.status_code == 201
    body = answer.json()
    assert body["meta"] == {"total": 2, "success": 2, "failed": 0}
    maison = body["data"][0]
    assert maison["category_id"] > 0 and maison["parent_id"] == 0 and maison["tree_id"] == 1
    child = api.post(
        "/v3/catalog/trees/categories", json=[{"name": "Cuisine", "parent_id": maison["category_id"]}]
    ).json()["data"][0]
    assert child["tree_id"] == 1
    listed = api.get(f"/v3/catalog/trees/categories?parent_id:in={maison['category_id']}").json()
    assert [c["name"] for c in listed["data"]] == ["Cuisine"]
    nested = api.get("/v3/catalog/trees/1/categories").json()["data"]
    assert nested[0]["name"] == "Maison" and nested[0]["children"][0]["name"] == "Cuisine"
    assert nested[0]["children"][0]["depth"] == 2
    renamed = api.put(
        "/v3/catalog/trees/categories", json=[{"category_id": child["category_id"], "name": "Arts de la table"}]
    )
    assert renamed.json()["data"][0]["name"] == "Arts de la table"
    deleted = api.delete(f"/v3/catalog/trees/categories?category_id:in={maison['category_id']}")
    assert deleted.status_code == 202 and deleted.json()["meta"]["success"] == 1
    remaining = [c["name"] for c in api.get("/v3/catalog/trees/categories").json()["data"]]
    assert remaining == ["Vêtements"]  # the child went with its parent
    assert api.delete("/v3/catalog/trees/categories").status_code == 422


def test_tree_category_validation(api):
    assert api.post("/v3/catalog/trees/categories", json=[{"name": "Sans arbre"}]).status_code == 422
    assert api.post("/v3/catalog/trees/categories", json=[{"name": "x" * 51, "tree_id": 1}]).status_code == 422
    assert api.post("/v3/catalog/trees/categories", json=[{"name": "Ok", "tree_id": 77}]).status_code == 422
    api.post("/v3/catalog/trees/categories", json=[{"name": "Unique", "tree_id": 1}])
    assert api.post("/v3/catalog/trees/categories", json=[{"name": "unique", "tree_id": 1}]).status_code == 422
    assert api.post("/v3/catalog/trees/categories", json={"name": "pas une liste"}).status_code == 422


def test_trees_upsert_and_one_tree_per_channel(api):
    channel = api.post("/v3/channels", json={"name": "Comptoir-POS", "type": "pos", "platform": "custom"}).json()[
        "data"
    ]
    tree = api.put("/v3/catalog/trees", json=[{"name": "POS", "channels": [channel["id"]]}])
    assert tree.status_code == 200
    tree = tree.json()["data"][0]
    clash = api.put("/v3/catalog/trees", json=[{"name": "Again", "channels": [channel["id"]]}])
    assert clash.status_code == 422
    assert api.put("/v3/catalog/trees", json=[{"name": "No channel"}]).status_code == 422
    listed = api.get(f"/v3/catalog/trees?channel_id:in={channel['id']}").json()["data"]
    assert [t["id"] for t in listed] == [tree["id"]]
    assert api.delete(f"/v3/catalog/trees?id:in={tree['id']}").status_code == 204


def test_legacy_categories(api):
    created = api.post("/v3/catalog/categories", json={"parent_id": 0, "name": "Comptoir POS", "is_visible": False})
    assert created.status_code == 200
    category = created.json()["data"]
    assert category["custom_url"]["url"] and category["is_visible"] is False
    assert api.post("/v3/catalog/categories", json={"parent_id": 0, "name": "comptoir pos"}).status_code == 409
    assert api.post("/v3/catalog/categories", json={"name": "Pas de parent"}).status_code == 422
    assert api.get(f"/v3/catalog/categories/{category['id']}").json()["data"]["name"] == "Comptoir POS"
    assert api.get("/v3/catalog/categories?name=Comptoir POS").json()["data"][0]["id"] == category["id"]
    updated = api.put(f"/v3/catalog/categories/{category['id']}", json={"description": "POS"})
    assert updated.json()["data"]["description"] == "POS"
    product = api.create_product(name="Classé", categories=[category["id"]])
    assert product["categories"] == [category["id"]]
    assert api.delete(f"/v3/catalog/categories/{category['id']}").status_code == 204
    assert api.get(f"/v3/catalog/products/{product['id']}").json()["data"]["categories"] == []
    assert api.get(f"/v3/catalog/categories/{category['id']}").status_code == 404


def test_category_assignments(api):
    cats = api.post(
        "/v3/catalog/trees/categories", json=[{"name": "A", "tree_id": 1}, {"name": "B", "tree_id": 1}]
    ).json()["data"]
    a, b = (c["category_id"] for c in cats)
    p1, p2 = api.create_product(name="P1"), api.create_product(name="P2")
    path = "/v3/catalog/products/category-assignments"
    assert (
        api.put(
            path,
            json=[
                {"product_id": p1["id"], "category_id": a},
                {"product_id": p2["id"], "category_id": a},
                {"product_id": p2["id"], "category_id": b},
            ],
        ).status_code
        == 204
    )
    rows = api.get(f"{path}?category_id:in={a}").json()["data"]
    assert rows == [{"product_id": p1["id"], "category_id": a}, {"product_id": p2["id"], "category_id": a}]
    assert api.get(f"/v3/catalog/products/{p2['id']}").json()["data"]["categories"] == [a, b]
    assert api.put(path, json=[{"product_id": p1["id"], "category_id": 99999}]).status_code == 422
    assert api.delete(f"{path}?product_id:in={p2['id']}&category_id:in={a}").status_code == 204
    assert api.get(f"{path}?product_id:in={p2['id']}").json()["data"] == [{"product_id": p2["id"], "category_id": b}]
    assert api.delete(path).status_code == 422
