"""A store's push run queued behind its own tasks asleep on the urgent lane's workers: the order
intake between two polls, a stock check waiting for its variants to be quiet. With two workers, two
such naps held a cashier's sale 5.7 s (the drift run's longest push lags, issue 17). Each hands its
worker over instead, and a fresh task of its own goes to the tail of the queue. Real HTTP to the sandbox."""

from django.core.cache import cache
from django.utils import timezone

from integrations.bigcommerce.stock import intake_run, manual_edits, outbox
from integrations.models import OrderIntake, VariantLink
from integrations.tests import connect_helpers
from integrations.tests.test_export import connected
from integrations.tests.test_inbox_drain import queued  # noqa: F401 (a fixture)
from integrations.tests.test_order_intake import mark, reads
from integrations.tests.test_stock_push import sell, stocked

pytestmark = connect_helpers.SANDBOX_TESTS


def _push_queued(connection) -> None:
    """A push run of the store queued and not started (as ``outbox.stock_push_kick`` leaves it)."""
    assert cache.add(outbox._flag(connection.pk), 1, 10)
    assert outbox.push_waiting(connection_id=connection.pk)


def test_the_order_intake_hands_its_worker_to_the_stores_push_instead_of_waiting_out_its_poll_gap(
    bc,
    settings,
    monkeypatch,
    queued,  # noqa: F811 (the fixture)
):
    settings.BIGCOMMERCE_ORDER_POLL_GAP_S = 0.5
    store, _merchant, _c, connection, _mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    slept = []
    monkeypatch.setattr(intake_run, "_sleep", slept.append)
    queued()  # from here on, tasks are queued, not run inline
    OrderIntake.objects.update_or_create(
        connection=connection, defaults={"polled_at": timezone.now(), "wanted_at": timezone.now()}
    )
    _push_queued(connection)
    before = mark(bc, store)
    assert intake_run.orders_intake_drain(connection_id=connection.pk) == 0
    assert slept == [] and reads(bc, store, before)["list"] == 0
    assert queued() == [("bigcommerce_orders_intake", (connection.pk,))]  # the poll stays owed, at the tail
    assert OrderIntake.objects.get(connection=connection).wanted_at is not None

    cache.delete(outbox._flag(connection.pk))  # no push waiting: the poll gap is waited out, then the poll
    OrderIntake.objects.filter(connection=connection).update(polled_at=timezone.now())
    assert intake_run.orders_intake_drain(connection_id=connection.pk) == 1
    assert len(slept) == 1 and 0 < slept[0] <= 0.5 and reads(bc, store, before)["list"] == 1

    # The minute's poll (it reads a minute back, which no fresh task would) is not handed over.
    _push_queued(connection)
    OrderIntake.objects.filter(connection=connection).update(polled_at=timezone.now())
    assert intake_run.orders_intake_sweep(connection=connection) == 1
    assert len(slept) == 2 and reads(bc, store, before)["list"] == 2
    cache.delete(outbox._flag(connection.pk))


def test_a_stock_check_waiting_for_quiet_variants_hands_its_worker_to_the_stores_push(
    bc,
    settings,
    monkeypatch,
    queued,  # noqa: F811 (the fixture)
):
    settings.BIGCOMMERCE_STOCK_APPLY_WINDOW_S = 60  # busy for longer than a check's drain, however slow the set-up
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    slept = []
    monkeypatch.setattr(manual_edits, "_sleep", slept.append)
    queued()
    sell(merchant, mug, 1)  # pushed (below): BigCommerce may be applying it for a minute
    from integrations.bigcommerce.stock.push import stock_push_drain

    stock_push_drain(connection_id=connection.pk)
    VariantLink.objects.filter(variant=mug).update(stock_check_requested_at=timezone.now())
    queued()  # what the sale queued
    _push_queued(connection)
    before = mark(bc, store)
    result = manual_edits.stock_checks_requested_run(connection=connection)
    assert slept == [] and result["checked"] == 0
    assert queued() == [("bigcommerce_stock_check_requested", (connection.pk,))]
    assert VariantLink.objects.get(variant=mug).stock_check_requested_at is not None  # still owed
    assert [r for r in bc.request_log(store["hash"], since=before) if r["method"] == "GET"] == []

    cache.delete(outbox._flag(connection.pk))  # no push waiting: it waits for the variant (its drain's time)
    manual_edits.stock_checks_requested_run(connection=connection)
    assert len(slept) == 1 and 0 < slept[0] <= manual_edits.CHECK_DRAIN_SECONDS
    assert queued() == [("bigcommerce_stock_check_requested", (connection.pk,))]  # then a fresh task
