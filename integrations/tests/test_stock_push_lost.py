"""A push whose answer was lost is settled as soon as BigCommerce's level can tell: once BigCommerce
may have applied it when its application answered (a 500), after the whole grace when the call may
still be running there (no answer, or a gateway's); by the run that lost it on a quiet store. Real
HTTP to the sandbox."""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from integrations import tasks
from integrations.models import StockPush
from integrations.tests import connect_helpers
from integrations.tests.test_export import connected_to
from integrations.tests.test_inbox_drain import queued  # noqa: F401 (a fixture)
from integrations.tests.test_stock_push import (
    RELATIVE,
    relative_calls,
    remote_level,
    sale_with_lost_answer,
    sell,
    stocked,
)

pytestmark = connect_helpers.SANDBOX_TESTS


@pytest.mark.parametrize(
    ("fault", "settled"),
    [
        ({"kind": "error_after"}, True),  # BigCommerce answered 500: its part is over, applied or not
        ({"kind": "error_after", "status": 502}, False),  # a gateway answered: the call may still run
        ({"kind": "timeout_after", "ms": 1500}, False),  # no answer: the call may still run
    ],
)
def test_a_lost_answer_waits_the_apply_window_when_bigcommerce_answered_the_whole_grace_otherwise(
    bc, settings, fault, settled
):
    settings.BIGCOMMERCE_STOCK_SETTLE_AFTER_S = 30
    settings.BIGCOMMERCE_STOCK_APPLY_WINDOW_S = 0
    settings.BIGCOMMERCE_TIMEOUT = 0.5
    store = connect_helpers.new_store(bc)
    _s, merchant, _c, connection, mug = connected_to(bc, store, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    bc.set_faults(store["hash"], [{**fault, "method": "POST", "path": RELATIVE, "count": 1}])
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 3)
    push = StockPush.objects.get()
    assert push.state == "unknown" and push.attempts == 1
    tasks.bigcommerce_stock_push_sweep()
    push.refresh_from_db()
    assert push.state == ("sent" if settled else "unknown")
    assert remote_level(bc, store, mug) == 7  # applied once, never twice
    if not settled:
        assert (push.settle_at - push.sent_at).total_seconds() == pytest.approx(30, abs=0.01)
        StockPush.objects.update(settle_at=push.sent_at)  # the grace is over
        tasks.bigcommerce_stock_push_sweep()
        assert StockPush.objects.get().state == "sent" and remote_level(bc, store, mug) == 7
    assert len(relative_calls(bc, store)) == 1


def test_a_run_that_lost_an_answer_settles_it_once_bigcommerce_may_have_applied_it(
    bc,
    settings,
    monkeypatch,
    queued,  # noqa: F811 (the fixture)
):
    """A quiet store has no other push run: the run that lost the answer waits out BigCommerce's
    apply window (when it is short) and queues the run that settles it, not the minute sweep."""
    from integrations.bigcommerce.stock import push as stock_push

    settings.BIGCOMMERCE_STOCK_SETTLE_AFTER_S = 30
    settings.BIGCOMMERCE_STOCK_APPLY_WINDOW_S = 1.5
    store = connect_helpers.new_store(bc)
    _s, merchant, _c, connection, mug = connected_to(bc, store, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    bc.set_faults(store["hash"], [{"kind": "error_before", "method": "POST", "path": RELATIVE, "count": 1}])
    slept = []
    monkeypatch.setattr(stock_push, "_sleep", slept.append)
    queued()  # from here on, tasks are queued, not run inline
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 3)
    assert queued() == [("bigcommerce_stock_push_run", (connection.pk,))]
    tasks.bigcommerce_stock_push_run(connection.pk)  # the call's answer is lost
    assert StockPush.objects.get().state == "unknown" and remote_level(bc, store, mug) == 10
    assert slept == [pytest.approx(1.5, abs=0.3)]
    assert queued() == [("bigcommerce_stock_settle_read", (connection.pk,))]
    StockPush.objects.update(settle_at=timezone.now())  # the wait is over
    tasks.bigcommerce_stock_settle_read(connection.pk)  # reads BigCommerce's level, with no lock held
    assert queued() == [("bigcommerce_stock_push_run", (connection.pk,))]
    tasks.bigcommerce_stock_push_run(connection.pk)  # the queued run: settles on that reading, sends again
    assert StockPush.objects.get().state == "sent" and remote_level(bc, store, mug) == 7
    assert len(relative_calls(bc, store)) == 2 and len(slept) == 1
    settings.BIGCOMMERCE_STOCK_APPLY_WINDOW_S = 5  # past SETTLE_SOON_S: left to the next run or the sweep
    bc.set_faults(store["hash"], [{"kind": "error_before", "method": "POST", "path": RELATIVE, "count": 1}])
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 1)
    assert queued() == [("bigcommerce_stock_push_run", (connection.pk,))]
    tasks.bigcommerce_stock_push_run(connection.pk)
    assert StockPush.objects.filter(state="unknown").count() == 1
    assert len(slept) == 1 and queued() == []


def test_a_lost_answer_is_not_settled_while_bigcommerce_may_still_apply_a_later_push(bc, settings):
    """BigCommerce applies adjustments asynchronously. A sale of 3 applied but its answer lost, then
    a sale of 3 answered but not applied yet: BigCommerce shows 7, which reads as "the lost one was
    not applied" (Comptoir 4, 4 + 3). Sending it again would count it twice; the settling waits
    until the later push may be applied, then reads 4: applied."""
    from datetime import timedelta

    from tests.waiting import wait_until

    settings.BIGCOMMERCE_STOCK_SETTLE_AFTER_S = 30
    settings.BIGCOMMERCE_STOCK_APPLY_WINDOW_S = 5
    store = connect_helpers.new_store(bc)
    _s, merchant, _c, connection, mug = connected_to(bc, store, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    bc.set_options(store["hash"], inventory_apply_delay_ms=1500)
    bc.set_faults(store["hash"], [{"kind": "error_after", "method": "POST", "path": RELATIVE, "count": 1}])
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 3)
    wait_until(lambda: remote_level(bc, store, mug) == 7, 10)  # applied, its answer lost
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 3)
    pushes = StockPush.objects.order_by("pk")
    assert list(pushes.values_list("state", flat=True)) == ["unknown", "sent"]
    pushes.filter(state="unknown").update(settle_at=timezone.now())  # due
    tasks.bigcommerce_stock_push_sweep()
    assert list(pushes.values_list("state", flat=True)) == ["unknown", "sent"]  # not decided on 7
    wait_until(lambda: remote_level(bc, store, mug) == 4, 10)
    pushes.filter(state="sent").update(sent_at=timezone.now() - timedelta(seconds=6))  # out of the window
    tasks.bigcommerce_stock_push_sweep()
    assert list(pushes.values_list("state", flat=True)) == ["sent", "sent"]
    assert remote_level(bc, store, mug) == 4 and len(relative_calls(bc, store)) == 2  # never twice


def test_a_push_run_sends_the_stores_sales_without_waiting_for_the_reads_of_a_settling(
    bc,
    settings,
    queued,  # noqa: F811 (the fixture)
):
    """The settling's reads (the orders around a level read, retried under a store's errors) took
    seconds, and the push run made them before sending: every sale of the store waited (issue 17's
    drift, no push for 6.7 s after a lost answer). The run queues them and sends at once."""
    store, merchant, connection, mug = sale_with_lost_answer(bc, settings)  # 10 → 7, its answer lost
    StockPush.objects.update(settle_at=timezone.now())  # due
    queued()  # from here on, tasks are queued, not run inline
    before = len(bc.request_log(store["hash"]))
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 2)
    assert queued() == [("bigcommerce_stock_push_run", (connection.pk,))]
    tasks.bigcommerce_stock_push_run(connection.pk)
    calls = [(r["method"], r["path"].rsplit("/v", 1)[-1]) for r in bc.request_log(store["hash"])[before:]]
    assert calls == [("POST", RELATIVE[2:])]  # the sale, and no read before it
    assert queued() == [("bigcommerce_stock_settle_read", (connection.pk,))]
    tasks.bigcommerce_stock_settle_read(connection.pk)  # the reads, no lock held
    assert queued() == [("bigcommerce_stock_push_run", (connection.pk,))]
    tasks.bigcommerce_stock_push_run(connection.pk)  # decides: applied
    assert list(StockPush.objects.order_by("pk").values_list("state", flat=True)) == ["sent", "sent"]
    assert remote_level(bc, store, mug) == 5 and len(relative_calls(bc, store)) == 2


def test_a_reading_is_not_decided_on_where_a_push_went_after_it_began(bc, settings):
    """The reads are made with no lock held, so a push may reach the same variant before the push
    run decides on them: its level read then shows neither fate. A sale of 3 applied with its answer
    lost (10 → 7), read at 7, then a sale of 3 pushed (4): on the old reading, 7 is what "not applied"
    shows (Comptoir 4 + 3), and sending it again would count it twice. It waits for a new reading."""
    from integrations.bigcommerce.stock import settle

    store, merchant, connection, mug = sale_with_lost_answer(bc, settings)  # 10 → 7, its answer lost
    lost = StockPush.objects.get()
    StockPush.objects.update(settle_at=timezone.now())
    assert settle.stock_unknown_read(connection=connection)  # read: 7
    StockPush.objects.update(settle_at=timezone.now() + timedelta(minutes=1))  # not due while the sale goes
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 3)
    assert remote_level(bc, store, mug) == 4
    StockPush.objects.filter(pk=lost.pk).update(settle_at=timezone.now())
    tasks.bigcommerce_stock_push_run(connection.pk)  # the old reading: not decided on
    lost.refresh_from_db()
    assert (lost.state, lost.attempts) == ("unknown", 1)
    assert remote_level(bc, store, mug) == 4 and len(relative_calls(bc, store)) == 2
    tasks.bigcommerce_stock_push_sweep()  # a new reading (4): applied
    lost.refresh_from_db()
    assert lost.state == "sent" and remote_level(bc, store, mug) == 4 and len(relative_calls(bc, store)) == 2
