"""Prices are typed as plain decimals within bounds: on the product form, in services, in admin."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from catalog.forms import VariantRowForm
from catalog.models import Product, Variant
from catalog.services import ProductFields, VariantSpec, product_create
from catalog.tests.factories import ProductFactory
from catalog.tests.test_views_products import product_post
from portal.money import MAX_PRICE
from portal.tests.factories import UserFactory


def row(currency="EUR", **data):
    values = {"combination": "[]", "sku": "", "barcode": "", "price": "2.50", "cost_price": ""}
    values.update(data)
    return VariantRowForm({f"v-{k}": v for k, v in values.items()}, prefix="v", currency=currency)


@pytest.mark.parametrize("typed", ["1e9", "1E9", "2.5e1", "1e-2"])
def test_exponent_notation_is_refused(typed):
    form = row(price=typed)
    assert not form.is_valid()
    assert "exponent" in form.errors["price"][0]


def test_exponent_is_refused_in_the_cost_price_too():
    form = row(cost_price="1e3")
    assert not form.is_valid() and "exponent" in form.errors["cost_price"][0]


def test_price_above_the_bound_is_refused_with_the_bound_in_the_currency():
    form = row(price="99999999999")
    assert not form.is_valid()
    assert form.errors["price"] == ["A price is at most €100,000,000.00."]
    with translation.override("fr"):
        form = row(price="99999999999")
        assert not form.is_valid()
        assert "100\u00a0000\u00a0000,00\u00a0€" in form.errors["price"][0]


def test_the_bound_itself_and_french_decimals_are_accepted():
    assert row(price="100000000").is_valid()
    with translation.override("fr"):
        form = row(price="12,50")
        assert form.is_valid() and form.spec().price == 1250


def test_a_zero_decimal_currency_takes_whole_units_up_to_the_bound():
    assert row(currency="JPY", price="1500").is_valid()
    assert not row(currency="JPY", price="1500.5").is_valid()
    assert not row(currency="JPY", price=str(MAX_PRICE + 1)).is_valid()


def test_product_form_refuses_1e9_and_saves_nothing(merchant_client):
    response = merchant_client.post(reverse("catalog:product_create"), product_post(**{"variant-0-price": "1e9"}))
    assert response.status_code in (200, 422)
    assert "exponent" in response.content.decode()
    assert not Product.objects.exists()


def test_service_refuses_a_price_above_the_bound(merchant):
    with pytest.raises(ValidationError) as caught:
        product_create(
            merchant=merchant, fields=ProductFields(name="Gold"), variants=[VariantSpec(price=MAX_PRICE + 1)]
        )
    assert "A price is at most €100,000,000.00." in caught.value.messages[0]
    with pytest.raises(ValidationError):
        product_create(
            merchant=merchant,
            fields=ProductFields(name="Gold"),
            variants=[VariantSpec(price=100, cost_price=MAX_PRICE + 1)],
        )
    assert not Product.objects.exists()


def test_admin_refuses_a_price_above_the_bound(client, merchant):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    variant = ProductFactory(merchant=merchant).variants.get()
    url = reverse("admin:catalog_variant_change", args=[variant.pk])
    response = client.post(
        url,
        {
            "merchant": merchant.pk,
            "product": variant.product_id,
            "sku": variant.sku,
            "barcode": "",
            "price": str(99_999_999_999_00),
            "cost_price": "",
            "position": "0",
        },
    )
    assert response.status_code == 200 and "A price is at most" in response.content.decode()
    variant.refresh_from_db()
    assert variant.price == 1000
    assert Variant.objects.filter(price__gt=MAX_PRICE).count() == 0


def test_product_vat_rate_refuses_exponent_notation(merchant_client):
    response = merchant_client.post(reverse("catalog:product_create"), product_post(vat_rate="2e1"))
    assert "exponent" in response.content.decode() and not Product.objects.exists()


@pytest.mark.parametrize("field", ["variant-0-price", "variant-0-cost_price"])
@pytest.mark.parametrize("typed", ["9" * 27, "9" * 60 + ".5"])
def test_a_price_of_any_length_is_a_form_error_not_a_500(merchant_client, field, typed):
    response = merchant_client.post(reverse("catalog:product_create"), product_post(**{field: typed}))
    assert response.status_code in (200, 422)
    assert "A price is at most €100,000,000.00." in response.content.decode()
    assert not Product.objects.exists()


@pytest.mark.parametrize("typed", ["١٢٣", "1_000"])
def test_a_price_in_other_digits_or_with_underscores_is_refused(merchant_client, typed):
    response = merchant_client.post(reverse("catalog:product_create"), product_post(**{"variant-0-price": typed}))
    assert "Enter a number with the digits 0–9" in response.content.decode()
    assert not Product.objects.exists()


def test_a_french_merchant_types_prices_with_a_comma(merchant_client):
    merchant_client.cookies["django_language"] = "fr"
    response = merchant_client.post(
        reverse("catalog:product_create"), product_post(**{"variant-0-price": "19,50", "variant-0-cost_price": "4.20"})
    )
    assert response.status_code == 302
    assert Variant.objects.values_list("price", "cost_price").get() == (1950, 420)
