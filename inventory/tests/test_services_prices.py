"""A price saved before the catalog enforced its bounds is not sold (Register and POS API)."""

import pytest

from catalog.models import Variant
from catalog.tests.factories import ProductFactory
from inventory.errors import InvalidPrice
from inventory.models import Sale
from inventory.services import sale_create
from inventory.views.register import CART_SESSION_KEY
from portal.money import MAX_PRICE


@pytest.fixture
def absurd(merchant):
    variant = ProductFactory(merchant=merchant, name="Typo").variants.get()
    Variant.objects.filter(pk=variant.pk).update(price=99_999_999_999_00)  # as the old form saved it
    variant.refresh_from_db()
    return variant


def test_sale_refuses_a_price_above_the_bound_naming_the_product(merchant, absurd):
    with pytest.raises(InvalidPrice) as caught:
        sale_create(merchant=merchant, lines=[(absurd, 1)], idempotency_key="k1")
    assert "“Typo” has a price above €100,000,000.00" in caught.value.message
    assert not Sale.objects.exists()


def test_the_bound_itself_sells(merchant, absurd):
    Variant.objects.filter(pk=absurd.pk).update(price=MAX_PRICE)
    absurd.refresh_from_db()
    assert sale_create(merchant=merchant, lines=[(absurd, 1)], idempotency_key="k2").total == MAX_PRICE


def test_register_says_why_it_does_not_sell(merchant_client, merchant, absurd):
    session = merchant_client.session
    session[CART_SESSION_KEY] = [[absurd.pk, 1]]
    session.save()
    response = merchant_client.post(
        "/register/sell/", {"idempotency_key": "a" * 32, "line": [f"{absurd.pk}:1"]}, follow=True
    )
    assert "has a price above €100,000,000.00" in response.content.decode()
    assert not Sale.objects.exists()
