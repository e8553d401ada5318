"""BigCommerceClient against the sandbox over real HTTP: headers, pagination, batches, every
error class, retries of what is safe and never of what is not (the sandbox's request log shows
the attempts)."""

import logging
import re
import socket
import urllib.parse

import pytest
import requests

from integrations.bigcommerce.api import (
    BigCommerceClient,
    Conflict,
    Forbidden,
    NotFound,
    NullPacer,
    OutcomeUnknown,
    PayloadTooLarge,
    RateLimited,
    RetryPolicy,
    TokenExchangeFailed,
    Unauthorized,
    Unavailable,
    ValidationFailed,
    exchange_code,
)
from integrations.bigcommerce.api.client import NO_RETRY

PRODUCTS = "/v3/catalog/products"


def product(name, **fields):
    return {"name": name, "type": "physical", "weight": 1, "price": 10, **fields}


def create_products(client, count, prefix="P"):
    return [client.post(PRODUCTS, product(f"{prefix}-{i:04d}"))["data"]["id"] for i in range(count)]


def attempts(sandbox, store, method, route):
    return [
        (e["method"], e["status"])
        for e in sandbox.request_log(store["hash"])
        if e["method"] == method and e["route"] == route
    ]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- transport ------------------------------------------------------------------------------


def test_every_request_carries_token_json_headers_user_agent_and_timeouts(make_client, store):
    seen = []
    session = requests.Session()
    original = session.send

    def send(prepared, **kwargs):
        seen.append((prepared, kwargs.get("timeout")))
        return original(prepared, **kwargs)

    session.send = send
    client = make_client(session=session, timeout=7)
    client.get_store()
    client.post(PRODUCTS, product("Headers"))
    for prepared, timeout in seen:
        assert prepared.headers["X-Auth-Token"] == store["token"]
        assert prepared.headers["Accept"] == "application/json"
        assert prepared.headers["Content-Type"] == "application/json"
        assert "Comptoir" in prepared.headers["User-Agent"]
        assert timeout == (5.0, 7)  # (connect, read)
    assert store["token"] not in repr(client)


def test_get_store_reads_v2_store(bc_client, store):
    info = bc_client.get_store()
    assert info["id"] == store["hash"]
    assert "currency" in info and "is_price_entered_with_tax" in info


def test_no_content_is_none(bc_client):
    (product_id,) = create_products(bc_client, 1)
    assert bc_client.delete(f"{PRODUCTS}/{product_id}") is None
    with pytest.raises(NotFound):
        bc_client.get(f"{PRODUCTS}/{product_id}")


# -- pagination -----------------------------------------------------------------------------


def test_iter_pages_v3_yields_every_product_exactly_once(bc_client, sandbox, store):
    created = create_products(bc_client, 260)
    seen = [p["id"] for p in bc_client.iter_pages(PRODUCTS, {"include_fields": "name"})]
    assert sorted(seen) == sorted(created)
    assert len(seen) == len(set(seen)) == 260
    pages = [e["query"] for e in sandbox.request_log(store["hash"]) if e["method"] == "GET"]
    assert len(pages) == 2 and all("limit=250" in q for q in pages)
    assert all("include_fields=name" in q for q in pages)


def test_iter_pages_v3_smaller_pages(bc_client, sandbox, store):
    created = create_products(bc_client, 7)
    assert [p["id"] for p in bc_client.iter_pages(PRODUCTS, limit=3)] == created
    gets = [e for e in sandbox.request_log(store["hash"]) if e["method"] == "GET"]
    assert len(gets) == 3  # 3 + 3 + 1, stops on total_pages


def test_iter_pages_refuses_a_limit_over_250(bc_client):
    with pytest.raises(ValueError):
        list(bc_client.iter_pages(PRODUCTS, {"limit": 251}))


def test_iter_pages_v2_ends_on_204(bc_client, sandbox, store):
    (product_id,) = create_products(bc_client, 1)
    for _ in range(4):
        sandbox.place_order(
            store["hash"],
            {"billing_address": {"email": "a@b.test"}, "products": [{"product_id": product_id, "quantity": 1}]},
        )
    orders = list(bc_client.iter_pages("/v2/orders", limit=2))
    assert len(orders) == 4 and len({o["id"] for o in orders}) == 4
    statuses = [e["status"] for e in sandbox.request_log(store["hash"]) if e["route"] == "/v2/orders"]
    assert statuses == [200, 200, 204]  # the empty third page answers 204, which ends it


# -- batches --------------------------------------------------------------------------------


def test_update_products_sends_batches_of_ten(bc_client, sandbox, store):
    ids = create_products(bc_client, 25)
    sandbox.reset(store["hash"], ["requests"])
    results = list(bc_client.update_products({"id": i, "price": 12.5} for i in ids))
    assert [len(batch) for batch, _ in results] == [10, 10, 5]
    puts = [e["items_in"] for e in sandbox.request_log(store["hash"]) if e["method"] == "PUT"]
    assert puts == [10, 10, 5]
    assert {p["price"] for p in bc_client.iter_pages(PRODUCTS)} == {12.5}


def test_batch_size_above_the_documented_limit_is_refused(bc_client):
    with pytest.raises(ValueError):
        list(bc_client.update_products([{"id": 1}], size=11))
    with pytest.raises(ValueError):
        list(bc_client.update_variants([{"id": 1}], size=51))
    with pytest.raises(ValueError):
        list(bc_client.adjust_inventory_absolute([{"location_id": 1}], size=2001))


def test_inventory_adjustments(bc_client):
    (product_id,) = create_products(bc_client, 1)
    bc_client.put(f"{PRODUCTS}/{product_id}", {"inventory_tracking": "product"}, idempotent=True)
    [(_, answer)] = bc_client.adjust_inventory_absolute(
        [{"location_id": 1, "product_id": product_id, "quantity": 7}], reason="count"
    )
    assert "transaction_id" in answer
    list(bc_client.adjust_inventory_relative([{"location_id": 1, "product_id": product_id, "quantity": -2}]))
    assert bc_client.get(f"{PRODUCTS}/{product_id}")["data"]["inventory_level"] == 5


# -- errors ---------------------------------------------------------------------------------


def test_401_wrong_token(make_client):
    with pytest.raises(Unauthorized) as caught:
        make_client(token="not-a-token").get_store()
    assert caught.value.status == 401
    assert (caught.value.method, caught.value.path) == ("GET", "/v2/store")


def test_403_missing_scope(make_client, sandbox, store):
    token = sandbox.api_account(store["hash"], scopes=["store_v2_information_read_only"])["access_token"]
    client = make_client(token=token)
    assert client.get_store()["id"] == store["hash"]
    with pytest.raises(Forbidden) as caught:
        client.get(PRODUCTS)
    assert caught.value.status == 403 and caught.value.title


def test_404_v3_and_v2(bc_client):
    with pytest.raises(NotFound) as caught:
        bc_client.get(f"{PRODUCTS}/999999")
    assert caught.value.status == 404 and caught.value.title
    with pytest.raises(NotFound) as caught:
        bc_client.get("/v2/orders/999999")
    assert caught.value.title  # v2's [{status, message}] body


def test_409_duplicate_name(bc_client):
    bc_client.post(PRODUCTS, product("Unique"))
    with pytest.raises(Conflict) as caught:
        bc_client.post(PRODUCTS, product("Unique"))
    assert caught.value.status == 409 and "name" in caught.value.errors


def test_413_batch_too_large(bc_client):
    ids = create_products(bc_client, 11)
    with pytest.raises(PayloadTooLarge) as caught:
        bc_client.put(PRODUCTS, [{"id": i, "price": 1} for i in ids], idempotent=True)
    assert caught.value.status == 413 and "10" in caught.value.title


def test_422_with_field_errors(bc_client):
    with pytest.raises(ValidationFailed) as caught:
        bc_client.post(PRODUCTS, {"name": "No price"})
    error = caught.value
    assert error.status == 422
    assert {"price", "type", "weight"} <= set(error.errors)
    assert error.type.endswith("api-status-codes")
    assert (error.method, error.path) == ("POST", PRODUCTS)


def test_429_is_rate_limited_with_reset(make_client, sandbox, store):
    sandbox.set_rate_limit(store["hash"], 2, 5000)
    client = make_client(pacer=NullPacer(), retry=NO_RETRY)
    client.get_store()
    client.get_store()
    with pytest.raises(RateLimited) as caught:
        client.get_store()
    assert caught.value.status == 429
    assert 0 < caught.value.reset_ms <= 5000


def test_429_is_waited_out_and_retried_even_for_a_post(make_client, sandbox, store):
    # A 429 waits the longer of reset-ms and retry-after: keep the window short.
    sandbox.set_rate_limit(store["hash"], 1000, 800)
    sandbox.set_faults(store["hash"], [{"kind": "rate_limit", "method": "POST", "path": PRODUCTS, "count": 1}])
    client = make_client(pacer=NullPacer())
    created = client.post(PRODUCTS, product("After 429"))
    assert created["data"]["name"] == "After 429"
    assert attempts(sandbox, store, "POST", PRODUCTS) == [("POST", 429), ("POST", 200)]
    assert len(list(client.iter_pages(PRODUCTS))) == 1


def test_5xx_on_get_is_retried_until_it_succeeds(bc_client, sandbox, store):
    sandbox.set_faults(
        store["hash"], [{"kind": "error_before", "method": "GET", "path": PRODUCTS, "status": 503, "count": 2}]
    )
    assert bc_client.get(PRODUCTS)["data"] == []
    assert attempts(sandbox, store, "GET", PRODUCTS) == [("GET", 503), ("GET", 503), ("GET", 200)]


def test_5xx_on_get_past_the_attempts_is_unavailable(bc_client, sandbox, store):
    sandbox.set_faults(store["hash"], [{"kind": "error_before", "method": "GET", "path": PRODUCTS, "status": 500}])
    with pytest.raises(Unavailable) as caught:
        bc_client.get(PRODUCTS)
    assert caught.value.status == 500
    assert attempts(sandbox, store, "GET", PRODUCTS) == [("GET", 500)] * 3  # FAST_RETRY.max_attempts


def test_read_timeout_on_get_is_retried(make_client, sandbox, store):
    # The held answer outlasts the read timeout by far, and the timeout leaves a loaded machine
    # ample time for the retry's ordinary answer.
    sandbox.set_faults(
        store["hash"], [{"kind": "timeout_after", "method": "GET", "path": PRODUCTS, "ms": 10_000, "count": 1}]
    )
    client = make_client(timeout=(5, 3))
    assert client.get(PRODUCTS)["data"] == []
    assert len(attempts(sandbox, store, "GET", PRODUCTS)) == 2


def test_post_5xx_after_apply_is_outcome_unknown_and_not_retried(bc_client, sandbox, store):
    sandbox.set_faults(store["hash"], [{"kind": "error_after", "method": "POST", "path": PRODUCTS, "status": 500}])
    with pytest.raises(OutcomeUnknown) as caught:
        bc_client.post(PRODUCTS, product("Applied anyway"))
    assert caught.value.status == 500
    assert not isinstance(caught.value, Unavailable)
    assert attempts(sandbox, store, "POST", PRODUCTS) == [("POST", 500)]  # one attempt, never repeated
    assert [p["name"] for p in bc_client.iter_pages(PRODUCTS)] == ["Applied anyway"]


def test_post_5xx_before_apply_is_still_outcome_unknown(bc_client, sandbox, store):
    # The bc_client cannot tell "before" from "after": both are in doubt.
    sandbox.set_faults(store["hash"], [{"kind": "error_before", "method": "POST", "path": PRODUCTS, "status": 502}])
    with pytest.raises(OutcomeUnknown):
        bc_client.post(PRODUCTS, product("Maybe"))
    assert len(attempts(sandbox, store, "POST", PRODUCTS)) == 1


def test_post_read_timeout_is_outcome_unknown_and_not_retried(make_client, sandbox, store):
    sandbox.set_faults(
        store["hash"],
        [{"kind": "timeout_after", "method": "POST", "path": "/v3/inventory/adjustments/relative", "ms": 1500}],
    )
    client = make_client()
    (product_id,) = create_products(client, 1)
    client.put(f"{PRODUCTS}/{product_id}", {"inventory_tracking": "product", "inventory_level": 10}, idempotent=True)
    slow = make_client(timeout=(2, 0.4))
    with pytest.raises(OutcomeUnknown) as caught:
        list(slow.adjust_inventory_relative([{"location_id": 1, "product_id": product_id, "quantity": -1}]))
    assert isinstance(caught.value.cause, requests.ReadTimeout)
    assert attempts(sandbox, store, "POST", "/v3/inventory/adjustments/relative") == [("POST", 200)]
    assert client.get(f"{PRODUCTS}/{product_id}")["data"]["inventory_level"] == 9  # applied exactly once


def test_put_not_marked_idempotent_is_outcome_unknown(bc_client, sandbox, store):
    (product_id,) = create_products(bc_client, 1)
    sandbox.set_faults(store["hash"], [{"kind": "error_after", "method": "PUT", "status": 500}])
    with pytest.raises(OutcomeUnknown):
        bc_client.put(f"{PRODUCTS}/{product_id}", {"price": 3})
    assert len([e for e in sandbox.request_log(store["hash"]) if e["method"] == "PUT"]) == 1


def test_put_marked_idempotent_is_retried(bc_client, sandbox, store):
    (product_id,) = create_products(bc_client, 1)
    sandbox.set_faults(store["hash"], [{"kind": "error_after", "method": "PUT", "status": 500, "count": 1}])
    answer = bc_client.put(f"{PRODUCTS}/{product_id}", {"price": 3}, idempotent=True)
    assert answer["data"]["price"] == 3
    assert [s for m, s in attempts(sandbox, store, "PUT", f"{PRODUCTS}/{{product_id}}")] == [500, 200]


def test_variant_batch_is_retried_only_when_every_item_has_an_id(bc_client, sandbox, store):
    (product_id,) = create_products(bc_client, 1)
    base_variant = bc_client.get(f"{PRODUCTS}/{product_id}/variants")["data"][0]["id"]
    sandbox.set_faults(
        store["hash"],
        [{"kind": "error_after", "method": "PUT", "path": "/v3/catalog/variants", "status": 500, "count": 1}],
    )
    [(_, answer)] = bc_client.update_variants([{"id": base_variant, "price": 4}])
    assert answer["data"][0]["price"] == 4
    assert [s for _, s in attempts(sandbox, store, "PUT", "/v3/catalog/variants")] == [500, 200]

    sandbox.set_faults(
        store["hash"],
        [{"kind": "error_before", "method": "PUT", "path": "/v3/catalog/variants", "status": 500, "count": 1}],
    )
    with pytest.raises(OutcomeUnknown):  # an item without id creates a variant: never repeated
        list(bc_client.update_variants([{"id": base_variant, "price": 5}, {"product_id": product_id, "sku": "NEW-1"}]))
    assert [s for _, s in attempts(sandbox, store, "PUT", "/v3/catalog/variants")] == [500, 200, 500]


def test_the_default_pacer_is_shared_by_every_worker(sandbox, store):
    from django.conf import settings

    from integrations.bigcommerce.api.pacing_backends import DatabaseBackend, RedisBackend, SharedPacer, default_pacer

    client = BigCommerceClient(store["hash"], store["token"], api_url=sandbox.url)
    assert client.pacer is default_pacer()
    assert isinstance(client.pacer, SharedPacer)
    # Redis when REDIS_URL is set, else the database: both are shared by every process.
    assert isinstance(client.pacer.backend, RedisBackend if settings.REDIS_URL else DatabaseBackend)


def test_connection_refused_is_unavailable_even_for_a_post(make_client):
    client = make_client(api_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(Unavailable) as caught:
        client.post(PRODUCTS, product("Never sent"))
    assert not isinstance(caught.value, OutcomeUnknown)
    assert caught.value.status is None


def test_retries_are_bounded_in_time(make_client, sandbox, store, caplog):
    sandbox.set_faults(store["hash"], [{"kind": "error_before", "method": "GET", "status": 503}])
    policy = RetryPolicy(max_attempts=1000, base_delay=0.05, max_delay=0.05, max_elapsed=1.5)
    client = make_client(retry=policy)
    with caplog.at_level(logging.INFO, logger="integrations.bigcommerce.api.client"), pytest.raises(Unavailable):
        client.get(PRODUCTS)
    # The waits the client chose before each retry (its log): together within the time budget.
    waits = [
        r.args[-1] for r in caplog.records if r.name == "integrations.bigcommerce.api.client" and "retrying" in r.msg
    ]
    sent = attempts(sandbox, store, "GET", PRODUCTS)
    assert waits and len(sent) == len(waits) + 1 < policy.max_attempts  # stopped by max_elapsed, not the attempts
    assert sum(waits) <= policy.max_elapsed


# -- OAuth ------------------------------------------------------------------------------------


def install_code(sandbox, store):
    """Walk the sandbox's install page as the merchant; return the auth callback's query."""
    client_id = "comptoir-local"
    answer = requests.post(
        f"{sandbox.url}/login/app/{client_id}/install",
        data={"action": "login", "email": store["owner"]["email"], "password": "sandbox"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:300]
    location = answer.headers["Location"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    return query, location.split("?")[0]


def test_exchange_code_gives_a_working_token(sandbox, store, make_client):
    query, redirect_uri = install_code(sandbox, store)
    token = exchange_code(
        query["code"],
        query["scope"],
        query["context"],
        redirect_uri,
        client_id="comptoir-local",
        client_secret="comptoir-local-secret",
        login_url=f"{sandbox.url}/login",
    )
    assert token.store_hash == store["hash"]
    assert token.context == f"stores/{store['hash']}"
    assert token.owner_email == store["owner"]["email"]
    assert token.scopes and all(re.match(r"^store_", s) for s in token.scopes)
    assert token.access_token not in repr(token)
    assert make_client(token=token.access_token).get_store()["id"] == store["hash"]

    with pytest.raises(TokenExchangeFailed) as caught:  # a code works once
        exchange_code(
            query["code"],
            query["scope"],
            query["context"],
            redirect_uri,
            client_id="comptoir-local",
            client_secret="comptoir-local-secret",
            login_url=f"{sandbox.url}/login",
        )
    assert caught.value.status == 400 and caught.value.title


def test_exchange_code_with_a_wrong_secret_fails(sandbox, store):
    query, redirect_uri = install_code(sandbox, store)
    with pytest.raises(TokenExchangeFailed) as caught:
        exchange_code(
            query["code"],
            query["scope"],
            query["context"],
            redirect_uri,
            client_id="comptoir-local",
            client_secret="wrong",
            login_url=f"{sandbox.url}/login",
        )
    assert caught.value.status == 400


def test_exchange_code_refuses_a_bad_context(sandbox):
    with pytest.raises(TokenExchangeFailed):
        exchange_code("code", "scope", "customers/1", "http://x", login_url=f"{sandbox.url}/login")


def test_direct_client_construction_validates_the_store_hash():
    with pytest.raises(ValueError):
        BigCommerceClient("abc/../def", "token", api_url="http://127.0.0.1:1", pacer=NullPacer())
