"""Injected faults: seeded and reproducible, scoped per store, matched by method/path."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.testing import SandboxProcess


def _names(api):
    return sorted(p["name"] for p in api.get("/v3/catalog/products").json()["data"])


def test_error_before_write_changes_nothing(sandbox, api, store):
    sandbox.set_faults(
        store["hash"],
        [{"kind": "error_before", "method": "POST", "path": "/v3/catalog/products", "status": 503, "count": 1}],
    )
    body = {"name": "Avant", "type": "physical", "weight": 1, "price": 1}
    answer = api.post("/v3/catalog/products", json=body)
    assert answer.status_code == 503 and answer.json()["status"] == 503
    assert _names(api) == []
    assert api.post("/v3/catalog/products", json=body).status_code == 200  # count spent
    assert _names(api) == ["Avant"]


def test_error_after_write_keeps_the_write(sandbox, api, store):
    sandbox.set_faults(
        store["hash"],
        [{"kind": "error_after", "path": "/v3/catalog/products", "method": "POST", "status": 500, "count": 1}],
    )
    answer = api.post("/v3/catalog/products", json={"name": "Après", "type": "physical", "weight": 1, "price": 1})
    assert answer.status_code == 500
    assert _names(api) == ["Après"]
    log = sandbox.request_log(store["hash"])
    assert log[0]["faults"] == ["error_after"] and log[0]["status"] == 500


def test_timeout_after_write_holds_the_answer(sandbox, api, store):
    sandbox.set_faults(store["hash"], [{"kind": "timeout_after", "method": "PUT", "ms": 1500, "count": 1}])
    product = api.create_product(name="Lent")
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.put(f"/v3/catalog/products/{product['id']}", json={"price": 7}, timeout=0.4)
    assert api.get(f"/v3/catalog/products/{product['id']}").json()["data"]["price"] == 7


def test_latency(sandbox, api, store):
    sandbox.set_faults(store["hash"], [{"kind": "latency", "ms": 300, "path": "/v2/store"}])
    assert api.get("/v2/store").status_code == 200
    assert api.get("/v3/channels").status_code == 200  # another path: no latency
    delayed, other = sandbox.request_log(store["hash"])
    assert delayed["faults"] == ["latency"] and delayed["fault_ms"] == {"latency": 300}
    assert delayed["ms"] >= 300  # the sandbox's own measure of the request: held at least that long
    assert other["faults"] == [] and other["fault_ms"] == {}


def test_rate_limit_storm(sandbox, api, store):
    sandbox.set_faults(store["hash"], [{"kind": "rate_limit", "count": 3}])
    statuses = [api.get("/v2/store") for _ in range(4)]
    assert [a.status_code for a in statuses] == [429, 429, 429, 200]
    assert statuses[0].headers["X-Retry-After"] and statuses[0].headers["X-Rate-Limit-Requests-Left"] == "0"


def test_faults_are_scoped_to_their_store(sandbox, api, store):
    other = sandbox.create_store()
    sandbox.set_faults(other["hash"], [{"kind": "error_before", "status": 500}])
    assert api.get("/v2/store").status_code == 200
    assert sandbox.control("GET", f"/stores/{store['hash']}/faults") == []
    sandbox.reset(other["hash"], ["faults"])
    assert sandbox.control("GET", f"/stores/{other['hash']}/faults") == []


def test_probability_is_seeded_and_reproducible(tmp_path):
    def run() -> list[int]:
        fault = "kind=error_before,store=dice,path=/v2/store,probability=0.5,status=502"
        with SandboxProcess(
            data=str(tmp_path / f"{time.monotonic_ns()}.sqlite3"), extra_args=["--seed", "42", "--fault", fault]
        ) as process:
            process.create_store(hash="dice")
            token = process.api_account("dice")["access_token"]
            return [
                requests.get(f"{process.url}/stores/dice/v2/store", headers={"X-Auth-Token": token}).status_code
                for _ in range(30)
            ]

    first, second = run(), run()
    assert first == second
    assert 5 < first.count(502) < 25 and set(first) == {200, 502}


def test_bad_fault_specs_are_refused(sandbox, store):
    with pytest.raises(RuntimeError, match="422"):
        sandbox.set_faults(store["hash"], [{"kind": "gremlins"}])
    with pytest.raises(RuntimeError, match="422"):
        sandbox.set_faults(store["hash"], [{"kind": "latency", "colour": "blue"}])


def _hook(api, receiver):
    api.post("/v3/hooks", json={"scope": "store/product/created", "destination": receiver.url + "/f"})


def test_webhook_duplicate(sandbox, api, store, receiver):
    _hook(api, receiver)
    sandbox.set_faults(store["hash"], [{"kind": "webhook_duplicate", "count": 1}])
    api.create_product(name="Deux fois")
    received = receiver.wait_for(2)
    assert len(received) == 2
    assert received[0]["body"] == received[1]["body"]
    assert received[0]["headers"]["webhook-id"] == received[1]["headers"]["webhook-id"]


def test_webhook_drop(sandbox, api, store, receiver):
    _hook(api, receiver)
    sandbox.set_faults(store["hash"], [{"kind": "webhook_drop", "count": 1}])
    first = api.create_product(name="Perdu")
    second = api.create_product(name="Reçu")
    deliveries = sandbox.deliveries_settled(store["hash"])  # nothing left to send: the queue is drained
    assert sorted((d["payload"]["data"]["id"], d["status"]) for d in deliveries) == [
        (first["id"], "dropped"),
        (second["id"], "delivered"),
    ]
    assert [p["data"]["id"] for p in receiver.payloads()] == [second["id"]]


def test_webhook_reorder(sandbox, api, store, receiver):
    _hook(api, receiver)
    # Held for a minute, so the later event overtakes it however slow the machine; then released.
    sandbox.set_faults(store["hash"], [{"kind": "webhook_reorder", "ms": 60_000, "count": 1}])
    first = api.create_product(name="Premier")
    second = api.create_product(name="Second")
    receiver.wait_for(1)
    held = [d for d in sandbox.deliveries(store["hash"]) if d["payload"]["data"]["id"] == first["id"]]
    assert [(d["status"], d["faults"], d["delay_ms"]) for d in held] == [("pending", ["webhook_reorder"], 60_000)]
    assert sandbox.retry_webhooks_now(store["hash"])["rescheduled"] == 1
    receiver.wait_for(2)
    assert [p["data"]["id"] for p in receiver.payloads()] == [second["id"], first["id"]]


def test_webhook_delay(sandbox, api, store, receiver):
    _hook(api, receiver)
    sandbox.set_faults(store["hash"], [{"kind": "webhook_delay", "ms": 700, "count": 1}])
    product = api.create_product(name="Retardé")
    [delivery] = sandbox.deliveries_settled(store["hash"])
    assert (delivery["status"], delivery["faults"], delivery["delay_ms"]) == ("delivered", ["webhook_delay"], 700)
    assert receiver.payloads()[0]["data"]["id"] == product["id"]
    # The dispatcher's own clock: not sent before its time.
    assert delivery["attempts"][0]["at"] >= delivery["created_at"] + 0.7
