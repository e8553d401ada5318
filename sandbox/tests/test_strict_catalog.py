"""The sandbox is as strict as BigCommerce for what product sync uses (issue 9): real
webhook scopes only, the events BigCommerce fires and no others, what a product PUT does
with its sub-resources, and the payloads BigCommerce refuses. Sources: bigcommerce/docs
`docs/integrations/webhooks/events/*.mdx` and `reference/catalog/*.yml`."""

from __future__ import annotations

import pytest

from sandbox.tests.test_media import PNG

SIZED = [
    {"sku": "TS-S", "option_values": [{"option_display_name": "Taille", "label": "S"}]},
    {"sku": "TS-M", "option_values": [{"option_display_name": "Taille", "label": "M"}]},
]


def _hook(api, receiver, scope):
    answer = api.post("/v3/hooks", json={"scope": scope, "destination": receiver.url + "/hook"})
    assert answer.status_code == 200, answer.text


def _queued(sandbox, api) -> list[dict]:
    """The store's deliveries, oldest first (queued inside the write's transaction)."""
    return sorted((d for d in sandbox.deliveries(api.store_hash) if not d["duplicate"]), key=lambda d: d["id"])


@pytest.fixture
def fired(sandbox, api):
    """fired(action) -> the (scope, data) that `action` fired, in order, read from the queued
    deliveries (they are written in the write's own transaction: no waiting)."""

    def after(action):
        before = {d["id"] for d in _queued(sandbox, api)}
        action()
        return [(d["scope"], d["payload"]["data"]) for d in _queued(sandbox, api) if d["id"] not in before]

    return after


@pytest.mark.parametrize(
    "scope",
    [
        "store/product/*",
        "store/sku/created",
        "store/channel/created",
        "store/channel/7/order/statusUpdated",
        "store/channel/*/order/created",
        "store/channel/*/inventory/product/stock_changed",
        "store/channel/3/order/*",
    ],
)
def test_real_scopes_and_their_wildcards_are_accepted(api, receiver, scope):
    assert api.post("/v3/hooks", json={"scope": scope, "destination": receiver.url}).status_code == 200


@pytest.mark.parametrize(
    "scope",
    [
        "store/product/renamed",
        "store/products/updated",
        "store/*",
        "store/channel/abc/order/created",
        "store/channel/*/product/exploded",
        "store/sku/inventory/*/updated",
        "store/order/created/",
    ],
)
def test_made_up_scopes_are_refused(api, receiver, scope):
    answer = api.post("/v3/hooks", json={"scope": scope, "destination": receiver.url})
    assert answer.status_code == 422 and "scope" in answer.json()["errors"]


def test_sku_events_for_variants_created_updated_and_deleted(sandbox, api, receiver, fired):
    _hook(api, receiver, "store/sku/*")
    product = api.create_product(name="T-shirt", inventory_tracking="variant", variants=SIZED)
    small, medium = product["variants"]
    variants = f"/v3/catalog/products/{product['id']}/variants"
    created = [d["payload"]["data"] for d in _queued(sandbox, api) if d["scope"] == "store/sku/created"]
    assert created == [
        {"type": "sku", "id": v["sku_id"], "sku": {"product_id": product["id"], "variant_id": v["id"]}}
        for v in (small, medium)
    ]
    assert fired(lambda: api.put(f"{variants}/{small['id']}", json={"price": 12})) == [
        (
            "store/sku/updated",
            {"type": "sku", "id": small["sku_id"], "sku": {"product_id": product["id"], "variant_id": small["id"]}},
        )
    ]
    assert fired(lambda: api.put(f"{variants}/{small['id']}", json={"price": 12})) == []
    fired = fired(lambda: api.delete(f"{variants}/{medium['id']}"))
    assert [s for s, _ in fired] == ["store/sku/deleted"] and fired[0][1]["id"] == medium["sku_id"]


def test_channel_created_and_updated_only_on_a_real_change(sandbox, api, receiver, fired):
    _hook(api, receiver, "store/channel/*")
    created = fired(lambda: api.post("/v3/channels", json={"name": "POS", "type": "pos", "platform": "custom"}))
    assert [s for s, _ in created] == ["store/channel/created"]
    channel_id = created[0][1]["id"]
    assert created[0][1] == {"type": "channel", "id": channel_id}
    assert fired(lambda: api.put(f"/v3/channels/{channel_id}", json={"name": "POS"})) == []
    assert fired(lambda: api.put(f"/v3/channels/{channel_id}", json={"status": "disconnected"})) == [
        ("store/channel/updated", {"type": "channel", "id": channel_id})
    ]


def test_product_updated_fires_only_for_a_real_change_of_a_listed_field(sandbox, api, receiver, fired):
    _hook(api, receiver, "store/product/updated")
    product = api.create_product(name="Bol", sku="BOL", price=10, inventory_tracking="product", inventory_level=3)
    path = f"/v3/catalog/products/{product['id']}"
    updated = [("store/product/updated", {"type": "product", "id": product["id"]})]
    assert fired(lambda: api.put(path, json={"price": 10, "name": "Bol"})) == []
    for field, value in (("gtin", "123"), ("mpn", "M-1"), ("bin_picking_number", "B2"), ("meta_keywords", ["k"])):
        assert fired(lambda f=field, v=value: api.put(path, json={f: v})) == [], field
    assert fired(lambda: api.put(path, json={"price": 11})) == updated
    assert fired(lambda: api.put(path, json={"is_visible": False})) == updated
    assert fired(lambda: api.put(path, json={"inventory_level": 7})) == updated
    untracked = api.create_product(name="Libre", sku="LIB")
    assert fired(lambda: api.put(f"/v3/catalog/products/{untracked['id']}", json={"inventory_level": 5})) == []


def test_product_put_applies_custom_fields_images_and_videos(api, receiver):
    receiver.files["/bol.png"] = (PNG, "image/png")
    receiver.files["/bol2.png"] = (PNG + b"2", "image/png")
    product = api.create_product(name="Bol", custom_fields=[{"name": "Glaze", "value": "matte"}])
    path = f"/v3/catalog/products/{product['id']}"
    field_id = product["custom_fields"][0]["id"]
    answer = api.put(
        path + "?include=custom_fields,images,videos",
        json={
            "custom_fields": [{"id": field_id, "name": "Glaze", "value": "gloss"}, {"name": "Clay", "value": "red"}],
            "images": [{"image_url": receiver.url + "/bol.png", "is_thumbnail": True}],
            "videos": [{"video_id": "dQw4w9WgXcQ", "type": "youtube", "title": "Making of"}],
        },
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert [(f["name"], f["value"]) for f in data["custom_fields"]] == [("Glaze", "gloss"), ("Clay", "red")]
    assert [i["image_url"] for i in data["images"]] == [receiver.url + "/bol.png"]
    assert [v["video_id"] for v in data["videos"]] == ["dQw4w9WgXcQ"]
    image_id = data["images"][0]["id"]
    again = api.put(
        path + "?include=images",
        json={"images": [{"id": image_id, "description": "top"}, {"image_url": receiver.url + "/bol2.png"}]},
    ).json()["data"]
    assert [(i["id"] == image_id, i["description"]) for i in again["images"]] == [(True, "top"), (False, "")]
    foreign = api.put(path, json={"custom_fields": [{"id": 999999, "name": "x", "value": "y"}]})
    assert foreign.status_code == 422
    assert api.put(path, json={"variants": [{"sku": "X"}]}).status_code == 422  # refused, never dropped


def test_first_thumbnail_fires_product_updated_but_custom_fields_do_not(sandbox, api, receiver, fired):
    receiver.files["/t.png"] = (PNG, "image/png")
    _hook(api, receiver, "store/product/updated")
    product = api.create_product(name="Vase")
    path = f"/v3/catalog/products/{product['id']}"
    updated = [("store/product/updated", {"type": "product", "id": product["id"]})]
    assert fired(lambda: api.post(path + "/custom-fields", json={"name": "a", "value": "b"})) == []
    first = lambda: api.post(path + "/images", json={"image_url": receiver.url + "/t.png", "is_thumbnail": True})  # noqa: E731
    assert fired(first) == updated
    assert fired(first) == []  # not the first thumbnail any more


def test_custom_url_must_be_an_object_and_unique(api):
    first = api.create_product(name="Un", custom_url={"url": "/un/", "is_customized": True})
    assert first["custom_url"] == {"url": "/un/", "is_customized": True}
    body = {"name": "Deux", "type": "physical", "weight": 1, "price": 1}
    assert api.post("/v3/catalog/products", json={**body, "custom_url": "/deux/"}).status_code == 422
    assert api.post("/v3/catalog/products", json={**body, "custom_url": {"url": "/deux/"}}).status_code == 422
    taken = api.post("/v3/catalog/products", json={**body, "custom_url": {"url": "/UN/", "is_customized": True}})
    assert taken.status_code == 409 and "custom_url" in taken.json()["errors"]
    second = api.create_product(name="Deux")
    moved = api.put(f"/v3/catalog/products/{second['id']}", json={"custom_url": {"url": "/un/", "is_customized": True}})
    assert moved.status_code == 409
    # Names that make the same slug get distinct URLs, as BigCommerce suffixes them.
    assert (
        api.create_product(name="Trois!")["custom_url"]["url"] != api.create_product(name="Trois?")["custom_url"]["url"]
    )


def test_two_inline_variants_with_the_same_option_values_are_refused(api):
    body = {
        "name": "Double",
        "type": "physical",
        "weight": 1,
        "price": 1,
        "variants": [SIZED[0], {**SIZED[0], "sku": "TS-S2"}],
    }
    answer = api.post("/v3/catalog/products", json=body)
    assert answer.status_code == 422 and "variants.1.option_values" in answer.json()["errors"]
    assert api.get("/v3/catalog/products?name=Double").json()["data"] == []


def test_partial_success_is_a_207_that_saved_all_but_the_stock(sandbox, api):
    sandbox.set_faults(api.store_hash, [{"kind": "partial_success", "path": "/v3/catalog/products", "count": 1}])
    answer = api.post(
        "/v3/catalog/products",
        json={
            "name": "Partiel",
            "type": "physical",
            "weight": 1,
            "price": 1,
            "inventory_tracking": "product",
            "inventory_level": 5,
        },
    )
    assert answer.status_code == 207
    body = answer.json()
    # products_catalog.v3.yml: the create's 207 lists the product in an array
    assert body["data"][0]["name"] == "Partiel" and body["errors"]["status"] == 207 and body["errors"]["errors"]
    saved = api.get(f"/v3/catalog/products/{body['data'][0]['id']}").json()["data"]
    assert saved["inventory_level"] == 0  # the stock part failed
    assert api.put(f"/v3/catalog/products/{saved['id']}", json={"inventory_level": 5}).status_code == 200


def test_wrong_content_type_is_415(api):
    answer = api.request("POST", "/v3/catalog/products", data=b'{"name":"x"}', headers={"Content-Type": "text/plain"})
    assert answer.status_code == 415
    form = api.request("PUT", "/v3/inventory/adjustments/absolute", data={"a": "b"})
    assert form.status_code == 415
    assert api.get("/v3/catalog/products", headers={"Content-Type": "text/plain"}).status_code == 200


@pytest.mark.parametrize(
    "data, content_type",
    [
        (b"<html><body>Not found</body></html>", "image/png"),  # a lying Content-Type
        (b"just some text", "text/plain"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
    ],
)
def test_bytes_that_are_not_a_picture_are_refused(api, receiver, data, content_type):
    receiver.files["/fake.png"] = (data, content_type)
    body = {
        "name": "Faux",
        "type": "physical",
        "weight": 1,
        "price": 1,
        "images": [{"image_url": receiver.url + "/fake.png"}],
    }
    answer = api.post("/v3/catalog/products", json=body)
    assert answer.status_code == 422 and "images.0.image_url" in answer.json()["errors"]
    assert api.get("/v3/catalog/products?name=Faux").json()["data"] == []
    product = api.create_product(name="Vrai")
    assert (
        api.post(
            f"/v3/catalog/products/{product['id']}/images", json={"image_url": receiver.url + "/fake.png"}
        ).status_code
        == 422
    )
