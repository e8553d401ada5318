"""Shipping weights within sane bounds, with a clear message (issue 15, item 7)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog.models import MAX_WEIGHT_GRAMS, Product
from catalog.services import ProductFields, VariantSpec, product_create
from catalog.tests.test_views_products import product_post


@pytest.mark.parametrize("typed", ["99999999999999", str(MAX_WEIGHT_GRAMS + 1)])
def test_the_product_form_refuses_a_weight_beyond_the_bound(merchant_client, typed):
    response = merchant_client.post(reverse("catalog:product_create"), product_post(shipping_weight_grams=typed))
    assert response.status_code in (200, 422)
    assert "A shipping weight is at most 10,000,000 g (10,000 kg)." in response.content.decode()
    assert not Product.objects.exists()


@pytest.mark.parametrize("typed", ["١٢٠", "1_200"])
def test_the_product_form_refuses_a_weight_in_other_digits(merchant_client, typed):
    response = merchant_client.post(reverse("catalog:product_create"), product_post(shipping_weight_grams=typed))
    assert "Enter a whole number with the digits 0–9" in response.content.decode()
    assert not Product.objects.exists()


def test_the_bound_itself_is_accepted(merchant_client):
    response = merchant_client.post(
        reverse("catalog:product_create"), product_post(shipping_weight_grams=str(MAX_WEIGHT_GRAMS))
    )
    assert response.status_code == 302
    assert Product.objects.get().shipping_weight_grams == MAX_WEIGHT_GRAMS


def test_the_service_refuses_a_weight_beyond_the_bound(merchant):
    with pytest.raises(ValidationError) as caught:
        product_create(
            merchant=merchant,
            fields=ProductFields(name="Anvil", shipping_weight_grams=99_999_999_999_999),
            variants=[VariantSpec(price=100)],
        )
    assert caught.value.message_dict["shipping_weight_grams"] == [
        "A shipping weight is at most 10,000,000 g (10,000 kg)."
    ]
    assert not Product.objects.exists()
