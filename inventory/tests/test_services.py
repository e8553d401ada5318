import threading
from unittest import mock

import pytest
from django.db import connections, transaction
from django.db.models import Sum

from catalog.signals import product_saved
from catalog.tests.factories import ProductFactory, VariantFactory
from inventory import services
from inventory.errors import (
    EmptySale,
    IdempotencyConflict,
    InvalidPrice,
    InvalidQuantity,
    NegativeStock,
    RefundExceedsSale,
    StockNotTracked,
    UnknownVariant,
)
from inventory.models import Refund, Sale, StockLevel, StockMovement, StockOrigin
from inventory.reasons import ReasonCode
from inventory.services import refund_create, sale_create, stock_adjust, stock_set, stock_tracking_set
from inventory.signals import stock_changed, stock_changing
from inventory.tests.factories import stocked_variant
from portal.tests.factories import DeviceFactory, MerchantFactory


def level(variant) -> int:
    return StockLevel.objects.get(variant=variant).quantity


# stock_adjust / stock_set -----------------------------------------------------------------------


def test_adjust_creates_level_row_and_ledger_row(merchant, merchant_user):
    variant = VariantFactory(product=ProductFactory(merchant=merchant, variant=False), merchant=merchant)
    assert not StockLevel.objects.filter(variant=variant).exists()

    movement = stock_adjust(
        merchant=merchant,
        variant=variant,
        delta=5,
        origin=StockOrigin.MANUAL_COMPTOIR,
        idempotency_key="k1",
        reason="Delivery",
        user=merchant_user,
    )

    assert level(variant) == 5
    assert (movement.delta, movement.level_after, movement.reason, movement.user) == (5, 5, "Delivery", merchant_user)
    assert movement.merchant == merchant


def test_adjust_same_key_returns_existing_movement_and_changes_nothing(merchant):
    variant = stocked_variant(merchant=merchant, quantity=10)
    first = stock_adjust(
        merchant=merchant, variant=variant, delta=-3, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="k"
    )
    again = stock_adjust(
        merchant=merchant, variant=variant, delta=-3, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="k"
    )

    assert again.pk == first.pk
    assert (first.created, again.created) == (True, False)  # the caller learns which call wrote it
    assert level(variant) == 7
    assert StockMovement.objects.filter(variant=variant).count() == 2  # initial count + one adjustment


def test_adjust_same_key_different_change_is_a_conflict(merchant):
    variant = stocked_variant(merchant=merchant, quantity=10)
    stock_adjust(merchant=merchant, variant=variant, delta=-3, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="k")
    with pytest.raises(IdempotencyConflict):
        stock_adjust(
            merchant=merchant, variant=variant, delta=4, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="k"
        )
    assert level(variant) == 7


def test_same_key_is_independent_per_merchant(merchant, other_merchant):
    mine = stocked_variant(merchant=merchant, quantity=1)
    theirs = stocked_variant(merchant=other_merchant, quantity=1)
    stock_adjust(merchant=merchant, variant=mine, delta=1, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="k")
    stock_adjust(
        merchant=other_merchant, variant=theirs, delta=1, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="k"
    )
    assert (level(mine), level(theirs)) == (2, 2)


def test_race_on_same_key_resolves_through_integrity_error(merchant):
    """The pre-check misses a row a concurrent request is writing: the unique constraint catches it."""
    variant = stocked_variant(merchant=merchant, quantity=10)
    winner = stock_adjust(
        merchant=merchant, variant=variant, delta=-2, origin=StockOrigin.POS_SALE, idempotency_key="race"
    )

    with mock.patch.object(services, "_movement_by_key", side_effect=[None, winner]) as lookup:
        loser = stock_adjust(
            merchant=merchant, variant=variant, delta=-2, origin=StockOrigin.POS_SALE, idempotency_key="race"
        )

    assert lookup.call_count == 2
    assert loser.pk == winner.pk and loser.created is False  # the lost race is a replay too
    assert level(variant) == 8  # the loser's level change was rolled back with its savepoint
    assert StockMovement.objects.filter(idempotency_key="race").count() == 1


def test_every_keyed_write_says_whether_it_wrote_the_row(merchant):
    variant = stocked_variant(merchant=merchant, quantity=10)
    counted = [stock_set(merchant=merchant, variant=variant, quantity=4, idempotency_key="n") for _ in range(2)]
    noted = [
        services.stock_note_record(
            merchant=merchant,
            variant=variant,
            origin=StockOrigin.ONLINE_REFUND,
            idempotency_key="note",
            reason_code=ReasonCode.ONLINE_ORDER_KEPT,
        )
        for _ in range(2)
    ]
    assert [m.created for m in counted + noted] == [True, False, True, False]
    assert StockMovement.objects.get(pk=counted[0].pk).level_after == 4


def test_stock_set_records_the_difference(merchant):
    variant = stocked_variant(merchant=merchant, quantity=10)
    movement = stock_set(merchant=merchant, variant=variant, quantity=4, idempotency_key="count-1")
    assert (movement.delta, movement.level_after, movement.origin) == (-6, 4, StockOrigin.MANUAL_COMPTOIR)
    assert level(variant) == 4
    again = stock_set(merchant=merchant, variant=variant, quantity=4, idempotency_key="count-1")
    assert again.pk == movement.pk and level(variant) == 4


def test_ledger_sums_to_level(merchant):
    variant = stocked_variant(merchant=merchant, quantity=3)
    stock_adjust(merchant=merchant, variant=variant, delta=7, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="a")
    stock_set(merchant=merchant, variant=variant, quantity=2, idempotency_key="b")
    sale_create(merchant=merchant, lines=[(variant, 5)], idempotency_key="s")
    total = StockMovement.objects.filter(variant=variant).aggregate(t=Sum("delta"))["t"]
    assert total == level(variant) == -3


@pytest.mark.parametrize("delta", [0, 1.5, "2", True, 10**12])
def test_adjust_rejects_bad_delta(merchant, delta):
    variant = stocked_variant(merchant=merchant, quantity=1)
    with pytest.raises(InvalidQuantity):
        stock_adjust(
            merchant=merchant, variant=variant, delta=delta, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="x"
        )
    assert level(variant) == 1


@pytest.mark.parametrize("quantity", [-1, 2.0, None])
def test_set_rejects_bad_quantity(merchant, quantity):
    variant = stocked_variant(merchant=merchant, quantity=1)
    with pytest.raises(InvalidQuantity):
        stock_set(merchant=merchant, variant=variant, quantity=quantity, idempotency_key="x")


def test_manual_change_cannot_go_below_zero_but_a_sale_can(merchant):
    variant = stocked_variant(merchant=merchant, quantity=2)
    with pytest.raises(NegativeStock):
        stock_adjust(
            merchant=merchant, variant=variant, delta=-3, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="m"
        )
    assert level(variant) == 2
    assert not StockMovement.objects.filter(idempotency_key="m").exists()

    sale_create(merchant=merchant, lines=[(variant, 4)], idempotency_key="s")
    assert level(variant) == -2
    # Raising a negative level by hand is fine, even if it stays below zero.
    stock_adjust(merchant=merchant, variant=variant, delta=1, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="up")
    assert level(variant) == -1


def test_adjust_refuses_untracked_product(merchant):
    variant = stocked_variant(merchant=merchant, quantity=5, track_stock=False)
    with pytest.raises(StockNotTracked):
        stock_adjust(
            merchant=merchant, variant=variant, delta=1, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="x"
        )
    assert level(variant) == 5


def test_adjust_refuses_other_merchants_variant(merchant, other_merchant):
    variant = stocked_variant(merchant=other_merchant, quantity=5)
    with pytest.raises(UnknownVariant):
        stock_adjust(
            merchant=merchant, variant=variant, delta=1, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="x"
        )
    assert level(variant) == 5


def test_stock_changed_is_sent_on_commit_once(merchant, django_capture_on_commit_callbacks):
    variant = stocked_variant(merchant=merchant, quantity=1)
    received = []

    def listener(**kwargs):
        received.append(kwargs)

    stock_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            movement = stock_adjust(
                merchant=merchant, variant=variant, delta=2, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="sig"
            )
            stock_adjust(
                merchant=merchant, variant=variant, delta=2, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="sig"
            )
    finally:
        stock_changed.disconnect(listener)
    assert len(callbacks) == 1
    assert received == [
        {
            "signal": stock_changed,
            "sender": StockMovement,
            "merchant_id": merchant.pk,
            "shop_id": movement.shop_id,
            "variant_id": variant.pk,
            "movement_id": movement.pk,
            "origin": StockOrigin.MANUAL_COMPTOIR,
        }
    ]


def test_stock_changing_is_sent_inside_the_transaction_and_a_failing_receiver_rolls_it_back(merchant):
    variant = stocked_variant(merchant=merchant, quantity=1)
    received = []

    def listener(**kwargs):
        received.append((kwargs["movement_id"], kwargs["level_before"], kwargs["level_after"], kwargs["origin"]))
        assert transaction.get_connection().in_atomic_block
        if kwargs["level_after"] > 10:
            raise RuntimeError("outbox full")

    stock_changing.connect(listener)
    try:
        movement = stock_adjust(
            merchant=merchant, variant=variant, delta=-3, origin=StockOrigin.POS_SALE, idempotency_key="in-tx"
        )
        stock_adjust(merchant=merchant, variant=variant, delta=-3, origin=StockOrigin.POS_SALE, idempotency_key="in-tx")
        with pytest.raises(RuntimeError):
            stock_adjust(
                merchant=merchant, variant=variant, delta=20, origin=StockOrigin.POS_REFUND, idempotency_key="big"
            )
    finally:
        stock_changing.disconnect(listener)
    assert received[0] == (movement.pk, 1, -2, StockOrigin.POS_SALE)  # once: a replay sends nothing
    assert len(received) == 2
    assert level(variant) == -2 and not StockMovement.objects.filter(idempotency_key="big").exists()


def test_stock_changed_is_not_sent_when_rolled_back(merchant, django_capture_on_commit_callbacks):
    variant = stocked_variant(merchant=merchant, quantity=1)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(NegativeStock):
        stock_adjust(
            merchant=merchant, variant=variant, delta=-5, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key="neg"
        )
    assert callbacks == []


def test_stock_tracking_set(merchant, django_capture_on_commit_callbacks):
    product = ProductFactory(merchant=merchant)
    received = []
    product_saved.connect(lambda **kw: received.append(kw["product_id"]), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            stock_tracking_set(merchant=merchant, product=product, enabled=False)
            stock_tracking_set(merchant=merchant, product=product, enabled=False)
    finally:
        product_saved.disconnect(dispatch_uid="t")
    revision = product.revision
    product.refresh_from_db()
    assert product.track_stock is False
    assert received == [product.pk]  # one change, one announcement (the product's one signal)
    assert product.revision == revision + 1


# Sales ------------------------------------------------------------------------------------------


def test_sale_records_lines_prices_and_one_ledger_row_per_line(merchant, merchant_user):
    a = stocked_variant(merchant=merchant, quantity=10, price=250, sku="A-1")
    b = stocked_variant(merchant=merchant, quantity=1, price=1000)

    sale = sale_create(merchant=merchant, lines=[(a, 2), (b, 3)], idempotency_key="sale-1", user=merchant_user)

    assert sale.total == 2 * 250 + 3 * 1000
    assert sale.currency == merchant.currency and sale.user == merchant_user
    lines = list(sale.lines.all())
    assert [(line.variant, line.quantity, line.unit_price, line.sku) for line in lines] == [
        (a, 2, 250, "A-1"),
        (b, 3, 1000, b.sku),
    ]
    assert (level(a), level(b)) == (8, -2)
    movements = StockMovement.objects.filter(origin=StockOrigin.POS_SALE).order_by("id")
    assert [(m.sale_line, m.delta) for m in movements] == [(lines[0], -2), (lines[1], -3)]


def test_sale_keeps_the_price_at_sale_time(merchant):
    variant = stocked_variant(merchant=merchant, price=500)
    sale = sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="s")
    variant.price = 900
    variant.save()
    assert sale.lines.get().unit_price == 500


def test_sale_same_key_is_recorded_once(merchant):
    variant = stocked_variant(merchant=merchant, quantity=5)
    first = sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="dup", request_hash="h1")
    again = sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="dup", request_hash="h1")
    assert again.pk == first.pk
    assert Sale.objects.count() == 1
    assert level(variant) == 3
    assert StockMovement.objects.filter(origin=StockOrigin.POS_SALE).count() == 1


def test_sale_same_key_other_request_is_a_conflict(merchant):
    variant = stocked_variant(merchant=merchant, quantity=5)
    sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="dup", request_hash="h1")
    with pytest.raises(IdempotencyConflict):
        sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="dup", request_hash="h2")
    assert level(variant) == 3


def test_sale_race_on_same_key(merchant):
    variant = stocked_variant(merchant=merchant, quantity=5)
    winner = sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="race")
    with mock.patch.object(services, "_sale_by_key", side_effect=[None, winner]):
        loser = sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="race")
    assert loser.pk == winner.pk
    assert level(variant) == 3
    assert Sale.objects.count() == 1


def test_sale_of_untracked_product_is_recorded_without_stock(merchant):
    variant = stocked_variant(merchant=merchant, quantity=5, track_stock=False)
    sale = sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="s")
    assert sale.lines.count() == 1
    assert level(variant) == 5
    assert not StockMovement.objects.filter(origin=StockOrigin.POS_SALE).exists()


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "1", True, 10_000])
def test_sale_rejects_bad_quantity_and_records_nothing(merchant, quantity):
    variant = stocked_variant(merchant=merchant, quantity=5)
    with pytest.raises(InvalidQuantity):
        sale_create(merchant=merchant, lines=[(variant, quantity)], idempotency_key="s")
    assert not Sale.objects.exists() and level(variant) == 5


def test_sale_whose_total_overflows_is_refused_and_records_nothing(merchant):
    # Prices are bounded now (portal.money.MAX_PRICE), but one saved before could overflow a
    # 64-bit total: it is refused by its price, before any total is computed.
    variant = stocked_variant(merchant=merchant, quantity=5, price=999_999_999_999_999)
    with pytest.raises(InvalidPrice) as raised:
        sale_create(merchant=merchant, lines=[(variant, 9_999)], idempotency_key="s")
    assert raised.value.field == "lines[0]"
    assert not Sale.objects.exists() and level(variant) == 5


def test_sale_rejects_empty_and_foreign_variants(merchant, other_merchant):
    with pytest.raises(EmptySale):
        sale_create(merchant=merchant, lines=[], idempotency_key="s")
    theirs = stocked_variant(merchant=other_merchant, quantity=5)
    with pytest.raises(UnknownVariant):
        sale_create(merchant=merchant, lines=[(theirs, 1)], idempotency_key="s")
    assert not Sale.objects.exists() and level(theirs) == 5


def test_sale_by_device(merchant):
    device = DeviceFactory(merchant=merchant)
    variant = stocked_variant(merchant=merchant, quantity=5)
    sale = sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="s", device=device)
    assert sale.device == device
    assert StockMovement.objects.get(origin=StockOrigin.POS_SALE).device == device


# Refunds ----------------------------------------------------------------------------------------


@pytest.fixture
def sale_of_two_lines(merchant):
    a = stocked_variant(merchant=merchant, quantity=10, price=300)
    b = stocked_variant(merchant=merchant, quantity=10, price=700)
    sale = sale_create(merchant=merchant, lines=[(a, 3), (b, 1)], idempotency_key="sale")
    line_a, line_b = sale.lines.all()
    return sale, line_a, line_b


def test_partial_refund_returns_stock(merchant, sale_of_two_lines):
    sale, line_a, line_b = sale_of_two_lines
    refund = refund_create(merchant=merchant, sale=sale, lines=[(line_a, 2)], idempotency_key="r1")
    assert refund.total == 600
    assert level(line_a.variant) == 9
    movement = StockMovement.objects.get(origin=StockOrigin.POS_REFUND)
    assert (movement.delta, movement.refund_line.refund) == (2, refund)


def test_full_refund_then_nothing_left(merchant, sale_of_two_lines):
    sale, line_a, line_b = sale_of_two_lines
    refund_create(merchant=merchant, sale=sale, lines=[(line_a, 3), (line_b, 1)], idempotency_key="r1")
    assert (level(line_a.variant), level(line_b.variant)) == (10, 10)
    with pytest.raises(RefundExceedsSale):
        refund_create(merchant=merchant, sale=sale, lines=[(line_b, 1)], idempotency_key="r2")


def test_refund_beyond_sold_counts_earlier_refunds(merchant, sale_of_two_lines):
    sale, line_a, _ = sale_of_two_lines
    refund_create(merchant=merchant, sale=sale, lines=[(line_a, 2)], idempotency_key="r1")
    with pytest.raises(RefundExceedsSale) as error:
        refund_create(merchant=merchant, sale=sale, lines=[(line_a, 2)], idempotency_key="r2")
    assert "3 sold, 1 left to refund" in error.value.message
    # The same line twice in one request counts together.
    with pytest.raises(RefundExceedsSale):
        refund_create(merchant=merchant, sale=sale, lines=[(line_a, 1), (line_a, 1)], idempotency_key="r3")
    assert Refund.objects.count() == 1
    assert level(line_a.variant) == 9


def test_refund_same_key_is_recorded_once(merchant, sale_of_two_lines):
    sale, line_a, _ = sale_of_two_lines
    first = refund_create(merchant=merchant, sale=sale, lines=[(line_a, 1)], idempotency_key="r")
    again = refund_create(merchant=merchant, sale=sale, lines=[(line_a, 1)], idempotency_key="r")
    assert again.pk == first.pk
    assert level(line_a.variant) == 8
    assert StockMovement.objects.filter(origin=StockOrigin.POS_REFUND).count() == 1


def test_refund_same_key_other_sale_is_a_conflict(merchant, sale_of_two_lines):
    sale, line_a, _ = sale_of_two_lines
    refund_create(merchant=merchant, sale=sale, lines=[(line_a, 1)], idempotency_key="r")
    other_sale = sale_create(merchant=merchant, lines=[(line_a.variant, 1)], idempotency_key="sale-2")
    with pytest.raises(IdempotencyConflict):
        refund_create(merchant=merchant, sale=other_sale, lines=[(other_sale.lines.get(), 1)], idempotency_key="r")


def test_refund_rejects_lines_of_another_sale_and_bad_quantities(merchant, sale_of_two_lines):
    sale, line_a, _ = sale_of_two_lines
    other_sale = sale_create(merchant=merchant, lines=[(line_a.variant, 1)], idempotency_key="sale-2")
    with pytest.raises(Exception, match="not part of sale"):
        refund_create(merchant=merchant, sale=sale, lines=[(other_sale.lines.get(), 1)], idempotency_key="r")
    for quantity in (0, -1, 1.5):
        with pytest.raises(InvalidQuantity):
            refund_create(merchant=merchant, sale=sale, lines=[(line_a, quantity)], idempotency_key="r")
    with pytest.raises(EmptySale):
        refund_create(merchant=merchant, sale=sale, lines=[], idempotency_key="r")
    assert not Refund.objects.exists()


def test_refund_of_another_merchants_sale_is_refused(merchant, other_merchant, sale_of_two_lines):
    sale, line_a, _ = sale_of_two_lines
    with pytest.raises(Exception, match="does not exist"):
        refund_create(merchant=other_merchant, sale=sale, lines=[(line_a, 1)], idempotency_key="r")


# Concurrency (PostgreSQL: SQLite serialises writers, so there is no race to lose there) ---------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sales_lose_no_update():
    merchant = MerchantFactory()
    variant = stocked_variant(merchant=merchant, quantity=100)
    threads_count = 12
    barrier = threading.Barrier(threads_count)
    errors = []

    def sell(n):
        try:
            barrier.wait(timeout=10)
            sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key=f"thread-{n}")
        except Exception as exc:  # pragma: no cover — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sell, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert level(variant) == 100 - threads_count
    assert StockMovement.objects.filter(variant=variant, origin=StockOrigin.POS_SALE).count() == threads_count
    assert Sale.objects.filter(merchant=merchant).count() == threads_count


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_sale_record_it_once():
    merchant = MerchantFactory()
    variant = stocked_variant(merchant=merchant, quantity=10)
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    results, errors = [], []

    def sell():
        try:
            barrier.wait(timeout=10)
            results.append(sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="same").pk)
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sell) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(set(results)) == 1 and len(results) == threads_count
    assert level(variant) == 9
    assert StockMovement.objects.filter(variant=variant, origin=StockOrigin.POS_SALE).count() == 1
