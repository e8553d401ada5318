"""``stock_adjust_many``: many keyed changes at once (a page of online orders), the same rows and
levels as ``stock_adjust`` one by one, in a number of queries that does not grow with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import StockLevel, StockMovement, StockOrigin
from inventory.reasons import ReasonCode
from inventory.services import Adjustment, stock_adjust, stock_adjust_many, stock_split_set
from inventory.signals import stock_changing
from inventory.tests.factories import stocked_variant
from portal.tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db
ORDER = StockOrigin.ONLINE_ORDER


def take(variant, quantity, key) -> Adjustment:
    return Adjustment(variant, -quantity, ORDER, key, ReasonCode.ONLINE_ORDER, {"order": key})


def test_many_rows_match_one_by_one_in_a_bounded_number_of_queries():
    merchant = MerchantFactory()
    mug, bag = (stocked_variant(merchant=merchant, quantity=500) for _ in range(2))
    twin_mug, twin_bag = (stocked_variant(merchant=merchant, quantity=500) for _ in range(2))
    batch = [take(mug if n % 3 else bag, 1 + n % 2, f"o{n}") for n in range(250)]
    for n in range(250):  # the same changes one by one, on twins, for comparison
        stock_adjust(
            merchant=merchant,
            variant=twin_mug if n % 3 else twin_bag,
            delta=-(1 + n % 2),
            origin=ORDER,
            idempotency_key=f"t{n}",
            reason_code=ReasonCode.ONLINE_ORDER,
        )
    seen = []
    stock_changing.connect(lambda **kw: seen.append(kw["level_after"]), weak=False, dispatch_uid="many-test")
    try:
        with CaptureQueriesContext(connection) as queries:
            rows = stock_adjust_many(merchant=merchant, adjustments=batch)
    finally:
        stock_changing.disconnect(dispatch_uid="many-test")
    assert all(row.created for row in rows) and len(seen) == 250
    assert len([q for q in queries if "SAVEPOINT" not in q["sql"]]) <= 12  # SQLite splits the INSERT in a few
    for variant, twin in ((mug, twin_mug), (bag, twin_bag)):
        level, twin_level = StockLevel.objects.get(variant=variant), StockLevel.objects.get(variant=twin)
        assert level.quantity == twin_level.quantity
        ours = list(
            StockMovement.objects.filter(variant=variant, origin=ORDER)
            .order_by("pk")
            .values_list("level_after", "delta")
        )
        theirs = list(
            StockMovement.objects.filter(variant=twin, origin=ORDER).order_by("pk").values_list("level_after", "delta")
        )
        assert ours == theirs and ours[-1][0] == level.quantity


def test_replays_conflicts_and_a_key_twice_in_the_batch():
    merchant = MerchantFactory()
    mug = stocked_variant(merchant=merchant, quantity=10)
    first = stock_adjust(merchant=merchant, variant=mug, delta=-1, origin=ORDER, idempotency_key="a")
    rows = stock_adjust_many(
        merchant=merchant,
        adjustments=[take(mug, 1, "a"), take(mug, 3, "a"), take(mug, 2, "b"), take(mug, 2, "b"), take(mug, 5, "b")],
    )
    assert [None if r is None else (r.pk == first.pk, r.created) for r in rows[:2]] == [(True, False), None]
    assert rows[2].created and not rows[3].created and rows[4] is None  # same key: a replay; other quantity: refused
    assert StockLevel.objects.get(variant=mug).quantity == 7
    assert StockMovement.objects.filter(variant=mug).count() == 3  # the count, "a" and "b"


def test_online_rows_go_to_the_online_allocation_of_a_split_level_and_notes_move_nothing():
    merchant = MerchantFactory()
    mug = stocked_variant(merchant=merchant, quantity=10)
    stock_split_set(merchant=merchant, variant=mug, online_quantity=4, idempotency_key="split")
    note = Adjustment(mug, 0, StockOrigin.ONLINE_REFUND, "n", ReasonCode.ONLINE_ORDER_KEPT, {"why": "refund"})
    rows = stock_adjust_many(merchant=merchant, adjustments=[take(mug, 1, "x"), note])
    level = StockLevel.objects.get(variant=mug)
    assert (level.quantity, level.online_quantity) == (9, 3)
    assert [(r.delta, r.allocation, r.online_after) for r in rows] == [(-1, "online", 3), (0, "online", 3)]
    with pytest.raises(ValueError):
        stock_adjust_many(merchant=merchant, adjustments=[Adjustment(mug, 1, StockOrigin.MANUAL_COMPTOIR, "m")])
