"""merchant_update: the currency change keeps the prices' figures, within the price bound."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from backoffice.services import merchant_update
from catalog.models import Variant
from catalog.tests.factories import ProductFactory
from portal.models import Merchant
from portal.money import MAX_PRICE


def test_prices_keep_their_figures_when_the_currencys_decimals_change(merchant):
    variant = ProductFactory(merchant=merchant, variant__price=1250, variant__cost_price=500).variants.get()
    merchant_update(merchant=merchant, name="Shop", country="KW", currency="KWD", default_vat_rate=Decimal(0))
    variant.refresh_from_db()
    assert (variant.price, variant.cost_price) == (12500, 5000)  # 12.500 KWD
    merchant_update(merchant=merchant, name="Shop", country="JP", currency="JPY", default_vat_rate=Decimal(10))
    variant.refresh_from_db()
    assert (variant.price, variant.cost_price) == (13, 5)  # ¥13 (12.50 rounded half up), ¥5
    merchant_update(merchant=merchant, name="Shop", country="FR", currency="EUR", default_vat_rate=Decimal(20))
    variant.refresh_from_db()
    assert variant.price == 1300


def test_a_price_that_would_pass_the_bound_refuses_the_change(merchant):
    ProductFactory(merchant=merchant, name="Chandelier", variant__price=MAX_PRICE)
    with pytest.raises(ValidationError) as caught:
        merchant_update(merchant=merchant, name="Shop", country="KW", currency="KWD", default_vat_rate=Decimal(0))
    assert "the price of “Chandelier” would be above" in caught.value.message_dict["currency"][0]
    assert Merchant.objects.get(pk=merchant.pk).currency == "EUR"
    assert Variant.objects.get(product__name="Chandelier").price == MAX_PRICE
