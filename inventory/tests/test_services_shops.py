"""Stock per shop: each shop has its own level of a variant, its own ledger rows, sales and refunds;
callers without a shop (online orders, BigCommerce) move the primary shop's."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from inventory.errors import IdempotencyConflict, ShopClosed, UnknownShop
from inventory.models import StockLevel, StockMovement, StockOrigin
from inventory.selectors import low_stock_count, online_levels, product_stock_variants, variants_by_id
from inventory.services import (
    Adjustment,
    refund_create,
    sale_create,
    stock_adjust,
    stock_adjust_many,
    stock_set,
    stock_split_set,
)
from inventory.signals import stock_changing
from inventory.tests.factories import stocked_variant
from portal.models import Shop
from portal.services import device_issue, merchant_create, shop_primary
from portal.tests.factories import MerchantFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def variant():
    return stocked_variant(quantity=10)


@pytest.fixture
def second(variant):
    return ShopFactory(merchant=variant.merchant, name="Gare")


def _levels(variant) -> dict[str, int]:
    return dict(StockLevel.objects.filter(variant=variant).values_list("shop__name", "quantity"))


def test_a_new_merchant_has_its_primary_shop_named_after_the_business():
    merchant = merchant_create(
        name="  Épicerie Fine ", country="be", currency="eur", default_vat_rate=Decimal("21"), owner=UserFactory()
    )
    shop = Shop.objects.get(merchant=merchant)
    assert (shop.name, shop.country, shop.is_primary, shop.is_active) == ("Épicerie Fine", "BE", True, True)
    assert shop_primary(merchant=merchant) == shop


def test_the_database_keeps_one_primary_shop_per_merchant_and_it_stays_active(variant):
    primary = shop_primary(merchant=variant.merchant)
    with pytest.raises(IntegrityError), transaction.atomic():
        Shop.objects.create(merchant=variant.merchant, name="Another", country="FR", is_primary=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Shop.objects.filter(pk=primary.pk).update(is_active=False)


def test_each_shop_has_its_own_level_and_ledger(variant, second):
    merchant = variant.merchant
    stock_set(merchant=merchant, variant=variant, quantity=4, idempotency_key="count-gare", shop=second)
    stock_adjust(merchant=merchant, variant=variant, delta=-1, origin=StockOrigin.MANUAL_COMPTOIR,
                 idempotency_key="loss-gare", shop=second)  # fmt: skip
    primary = shop_primary(merchant=merchant)
    assert _levels(variant) == {primary.name: 10, "Gare": 3}
    rows = StockMovement.objects.filter(variant=variant, shop=second).order_by("id")
    assert [(m.delta, m.level_after) for m in rows] == [(4, 4), (-1, 3)]
    assert {v.pk: v.stock_quantity for v in product_stock_variants(merchant=merchant, product=variant.product)} == {
        variant.pk: 10
    }
    shown = product_stock_variants(merchant=merchant, product=variant.product, shop=second)
    assert [v.stock_quantity for v in shown] == [3]


def test_a_key_used_in_one_shop_is_refused_in_another(variant, second):
    stock_adjust(merchant=variant.merchant, variant=variant, delta=2, origin=StockOrigin.MANUAL_COMPTOIR,
                 idempotency_key="k")  # fmt: skip
    with pytest.raises(IdempotencyConflict):
        stock_adjust(merchant=variant.merchant, variant=variant, delta=2, origin=StockOrigin.MANUAL_COMPTOIR,
                     idempotency_key="k", shop=second)  # fmt: skip
    assert _levels(variant) == {shop_primary(merchant=variant.merchant).name: 12}


def test_another_merchants_shop_and_a_deactivated_shop_are_refused(variant, second):
    stranger = ShopFactory(merchant=MerchantFactory())
    with pytest.raises(UnknownShop):
        stock_set(merchant=variant.merchant, variant=variant, quantity=1, idempotency_key="x", shop=stranger)
    Shop.objects.filter(pk=second.pk).update(is_active=False)
    second.refresh_from_db()
    with pytest.raises(ShopClosed):
        stock_set(merchant=variant.merchant, variant=variant, quantity=1, idempotency_key="y", shop=second)
    with pytest.raises(ShopClosed):
        sale_create(merchant=variant.merchant, lines=[(variant, 1)], idempotency_key="z", shop=second)
    assert not StockMovement.objects.filter(shop__in=[stranger, second]).exists()


def test_a_device_sells_in_its_shop_and_a_refund_returns_stock_where_it_is_made(variant, second):
    merchant = variant.merchant
    device, _token = device_issue(merchant=merchant, name="Till Gare", shop=second)
    stock_set(merchant=merchant, variant=variant, quantity=5, idempotency_key="count", shop=second)
    sale = sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="s", device=device)
    assert sale.shop == second
    primary = shop_primary(merchant=merchant)
    assert _levels(variant) == {primary.name: 10, "Gare": 3}
    line = sale.lines.get()
    refund = refund_create(merchant=merchant, sale=sale, lines=[(line, 1)], idempotency_key="r")  # the sale's shop
    assert refund.shop == second
    refund_create(merchant=merchant, sale=sale, lines=[(line, 1)], idempotency_key="r2", shop=primary)
    assert _levels(variant) == {primary.name: 11, "Gare": 4}


def test_callers_without_a_shop_move_the_primary_shop_and_the_online_level_is_the_primarys(variant, second):
    merchant = variant.merchant
    stock_set(merchant=merchant, variant=variant, quantity=50, idempotency_key="gare", shop=second)
    stock_split_set(merchant=merchant, variant=variant, online_quantity=30, idempotency_key="split", shop=second)
    rows = stock_adjust_many(
        merchant=merchant,
        adjustments=[Adjustment(variant, -2, StockOrigin.ONLINE_ORDER, "order:1:taken")],
    )
    assert rows[0].shop_id == shop_primary(merchant=merchant).pk
    assert _levels(variant)[shop_primary(merchant=merchant).name] == 8
    assert online_levels(variant_ids=[variant.pk]) == {variant.pk: 8}  # not Gare's 30


def test_stock_adjust_many_moves_each_adjustments_shop(variant, second):
    merchant = variant.merchant
    rows = stock_adjust_many(
        merchant=merchant,
        adjustments=[
            Adjustment(variant, -1, StockOrigin.POS_SALE, "a", shop=second),
            Adjustment(variant, -2, StockOrigin.POS_SALE, "b"),
        ],
    )
    assert [r.level_after for r in rows] == [-1, 8]
    assert _levels(variant) == {shop_primary(merchant=merchant).name: 8, "Gare": -1}


def test_the_signal_says_whether_the_primary_shop_moved(variant, second):
    seen = []

    def listener(**kwargs):
        seen.append((kwargs["shop_id"], kwargs["primary_shop"]))

    stock_changing.connect(listener)
    try:
        stock_set(merchant=variant.merchant, variant=variant, quantity=1, idempotency_key="g", shop=second)
        stock_set(merchant=variant.merchant, variant=variant, quantity=1, idempotency_key="p")
    finally:
        stock_changing.disconnect(listener)
    assert seen == [(second.pk, False), (shop_primary(merchant=variant.merchant).pk, True)]


def test_register_reads_and_low_stock_count_read_one_shop(variant, second):
    merchant = variant.merchant
    assert variants_by_id(merchant=merchant, ids=[variant.pk], shop=second)[variant.pk].stock_quantity == 0
    assert low_stock_count(merchant=merchant) == 0
    assert low_stock_count(merchant=merchant, shop=second) == 1  # never counted there: out of stock
