"""The webhook inbox processed in batches (issue 17, the 50 orders/s burst): every delivery is
stored, and one drain per connection and lane takes every pending event. Real HTTP to the sandbox,
the real broker (tasks queued, then run as a worker would); each test counts the tasks queued, the
BigCommerce calls made, the queries run and the rows written."""

import uuid

import pytest
from django.core.cache import cache
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.signing import SignedPackage

from integrations import tasks
from integrations.bigcommerce.api.webhook_signature import WebhookDelivery
from integrations.bigcommerce.inbox import drain, handlers
from integrations.bigcommerce.inbox.receive import webhook_event_receive
from integrations.bigcommerce.stock import intake, orders
from integrations.models import OrderIntake, OrderStatusAnnounced, SyncEvent, VariantLink, WebhookEvent
from integrations.tests import connect_helpers
from integrations.tests.test_export import connected
from integrations.tests.test_order_intake import mark, place, reads, taken
from integrations.tests.test_stock_inbound import level
from integrations.tests.test_stock_push import stocked
from inventory.services import sale_create

bc = connect_helpers.bc  # fixture
sandbox = connect_helpers.sandbox  # fixture
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]


@pytest.fixture(autouse=True)
def _no_apply_window(settings):
    settings.BIGCOMMERCE_STOCK_APPLY_WINDOW_S = 0


@pytest.fixture
def queued(monkeypatch, own_queues):
    """``queued()``: from its first call on, tasks go to the broker instead of running inline (the
    connection is made before, its setup tasks inline); each call takes what was queued since."""
    brokers = [get_broker(own_queues["bulk"]), get_broker(own_queues["urgent"])]

    def take() -> list[tuple[str, tuple]]:
        if Conf.SYNC:
            monkeypatch.setattr(Conf, "SYNC", False)
            for broker in brokers:
                broker.purge_queue()
            cache.clear()
        out = []
        for broker in brokers:
            while found := broker.dequeue():
                for ack_id, payload in found:
                    task = SignedPackage.loads(payload)
                    out.append((task["func"].rsplit(".", 1)[-1], tuple(task["args"])))
                    broker.acknowledge(ack_id)
        return out

    yield take
    for broker in brokers:
        broker.purge_queue()


def receive(connection, scope: str, data: dict, django_capture_on_commit_callbacks) -> None:
    """A verified delivery, as the webhook view stores it (its own transaction, then its commit)."""
    delivery = WebhookDelivery(
        scope=scope,
        store_hash=connection.store_hash,
        event_hash=uuid.uuid4().hex,
        created_at=None,
        data=data,
        payload={"scope": scope, "data": data},
        webhook_id="1",
    )
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_receive(connection=connection, delivery=delivery)


def twins(connection, order: dict, capture, kind: str = "created") -> None:
    """An order's two webhooks: the store-wide scope and the Comptoir-POS channel's twin."""
    receive(connection, f"store/order/{kind}", {"type": "order", "id": order["id"]}, capture)
    receive(connection, f"store/channel/{connection.channel_id}/order/{kind}", {"order_id": order["id"]}, capture)


def run(queue: list[tuple[str, tuple]], capture) -> list[str]:
    """Run the queued tasks as a worker would (each commits: its callbacks run)."""
    ran = []
    for name, args in queue:
        with capture(execute=True):
            getattr(tasks, name)(*args)
        ran.append(name)
    return ran


def test_500_order_webhooks_make_one_drain_one_poll_and_a_bounded_number_of_queries(
    bc, queued, django_capture_on_commit_callbacks
):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 600))
    queued()
    orders = [place(bc, store, mug) for _ in range(250)]
    since = mark(bc, store)
    for order in orders:
        twins(connection, order, django_capture_on_commit_callbacks)
    # 500 deliveries stored, ONE drain queued (not a task each).
    assert WebhookEvent.objects.filter(connection=connection, status="received").count() == 500
    queue = queued()
    assert queue == [("webhook_inbox_drain", (connection.pk,))]
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(db) as queries:
        tasks.webhook_inbox_drain(connection.pk)  # (its commit's callbacks, the poll, run after the count)
    # Every row processed and journaled once, in a bounded number of queries (not a few each).
    assert WebhookEvent.objects.filter(connection=connection, status="processed").count() == 500
    assert SyncEvent.objects.filter(connection=connection, kind=SyncEvent.Kind.WEBHOOK).count() == 500
    # (Less the cache's and the savepoints'; the journal's 500 entries are one INSERT on PostgreSQL,
    # a few on SQLite, whose statements hold fewer parameters.)
    sql = [q["sql"] for q in queries if "comptoir_cache" not in q["sql"] and "SAVEPOINT" not in q["sql"]]
    assert len(sql) <= 25, sql
    row = OrderIntake.objects.get(connection=connection)  # ONE mark: a poll is owed (on PostgreSQL, run there)
    assert row.wanted_at is not None if db.vendor == "sqlite" else row.polls == 1
    ran = run(queued(), django_capture_on_commit_callbacks)
    ran += run(queued(), django_capture_on_commit_callbacks)
    # The poll the mark asked for (on SQLite a task of its own; on PostgreSQL run in the drain).
    assert ran.count("webhook_inbox_drain") == 0 and ran.count("bigcommerce_orders_intake") <= 1
    assert reads(bc, store, since)["list"] <= 3 and reads(bc, store, since)["one"] == 0
    assert len(taken(connection)) == 250 and level(mug) == 350


def test_events_arriving_during_a_drain_make_exactly_one_follow_up(bc, queued, django_capture_on_commit_callbacks):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 50))
    queued()
    first = place(bc, store, mug)
    twins(connection, first, django_capture_on_commit_callbacks)
    assert queued() == [("webhook_inbox_drain", (connection.pk,))]
    late = []
    real, capture = handlers.orders_intake_request_many, django_capture_on_commit_callbacks

    def meanwhile(**kwargs):
        """While the drain handles its page, three orders are placed and their ten webhooks come."""
        real(**kwargs)
        if not late:
            late.extend(place(bc, store, mug) for _ in range(3))
            for order in late:
                twins(connection, order, django_capture_on_commit_callbacks)
            for _ in range(4):
                receive(connection, "store/order/updated", {"type": "order", "id": late[0]["id"]}, capture)

    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(handlers, "orders_intake_request_many", meanwhile)
    try:
        with capture(execute=True):
            tasks.webhook_inbox_drain(connection.pk)
    finally:
        monkeypatch.undo()
    queue = queued()
    # Ten events came during the drain: exactly one follow-up drain (and the poll the mark asked for).
    assert [name for name, _args in queue].count("webhook_inbox_drain") == 1
    run(queue, capture)
    run(queued(), capture)
    assert WebhookEvent.objects.filter(connection=connection, status="received").count() == 0
    assert WebhookEvent.objects.filter(connection=connection, status="processed").count() == 12
    assert set(taken(connection)) == {first["id"], *(o["id"] for o in late)} and level(mug) == 46


def test_a_crash_mid_drain_leaves_the_events_pending_and_a_later_drain_takes_them_once(
    bc, queued, django_capture_on_commit_callbacks, monkeypatch
):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 50))
    queued()
    orders = [place(bc, store, mug) for _ in range(3)]
    for order in orders:
        twins(connection, order, django_capture_on_commit_callbacks)
    receive(
        connection,
        "store/order/statusUpdated",
        {"type": "order", "id": orders[0]["id"], "status": {"previous_status_id": 1, "new_status_id": 11}},
        django_capture_on_commit_callbacks,
    )
    queued()
    real, crashes = handlers.orders_intake_request_many, []

    def crash_once(**kwargs):
        if not crashes:
            crashes.append(1)
            raise RuntimeError("the worker died here")
        real(**kwargs)

    monkeypatch.setattr(handlers, "orders_intake_request_many", crash_once)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        tasks.webhook_inbox_drain(connection.pk)
    # Nothing of the page was kept: every event pending, nothing journaled, no poll owed yet.
    assert WebhookEvent.objects.filter(connection=connection, status="received").count() == 7
    assert not SyncEvent.objects.filter(connection=connection, kind=SyncEvent.Kind.WEBHOOK).exists()
    assert not OrderStatusAnnounced.objects.filter(connection=connection).exists()
    # A minute later the sweep asks for a drain (the lock went with the crash): each event taken once.
    WebhookEvent.objects.filter(connection=connection).update(received_at=drain.timezone.now() - drain.SWEEP_AFTER * 2)
    assert drain.inbox_sweep() == 1
    run(queued(), django_capture_on_commit_callbacks)
    run(queued(), django_capture_on_commit_callbacks)
    assert WebhookEvent.objects.filter(connection=connection, status="processed").count() == 7
    assert SyncEvent.objects.filter(connection=connection, kind=SyncEvent.Kind.WEBHOOK).count() == 7
    assert len(taken(connection)) == 3 and level(mug) == 47
    # Done: a drain now finds nothing and queues nothing.
    assert tasks.webhook_inbox_drain(connection.pk) is None and queued() == []


def test_product_events_are_drained_on_the_bulk_lane_each_by_its_handler(
    bc, queued, django_capture_on_commit_callbacks
):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 5))
    queued()
    for number in range(5):
        receive(
            connection,
            "store/product/updated",
            {"type": "product", "id": 900 + number},
            django_capture_on_commit_callbacks,
        )
    receive(connection, "store/order/created", {"type": "order", "id": 1}, django_capture_on_commit_callbacks)
    queue = queued()
    assert sorted(name for name, _a in queue) == ["webhook_inbox_drain", "webhook_inbox_drain_bulk"]
    tasks.webhook_inbox_drain_bulk(connection.pk)
    # The bulk drain took the product events only; the order event waits for the urgent one.
    assert WebhookEvent.objects.filter(connection=connection, status="processed").count() == 5
    assert WebhookEvent.objects.get(connection=connection, status="received").scope == "store/order/created"
    skipped = SyncEvent.objects.filter(
        connection=connection, kind=SyncEvent.Kind.WEBHOOK, params__skipped="managed_in_comptoir"
    )
    assert skipped.count() == 5


def test_a_page_of_250_orders_is_applied_in_a_bounded_number_of_queries(bc, django_capture_on_commit_callbacks):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 600))
    [place(bc, store, mug) for _ in range(250)]
    since = mark(bc, store)
    client = intake.client_for(connection)
    orders.inventory_settings(connection=connection, channel_id=1, client=client)  # cached, as in a burst
    with CaptureQueriesContext(db) as queries, django_capture_on_commit_callbacks(execute=True):
        intake.orders_poll(connection=connection, client=client)
    sql = [q["sql"] for q in queries if "comptoir_cache" not in q["sql"] and "SAVEPOINT" not in q["sql"]]
    # After commit, the stores whose pushes were marked are kicked from the marks just written (the
    # stock_changing receiver): no look for each ledger row's stock push (there were 250 here).
    assert not [q for q in sql if q.startswith('SELECT "integrations_stockpush"."connection_id"')]
    # Nothing grows with the orders: one list read, then the page's reads and writes at once
    # (one by one it was about 11 queries an order, 2,765 here; SQLite splits big INSERTs in a few).
    assert len(sql) <= 40, sql
    assert reads(bc, store, since)["list"] == 2  # a full page of 250, then the next (empty) one
    assert len(taken(connection)) == 250 and level(mug) == 350


def stock_echo(connection, variant_id: int, capture, value: int = -1) -> None:
    """A stock webhook (``store/sku/inventory/updated``): a relative change of ``value``."""
    inventory = {"variant_id": variant_id, "method": "relative", "value": value}
    receive(connection, "store/sku/inventory/updated", {"inventory": inventory}, capture)


def test_an_urgent_drain_out_of_time_leaves_the_next_pages_to_a_follow_up_at_the_tail_of_the_queue(
    bc, queued, django_capture_on_commit_callbacks, monkeypatch
):
    """A backlog of webhooks (a push's echoes) no longer holds an urgent worker for 30 s while a
    stock push waits behind it: past its time the drain stops after the page it is on (one at
    least), the rest left pending for a follow-up queued behind what came meanwhile."""
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    queued()
    order = place(bc, store, mug)
    twins(connection, order, django_capture_on_commit_callbacks)
    for n in range(3):
        stock_echo(connection, 900000 + n, django_capture_on_commit_callbacks)
    assert queued() == [("webhook_inbox_drain", (connection.pk,))]
    monkeypatch.setattr(drain, "PAGE", 2)
    monkeypatch.setitem(drain.DRAIN_SECONDS, drain.URGENT, 0)
    run([("webhook_inbox_drain", (connection.pk,))], django_capture_on_commit_callbacks)
    processed = WebhookEvent.objects.filter(connection=connection, status="processed")
    assert sorted(processed.values_list("scope", flat=True)) == [
        f"store/channel/{connection.channel_id}/order/created",
        "store/order/created",
    ]
    row = OrderIntake.objects.get(connection=connection)  # the poll the orders asked for (on PostgreSQL, run there)
    assert row.wanted_at is not None if db.vendor == "sqlite" else row.polls == 1
    queue = queued()
    assert queue.count(("webhook_inbox_drain", (connection.pk,))) == 1  # one follow-up for the rest
    for _ in range(3):
        run(queue, django_capture_on_commit_callbacks)
        queue = queued()
    assert not WebhookEvent.objects.filter(connection=connection, status="received").exists()
    assert SyncEvent.objects.filter(connection=connection, kind=SyncEvent.Kind.WEBHOOK).count() == 5  # once each
    assert len(taken(connection)) == 1 and level(mug) == 9 and queue == []


def test_a_page_of_stock_webhooks_is_handled_in_a_bounded_number_of_queries_echoes_recognised(
    bc, queued, django_capture_on_commit_callbacks
):
    """Our own pushes come back as two webhooks a variant: a page of them is handled together (its
    variants read at once, our own changes recognised, ONE check asked for the merchant's edit),
    not a transaction and a dozen queries each."""
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    remote = VariantLink.objects.get(variant=mug).remote_variant_id
    with django_capture_on_commit_callbacks(execute=True):
        sale_create(merchant=merchant, lines=[(mug, 2)], idempotency_key="drain-echo")  # pushed: −2
    queued()
    for _ in range(150):  # the echo (relative −2) and its channel twin (no value), again and again
        stock_echo(connection, remote, django_capture_on_commit_callbacks, value=-2)
        receive(
            connection,
            f"store/channel/{connection.channel_id}/inventory/product/stock_changed",
            {"product_id": 1, "variant_id": remote, "location_id": 1},
            django_capture_on_commit_callbacks,
        )
    edit = {"variant_id": remote, "method": "absolute", "value": 3}  # the merchant's edit there
    receive(connection, "store/sku/inventory/updated", {"inventory": edit}, django_capture_on_commit_callbacks)
    assert queued() == [("webhook_inbox_drain", (connection.pk,))]
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(db) as queries:
        tasks.webhook_inbox_drain(connection.pk)
    sql = [q["sql"] for q in queries if "comptoir_cache" not in q["sql"] and "SAVEPOINT" not in q["sql"]]
    assert len(sql) <= 30, sql  # (one by one: 917)
    assert WebhookEvent.objects.filter(connection=connection, status="processed").count() == 301
    entries = SyncEvent.objects.filter(connection=connection, kind=SyncEvent.Kind.WEBHOOK)
    assert entries.filter(params__skipped="own_change").count() == 300 and entries.count() == 301
    assert VariantLink.objects.get(variant=mug).stock_check_requested_at is not None  # the edit: checked
    assert queued().count(("bigcommerce_stock_check_requested", (connection.pk,))) == 1


def test_the_drain_holds_the_inbox_on_a_lease_that_a_killed_worker_gives_up(
    bc, queued, django_capture_on_commit_callbacks, monkeypatch
):
    """The drain's lock is a lease renewed while it runs (``services.leases``), not a 5-minute
    lock: a worker killed mid-drain held every order and stock edit of its store back until it expired."""
    from integrations.services import leases

    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    queued()
    stock_echo(connection, 900000, django_capture_on_commit_callbacks)
    key = drain._lock(connection.pk, drain.URGENT)
    held = []
    real = drain.stock_events_handle
    monkeypatch.setattr(drain, "stock_events_handle", lambda **kw: (held.append(leases._held.get(key)), real(**kw))[1])
    run(queued(), django_capture_on_commit_callbacks)
    (beat,) = held
    assert beat.stopped.is_set() and beat.seconds == drain.LEASE_SECONDS <= 10  # renewed while it ran, stopped
    assert key not in leases._held and cache.get(key) is None  # let go at the end
