"""Junk bodies never crash the sandbox: writes answer 2xx (a harmless no-op) or 4xx, never 5xx."""

from __future__ import annotations

import pytest

JUNK = [
    None,
    0,
    "text",
    [],
    {},
    [None],
    [1, "x"],
    {"items": "x"},
    {"items": [None]},
    {"items": [{}]},
    [{"id": "x"}],
    [{"product_id": None}],
    {"name": None, "price": {}},
    {"option_values": "x"},
    {"billing_address": {}, "products": [{"quantity": "2"}]},
    {"products": [None]},
]


@pytest.fixture
def product(sandbox, store, api):
    sandbox.set_rate_limit(store["hash"], quota=100_000)  # hundreds of requests follow: no 429s
    return api.create_product(
        name="Cible",
        sku="CIBLE",
        inventory_tracking="variant",
        variants=[{"sku": "CIBLE-S", "option_values": [{"option_display_name": "T", "label": "S"}]}],
    )


def _writes(product):
    p = f"/v3/catalog/products/{product['id']}"
    option = product["options"][0]
    variant = product["variants"][0]
    return [
        ("POST", "/v3/catalog/products"),
        ("PUT", "/v3/catalog/products"),
        ("PUT", p),
        ("POST", p + "/variants"),
        ("PUT", f"{p}/variants/{variant['id']}"),
        ("PUT", "/v3/catalog/variants"),
        ("POST", p + "/options"),
        ("PUT", f"{p}/options/{option['id']}"),
        ("POST", f"{p}/options/{option['id']}/values"),
        ("POST", p + "/images"),
        ("POST", p + "/videos"),
        ("POST", p + "/custom-fields"),
        ("PUT", "/v3/catalog/trees"),
        ("POST", "/v3/catalog/trees/categories"),
        ("PUT", "/v3/catalog/trees/categories"),
        ("POST", "/v3/catalog/categories"),
        ("PUT", "/v3/catalog/products/channel-assignments"),
        ("PUT", "/v3/catalog/products/category-assignments"),
        ("POST", "/v3/channels"),
        ("PUT", "/v3/channels/1"),
        ("PUT", "/v3/inventory/adjustments/absolute"),
        ("POST", "/v3/inventory/adjustments/relative"),
        ("POST", "/v3/inventory/locations"),
        ("PUT", "/v3/inventory/locations"),
        ("PUT", "/v3/inventory/locations/1/items"),
        ("POST", "/v3/pickup/methods"),
        ("POST", "/v3/hooks"),
        ("PUT", "/v3/settings/inventory"),
        ("POST", "/v2/orders"),
    ]


def test_junk_bodies_never_get_5xx(api, product):
    failures = []
    for method, path in _writes(product):
        for body in JUNK:
            answer = api.request(method, path, json=body)
            assert answer.status_code != 429
            if answer.status_code >= 500 or (body in (None, 0, "text") and answer.status_code < 400):
                failures.append((method, path, body, answer.status_code, answer.text[:120]))
    assert failures == [], "\n".join(map(str, failures))


def test_junk_query_strings_get_4xx(api, product):
    for path in (
        "/v3/catalog/products?id:in=a,b",
        "/v3/catalog/products?limit=x",
        "/v3/catalog/products?page=-",
        "/v3/catalog/products?date_modified:min=yesterday",
        "/v3/catalog/products?sort=colour",
        "/v3/catalog/variants?id=x",
        "/v2/orders?min_id=x",
        "/v3/catalog/trees/categories?tree_id:in=z",
        f"/v3/catalog/products/{product['id']}/variants/abc",
        "/v3/orders/x/payment_actions/refunds",
        "/v3/inventory/locations?is_default=perhaps",
        "/v3/inventory/locations?location_id:in=a",
        "/v3/pickup/methods?id:in=z",
    ):
        answer = api.get(path)
        assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text[:200])
