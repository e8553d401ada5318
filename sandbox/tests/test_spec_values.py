"""Field types and nullability as BigCommerce's reference says, checked without the spec
files (the `contract` tests check the same answers against the files themselves)."""

from __future__ import annotations

import uuid

PRODUCT_NEVER_NULL = ("date_last_imported", "option_set_id", "custom_url", "date_created", "date_modified")


def test_products_never_answer_null_where_the_spec_says_never(api):
    simple = api.create_product(name="Simple")
    sized = api.create_product(
        name="Taillé",
        variants=[{"sku": "TL-S", "option_values": [{"option_display_name": "Taille", "label": "S"}]}],
    )
    for product in api.get("/v3/catalog/products").json()["data"]:
        for field in PRODUCT_NEVER_NULL:
            assert product[field] is not None, field
        assert isinstance(product["option_set_id"], int) and isinstance(product["date_last_imported"], str)
    got = api.get(f"/v3/catalog/products/{simple['id']}").json()["data"]
    assert isinstance(got["base_variant_id"], int)
    # The reference: "This value is `null` for complex products."
    assert api.get(f"/v3/catalog/products/{sized['id']}").json()["data"]["base_variant_id"] is None


def test_variant_cost_price_is_a_number_and_inherited_prices_stay_null(api):
    product = api.create_product(
        name="Coût",
        variants=[{"sku": "CT-S", "cost_price": None, "option_values": [{"option_display_name": "T", "label": "S"}]}],
    )
    variant = api.get(f"/v3/catalog/products/{product['id']}/variants").json()["data"][0]
    assert variant["cost_price"] == 0  # an API null cost price is stored as 0
    # null means "the product's value" (product-variants_catalog.v3.yml marks these nullable)
    assert variant["price"] is None and variant["calculated_price"] == product["price"]
    for row in api.get("/v3/catalog/variants").json()["data"]:
        assert isinstance(row["cost_price"], (int, float))


def test_locations_have_an_address_and_operating_hours_objects(api):
    api.post("/v3/inventory/locations", json=[{"code": "SHOP-2", "label": "Shop 2"}])
    for location in api.get("/v3/inventory/locations").json()["data"]:
        assert isinstance(location["address"], dict) and isinstance(location["address"]["geo_coordinates"], dict)
        hours = location["operating_hours"]
        assert set(hours) == {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}
        assert all(isinstance(day["open"], bool) for day in hours.values())
    assert api.put("/v3/inventory/locations", json=[{"id": 1, "address": None}]).status_code == 422
    assert (
        api.post("/v3/inventory/locations", json=[{"code": "X", "label": "X", "operating_hours": None}]).status_code
        == 422
    )


def test_store_information_types(api):
    info = api.get("/v2/store").json()
    assert str(uuid.UUID(info["account_uuid"])) == info["account_uuid"]
    assert isinstance(info["dimension_decimal_places"], int) and isinstance(info["decimal_places"], int)
    assert isinstance(info["store_id"], int)


def test_refund_amounts_are_numbers(api):
    product = api.create_product(name="Rbt", sku="RBT", price=7.5)
    order = api.post(
        "/v2/orders",
        json={"billing_address": {"email": "a@b.test"}, "products": [{"product_id": product["id"], "quantity": 2}]},
    ).json()
    refund = api.post(
        f"/v3/orders/{order['id']}/payment_actions/refunds",
        json={
            "items": [{"item_type": "ORDER", "item_id": order["id"], "amount": 4.5}],
            "payments": [{"provider_id": "custom", "amount": 4.5, "offline": True}],
        },
    ).json()["data"]
    assert refund["total_amount"] == 4.5 and refund["items"][0]["requested_amount"] == 4.5
    assert "quantity" not in refund["items"][0]
    quote = api.post(
        f"/v3/orders/{order['id']}/payment_actions/refund_quotes",
        json={"items": [{"item_type": "ORDER", "item_id": order["id"], "amount": 1}]},
    ).json()["data"]
    assert isinstance(quote["tax_inclusive"], bool) and isinstance(quote["total_refund_amount"], (int, float))
