"""Images (fetched over HTTP and served back), videos, custom fields."""

from __future__ import annotations

import hashlib

import requests

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + b"sandbox-test-image"


def test_image_url_is_fetched_and_bytes_served(api, receiver):
    receiver.files["/mug.png"] = (PNG, "image/png")
    product = api.create_product(
        name="Mug photo", images=[{"image_url": receiver.url + "/mug.png", "is_thumbnail": True, "description": "face"}]
    )
    image = product["images"][0]
    assert image["is_thumbnail"] is True and image["description"] == "face"
    served = requests.get(image["url_standard"])
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["Content-Type"] == "image/png"
    assert hashlib.sha256(requests.get(image["url_zoom"]).content).hexdigest() == hashlib.sha256(PNG).hexdigest()


def test_unreachable_image_is_422_and_nothing_created(api, receiver):
    answer = api.post(
        "/v3/catalog/products",
        json={
            "name": "Sans photo",
            "type": "physical",
            "weight": 1,
            "price": 1,
            "images": [{"image_url": receiver.url + "/missing.png"}],
        },
    )
    assert answer.status_code == 422
    assert api.get("/v3/catalog/products?name=Sans photo").json()["data"] == []


def test_image_sub_resource_crud(api, receiver):
    receiver.files["/a.png"] = (PNG, "image/png")
    receiver.files["/b.png"] = (PNG + b"b", "image/png")
    product = api.create_product(name="Images")
    path = f"/v3/catalog/products/{product['id']}/images"
    first = api.post(path, json={"image_url": receiver.url + "/a.png"}).json()["data"]
    second = api.post(path, json={"image_url": receiver.url + "/b.png", "is_thumbnail": True}).json()["data"]
    listed = api.get(path).json()["data"]
    assert [i["is_thumbnail"] for i in listed] == [False, True]
    assert api.post(path, json={}).status_code == 422
    updated = api.put(f"{path}/{first['id']}", json={"description": "dos", "sort_order": 5})
    assert updated.json()["data"]["description"] == "dos"
    replaced = api.put(f"{path}/{second['id']}", json={"image_url": receiver.url + "/a.png"})
    assert requests.get(replaced.json()["data"]["url_standard"]).content == PNG
    assert api.delete(f"{path}/{first['id']}").status_code == 204
    assert requests.get(first["url_standard"]).status_code == 404
    assert api.get(f"{path}/{first['id']}").status_code == 404


def test_videos_and_custom_fields(api):
    product = api.create_product(name="Médias")
    videos = f"/v3/catalog/products/{product['id']}/videos"
    video = api.post(videos, json={"video_id": "abc123", "type": "youtube", "title": "Démo"}).json()["data"]
    assert api.post(videos, json={"type": "youtube"}).status_code == 422
    assert api.put(f"{videos}/{video['id']}", json={"title": "Nouveau"}).json()["data"]["title"] == "Nouveau"
    assert api.delete(f"{videos}/{video['id']}").status_code == 204
    fields = f"/v3/catalog/products/{product['id']}/custom-fields"
    field = api.post(fields, json={"name": "Origine", "value": "France"}).json()["data"]
    assert api.post(fields, json={"name": "", "value": "x"}).status_code == 422
    assert api.put(f"{fields}/{field['id']}", json={"value": "Portugal"}).json()["data"]["value"] == "Portugal"
    assert [f["value"] for f in api.get(fields).json()["data"]] == ["Portugal"]
    assert api.delete(f"{fields}/{field['id']}").status_code == 204
    assert api.get("/v3/catalog/products/99999/videos").status_code == 404
