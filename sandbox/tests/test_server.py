"""Server basics: startup, CLI, auth and scopes, store info, settings, rate limits, logs."""

from __future__ import annotations

import subprocess
import sys
import time

import requests

from sandbox.testing import PROJECT_ROOT, SandboxProcess


def test_starts_on_a_free_port_and_prints_it(tmp_path):
    # How fast it starts is a figure of `make bench` (bench/sandbox_startup.py), not a test.
    with SandboxProcess(data=str(tmp_path / "s.sqlite3")) as process:
        assert process.url.startswith("http://127.0.0.1:")
        health = requests.get(process.url + "/_sandbox/health").json()
        assert health == {"ok": True, "base_url": process.url}


def test_api_account_command_prints_a_working_token(tmp_path, sandbox):
    data = str(tmp_path / "cli.sqlite3")
    with SandboxProcess(data=data) as process:
        store = process.create_store(hash="clistore")
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "sandbox",
                "api-account",
                "--store",
                "clistore",
                "--data",
                data,
                "--scopes",
                "store_v2_information_read_only",
            ],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        token = out.stdout.strip()
        base = f"{process.url}/stores/{store['hash']}"
        assert requests.get(base + "/v2/store", headers={"X-Auth-Token": token}).status_code == 200
        # read-only scope: no write, and no catalog at all
        assert (
            requests.put(base + "/v3/settings/inventory", json={}, headers={"X-Auth-Token": token}).status_code == 403
        )
        assert requests.get(base + "/v3/catalog/products", headers={"X-Auth-Token": token}).status_code == 403
    missing = subprocess.run(
        [sys.executable, "-m", "sandbox", "api-account", "--store", "nope", "--data", data],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2


def test_missing_or_wrong_token_is_401_in_v3_error_format(api, sandbox, store):
    url = f"{sandbox.url}/stores/{store['hash']}/v3/catalog/products"
    for headers in ({}, {"X-Auth-Token": "wrong"}):
        answer = requests.get(url, headers=headers)
        assert answer.status_code == 401
        assert set(answer.json()) >= {"status", "title", "type", "errors"}


def test_token_of_another_store_is_refused(sandbox, api):
    other = sandbox.create_store()
    url = f"{sandbox.url}/stores/{other['hash']}/v2/store"
    assert requests.get(url, headers={"X-Auth-Token": api.account["access_token"]}).status_code == 401


def test_missing_scope_is_403(sandbox, store):
    account = sandbox.api_account(store["hash"], scopes=["store_v2_products_read_only"])
    headers = {"X-Auth-Token": account["access_token"]}
    base = f"{sandbox.url}/stores/{store['hash']}"
    assert requests.get(base + "/v3/catalog/products", headers=headers).status_code == 200
    forbidden = requests.post(base + "/v3/catalog/products", headers=headers, json={})
    assert forbidden.status_code == 403
    assert forbidden.json()["status"] == 403
    assert requests.get(base + "/v2/orders", headers=headers).status_code == 403


def test_store_info_is_a_bare_object_with_currency_and_tax_setting(sandbox):
    store = sandbox.create_store(name="Chez Nous", currency="GBP", is_price_entered_with_tax=False)
    account = sandbox.api_account(store["hash"])
    answer = requests.get(
        f"{sandbox.url}/stores/{store['hash']}/v2/store", headers={"X-Auth-Token": account["access_token"]}
    )
    info = answer.json()
    assert "data" not in info
    assert (info["id"], info["name"], info["currency"]) == (store["hash"], "Chez Nous", "GBP")
    assert info["is_price_entered_with_tax"] is False
    assert info["default_channel_id"] == 1


def test_inventory_settings_get_and_put(api):
    settings = api.get("/v3/settings/inventory").json()["data"]
    assert settings["update_stock_behavior"] == "order_placed"
    assert settings["refund_order_stock_adjustment"] is True
    changed = api.put(
        "/v3/settings/inventory",
        json={"update_stock_behavior": "order_completed_or_shipped", "refund_order_stock_adjustment": False},
    )
    assert changed.status_code == 200
    again = api.get("/v3/settings/inventory").json()["data"]
    assert again["update_stock_behavior"] == "order_completed_or_shipped"
    assert again["refund_order_stock_adjustment"] is False
    bad = api.put("/v3/settings/inventory", json={"update_stock_behavior": "sometimes"})
    assert bad.status_code == 422 and "update_stock_behavior" in bad.json()["errors"]


def test_unknown_path_is_404_and_wrong_method_405(api):
    assert api.get("/v3/nothing/here").status_code == 404
    assert api.request("PATCH", "/v3/catalog/products").status_code == 405


def test_v2_errors_are_a_list(api):
    answer = api.get("/v2/orders/999999")
    assert answer.status_code == 404
    assert isinstance(answer.json(), list) and answer.json()[0]["status"] == 404


def test_rate_limit_headers_on_every_response_and_429(sandbox, api, store):
    sandbox.set_rate_limit(store["hash"], quota=3, window_ms=1500)
    lefts = []
    for _ in range(3):
        answer = api.get("/v2/store")
        assert answer.status_code == 200
        assert answer.headers["X-Rate-Limit-Requests-Quota"] == "3"
        assert answer.headers["X-Rate-Limit-Time-Window-Ms"] == "1500"
        assert 0 <= int(answer.headers["X-Rate-Limit-Time-Reset-Ms"]) <= 1500
        lefts.append(int(answer.headers["X-Rate-Limit-Requests-Left"]))
    assert lefts == [2, 1, 0]
    limited = api.get("/v2/store")
    assert limited.status_code == 429
    assert int(limited.headers["X-Retry-After"]) >= 1
    assert limited.headers["X-Rate-Limit-Requests-Left"] == "0"
    time.sleep(int(limited.headers["X-Rate-Limit-Time-Reset-Ms"]) / 1000 + 0.05)
    assert api.get("/v2/store").status_code == 200


def test_default_quota_is_150_per_30s(api):
    answer = api.get("/v2/store")
    assert answer.headers["X-Rate-Limit-Requests-Quota"] == "150"
    assert answer.headers["X-Rate-Limit-Time-Window-Ms"] == "30000"


def test_request_log_counters_and_reset(sandbox, api, store):
    api.get("/v2/store")
    api.post("/v3/catalog/products", json={"name": "A", "type": "physical", "weight": 1, "price": 1})
    api.put("/v3/catalog/products", json=[{"id": 999, "price": 2}])
    log = sandbox.request_log(store["hash"])
    assert [(e["method"], e["status"]) for e in log] == [("GET", 200), ("POST", 200), ("PUT", 404)]
    assert log[2]["items_in"] == 1 and log[2]["route"] == "/v3/catalog/products"
    counters = sandbox.counters(store["hash"])
    assert counters["total"] == 3
    assert counters["routes"]["PUT /v3/catalog/products"]["statuses"] == {"404": 1}
    assert counters["statuses"] == {"200": 2, "404": 1}
    sandbox.reset(store["hash"])
    assert sandbox.request_log(store["hash"]) == []
    assert sandbox.counters(store["hash"])["total"] == 0


def test_control_panel_pages_render(sandbox, api, store):
    api.create_product(name="Lampe", sku="LAMP-1", inventory_tracking="product", inventory_level=3)
    base = f"{sandbox.url}/manage/stores/{store['hash']}"
    for path in ("/", "/orders", "/apps", "/api-accounts", "/webhooks", "/requests"):
        answer = requests.get(base + path)
        assert answer.status_code == 200, path
        assert "text/html" in answer.headers["Content-Type"]
    assert "Lampe" in requests.get(base + "/").text
    assert store["hash"] in requests.get(f"{sandbox.url}/manage/").text
