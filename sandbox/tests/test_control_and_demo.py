"""The control endpoint's store isolation, the control panel's actions, the demo seed."""

from __future__ import annotations

import pytest
import requests

from sandbox.testing import SandboxProcess


def test_create_store_with_given_hash_once(sandbox):
    store = sandbox.create_store(hash="fixedhash1", name="Fixe", currency="usd")
    assert store["currency"] == "USD" and "password" not in store["owner"]
    try:
        sandbox.create_store(hash="fixedhash1")
    except RuntimeError as exc:
        assert "409" in str(exc)
    else:
        raise AssertionError("duplicate hash accepted")
    sandbox.delete_store("fixedhash1")
    assert all(s["hash"] != "fixedhash1" for s in sandbox.control("GET", "/stores"))


def test_store_options_are_set_at_creation_or_later_and_checked(sandbox):
    store = sandbox.create_store(options={"refund_restocks": True})
    options = sandbox.control("GET", f"/stores/{store['hash']}/options")
    assert options == {
        "assign_new_products_to_channel_1": False,
        "refund_restocks": True,
        "inventory_apply_delay_ms": 0,
        "include_line_items_max": 50,
    }
    assert sandbox.set_options(store["hash"], inventory_apply_delay_ms=50)["inventory_apply_delay_ms"] == 50
    for bad in ({"made_up": True}, {"refund_restocks": "yes"}, {"inventory_apply_delay_ms": -1}):
        with pytest.raises(RuntimeError, match="422"):
            sandbox.control("PUT", f"/stores/{store['hash']}/options", bad)


def test_control_panel_edits_stock_and_channels(sandbox, api, store, receiver):
    api.post("/v3/hooks", json={"scope": "store/product/inventory/updated", "destination": receiver.url + "/s"})
    product = api.create_product(name="Panneau", sku="PAN", inventory_tracking="product", inventory_level=2)
    channel = api.post("/v3/channels", json={"name": "Comptoir-POS", "type": "pos", "platform": "custom"}).json()[
        "data"
    ]
    base = f"{sandbox.url}/manage/stores/{store['hash']}/products/{product['id']}"
    answer = requests.post(base + "/stock", data={"variant_id": "", "level": "11"}, allow_redirects=False)
    assert answer.status_code == 302
    assert api.get(f"/v3/catalog/products/{product['id']}").json()["data"]["inventory_level"] == 11
    payload = receiver.wait_for(1) and receiver.payloads()[0]
    assert payload["data"]["inventory"] == {"product_id": product["id"], "method": "absolute", "value": 11}
    requests.post(base + "/channels", data={"channel": ["1", str(channel["id"])]}, allow_redirects=False)
    rows = api.get(f"/v3/catalog/products/channel-assignments?product_id:in={product['id']}").json()["data"]
    assert sorted(r["channel_id"] for r in rows) == [1, channel["id"]]
    page = requests.get(base)
    assert page.status_code == 200 and "Comptoir-POS" in page.text
    assert requests.post(base + "/stock", data={"level": "x"}).status_code == 422


def test_demo_seed_is_idempotent(tmp_path):
    data = str(tmp_path / "demo.sqlite3")
    for _ in range(2):
        with SandboxProcess(data=data, extra_args=["--seed-demo"]) as process:
            token = process.api_account("demostore")["access_token"]
            headers = {"X-Auth-Token": token}
            base = f"{process.url}/stores/demostore"
            info = requests.get(base + "/v2/store", headers=headers).json()
            assert info["name"] == "Boutique en ligne (démo)" and info["currency"] == "EUR"
            assert info["is_price_entered_with_tax"] is True
            products = requests.get(base + "/v3/catalog/products?limit=50", headers=headers).json()["data"]
            assert len(products) == 8
            skus = {p["sku"] for p in products}
            assert {"DEMO-MUG-BLUE", "DEMO-TOTE-NATURAL", "DEMO-CANDLE-FIG"} <= skus
            assert all(len(p["categories"]) == 1 for p in products)
            on_storefront = requests.get(base + "/v3/catalog/products?channel_id:in=1", headers=headers).json()
            assert len(on_storefront["data"]) == 8  # the merchant listed them on channel 1
            categories = requests.get(base + "/v3/catalog/categories", headers=headers).json()["data"]
            assert sorted(c["name"] for c in categories) == ["Maison", "Mode"]


def test_demo_owner_can_log_in(tmp_path):
    with SandboxProcess(data=str(tmp_path / "d.sqlite3"), extra_args=["--seed-demo"]) as process:
        answer = requests.post(
            f"{process.url}/login/app/comptoir-local/install",
            allow_redirects=False,
            data={"action": "login", "email": "owner@demo-store.test", "password": "sandbox"},
        )
        assert answer.status_code == 302 and "context=stores%2Fdemostore" in answer.headers["Location"]


def test_app_url_flag_and_env(tmp_path):
    env = {"SANDBOX_APP_URL": "http://127.0.0.1:9999", "SANDBOX_APP_CLIENT_SECRET": "shh"}
    with SandboxProcess(
        data=str(tmp_path / "e.sqlite3"), extra_args=["--app-client-id", "other-id"], env=env
    ) as process:
        process.create_store(hash="envstore", owner_email="env@shop.test", owner_password="pw")
        answer = requests.post(
            f"{process.url}/login/app/other-id/install",
            allow_redirects=False,
            data={"action": "login", "email": "env@shop.test", "password": "pw"},
        )
        assert answer.headers["Location"].startswith("http://127.0.0.1:9999/integrations/bigcommerce/app/auth/")
        code = requests.utils.urlparse(answer.headers["Location"]).query
        params = dict(p.split("=", 1) for p in code.split("&"))
        token = requests.post(
            f"{process.url}/login/oauth2/token",
            data={
                "client_id": "other-id",
                "client_secret": "shh",
                "code": params["code"],
                "grant_type": "authorization_code",
            },
        )
        assert token.status_code == 200
