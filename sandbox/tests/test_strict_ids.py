"""Ids beyond what a record can have (above 2^63, the SQLite INTEGER range) are answered like
unknown ids, on every route that takes one: never a 500 from storage."""

from __future__ import annotations

import re

import pytest

from sandbox.api.routes import build

HUGE = str(2**63)  # one past the largest signed 64-bit integer
HUGER = str(2**64 + 7)

ID_ROUTES = [(route.method, route.pattern) for route in build().routes if re.search(r"\{\w+_id\}", route.pattern)]


def test_the_table_has_the_id_routes():
    # 23 GET routes take an id (the 22 Schemathesis found, and /v2/orders/{id}/consignments), and their
    # PUT/POST/DELETE siblings.
    assert len([m for m, _ in ID_ROUTES if m == "GET"]) == 23
    assert len(ID_ROUTES) > 40


@pytest.mark.parametrize("value", [HUGE, HUGER])
def test_every_id_route_answers_404_for_an_id_beyond_storage(api, value):
    product = api.create_product(name="Real", sku="REAL")
    seen = []
    for method, pattern in ID_ROUTES:
        # Each id in turn is the huge one; the others name real records where there is one.
        for name in re.findall(r"\{(\w+_id)\}", pattern):
            path = re.sub(
                r"\{(\w+_id)\}", lambda m, huge=name: value if m.group(1) == huge else str(product["id"]), pattern
            )
            body = None if method in ("GET", "DELETE") else ([] if path.endswith("/refunds") else {})
            answer = api.request(method, path, json=body)
            seen.append((method, path, answer.status_code))
    wrong = [s for s in seen if s[2] != 404]
    assert not wrong, wrong


def test_query_ids_beyond_storage_are_refused_not_crashed(api):
    for path in (
        f"/v3/settings/inventory?channel_id={HUGE}",
        f"/v3/catalog/products?id:in={HUGE}",
        f"/v3/catalog/products?channel_id:in={HUGER}",
        f"/v3/inventory/items?variant_id:in={HUGE}",
        f"/v2/orders?min_id={HUGE}",
    ):
        answer = api.get(path)
        assert answer.status_code < 500, (path, answer.status_code, answer.text)
    answer = api.get(f"/v3/settings/inventory?channel_id={HUGE}")
    assert answer.status_code == 400


def test_a_body_integer_beyond_64_bits_is_a_malformed_request(api):
    product = api.create_product(name="Real", sku="REAL")
    for method, path, body in (
        (
            "PUT",
            "/v3/catalog/products/channel-assignments",
            f'[{{"product_id": {product["id"]}, "channel_id": {HUGE}}}]',
        ),
        ("PUT", "/v3/catalog/products/category-assignments", f'[{{"product_id": {HUGER}, "category_id": 1}}]'),
        ("PUT", "/v3/catalog/products", f'[{{"id": {HUGE}, "price": 1}}]'),
        (
            "POST",
            "/v3/inventory/adjustments/relative",
            f'{{"items": [{{"location_id": 1, "variant_id": {HUGE}, "quantity": 1}}]}}',
        ),
    ):
        answer = api.request(method, path, data=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, (path, answer.status_code, answer.text)
