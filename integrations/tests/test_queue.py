"""The lanes: each task is enqueued on its cluster's queue, whichever process enqueues it."""

import uuid

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import Task
from django_q.monitor import save_task
from django_q.signing import SignedPackage

from integrations.bigcommerce.api.webhook_signature import WebhookDelivery
from integrations.bigcommerce.inbox.receive import webhook_event_receive
from integrations.models import BigCommerceConnection
from integrations.services import queue
from integrations.services.queue import BULK, URGENT, broker_for, cluster_of, enqueue, enqueue_on_commit, lane_of
from portal.tests.factories import MerchantFactory


@pytest.fixture
def real_queue(monkeypatch, own_queues):
    """Tasks go to the broker instead of running inline, on this test's own queues, empty at first."""
    monkeypatch.setattr(Conf, "SYNC", False)
    brokers = {lane: get_broker(cluster) for lane, cluster in own_queues.items()}
    for broker in brokers.values():
        broker.purge_queue()
    yield brokers
    for broker in brokers.values():
        broker.purge_queue()


def taken(broker) -> list[str]:
    funcs = []
    while tasks := broker.dequeue():
        for ack_id, payload in tasks:
            funcs.append(SignedPackage.loads(payload)["func"].rsplit(".", 1)[-1])
            broker.acknowledge(ack_id)
    return funcs


def test_the_lane_table(settings):
    assert lane_of("integrations.tasks.bigcommerce_stock_push_run") == URGENT
    assert lane_of("integrations.tasks.bigcommerce_export_run") == BULK
    assert lane_of("integrations.tasks.a_task_nobody_named") == BULK  # bulk by default
    assert lane_of("integrations.tasks.bigcommerce_location_stock_start") == BULK  # a pass over the catalog
    assert cluster_of("integrations.tasks.webhook_event_process") == "urgent"
    assert cluster_of("integrations.tasks.bigcommerce_import_chunk") == settings.Q_CLUSTER["name"] == "comptoir"
    settings.Q_URGENT_CLUSTER = ""  # one lane: everything on the default cluster
    assert cluster_of("integrations.tasks.webhook_event_process") == "comptoir"


@pytest.mark.django_db(transaction=True)
def test_each_task_lands_on_its_lanes_queue_even_from_the_other_lanes_worker(real_queue, own_queues, monkeypatch):
    monkeypatch.setattr(Conf, "POLL", 0)
    with transaction.atomic():
        enqueue_on_commit("integrations.tasks.bigcommerce_stock_push_run", 1)
        enqueue_on_commit("integrations.tasks.bigcommerce_export_run", 1, None)
        assert real_queue["urgent"].queue_size() == real_queue["bulk"].queue_size() == 0  # not before the commit
    # A worker of the urgent cluster enqueues bulk work (django-q2 alone would keep it on its own queue).
    monkeypatch.setattr(Conf, "CLUSTER_NAME", own_queues["urgent"])
    enqueue("integrations.tasks.bigcommerce_stock_reconcile", 5)
    enqueue("integrations.tasks.webhook_event_process", 9)
    assert taken(real_queue["urgent"]) == ["bigcommerce_stock_push_run", "webhook_event_process"]
    assert taken(real_queue["bulk"]) == ["bigcommerce_export_run", "bigcommerce_stock_reconcile"]


@pytest.mark.django_db(transaction=True)
def test_order_and_stock_events_are_urgent_product_events_bulk(real_queue, monkeypatch):
    """An initial sync's own product webhooks (twice the products) never queue ahead of a sale's push."""
    cache.clear()  # no drain flag left by another test
    monkeypatch.setattr(Conf, "POLL", 0)
    connection = BigCommerceConnection.objects.create(
        merchant=MerchantFactory(), store_hash="lanes1", status=BigCommerceConnection.Status.CONNECTED
    )
    scopes = [
        "store/product/updated",
        "store/order/created",
        "store/sku/inventory/updated",
        "store/channel/1/product/assigned",
        "store/channel/1/order/statusUpdated",
        "store/app/uninstalled",
    ]
    for number, scope in enumerate(scopes):
        data = {"type": "order", "id": number + 1}
        delivery = WebhookDelivery(
            scope=scope,
            store_hash=connection.store_hash,
            event_hash=f"hash-{number}",
            created_at=None,
            data=data,
            payload={"scope": scope, "data": data},
            webhook_id="1",
        )
        webhook_event_receive(connection=connection, delivery=delivery)
    # One drain per lane for the connection (not a task per event): each takes every pending event.
    assert taken(real_queue["urgent"]) == ["webhook_inbox_drain"]
    assert taken(real_queue["bulk"]) == ["webhook_inbox_drain_bulk"]


@pytest.mark.django_db(transaction=True)
def test_a_stock_push_is_taken_before_the_webhooks_queued_ahead_of_it_first_in_first_out_among_pushes(
    real_queue, monkeypatch
):
    monkeypatch.setattr(Conf, "POLL", 0)
    for connection_id in (1, 2, 3):  # busy stores' echoes of their own last pushes
        enqueue("integrations.tasks.webhook_inbox_drain", connection_id)
    enqueue("integrations.tasks.bigcommerce_stock_push_run", 7)
    enqueue("integrations.tasks.bigcommerce_stock_push_run", 8)
    assert real_queue["urgent"].queue_size() == 5
    taken_args = []
    while tasks := real_queue["urgent"].dequeue():
        for ack_id, payload in tasks:
            task = SignedPackage.loads(payload)
            taken_args.append((task["func"].rsplit(".", 1)[-1], task["args"][0]))
            real_queue["urgent"].acknowledge(ack_id)
    assert taken_args == [
        ("bigcommerce_stock_push_run", 7),
        ("bigcommerce_stock_push_run", 8),
        ("webhook_inbox_drain", 1),
        ("webhook_inbox_drain", 2),
        ("webhook_inbox_drain", 3),
    ]
    assert real_queue["urgent"].queue_size() == 0


@pytest.mark.django_db(transaction=True)
def test_enqueues_share_one_broker_and_one_connection(real_queue, own_queues, monkeypatch):
    """django-q2 makes a broker per task unless given one: with Redis a new connection per enqueue.
    The lanes keep one broker per queue and process (on Redis: one connection for many tasks)."""
    monkeypatch.setattr(queue, "_brokers", {})
    for n in range(5):
        enqueue("integrations.tasks.webhook_inbox_drain", n)
    enqueue("integrations.tasks.bigcommerce_export_run", 1, None)
    assert sorted(key[0] for key in queue._brokers) == sorted(own_queues.values())  # one per queue
    assert broker_for(own_queues["urgent"]) is broker_for(own_queues["urgent"])
    assert real_queue["urgent"].queue_size() == 5 and real_queue["bulk"].queue_size() == 1
    pool = getattr(broker_for(own_queues["urgent"]).connection, "connection_pool", None)
    if pool is not None:  # Redis
        assert pool._created_connections == 1


def finished(*, success: bool, **extra) -> dict:
    """A task as django-q2's workers hand it to their cluster's monitor."""
    now = timezone.now()
    return {
        "id": uuid.uuid4().hex,
        "name": f"task-{uuid.uuid4().hex[:8]}",
        "func": "integrations.tasks.bigcommerce_stock_push_run",
        "args": (1,),
        "kwargs": {},
        "started": now,
        "stopped": now,
        "result": None if success else "Traceback …",
        "success": success,
        **extra,
    }


@pytest.mark.django_db
def test_the_urgent_lane_stores_no_success_and_so_reads_none_to_prune(settings, monkeypatch):
    """With a save_limit, django-q2's monitor locks and reads every stored success after each task
    to prune one (1,000 rows a task); the urgent lane's successes are not stored, so its monitor does
    nothing for one. Its failures are stored (with their attempts), and so is a task enqueued with
    ``save=True`` (a probe waiting for its row); the bulk lane keeps its last 1,000 successes."""
    urgent = settings.Q_CLUSTER["ALT_CLUSTERS"][settings.Q_URGENT_CLUSTER]
    monkeypatch.setattr(Conf, "SAVE_LIMIT", urgent["save_limit"])  # what the urgent lane's Conf reads
    broker = get_broker()
    with CaptureQueriesContext(connection) as captured:
        save_task(finished(success=True), broker)
    assert captured.captured_queries == [] and not Task.objects.exists()
    failed, probe = finished(success=False), finished(success=True, save=True)
    save_task(failed, broker)
    save_task(probe, broker)
    assert set(Task.objects.values_list("id", "success")) == {(failed["id"], False), (probe["id"], True)}
    monkeypatch.setattr(Conf, "SAVE_LIMIT", settings.Q_CLUSTER["save_limit"])  # the bulk lane
    bulk = finished(success=True)
    save_task(bulk, broker)
    assert Task.objects.filter(id=bulk["id"], success=True).exists()
