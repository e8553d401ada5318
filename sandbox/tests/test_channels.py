"""Channels and product channel assignments."""

from __future__ import annotations


def test_channel_1_always_listed(api):
    channels = api.get("/v3/channels").json()
    assert channels["data"][0]["id"] == 1 and channels["data"][0]["type"] == "storefront"
    assert channels["meta"]["pagination"]["total"] == 1


def test_create_pos_channel(api):
    answer = api.post("/v3/channels", json={"name": "Comptoir-POS", "type": "pos", "platform": "custom"})
    assert answer.status_code == 200
    channel = answer.json()["data"]
    assert channel["id"] != 1 and channel["status"] == "connected" and channel["type"] == "pos"
    assert answer.json()["meta"] == {}
    assert api.get(f"/v3/channels/{channel['id']}").json()["data"]["name"] == "Comptoir-POS"
    assert len(api.get("/v3/channels?type:in=pos").json()["data"]) == 1


def test_channel_rules(api):
    spaces = api.post("/v3/channels", json={"name": "Comptoir POS", "type": "pos", "platform": "custom"})
    assert spaces.status_code == 422 and "latin alphabet" in spaces.json()["title"]
    accents = api.post("/v3/channels", json={"name": "Caisse-é", "type": "pos", "platform": "custom"})
    assert accents.status_code == 422
    mismatch = api.post("/v3/channels", json={"name": "Shop", "type": "marketplace", "platform": "bigcommerce"})
    assert mismatch.status_code == 422
    assert mismatch.json()["title"] == "Input channel type [marketplace] with platform [bigcommerce] is not supported"
    missing = api.post("/v3/channels", json={"name": "X"})
    assert missing.status_code == 422 and set(missing.json()["errors"]) == {"type", "platform"}
    assert (
        api.post(
            "/v3/channels", json={"name": "Sq", "type": "pos", "platform": "square", "status": "active"}
        ).status_code
        == 422
    )
    assert api.post("/v3/channels", json={"name": "Sq", "type": "pos", "platform": "square"}).status_code == 200


def test_update_channel(api):
    channel = api.post("/v3/channels", json={"name": "Caisse", "type": "pos", "platform": "custom"}).json()["data"]
    answer = api.put(f"/v3/channels/{channel['id']}", json={"status": "disconnected", "name": "Caisse_2"})
    assert answer.json()["data"]["status"] == "disconnected"
    assert api.put(f"/v3/channels/{channel['id']}", json={"type": "storefront"}).status_code == 422
    assert api.put(f"/v3/channels/{channel['id']}", json={"name": "bad name"}).status_code == 422
    assert api.get("/v3/channels/4242").status_code == 404


def test_channel_assignments(api):
    channel = api.post("/v3/channels", json={"name": "Comptoir-POS", "type": "pos", "platform": "custom"}).json()[
        "data"
    ]
    p1, p2 = api.create_product(name="Un"), api.create_product(name="Deux")
    path = "/v3/catalog/products/channel-assignments"
    assert api.put(path, json=[{"product_id": p1["id"], "channel_id": channel["id"]}]).status_code == 204
    rows = api.get(f"{path}?channel_id:in={channel['id']}").json()
    assert rows["data"] == [{"product_id": p1["id"], "channel_id": channel["id"]}]
    assert rows["meta"]["pagination"]["total"] == 1
    # Multi-storefront: a new product is on no channel until assigned.
    assert api.get(f"{path}?product_id:in={p2['id']}").json()["data"] == []
    listed = api.get(f"/v3/catalog/products?channel_id:in={channel['id']}").json()["data"]
    assert [p["id"] for p in listed] == [p1["id"]]
    bad = api.put(path, json=[{"product_id": p1["id"], "channel_id": 999}])
    assert bad.status_code == 422 and "0.channel_id" in bad.json()["errors"]
    assert api.delete(f"{path}?product_id:in={p1['id']}&channel_id:in={channel['id']}").status_code == 204
    assert api.get(f"{path}?channel_id:in={channel['id']}").json()["data"] == []
    assert api.delete(path).status_code == 422


def test_new_products_join_channel_1_only_when_the_store_says_so(sandbox, api, receiver):
    api.post("/v3/hooks", json={"scope": "store/channel/1/product/assigned", "destination": receiver.url + "/a"})
    alone = api.create_product(name="Alone")
    assert api.get(f"/v3/catalog/products/{alone['id']}?include=channels").json()["data"]["channels"] == []
    assert sandbox.set_options(api.store_hash, assign_new_products_to_channel_1=True)[
        "assign_new_products_to_channel_1"
    ]
    listed = api.create_product(name="Listed")
    assert api.get(f"/v3/catalog/products/{listed['id']}?include=channels").json()["data"]["channels"] == [1]
    receiver.wait_for(1)
    assert [p["data"]["product_id"] for p in receiver.payloads()] == [listed["id"]]
