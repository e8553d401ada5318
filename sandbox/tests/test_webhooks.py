"""Webhook subscriptions and their signed, retried, persisted deliveries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import requests

from sandbox.testing import SandboxProcess
from tests.waiting import wait_for


def verify_standard_webhook(secret: str, request: dict) -> bool:
    """Standard Webhooks verification written independently of the sandbox's signer."""
    headers, body = request["headers"], request["body"]
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()
    return any(sig == f"v1,{expected}" for sig in headers["webhook-signature"].split())


def _hook(api, receiver, scope="store/product/*", **extra):
    answer = api.post(
        "/v3/hooks", json={"scope": scope, "destination": receiver.url + "/hook", "is_active": True, **extra}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def test_hooks_crud_and_ownership(sandbox, api, store, receiver):
    hook = _hook(api, receiver, "store/order/created", headers={"X-Secret": "s3"})
    assert hook["client_id"] == api.account["client_id"] and hook["store_hash"] == store["hash"]
    assert hook["headers"] == {"X-Secret": "s3"} and isinstance(hook["created_at"], int)
    listed = api.get("/v3/hooks").json()
    assert [h["id"] for h in listed["data"]] == [hook["id"]] and listed["meta"]["pagination"]["total"] == 1
    updated = api.put(f"/v3/hooks/{hook['id']}", json={"is_active": False}).json()["data"]
    assert updated["is_active"] is False
    other = sandbox.api_account(store["hash"])
    other_headers = {"X-Auth-Token": other["access_token"]}
    assert requests.get(f"{api.base}/v3/hooks", headers=other_headers).json()["data"] == []
    assert requests.get(f"{api.base}/v3/hooks/{hook['id']}", headers=other_headers).status_code == 404
    deleted = api.delete(f"/v3/hooks/{hook['id']}")
    assert deleted.status_code == 200 and deleted.json()["data"]["id"] == hook["id"]
    assert api.get(f"/v3/hooks/{hook['id']}").status_code == 404


def test_hook_validation(api, receiver):
    missing = api.post("/v3/hooks", json={"scope": "store/product/created"})
    assert missing.status_code == 422 and missing.json()["errors"]["destination"] == "error.path.missing"
    assert (
        api.post(
            "/v3/hooks", json={"scope": "store/product/created", "destination": "http://example.com/hook"}
        ).status_code
        == 422
    )
    assert (
        api.post(
            "/v3/hooks", json={"scope": "store/product/created", "destination": "https://example.com:8443/hook"}
        ).status_code
        == 422
    )
    assert (
        api.post(
            "/v3/hooks", json={"scope": "store/product/created", "destination": "https://example.com/hook"}
        ).status_code
        == 200
    )
    assert api.post("/v3/hooks", json={"scope": "nonsense", "destination": receiver.url}).status_code == 422
    _hook(api, receiver, "store/sku/*")
    assert (
        api.post("/v3/hooks", json={"scope": "store/sku/*", "destination": receiver.url + "/hook"}).status_code == 422
    )


def test_at_most_10_hooks_per_scope(api, receiver):
    for index in range(10):
        assert (
            api.post(
                "/v3/hooks", json={"scope": "store/order/*", "destination": f"{receiver.url}/h{index}"}
            ).status_code
            == 200
        )
    assert (
        api.post("/v3/hooks", json={"scope": "store/order/*", "destination": f"{receiver.url}/h10"}).status_code == 422
    )


def test_delivery_is_thin_signed_and_carries_custom_headers(sandbox, api, store, receiver):
    _hook(api, receiver, "store/product/created", headers={"Authorization": "Basic abc"})
    before = int(time.time())
    product = api.create_product(name="Signé")
    request = receiver.wait_for(1)[0]
    after = time.time()
    payload = json.loads(request["body"])
    assert payload["scope"] == "store/product/created"
    assert payload["data"] == {"type": "product", "id": product["id"]}
    assert payload["producer"] == f"stores/{store['hash']}"
    assert payload["store_id"] == str(store["store_id"])
    assert isinstance(payload["created_at"], int) and len(payload["hash"]) == 40
    assert request["headers"]["authorization"] == "Basic abc"
    assert verify_standard_webhook(api.account["client_secret"], request)
    assert not verify_standard_webhook("another-secret", request)
    # The signed timestamp is when this delivery was sent: between the change and its arrival.
    assert before <= int(request["headers"]["webhook-timestamp"]) <= after


def test_scopes_fired_by_catalog_inventory_and_channels(api, receiver):
    _hook(api, receiver, "store/product/*")
    _hook(api, receiver, "store/sku/*")
    _hook(api, receiver, "store/channel/*")
    simple = api.create_product(name="Simple", sku="SIM", inventory_tracking="product", inventory_level=1)
    sized = api.create_product(
        name="Taillé",
        sku="TAI",
        inventory_tracking="variant",
        variants=[{"sku": "TAI-S", "option_values": [{"option_display_name": "T", "label": "S"}]}],
    )
    api.put(f"/v3/catalog/products/{simple['id']}", json={"price": 2})
    api.put(
        "/v3/inventory/adjustments/absolute",
        json={
            "items": [
                {"location_id": 1, "product_id": simple["id"], "quantity": 9},
                {"location_id": 1, "variant_id": sized["variants"][0]["id"], "quantity": 4},
            ]
        },
    )
    channel = api.post("/v3/channels", json={"name": "POS", "type": "pos", "platform": "custom"}).json()["data"]
    api.put(
        "/v3/catalog/products/channel-assignments", json=[{"product_id": simple["id"], "channel_id": channel["id"]}]
    )
    api.delete(f"/v3/catalog/products/channel-assignments?product_id:in={simple['id']}&channel_id:in={channel['id']}")
    api.delete(f"/v3/catalog/products/{sized['id']}")
    expected = {
        ("store/product/created", simple["id"]),
        ("store/product/created", sized["id"]),
        ("store/product/updated", simple["id"]),
        ("store/product/deleted", sized["id"]),
        ("store/product/inventory/updated", simple["id"]),
        ("store/sku/inventory/updated", sized["variants"][0]["sku_id"]),
        (f"store/channel/{channel['id']}/product/assigned", simple["id"]),
        (f"store/channel/{channel['id']}/product/unassigned", simple["id"]),
    }

    def seen():
        got = {(p["scope"], p["data"].get("id", p["data"].get("product_id"))) for p in receiver.payloads()}
        return expected <= got and got

    got = wait_for(seen)
    inventory = next(p for p in receiver.payloads() if p["scope"] == "store/product/inventory/updated")
    assert inventory["data"]["inventory"] == {"product_id": simple["id"], "method": "absolute", "value": 9}
    sku = next(p for p in receiver.payloads() if p["scope"] == "store/sku/inventory/updated")
    assert sku["data"]["inventory"]["variant_id"] == sized["variants"][0]["id"]
    assert got


def test_retries_on_failure_then_delivers_with_the_same_id(sandbox, api, store, receiver):
    receiver.statuses = [500, 503]
    _hook(api, receiver, "store/product/created")
    api.create_product(name="Retry")
    requests_seen = receiver.wait_for(3)
    assert len(requests_seen) == 3
    assert len({r["headers"]["webhook-id"] for r in requests_seen}) == 1
    assert len({json.loads(r["body"])["hash"] for r in requests_seen}) == 1
    delivery = wait_for(lambda: [d for d in sandbox.deliveries(store["hash"]) if d["status"] == "delivered"])[0]
    assert [a["status"] for a in delivery["attempts"]] == [500, 503, 200]


def test_deactivated_after_the_last_retry(sandbox, api, store, receiver):
    receiver.statuses = [500] * 20
    hook = _hook(api, receiver, "store/product/created")
    api.create_product(name="Toujours en échec")
    wait_for(lambda: not api.get(f"/v3/hooks/{hook['id']}").json()["data"]["is_active"], timeout=60)
    assert len(receiver.requests) == 12  # the first try and 11 retries
    delivery = sandbox.deliveries(store["hash"])[0]
    assert delivery["status"] == "failed" and len(delivery["attempts"]) == 12
    api.create_product(name="Plus rien")
    # An inactive hook gets nothing queued, and nothing else is left to send.
    assert [d["id"] for d in sandbox.deliveries_settled(store["hash"])] == [delivery["id"]]
    assert len(receiver.requests) == 12


def test_deliveries_survive_a_restart(tmp_path, receiver):
    data = str(tmp_path / "persist.sqlite3")
    with SandboxProcess(data=data) as first:  # time scale 1: the first retry is 60 s away
        store = first.create_store(hash="persist")
        account = first.api_account("persist")
        headers = {"X-Auth-Token": account["access_token"]}
        base = f"{first.url}/stores/persist"
        dead = "http://127.0.0.1:9/closed"  # nothing listens on the discard port
        requests.post(base + "/v3/hooks", headers=headers, json={"scope": "store/product/created", "destination": dead})
        requests.post(
            base + "/v3/catalog/products",
            headers=headers,
            json={"name": "Persist", "type": "physical", "weight": 1, "price": 1},
        )
        wait_for(lambda: first.deliveries("persist")[0]["attempts"])
    with SandboxProcess(data=data) as second:
        [delivery] = second.deliveries("persist")
        assert delivery["status"] == "pending" and len(delivery["attempts"]) == 1
        headers = {"X-Auth-Token": account["access_token"]}
        hook_id = delivery["hook_id"]
        requests.put(
            f"{second.url}/stores/persist/v3/hooks/{hook_id}",
            headers=headers,
            json={"destination": receiver.url + "/back"},
        )
        second.retry_webhooks_now("persist")
        receiver.wait_for(1)
        assert json.loads(receiver.requests[0]["body"])["scope"] == "store/product/created"
        assert store["hash"] == "persist"
