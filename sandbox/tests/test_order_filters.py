"""GET /v2/orders and /v2/orders/count: every filter and sort orders.v2.oas2.yml lists behaves as
documented ("To specify the direction, add :asc or :desc ... e.g., sort=date_created:desc"; "The
default sort is by order id, from lowest to highest"). A sort the spec does not list is a 400."""

from __future__ import annotations

import time

import pytest

from sandbox.tests.test_orders import BILLING, _order


def _ids(api, query: str) -> list[int]:
    answer = api.get(f"/v2/orders?{query}")
    assert answer.status_code in (200, 204), answer.text
    return [o["id"] for o in answer.json()] if answer.status_code == 200 else []


def _count(api, query: str) -> int:
    answer = api.get(f"/v2/orders/count?{query}")
    assert answer.status_code == 200, answer.text
    return answer.json()["count"]


@pytest.fixture
def orders(api):
    """Three orders, a second apart, each with its own customer, channel, status, total, email,
    payment method and external id; then the first one modified last."""
    product = api.create_product(name="Filtré", sku="FLT", price=5, inventory_tracking="none")
    channel = api.post("/v3/channels", json={"name": "POS", "type": "pos", "platform": "custom"}).json()["data"]
    made = []
    for n, (customer, channel_id, status, quantity, external) in enumerate(
        [(30, 1, 11, 3, "B-2"), (10, channel["id"], 1, 1, None), (20, 1, 11, 2, "A-1")]
    ):
        made.append(
            _order(
                api,
                [{"product_id": product["id"], "quantity": quantity}],
                customer_id=customer,
                channel_id=channel_id,
                status_id=status,
                external_id=external,
                payment_method="cash" if n == 1 else "Manual",
                billing_address={**BILLING, "email": f"buyer{n}@example.test"},
            )
        )
        time.sleep(1.05)  # v2 dates have one-second resolution
    assert api.put(f"/v2/orders/{made[0]['id']}", json={"staff_notes": "rang back"}).status_code == 200
    return [o["id"] for o in made], channel["id"]


def test_every_listed_filter_filters(api, orders):
    (first, second, third), channel = orders
    cases = {
        f"min_id={second}": [second, third],
        f"max_id={second}": [first, second],
        "min_total=10": [first, third],
        "max_total=10": [second, third],
        "customer_id=20": [third],
        "email=buyer1@example.test": [second],
        "status_id=11": [first, third],
        "cart_id=": [first, second, third],  # no filter: an empty value filters nothing
        "cart_id=abc-123": [],  # orders placed through the API have no cart
        "payment_method=cash": [second],
        f"channel_id={channel}": [second],
        "external_order_id=A-1": [third],
    }
    for query, expected in cases.items():
        assert _ids(api, query) == expected, query
        assert _count(api, query) == len(expected), query


def test_every_listed_sort_in_both_directions(api, orders):
    (first, second, third), channel = orders
    cases = {
        "id": [first, second, third],
        "customer_id": [second, third, first],
        "date_created": [first, second, third],
        "date_modified": [second, third, first],  # the first order was modified last
        "status_id": [second, first, third],  # 1, then the two 11s by id
        "channel_id": [first, third, second],
        "external_id": [second, third, first],  # none first, then "A-1", "B-2"
    }
    for field, ascending in cases.items():
        assert _ids(api, f"sort={field}") == ascending, field
        assert _ids(api, f"sort={field}:asc") == ascending, field
    assert _ids(api, "sort=id:desc") == [third, second, first]
    assert _ids(api, "sort=date_modified:desc") == [first, third, second]
    assert _ids(api, "sort=status_id:desc") == [first, third, second]  # ties keep the lowest id first
    assert _ids(api, "") == [first, second, third]  # the default: by id, lowest first
    assert _ids(
        api, f"sort=date_modified:asc&min_date_modified={api.get(f'/v2/orders/{third}').json()['date_modified']}"
    ) == [
        third,
        first,
    ]


def test_a_sort_the_spec_does_not_list_is_a_400(api, orders):
    for sort in ("total_inc_tax", "date_modified:up", "id:asc:desc", ":asc", "DATE_MODIFIED"):
        answer = api.get(f"/v2/orders?sort={sort}")
        assert answer.status_code == 400, (sort, answer.text)
        assert answer.json()[0]["status"] == 400 and "sort" in answer.json()[0]["message"]
