import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.tests.factories import ProductFactory
from inventory.models import Refund, Sale, StockLevel, StockMovement, StockOrigin
from inventory.services import sale_create
from inventory.tests.factories import stocked_variant
from portal.services import device_revoke
from portal.tests.factories import DeviceFactory


@pytest.fixture
def device(merchant):
    return DeviceFactory(merchant=merchant, name="Till 1")


@pytest.fixture
def mug(merchant):
    return stocked_variant(merchant=merchant, quantity=5, sku="MUG-1", barcode="2000000000015", price=1800)


@pytest.fixture
def api(client, device):
    """Calls the API as ``device``: api("post", path, body, key=...)."""

    def call(method, path, body=None, *, key=None, token=None, raw=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token or device.token}"}
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if method == "get":
            return client.get(path, **headers)
        return getattr(client, method)(path, data=data, content_type="application/json", **headers)

    return call


def level(variant):
    return StockLevel.objects.get(variant=variant).quantity


def error(response):
    return response.json()["error"]


# Authentication --------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Token abc", "Bearer ", "Bearer cpt_wrong", "Bearer nope"])
def test_missing_or_invalid_token_is_401(client, mug, header):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(
        "/api/v1/purchases", data="{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k", **headers
    )
    assert response.status_code == 401
    assert error(response)["code"] in {"missing_token", "invalid_token"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_device_is_401(api, device, mug):
    device_revoke(device=device)
    response = api("post", "/api/v1/purchases", {"lines": [{"sku": "MUG-1", "quantity": 1}]}, key="k1")
    assert response.status_code == 401 and error(response)["code"] == "device_revoked"
    assert not Sale.objects.exists()


def test_api_is_csrf_exempt(device, mug):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/purchases",
        data=json.dumps({"lines": [{"sku": "MUG-1", "quantity": 1}]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {device.token}",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert response.status_code == 201


def test_wrong_method_is_405(api):
    response = api("get", "/api/v1/purchases")
    assert response.status_code == 405 and response["Allow"] == "POST"


# Purchases -------------------------------------------------------------------------------------


def test_purchase_by_sku_barcode_and_variant_id(api, merchant, device, mug):
    other = stocked_variant(merchant=merchant, quantity=2, price=500)
    body = {
        "lines": [
            {"sku": "mug-1", "quantity": 1},
            {"barcode": "2000000000015", "quantity": 2},
            {"variant_id": other.pk, "quantity": 3},
        ]
    }
    response = api("post", "/api/v1/purchases", body, key="purchase-1")
    assert response.status_code == 201
    data = response.json()
    sale = Sale.objects.get()
    assert data["id"] == sale.pk and data["total"] == 3 * 1800 + 3 * 500 and data["currency"] == "EUR"
    assert data["device_id"] == device.pk
    assert [(line["sku"], line["quantity"], line["unit_price"]) for line in data["lines"]] == [
        ("MUG-1", 1, 1800),
        ("MUG-1", 2, 1800),
        (other.sku, 3, 500),
    ]
    assert (level(mug), level(other)) == (2, -1)
    assert StockMovement.objects.filter(origin=StockOrigin.POS_SALE, device=device).count() == 3


def test_same_key_same_body_returns_the_same_response_and_one_ledger_row(api, mug):
    body = {"lines": [{"sku": "MUG-1", "quantity": 1}]}
    first = api("post", "/api/v1/purchases", body, key="retry-me")
    second = api("post", "/api/v1/purchases", body, key="retry-me")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.content == second.content
    assert Sale.objects.count() == 1
    assert StockMovement.objects.filter(origin=StockOrigin.POS_SALE).count() == 1
    assert level(mug) == 4


def test_same_key_with_equivalent_json_is_a_replay(api, mug):
    api("post", "/api/v1/purchases", raw='{"lines": [{"sku": "MUG-1", "quantity": 1}]}', key="k")
    response = api("post", "/api/v1/purchases", raw='{"lines":[{"quantity":1,"sku":"MUG-1"}]}', key="k")
    assert response.status_code == 201 and Sale.objects.count() == 1


def test_same_key_different_body_is_a_conflict(api, mug):
    api("post", "/api/v1/purchases", {"lines": [{"sku": "MUG-1", "quantity": 1}]}, key="k")
    response = api("post", "/api/v1/purchases", {"lines": [{"sku": "MUG-1", "quantity": 2}]}, key="k")
    assert response.status_code == 409 and error(response)["code"] == "idempotency_key_reused"
    assert Sale.objects.count() == 1 and level(mug) == 4


def test_keys_are_scoped_per_device(api, merchant, mug, client):
    other_device = DeviceFactory(merchant=merchant)
    body = {"lines": [{"sku": "MUG-1", "quantity": 1}]}
    api("post", "/api/v1/purchases", body, key="1")
    response = api("post", "/api/v1/purchases", body, key="1", token=other_device.token)
    assert response.status_code == 201
    assert Sale.objects.count() == 2


def test_missing_idempotency_key_is_400(api, mug):
    response = api("post", "/api/v1/purchases", {"lines": [{"sku": "MUG-1", "quantity": 1}]})
    assert response.status_code == 400 and error(response)["code"] == "idempotency_key_missing"
    response = api("post", "/api/v1/purchases", {"lines": [{"sku": "MUG-1", "quantity": 1}]}, key="x" * 101)
    assert response.status_code == 400 and error(response)["code"] == "idempotency_key_invalid"
    assert not Sale.objects.exists()


@pytest.mark.parametrize("raw", ["{not json", "", "[1, 2]", '"lines"', "\xff"])
def test_malformed_json_is_400(api, mug, raw):
    response = api("post", "/api/v1/purchases", raw=raw, key="k")
    assert response.status_code == 400 and error(response)["code"] == "malformed_json"


def test_lone_surrogate_escape_is_malformed_json_not_a_crash(api, mug):
    # "\ud800" is valid JSON syntax but no Unicode text: the database cannot encode it.
    raw = '{"lines": [{"sku": "\\ud800", "quantity": 1}]}'
    response = api("post", "/api/v1/purchases", raw=raw, key="surrogate")
    assert response.status_code == 400 and error(response)["code"] == "malformed_json"
    assert not Sale.objects.exists() and level(mug) == 5


def test_total_too_large_is_422_not_a_crash(api, merchant):
    stocked_variant(merchant=merchant, sku="GOLD-1", price=999_999_999_999_999)
    response = api("post", "/api/v1/purchases", {"lines": [{"sku": "GOLD-1", "quantity": 9_999}]}, key="gold")
    # A price above the catalog's bound (saved before it existed) is refused before any total.
    assert response.status_code == 422 and error(response)["code"] == "invalid_price"
    assert not Sale.objects.exists()


def test_very_long_sku_is_unknown_not_a_crash(api, mug):
    long_sku = "X" * 60_000  # beyond SQLite's LIKE pattern limit
    response = api("post", "/api/v1/purchases", {"lines": [{"sku": long_sku, "quantity": 1}]}, key="long")
    assert response.status_code == 422 and error(response)["code"] == "unknown_product"
    assert error(response)["field"] == "lines[0].sku"
    assert api("get", f"/api/v1/products?sku={long_sku}").json() == {"products": []}
    assert not Sale.objects.exists() and level(mug) == 5


def test_unknown_sku_is_422_naming_it(api, mug):
    response = api(
        "post",
        "/api/v1/purchases",
        {"lines": [{"sku": "MUG-1", "quantity": 1}, {"sku": "NOPE-9", "quantity": 1}]},
        key="k",
    )
    assert response.status_code == 422
    assert error(response) == {
        "code": "unknown_product",
        "message": "No product with SKU “NOPE-9”.",
        "field": "lines[1].sku",
    }
    assert not Sale.objects.exists() and level(mug) == 5


def test_unknown_barcode_and_variant_id_and_other_merchants_sku(api, other_merchant, mug):
    theirs = stocked_variant(merchant=other_merchant, sku="THEIRS")
    for line, field in [
        ({"barcode": "999"}, "lines[0].barcode"),
        ({"variant_id": theirs.pk}, "lines[0].variant_id"),
        ({"sku": "THEIRS"}, "lines[0].sku"),
    ]:
        response = api("post", "/api/v1/purchases", {"lines": [{**line, "quantity": 1}]}, key=f"k-{field}-{line}")
        assert response.status_code == 422 and error(response)["field"] == field
    assert not Sale.objects.exists() and level(theirs) == 10


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2", None, True, 10_000, 10**20])
def test_bad_quantity_is_422(api, mug, quantity):
    response = api("post", "/api/v1/purchases", {"lines": [{"sku": "MUG-1", "quantity": quantity}]}, key="k")
    assert response.status_code == 422
    assert error(response)["code"] == "invalid_quantity" and error(response)["field"] == "lines[0].quantity"
    assert not Sale.objects.exists() and level(mug) == 5


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"lines": []},
        {"lines": "x"},
        {"lines": [1]},
        {"lines": [{"quantity": 1}]},
        {"lines": [{"sku": "MUG-1", "barcode": "1", "quantity": 1}]},
    ],
)
def test_bad_lines_are_422(api, mug, body):
    response = api("post", "/api/v1/purchases", body, key="k")
    assert response.status_code == 422 and error(response)["code"] == "invalid_lines"


def test_get_purchase_with_refunds(api, mug):
    sale_id = api("post", "/api/v1/purchases", {"lines": [{"sku": "MUG-1", "quantity": 2}]}, key="p").json()["id"]
    line_id = Sale.objects.get().lines.get().pk
    api("post", f"/api/v1/purchases/{sale_id}/refunds", {"lines": [{"line_id": line_id, "quantity": 1}]}, key="r")
    data = api("get", f"/api/v1/purchases/{sale_id}").json()
    assert data["lines"][0]["refunded_quantity"] == 1
    assert data["refunds"][0]["lines"] == [
        {"id": Refund.objects.get().lines.get().pk, "line_id": line_id, "quantity": 1}
    ]


def test_other_merchants_purchase_is_404(api, other_merchant):
    theirs = stocked_variant(merchant=other_merchant)
    sale = sale_create(merchant=other_merchant, lines=[(theirs, 1)], idempotency_key="x")
    assert api("get", f"/api/v1/purchases/{sale.pk}").status_code == 404
    response = api(
        "post",
        f"/api/v1/purchases/{sale.pk}/refunds",
        {"lines": [{"line_id": sale.lines.get().pk, "quantity": 1}]},
        key="r",
    )
    assert response.status_code == 404 and error(response)["code"] == "not_found"
    assert not Refund.objects.exists()


# Refunds ---------------------------------------------------------------------------------------


@pytest.fixture
def purchase(api, mug):
    data = api("post", "/api/v1/purchases", {"lines": [{"sku": "MUG-1", "quantity": 3}]}, key="p").json()
    return data["id"], data["lines"][0]["id"]


def test_refund_returns_stock_and_replays(api, mug, purchase):
    sale_id, line_id = purchase
    body = {"lines": [{"line_id": line_id, "quantity": 2}]}
    first = api("post", f"/api/v1/purchases/{sale_id}/refunds", body, key="r1")
    second = api("post", f"/api/v1/purchases/{sale_id}/refunds", body, key="r1")
    assert first.status_code == 201 and first.content == second.content
    assert first.json()["total"] == 3600
    assert level(mug) == 4
    assert StockMovement.objects.filter(origin=StockOrigin.POS_REFUND).count() == 1


def test_refund_beyond_sold_is_422(api, mug, purchase):
    sale_id, line_id = purchase
    api("post", f"/api/v1/purchases/{sale_id}/refunds", {"lines": [{"line_id": line_id, "quantity": 2}]}, key="r1")
    response = api(
        "post", f"/api/v1/purchases/{sale_id}/refunds", {"lines": [{"line_id": line_id, "quantity": 2}]}, key="r2"
    )
    assert response.status_code == 422 and error(response)["code"] == "refund_exceeds_sale"
    assert "1 left to refund" in error(response)["message"]
    assert Refund.objects.count() == 1 and level(mug) == 4


def test_refund_key_reused_with_other_body_or_purchase_is_409(api, mug, purchase):
    sale_id, line_id = purchase
    api("post", f"/api/v1/purchases/{sale_id}/refunds", {"lines": [{"line_id": line_id, "quantity": 1}]}, key="r1")
    response = api(
        "post", f"/api/v1/purchases/{sale_id}/refunds", {"lines": [{"line_id": line_id, "quantity": 2}]}, key="r1"
    )
    assert response.status_code == 409
    other_id = api("post", "/api/v1/purchases", {"lines": [{"sku": "MUG-1", "quantity": 1}]}, key="p2").json()["id"]
    other_line = Sale.objects.get(pk=other_id).lines.get().pk
    response = api(
        "post", f"/api/v1/purchases/{other_id}/refunds", {"lines": [{"line_id": other_line, "quantity": 1}]}, key="r1"
    )
    assert response.status_code == 409
    assert Refund.objects.count() == 1


def test_refund_bad_inputs(api, purchase):
    sale_id, line_id = purchase
    path = f"/api/v1/purchases/{sale_id}/refunds"
    assert api("post", path, {"lines": [{"line_id": line_id, "quantity": 1}]}).status_code == 400
    assert api("post", path, raw="{", key="a").status_code == 400
    response = api("post", path, {"lines": [{"line_id": 999999, "quantity": 1}]}, key="b")
    assert response.status_code == 422 and error(response)["code"] == "unknown_line"
    response = api("post", path, {"lines": [{"line_id": line_id, "quantity": 0}]}, key="c")
    assert response.status_code == 422 and error(response)["code"] == "invalid_quantity"
    assert not Refund.objects.exists()


# Product lookup --------------------------------------------------------------------------------


def test_product_lookup(api, mug, other_merchant):
    stocked_variant(merchant=other_merchant, sku="MUG-1X")
    data = api("get", "/api/v1/products?sku=MUG-1").json()
    assert data["products"] == [
        {
            "variant_id": mug.pk,
            "product_id": mug.product_id,
            "name": mug.product.name,
            "options": "",
            "sku": "MUG-1",
            "barcode": "2000000000015",
            "price": 1800,
            "has_price": True,
            "currency": "EUR",
            "track_stock": True,
            "stock": 5,
        }
    ]
    assert len(api("get", "/api/v1/products?barcode=2000000000015").json()["products"]) == 1
    assert [p["sku"] for p in api("get", "/api/v1/products?q=mug").json()["products"]] == ["MUG-1"]
    assert api("get", "/api/v1/products?sku=NOPE").json()["products"] == []
    assert api("get", "/api/v1/products").status_code == 400


def test_archived_products_are_not_offered_but_a_sale_of_one_is_recorded(client, merchant):
    """Lookups leave archived products out; a till that sold one (offline, say) still records it."""
    device = DeviceFactory(merchant=merchant)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {device.token}"}
    ProductFactory(merchant=merchant, variant__sku="OLD-1", is_archived=True)

    looked_up = client.get("/api/v1/products?sku=OLD-1", **auth)
    assert looked_up.status_code == 200 and looked_up.json() == {"products": []}

    sold = client.post(
        "/api/v1/purchases",
        {"lines": [{"sku": "OLD-1", "quantity": 1}]},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="offline-1",
        **auth,
    )
    assert sold.status_code == 201, sold.content
    assert Sale.objects.filter(merchant=merchant).count() == 1


# Bad input: a clear 4xx in the error shape, and nothing recorded ---------------------------------


def snapshot():
    """What a rejected request must leave as it was."""
    return (
        Sale.objects.count(),
        Refund.objects.count(),
        StockMovement.objects.count(),
        list(StockLevel.objects.values_list("quantity", flat=True)),
    )


def assert_error_shape(response, status, code):
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


@pytest.mark.postgres_also
@pytest.mark.parametrize("name", ["q", "sku", "barcode"])
@pytest.mark.parametrize("value", ["MUG%00", "%00", "2000000000015%00", "%00MUG-1"])
def test_a_nul_in_a_product_lookup_is_400(api, mug, name, value):
    response = api("get", f"/api/v1/products?{name}={value}")
    assert assert_error_shape(response, 400, "invalid_characters")["field"] == name


@pytest.mark.postgres_also
@pytest.mark.parametrize(
    "line",
    [
        {"sku": "MUG-1\u0000", "quantity": 1},
        {"barcode": "\u00002000000000015", "quantity": 1},
        {"sku": "MUG-1", "quantity": 1, "note\u0000": "x"},
    ],
)
def test_a_nul_in_a_purchase_is_400_and_records_nothing(api, mug, line):
    before = snapshot()
    response = api("post", "/api/v1/purchases", {"lines": [line]}, key="nul")
    assert_error_shape(response, 400, "malformed_json")
    assert snapshot() == before
    # The key was not spent: the corrected request goes through with it.
    assert api("post", "/api/v1/purchases", {"lines": [{"sku": "MUG-1", "quantity": 1}]}, key="nul").status_code == 201


@pytest.mark.postgres_also
def test_a_nul_in_a_refund_is_400_and_records_nothing(api, mug, purchase):
    sale_id, line_id = purchase
    before = snapshot()
    raw = json.dumps({"lines": [{"line_id": line_id, "quantity": 1}], "reason": "\u0000"})
    assert_error_shape(api("post", f"/api/v1/purchases/{sale_id}/refunds", raw=raw, key="r"), 400, "malformed_json")
    assert snapshot() == before


@pytest.mark.parametrize("levels", [5000, 100])
def test_deeply_nested_json_is_400_not_a_crash(api, mug, purchase, levels):
    sale_id, _line = purchase
    before = snapshot()
    deep = '{"lines": [{"sku": "MUG-1", "quantity": 1, "x": ' + "[" * levels + "]" * levels + "}]}"
    assert_error_shape(api("post", "/api/v1/purchases", raw=deep, key="deep"), 400, "malformed_json")
    response = api("post", f"/api/v1/purchases/{sale_id}/refunds", raw=deep, key="deep")
    assert_error_shape(response, 400, "malformed_json")
    assert snapshot() == before


@pytest.mark.parametrize("raw", ['{"lines": [], "n": NaN}', '{"lines": [], "n": 1e400}'])
def test_json_without_a_finite_number_is_400(api, mug, raw):
    assert_error_shape(api("post", "/api/v1/purchases", raw=raw, key="nan"), 400, "malformed_json")


def test_an_oversized_body_is_413_in_the_error_shape(api, mug, purchase, settings):
    sale_id, _line = purchase
    before = snapshot()
    raw = '{"lines": [{"sku": "MUG-1", "quantity": 1}], "pad": "' + "x" * (11 * 1024 * 1024) + '"}'
    assert_error_shape(api("post", "/api/v1/purchases", raw=raw, key="big"), 413, "body_too_large")
    assert_error_shape(api("post", f"/api/v1/purchases/{sale_id}/refunds", raw=raw, key="big"), 413, "body_too_large")
    assert snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/purchases/-1",
        "/api/v1/purchases/abc",
        "/api/v1/purchases/-1/refunds",
        "/api/v1/purchases/",
        "/api/v1/nothing",
        "/api/v2/products",
        "/api/",
    ],
)
def test_unknown_api_addresses_are_404_in_the_error_shape(api, path):
    assert_error_shape(api("get", path), 404, "not_found")
    assert_error_shape(api("post", path, {"lines": []}, key="k"), 404, "not_found")


def test_a_purchase_id_beyond_any_row_is_404_in_the_error_shape(api):
    huge = "99999999999999999999999"
    assert_error_shape(api("get", f"/api/v1/purchases/{huge}"), 404, "not_found")
    response = api("post", f"/api/v1/purchases/{huge}/refunds", {"lines": []}, key="k")
    assert_error_shape(response, 404, "not_found")


def test_a_huge_variant_id_is_an_unknown_product(api, mug):
    response = api("post", "/api/v1/purchases", {"lines": [{"variant_id": 10**30, "quantity": 1}]}, key="huge")
    assert assert_error_shape(response, 422, "unknown_product")["field"] == "lines[0].variant_id"


def test_refund_exceeds_sale_names_the_quantity_of_the_line_at_fault(api, mug, purchase):
    sale_id, line_id = purchase  # 3 sold
    other_id = api("post", "/api/v1/purchases", {"lines": [{"sku": "MUG-1", "quantity": 1}]}, key="p2").json()["id"]
    assert other_id
    path = f"/api/v1/purchases/{sale_id}/refunds"
    response = api("post", path, {"lines": [{"line_id": line_id, "quantity": 4}]}, key="r1")
    assert assert_error_shape(response, 422, "refund_exceeds_sale")["field"] == "lines[0].quantity"
    # The same line twice: the second one takes it past what was sold.
    body = {"lines": [{"line_id": line_id, "quantity": 2}, {"line_id": line_id, "quantity": 2}]}
    response = api("post", path, body, key="r2")
    assert assert_error_shape(response, 422, "refund_exceeds_sale")["field"] == "lines[1].quantity"
    assert not Refund.objects.exists()


# Products without a price ------------------------------------------------------------------------


@pytest.fixture
def tote(merchant):
    """A product without a price (0), as one managed in BigCommerce without price sync arrives."""
    product = ProductFactory(merchant=merchant, name="Tote", variant=False)
    return stocked_variant(merchant=merchant, product=product, quantity=30, sku="TOTE-1", price=0)


def test_a_product_without_a_price_is_refused_naming_the_line(api, mug, tote):
    body = {"lines": [{"sku": "MUG-1", "quantity": 1}, {"sku": "TOTE-1", "quantity": 2}]}
    response = api("post", "/api/v1/purchases", body, key="zero-1")
    assert response.status_code == 422
    assert error(response) == {
        "code": "zero_price",
        "message": "“Tote” has no price: it would be sold at €0.00. Set its price in Comptoir, or send "
        "“allow_zero_price”: true on this line to sell it at €0.00.",
        "field": "lines[1]",
    }
    assert not Sale.objects.exists() and level(mug) == 5 and level(tote) == 30
    found = api("get", "/api/v1/products?sku=TOTE-1").json()["products"]
    assert [(p["price"], p["has_price"]) for p in found] == [(0, False)]
    assert api("get", "/api/v1/products?sku=MUG-1").json()["products"][0]["has_price"] is True


def test_a_line_that_says_allow_zero_price_sells_it(api, mug, tote):
    body = {"lines": [{"sku": "MUG-1", "quantity": 1}, {"sku": "TOTE-1", "quantity": 2, "allow_zero_price": True}]}
    response = api("post", "/api/v1/purchases", body, key="zero-2")
    assert response.status_code == 201, response.content
    assert response.json()["total"] == 1800
    assert [line["unit_price"] for line in response.json()["lines"]] == [1800, 0]
    assert level(tote) == 28
    # A flag on a priced line changes nothing; false is the default.
    body = {"lines": [{"sku": "MUG-1", "quantity": 1, "allow_zero_price": True}]}
    assert api("post", "/api/v1/purchases", body, key="zero-3").status_code == 201
    body = {"lines": [{"sku": "TOTE-1", "quantity": 1, "allow_zero_price": False}]}
    assert error(api("post", "/api/v1/purchases", body, key="zero-4"))["code"] == "zero_price"


@pytest.mark.parametrize("flag", ["true", 1, None, [], {"yes": True}])
def test_allow_zero_price_must_be_a_boolean(api, tote, flag):
    body = {"lines": [{"sku": "TOTE-1", "quantity": 1, "allow_zero_price": flag}]}
    response = api("post", "/api/v1/purchases", body, key="zero-5")
    assert response.status_code == 422
    assert error(response)["code"] == "invalid_lines" and error(response)["field"] == "lines[0].allow_zero_price"
    assert not Sale.objects.exists()


def test_a_till_selling_every_second_writes_its_last_use_once_a_minute_not_per_sale(api, device, mug):
    def device_writes(key: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            sold = api("post", "/api/v1/purchases", {"lines": [{"sku": "MUG-1", "quantity": 1}]}, key=key)
        assert sold.status_code == 201
        return sum(1 for q in queries.captured_queries if q["sql"].startswith('UPDATE "portal_device"'))

    assert device_writes("first") == 1  # never used: "Last used" starts
    assert device_writes("second") == 0  # the same minute
    device.refresh_from_db()
    used = device.last_used_at
    type(device).objects.filter(pk=device.pk).update(last_used_at=used - timedelta(minutes=1))
    assert device_writes("a minute later") == 1
    device.refresh_from_db()
    assert device.last_used_at > used - timedelta(minutes=1) and device.last_used_at <= timezone.now()
