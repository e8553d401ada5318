"""Fairness across merchants (issue 17): bulk calls leave a share of each store's quota to urgent
ones, and an urgent task never holds its worker for a store's spent quota. The rule runs pure
(``take_turn``) and on both shared backends; the tasks run inline, through django-q2's worker
(whose signals make an urgent task's calls urgent), against the sandbox, on a fake clock whose
sleeps are recorded, never slept."""

import logging
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.bigcommerce.api import NullPacer, PacingDeferred, RateLimited, pacing
from integrations.bigcommerce.api import pacing_backends as backends
from integrations.bigcommerce.api.pacing import MemoryBackend, RateLimitInfo, Rules, WindowPacer, WindowState, take_turn
from integrations.models import OrderIntake, StockPush, SyncEvent, VariantLink
from integrations.services.queue import enqueue, task_lane_enter, task_lane_exit
from integrations.tests.test_export import connected
from integrations.tests.test_pacing import FakeClock, fake_pacer, most_in_any_window, shared_backend  # noqa: F401
from integrations.tests.test_stock_push import relative_calls, sell, stocked

RULES = Rules(margin_ms=0, urgent_share=10)


def known(quota: int = 20, window_ms: int = 1000) -> WindowState:
    return WindowState(quota=quota, window_ms=window_ms)


# -- the rule, pure ---------------------------------------------------------------------------


def test_bulk_stops_the_share_short_of_the_quota_and_urgent_calls_take_the_rest():
    state = known()
    assert [take_turn(state, 0.0, RULES) for _ in range(18)] == [0.0] * 18
    assert take_turn(state, 0.0, RULES) == pytest.approx(1.0)  # bulk: 2 of 20 kept for urgent calls
    assert [take_turn(state, 0.0, RULES, urgent=True) for _ in range(2)] == [0.0, 0.0]
    assert take_turn(state, 0.0, RULES, urgent=True) == pytest.approx(1.0)  # the quota is the limit
    assert len(state.sent_at) == 20


def test_urgent_calls_wait_only_for_the_oldest_of_a_full_quota_bulk_for_the_one_that_frees_its_share():
    state = known()
    for n in range(20):
        assert take_turn(state, n * 0.01, RULES, urgent=True) == 0.0
    # 20 in the window: an urgent call waits for the first to leave, a bulk one for the third.
    assert take_turn(state, 0.5, RULES, urgent=True) == pytest.approx(0.5)
    assert take_turn(state, 0.5, RULES) == pytest.approx(0.52)


def test_with_no_urgent_call_bulk_keeps_going_at_the_quota_less_the_share():
    state, now, sent = known(), 0.0, []
    while now < 5.0:
        wait = take_turn(state, now, RULES)
        if wait == 0:
            sent.append(now)
        now += wait or 1 / 64  # binary fractions: the sums are exact
    assert most_in_any_window(sent, 1.0) == 18
    assert len(sent) >= 5 * 18 - 1  # never starved: 18 a window, window after window


def test_no_window_ever_holds_more_than_the_quota_whatever_the_mix_of_lanes():
    state, now, sent, rng = known(quota=10), 0.0, [], random.Random(11)
    rules = Rules(margin_ms=0, urgent_share=30)
    for _ in range(2000):
        now += rng.choice([0, 0, 0.001, 0.05, 0.2])
        if take_turn(state, now, rules, urgent=rng.random() < 0.3) == 0:
            sent.append(now)
    assert most_in_any_window(sent, 1.0) == 10


def test_without_a_share_both_lanes_follow_the_old_rule():
    state, rules = known(), Rules(margin_ms=0, safety=2)
    assert rules.per_window(20, urgent=False) == rules.per_window(20) == 18
    assert [take_turn(state, 0.0, rules) for _ in range(18)] == [0.0] * 18
    assert take_turn(state, 0.0, rules, urgent=True) > 0
    assert Rules(urgent_share=10, safety=2).per_window(20, urgent=False) == 16


# -- acquire: an urgent task defers instead of waiting ------------------------------------------


def spent(pacer: WindowPacer, store: str = "a", quota: int = 20) -> None:
    pacer.observe(store, RateLimitInfo(quota=quota, window_ms=30_000), status=200)
    while pacer.backend.take_turn(store, pacer.rules, urgent=True) == 0:
        pass  # the whole quota taken, now


def test_an_urgent_call_for_a_spent_store_defers_at_once_without_sleeping():
    pacer, clock = fake_pacer(urgent_share=10, margin_ms=0)
    spent(pacer)
    with pacing.urgent_calls(max_wait=0.5), pytest.raises(PacingDeferred) as caught:
        pacer.acquire("a")
    assert clock.now == 1_000_000.0 and 29_000 < caught.value.reset_ms <= 30_000
    assert isinstance(caught.value, RateLimited)  # nothing was sent: the callers' handlers know it
    with pacing.urgent_calls():
        assert pacer.acquire("b") == 0  # another store is not held back


def test_an_urgent_task_waits_at_most_its_bound_in_all_then_defers():
    pacer, clock = fake_pacer(urgent_share=10, margin_ms=0)
    pacer.observe("a", RateLimitInfo(quota=20, window_ms=1000), status=200)
    start = clock.now
    for at in [0.0] * 10 + [0.3] * 10:  # a full window: ten calls, then ten more 0.3 s later
        clock.now = start + at
        pacer.backend.take_turn("a", pacer.rules, urgent=True)
    clock.now = start + 0.7
    with pacing.urgent_calls(max_wait=0.5) as calls:
        assert pacer.acquire("a") == pytest.approx(0.3)  # the first ten leave the window
        assert [pacer.acquire("a") for _ in range(9)] == [0.0] * 9
        with pytest.raises(PacingDeferred):
            pacer.acquire("a")  # 0.3 s more for the next ten: 0.6 s in all, past the bound
    assert calls.waited == pytest.approx(0.3) and clock.now == pytest.approx(start + 1.0)


def test_a_bulk_call_still_waits_for_the_quota():
    pacer, clock = fake_pacer(urgent_share=10, margin_ms=0, max_wait=60)
    spent(pacer)
    assert pacer.acquire("a") == pytest.approx(30.0)
    assert clock.now == pytest.approx(1_000_030.0)


def test_the_workers_make_the_calls_of_an_urgent_task_urgent_and_of_a_bulk_task_not(settings):
    settings.BIGCOMMERCE_URGENT_MAX_WAIT_S = 0.25
    pacer, clock = fake_pacer(urgent_share=10, margin_ms=0, max_wait=60)
    spent(pacer)
    task_lane_enter("django_q", func=None, task={"func": "integrations.tasks.bigcommerce_stock_push_run"})
    with pytest.raises(PacingDeferred):
        pacer.acquire("a")
    task_lane_enter("django_q", func=None, task={"func": "integrations.tasks.bigcommerce_export_run"})
    assert pacer.acquire("a") == pytest.approx(30.0)  # a bulk task run inline inside the urgent one waits
    task_lane_exit("django_q")
    spent(pacer)
    with pytest.raises(PacingDeferred):
        pacer.acquire("a")  # the urgent task again
    task_lane_exit("django_q")
    assert pacer.acquire("a") == pytest.approx(30.0)  # out of every task: bulk


# -- the shared backends: the same rule ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_shared_backend_keeps_the_share_for_urgent_calls(shared_backend):  # noqa: F811
    rules = Rules(margin_ms=0, urgent_share=10)
    shared_backend.learn("s1", quota=20, window_ms=60_000, block_s=None)
    assert [shared_backend.take_turn("s1", rules) for _ in range(18)] == [0.0] * 18
    assert 0 < shared_backend.take_turn("s1", rules) <= 60
    assert [shared_backend.take_turn("s1", rules, urgent=True) for _ in range(2)] == [0.0, 0.0]
    assert 0 < shared_backend.take_turn("s1", rules, urgent=True) <= 60


def test_the_workers_pacer_keeps_the_settings_share(settings, monkeypatch):
    settings.BIGCOMMERCE_URGENT_SHARE = 25
    monkeypatch.setattr(backends, "_default", None)
    assert backends.default_pacer().rules.urgent_share == 25


# -- store A's spent quota does not hold the urgent lane for store B's sale ---------------------


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # as connect_helpers.SANDBOX_TESTS
def test_a_store_with_a_spent_quota_defers_its_urgent_tasks_while_another_stores_push_goes(bc, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    a_store, a_merchant, _c, a, a_mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    b_store, b_merchant, _c, b, b_mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    clock, slept = FakeClock(), []
    pacer = WindowPacer(MemoryBackend(clock), sleep=slept.append, urgent_share=10)
    monkeypatch.setattr(backends, "_default", pacer)
    spent(pacer, a_store["hash"])
    before_a, before_b = len(bc.request_log(a_store["hash"])), len(relative_calls(bc, b_store))
    sell(a_merchant, a_mug)
    sell(b_merchant, b_mug)
    # A's minute poll, then A's push: each gives the worker back at once, nothing sent, its work kept.
    enqueue("integrations.tasks.bigcommerce_orders_poll", a.pk)
    enqueue("integrations.tasks.bigcommerce_stock_push_run", a.pk)
    VariantLink.objects.filter(link__connection=a).update(stock_check_requested_at=timezone.now() - timedelta(hours=1))
    enqueue("integrations.tasks.bigcommerce_stock_check_requested", a.pk)
    assert slept == [] and len(bc.request_log(a_store["hash"])) == before_a
    deferred = [r.getMessage().split(" of connection")[0] for r in caplog.records if "deferred" in r.getMessage()]
    assert deferred == ["Order poll", "Stock push", "Stock check"]
    assert OrderIntake.objects.get(connection=a).wanted_at is not None  # the poll is still owed
    assert list(StockPush.objects.filter(connection=a).values_list("state", "attempts")) == [("pending", 0)]
    assert not SyncEvent.objects.filter(connection=a, kind=SyncEvent.Kind.STOCK_PUSH).exists()  # no "refused"
    assert VariantLink.objects.filter(link__connection=a, stock_check_requested_at__isnull=False).exists()
    # B's sale goes out at once.
    enqueue("integrations.tasks.bigcommerce_stock_push_run", b.pk)
    assert len(relative_calls(bc, b_store)) == before_b + 1 and slept == []
    assert list(StockPush.objects.filter(connection=b).values_list("state", flat=True)) == ["sent"]


def test_a_429_in_an_urgent_task_defers_instead_of_being_waited_out(make_client, sandbox, store):
    sandbox.set_rate_limit(store["hash"], 1000, 5000)
    sandbox.set_faults(store["hash"], [{"kind": "rate_limit", "method": "GET", "path": "/v2/store", "count": 2}])
    client = make_client(pacer=NullPacer())
    with pacing.urgent_calls(max_wait=0.5), pytest.raises(PacingDeferred) as caught:
        client.get_store()
    assert caught.value.reset_ms > 500 and isinstance(caught.value.__cause__, RateLimited)
    assert [r["status"] for r in sandbox.request_log(store["hash"])] == [429]  # not retried after its wait
    assert pacing.urgent_may_wait(600.0)  # outside an urgent task: any wait


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_a_push_whose_settling_meets_a_spent_quota_ends_cleanly_and_lets_the_store_go(bc, monkeypatch):
    from integrations.bigcommerce.stock import outbox, push

    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    sell(merchant, mug)

    def spent_quota(**kwargs):
        raise PacingDeferred("spent", reset_ms=20_000)

    monkeypatch.setattr(push, "stock_unknown_settle", spent_quota)
    before = len(relative_calls(bc, store))
    enqueue("integrations.tasks.bigcommerce_stock_push_run", connection.pk)
    assert len(relative_calls(bc, store)) == before
    assert list(StockPush.objects.filter(connection=connection).values_list("state", "attempts")) == [("pending", 0)]
    assert outbox.push_lock_take(connection_id=connection.pk)  # the run let the store go
