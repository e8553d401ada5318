"""A worker killed with a store's push in hand (issue 17's drift: the convergence run kills one):
the task it had taken is lost, and the store's pushes start again within a few seconds, not 10 or
more. Real cache, real broker (the tasks queued are read back)."""

import pytest
from django.core.cache import cache
from django_q.brokers import get_broker
from django_q.signing import SignedPackage

from integrations.bigcommerce.stock import outbox as stock_outbox
from integrations.services import leases
from integrations.tests import queue_helpers
from tests.waiting import wait_until

worker = queue_helpers.worker  # fixture
pytestmark = pytest.mark.django_db


def taken(queue) -> list[tuple[str, tuple]]:
    """What a killed worker had taken from the urgent lane: gone from the broker, never run."""
    broker, out = get_broker(queue.clusters["urgent"]), []
    while found := broker.dequeue():
        for ack_id, payload in found:
            task = SignedPackage.loads(payload)
            out.append((task["func"].rsplit(".", 1)[-1], tuple(task["args"])))
            broker.acknowledge(ack_id)
    return out


def test_a_push_task_lost_with_a_killed_worker_holds_the_store_s_kicks_back_two_seconds_at_most(worker):
    queue = worker()
    connection_id = 424243
    assert stock_outbox.stock_push_kick(connection_id=connection_id) is True
    assert taken(queue) == [("bigcommerce_stock_push_run", (connection_id,))]  # taken, then lost
    assert stock_outbox.stock_push_kick(connection_id=connection_id) is False  # debounced: "one is queued"
    assert taken(queue) == []
    assert stock_outbox.KICK_FLAG_SECONDS <= 2
    # The flag lapses (nothing clears it: the task died): the next sale's kick queues a push again.
    assert wait_until(lambda: stock_outbox.stock_push_kick(connection_id=connection_id), timeout=60)
    assert taken(queue) == [("bigcommerce_stock_push_run", (connection_id,))]
    cache.delete(stock_outbox._flag(connection_id))


def test_the_push_lease_is_three_seconds_renewed_every_second():
    connection_id = 424244
    assert stock_outbox.push_lock_take(connection_id=connection_id)
    beat = leases._held[stock_outbox._lock(connection_id)]
    try:
        assert beat.seconds == 3.0  # a killed holder frees its store within 3 s
    finally:
        stock_outbox.push_lock_release(connection_id=connection_id)


@pytest.mark.parametrize(
    ("module", "kick", "flag", "seconds", "task"),
    [
        ("intake_run", "orders_intake_kick", "_flag", "KICK_FLAG_SECONDS", "bigcommerce_orders_intake"),
        ("manual_edits", "stock_check_kick", "_flag", "KICK_FLAG_SECONDS", "bigcommerce_stock_check_requested"),
        ("settle", "stock_settle_read_kick", "_read_flag", "READ_FLAG_SECONDS", "bigcommerce_stock_settle_read"),
    ],
)
def test_the_stores_other_urgent_tasks_lost_with_a_killed_worker_hold_its_kicks_back_three_seconds_at_most(
    worker, module, kick, flag, seconds, task
):
    """The drift run's killed worker stopped a store's order intake 6.4 s (its kick flag lasted 10 s)."""
    import importlib

    mod = importlib.import_module(f"integrations.bigcommerce.stock.{module}")
    queue = worker()
    connection_id = 424245
    assert getattr(mod, kick)(connection_id=connection_id) is True
    assert taken(queue) == [(task, (connection_id,))]  # taken, then lost
    assert getattr(mod, kick)(connection_id=connection_id) is False
    assert getattr(mod, seconds) <= 3
    assert wait_until(lambda: getattr(mod, kick)(connection_id=connection_id), timeout=60)
    assert taken(queue) == [(task, (connection_id,))]
    cache.delete(getattr(mod, flag)(connection_id))


def test_the_order_intake_and_the_inbox_leases_are_three_seconds():
    from integrations.bigcommerce.inbox import drain
    from integrations.bigcommerce.stock import intake_run

    assert intake_run.LEASE_SECONDS == drain.LEASE_SECONDS == 3  # a killed holder frees its store within 3 s


def test_a_webhook_drain_lost_with_a_killed_worker_holds_the_stores_webhooks_back_three_seconds_at_most(worker):
    from integrations.bigcommerce.inbox import scopes
    from integrations.services.queue import URGENT

    queue = worker()
    connection_id = 424246
    assert scopes.drain_kick(connection_id=connection_id, lane=URGENT) is True
    assert taken(queue) == [("webhook_inbox_drain", (connection_id,))]  # taken, then lost
    assert scopes.drain_kick(connection_id=connection_id, lane=URGENT) is False
    assert scopes.DRAIN_FLAG_SECONDS <= 3
    assert wait_until(lambda: scopes.drain_kick(connection_id=connection_id, lane=URGENT), timeout=60)
    assert taken(queue) == [("webhook_inbox_drain", (connection_id,))]
    cache.delete(scopes._drain_flag(connection_id, URGENT))
