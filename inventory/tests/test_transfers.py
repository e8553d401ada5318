"""stock_transfer: one operation, two ledger rows per variant under the transfer's one key,
both shops' levels, replays that change nothing, and every refusal changing nothing."""

import threading

import pytest
from django.db import connections

from catalog.tests.factories import ProductFactory, VariantFactory
from inventory.errors import (
    EmptySale,
    IdempotencyConflict,
    InvalidQuantity,
    NegativeStock,
    SameShop,
    ShopClosed,
    StockNotTracked,
    UnknownShop,
    UnknownVariant,
)
from inventory.models import Allocation, StockLevel, StockMovement, StockOrigin, Transfer
from inventory.reasons import ReasonCode
from inventory.services import stock_set, stock_split_set
from inventory.signals import stock_changed, stock_changing
from inventory.tests.factories import stocked_variant
from inventory.transfers import stock_transfer
from portal.services import shop_primary
from portal.tests.factories import MerchantFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def variant():
    return stocked_variant(quantity=10)


@pytest.fixture
def primary(variant):
    return shop_primary(merchant=variant.merchant)


@pytest.fixture
def gare(variant):
    return ShopFactory(merchant=variant.merchant, name="Gare")


def _levels(variant) -> dict[str, int]:
    return dict(StockLevel.objects.filter(variant=variant).values_list("shop__name", "quantity"))


def _nothing_written(variant, before: dict) -> None:
    assert _levels(variant) == before
    assert not Transfer.objects.exists()
    assert not StockMovement.objects.filter(origin=StockOrigin.TRANSFER).exists()


def test_a_transfer_writes_two_rows_linked_to_it_and_moves_both_levels(variant, primary, gare):
    user = UserFactory()
    transfer = stock_transfer(
        merchant=variant.merchant,
        from_shop=primary,
        to_shop=gare,
        lines=[(variant, 4)],
        idempotency_key="t1",
        note="  for the weekend ",
        user=user,
    )
    assert transfer.created is True
    assert (transfer.from_shop, transfer.to_shop, transfer.note, transfer.user) == (
        primary,
        gare,
        "for the weekend",
        user,
    )
    assert _levels(variant) == {primary.name: 6, "Gare": 4}
    out, into = transfer.movements.order_by("delta")
    assert (out.shop, out.delta, out.level_after, out.origin) == (primary, -4, 6, StockOrigin.TRANSFER)
    assert (into.shop, into.delta, into.level_after, into.origin) == (gare, 4, 4, StockOrigin.TRANSFER)
    assert (out.reason_code, out.reason_params) == (ReasonCode.TRANSFER_OUT, {"transfer": transfer.pk, "shop": "Gare"})
    assert (into.reason_code, into.reason_params) == (
        ReasonCode.TRANSFER_IN,
        {"transfer": transfer.pk, "shop": primary.name},
    )
    assert out.reason_label == "Transfer to Gare"
    assert into.reason_label == f"Transfer from {primary.name}"
    assert out.note == into.note == "for the weekend"
    assert (out.idempotency_key, into.idempotency_key) == (
        f"transfer:{transfer.pk}:{variant.pk}:out",
        f"transfer:{transfer.pk}:{variant.pk}:in",
    )
    assert out.user == into.user == user


def test_several_variants_move_at_once_and_a_variant_named_twice_moves_the_sum(variant, primary, gare):
    other = stocked_variant(merchant=variant.merchant, quantity=3, product=variant.product)
    transfer = stock_transfer(
        merchant=variant.merchant,
        from_shop=primary,
        to_shop=gare,
        lines=[(variant, 2), (other, 3), (variant, 1)],
        idempotency_key="t-many",
    )
    assert transfer.movements.count() == 4
    assert _levels(variant) == {primary.name: 7, "Gare": 3}
    assert _levels(other) == {primary.name: 0, "Gare": 3}


def test_a_replay_returns_the_same_transfer_and_writes_nothing(variant, primary, gare):
    first = stock_transfer(
        merchant=variant.merchant, from_shop=primary, to_shop=gare, lines=[(variant, 4)], idempotency_key="k", note="n"
    )
    rows = StockMovement.objects.count()
    again = stock_transfer(
        merchant=variant.merchant, from_shop=primary, to_shop=gare, lines=[(variant, 4)], idempotency_key="k", note="n"
    )
    assert again.pk == first.pk and again.created is False
    assert StockMovement.objects.count() == rows
    assert _levels(variant) == {primary.name: 6, "Gare": 4}


@pytest.mark.parametrize(
    "change",
    [
        {"lines": 5},
        {"note": "other"},
        {"swap": True},
        {"other_variant": True},
    ],
)
def test_a_replay_with_other_content_is_refused_and_writes_nothing(variant, primary, gare, change):
    stock_transfer(
        merchant=variant.merchant, from_shop=primary, to_shop=gare, lines=[(variant, 4)], idempotency_key="k", note="n"
    )
    rows, levels = StockMovement.objects.count(), _levels(variant)
    other = VariantFactory(product=variant.product, merchant=variant.merchant)
    line_variant = other if change.get("other_variant") else variant
    source, destination = (gare, primary) if change.get("swap") else (primary, gare)
    with pytest.raises(IdempotencyConflict):
        stock_transfer(
            merchant=variant.merchant,
            from_shop=source,
            to_shop=destination,
            lines=[(line_variant, change.get("lines", 4))],
            idempotency_key="k",
            note=change.get("note", "n"),
        )
    assert (StockMovement.objects.count(), _levels(variant), Transfer.objects.count()) == (rows, levels, 1)


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2", True, None, 10**12])
def test_a_quantity_that_is_not_a_positive_whole_number_is_refused(variant, primary, gare, quantity):
    before = _levels(variant)
    with pytest.raises(InvalidQuantity) as error:
        stock_transfer(
            merchant=variant.merchant, from_shop=primary, to_shop=gare, lines=[(variant, quantity)], idempotency_key="q"
        )
    assert error.value.field == "lines[0].quantity"
    _nothing_written(variant, before)


def test_no_line_is_refused(variant, primary, gare):
    with pytest.raises(EmptySale):
        stock_transfer(merchant=variant.merchant, from_shop=primary, to_shop=gare, lines=[], idempotency_key="e")
    _nothing_written(variant, _levels(variant))


def test_the_same_shop_twice_is_refused(variant, primary):
    before = _levels(variant)
    with pytest.raises(SameShop):
        stock_transfer(
            merchant=variant.merchant, from_shop=primary, to_shop=primary, lines=[(variant, 1)], idempotency_key="s"
        )
    _nothing_written(variant, before)


def test_another_merchants_shop_or_variant_is_refused(variant, primary, gare):
    stranger = MerchantFactory()
    before = _levels(variant)
    with pytest.raises(UnknownShop):
        stock_transfer(
            merchant=variant.merchant,
            from_shop=primary,
            to_shop=shop_primary(merchant=stranger),
            lines=[(variant, 1)],
            idempotency_key="o1",
        )
    with pytest.raises(UnknownShop):
        stock_transfer(
            merchant=variant.merchant,
            from_shop=shop_primary(merchant=stranger),
            to_shop=gare,
            lines=[(variant, 1)],
            idempotency_key="o2",
        )
    foreign = stocked_variant(merchant=stranger, quantity=5)
    with pytest.raises(UnknownVariant):
        stock_transfer(
            merchant=variant.merchant, from_shop=primary, to_shop=gare, lines=[(foreign, 1)], idempotency_key="o3"
        )
    _nothing_written(variant, before)
    assert _levels(foreign) == {shop_primary(merchant=stranger).name: 5}


@pytest.mark.parametrize("closed", ["source", "destination"])
def test_a_deactivated_shop_is_refused(variant, primary, gare, closed):
    stock_transfer(
        merchant=variant.merchant, from_shop=primary, to_shop=gare, lines=[(variant, 2)], idempotency_key="f"
    )
    gare.is_active = False
    gare.save()
    before, rows = _levels(variant), StockMovement.objects.count()
    source, destination = (gare, primary) if closed == "source" else (primary, gare)
    with pytest.raises(ShopClosed):
        stock_transfer(
            merchant=variant.merchant, from_shop=source, to_shop=destination, lines=[(variant, 1)], idempotency_key="c"
        )
    assert (_levels(variant), StockMovement.objects.count(), Transfer.objects.count()) == (before, rows, 1)


def test_more_than_the_source_holds_is_refused_with_the_level(variant, primary, gare):
    other = stocked_variant(merchant=variant.merchant, quantity=30, product=variant.product)
    before = _levels(variant)
    with pytest.raises(NegativeStock) as error:
        stock_transfer(
            merchant=variant.merchant,
            from_shop=primary,
            to_shop=gare,
            lines=[(other, 5), (variant, 11)],
            idempotency_key="short",
        )
    assert error.value.field == "lines[1].quantity"
    assert "in stock: 10" in error.value.message and primary.name in error.value.message
    _nothing_written(variant, before)
    assert _levels(other) == {primary.name: 30}  # the line that fitted did not move either


def test_the_whole_stock_can_leave_but_not_a_level_below_zero(variant, primary, gare):
    stock_set(merchant=variant.merchant, variant=variant, quantity=0, idempotency_key="zero", shop=primary)
    with pytest.raises(NegativeStock):
        stock_transfer(
            merchant=variant.merchant, from_shop=primary, to_shop=gare, lines=[(variant, 1)], idempotency_key="z"
        )
    stock_set(merchant=variant.merchant, variant=variant, quantity=3, idempotency_key="three", shop=primary)
    stock_transfer(
        merchant=variant.merchant, from_shop=primary, to_shop=gare, lines=[(variant, 3)], idempotency_key="all"
    )
    assert _levels(variant) == {primary.name: 0, "Gare": 3}


def test_a_product_without_stock_tracking_is_refused(primary, gare):
    untracked = stocked_variant(merchant=primary.merchant, quantity=5, track_stock=False)
    before = _levels(untracked)
    with pytest.raises(StockNotTracked):
        stock_transfer(
            merchant=primary.merchant, from_shop=primary, to_shop=gare, lines=[(untracked, 1)], idempotency_key="u"
        )
    _nothing_written(untracked, before)


def test_split_stock_a_transfer_moves_the_store_allocation_and_leaves_each_online_share(variant, primary, gare):
    """Source split 10 = 4 online + 6 store: it gives at most 6. The destination split too: the
    units join its store allocation; neither shop's share for BigCommerce moves."""
    merchant = variant.merchant
    stock_split_set(merchant=merchant, variant=variant, online_quantity=4, idempotency_key="split-a", shop=primary)
    stock_set(merchant=merchant, variant=variant, quantity=2, idempotency_key="gare-2", shop=gare)
    stock_split_set(merchant=merchant, variant=variant, online_quantity=1, idempotency_key="split-b", shop=gare)
    with pytest.raises(NegativeStock) as error:
        stock_transfer(merchant=merchant, from_shop=primary, to_shop=gare, lines=[(variant, 7)], idempotency_key="x")
    assert "allocation for Comptoir is 6" in error.value.message
    transfer = stock_transfer(
        merchant=merchant, from_shop=primary, to_shop=gare, lines=[(variant, 6)], idempotency_key="y"
    )
    source = StockLevel.objects.get(variant=variant, shop=primary)
    destination = StockLevel.objects.get(variant=variant, shop=gare)
    assert (source.quantity, source.online_quantity, source.store_quantity) == (4, 4, 0)
    assert (destination.quantity, destination.online_quantity, destination.store_quantity) == (8, 1, 7)
    assert set(transfer.movements.values_list("allocation", flat=True)) == {Allocation.STORE}


def test_both_rows_send_the_stock_signals(variant, primary, gare, django_capture_on_commit_callbacks):
    changing, changed = [], []

    def on_changing(**kwargs):
        changing.append(kwargs)

    def on_changed(**kwargs):
        changed.append(kwargs)

    stock_changing.connect(on_changing)
    stock_changed.connect(on_changed)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            transfer = stock_transfer(
                merchant=variant.merchant, from_shop=primary, to_shop=gare, lines=[(variant, 4)], idempotency_key="sig"
            )
        with django_capture_on_commit_callbacks(execute=True):  # a replay announces nothing
            stock_transfer(
                merchant=variant.merchant, from_shop=primary, to_shop=gare, lines=[(variant, 4)], idempotency_key="sig"
            )
    finally:
        stock_changing.disconnect(on_changing)
        stock_changed.disconnect(on_changed)
    rows = {m.pk: m for m in transfer.movements.all()}
    assert sorted(
        (c["shop_id"], c["delta"], c["level_before"], c["level_after"], c["primary_shop"]) for c in changing
    ) == sorted([(primary.pk, -4, 10, 6, True), (gare.pk, 4, 0, 4, False)])
    assert {c["movement_id"] for c in changed} == set(rows)
    assert {c["origin"] for c in changing + changed} == {StockOrigin.TRANSFER}


# Concurrency (PostgreSQL: SQLite serialises writers, so there is no race to lose there) ---------


def _run_together(jobs) -> list:
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait(timeout=10)
            job()
        except Exception as exc:  # pragma: no cover — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_crossing_transfers_neither_deadlock_nor_lose_a_unit():
    """A→B and B→A of the same two variants, many at once: every one lands, the totals hold."""
    merchant = MerchantFactory()
    product = ProductFactory(merchant=merchant, track_stock=True, variant=False)
    a, b = shop_primary(merchant=merchant), ShopFactory(merchant=merchant, name="B")
    mugs = [stocked_variant(merchant=merchant, quantity=100, product=product) for _ in range(2)]
    for mug in mugs:
        stock_set(merchant=merchant, variant=mug, quantity=100, idempotency_key=f"b:{mug.pk}", shop=b)

    def transfer(n):
        source, destination = (a, b) if n % 2 else (b, a)
        lines = [(mugs[0], 1), (mugs[1], 2)] if n % 4 < 2 else [(mugs[1], 2), (mugs[0], 1)]
        return lambda: stock_transfer(
            merchant=merchant, from_shop=source, to_shop=destination, lines=lines, idempotency_key=f"cross-{n}"
        )

    errors = _run_together([transfer(n) for n in range(12)])
    assert errors == []
    assert Transfer.objects.filter(merchant=merchant).count() == 12
    for mug in mugs:
        assert sorted(_levels(mug).values()) == [100, 100]  # six each way
        rows = StockMovement.objects.filter(variant=mug, origin=StockOrigin.TRANSFER)
        assert rows.count() == 24
        for shop in (a, b):
            level = StockLevel.objects.get(variant=mug, shop=shop).quantity
            assert level == sum(StockMovement.objects.filter(variant=mug, shop=shop).values_list("delta", flat=True))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_transfer_record_it_once():
    merchant = MerchantFactory()
    mug = stocked_variant(merchant=merchant, quantity=10)
    a, b = shop_primary(merchant=merchant), ShopFactory(merchant=merchant, name="B")
    results = []

    def send():
        results.append(
            stock_transfer(merchant=merchant, from_shop=a, to_shop=b, lines=[(mug, 3)], idempotency_key="same").pk
        )

    assert _run_together([send] * 6) == []
    assert len(set(results)) == 1 and len(results) == 6
    assert _levels(mug) == {a.name: 7, "B": 3}
