"""Split stock: two allocations of one variant, each moved only by its own side (SPEC §4)."""

import pytest

from inventory.errors import InvalidQuantity, NegativeStock
from inventory.models import Allocation, StockLevel, StockMovement, StockOrigin
from inventory.services import sale_create, stock_adjust, stock_set, stock_split_disable, stock_split_set
from inventory.tests.factories import stocked_variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def variant():
    return stocked_variant(quantity=10)


def _level(variant):
    level = StockLevel.objects.get(variant=variant)  # the one shop's
    return level.quantity, level.online_quantity, level.store_quantity


def test_each_side_moves_only_its_own_allocation(variant):
    merchant = variant.merchant
    row = stock_split_set(merchant=merchant, variant=variant, online_quantity=4, idempotency_key="s1")
    assert (row.origin, row.delta, row.allocation, row.level_after, row.online_after) == (
        StockOrigin.SPLIT_CHANGE,
        0,
        Allocation.ONLINE,
        10,
        4,
    )
    assert _level(variant) == (10, 4, 6)
    sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="sale")
    assert _level(variant) == (8, 4, 4)
    stock_adjust(merchant=merchant, variant=variant, delta=-3, origin=StockOrigin.ONLINE_ORDER, idempotency_key="o")
    assert _level(variant) == (5, 1, 4)
    # A count in Comptoir counts the store's shelf.
    stock_set(merchant=merchant, variant=variant, quantity=7, idempotency_key="count-2")
    assert _level(variant) == (8, 1, 7)
    rows = StockMovement.objects.filter(variant=variant).order_by("pk")
    allocations = list(rows.values_list("allocation", flat=True))
    assert allocations == ["shared", "online", "store", "online", "store"]
    merged = stock_split_disable(merchant=merchant, variant=variant, idempotency_key="off")
    assert (merged.allocation, merged.online_after, merged.level_after) == (Allocation.SHARED, None, 8)
    assert _level(variant) == (8, None, 8)
    # The ledger still sums to the level.
    assert sum(StockMovement.objects.filter(variant=variant).values_list("delta", flat=True)) == 8


def test_a_split_is_idempotent_and_refuses_more_than_the_stock(variant):
    merchant = variant.merchant
    first = stock_split_set(merchant=merchant, variant=variant, online_quantity=3, idempotency_key="s1")
    assert stock_split_set(merchant=merchant, variant=variant, online_quantity=3, idempotency_key="s1") == first
    assert stock_split_set(merchant=merchant, variant=variant, online_quantity=3, idempotency_key="s2") is None
    with pytest.raises(InvalidQuantity):
        stock_split_set(merchant=merchant, variant=variant, online_quantity=11, idempotency_key="s3")
    with pytest.raises(InvalidQuantity):
        stock_split_set(merchant=merchant, variant=variant, online_quantity=-1, idempotency_key="s4")
    assert StockMovement.objects.filter(origin=StockOrigin.SPLIT_CHANGE).count() == 1
    assert stock_split_disable(merchant=merchant, variant=variant, idempotency_key="off") is not None
    assert stock_split_disable(merchant=merchant, variant=variant, idempotency_key="off-again") is None


def test_a_manual_change_cannot_take_an_allocation_below_zero(variant):
    merchant = variant.merchant
    stock_split_set(merchant=merchant, variant=variant, online_quantity=8, idempotency_key="s1")
    with pytest.raises(NegativeStock):
        stock_adjust(
            merchant=merchant, variant=variant, delta=-3, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="m"
        )
    assert _level(variant) == (10, 8, 2)
