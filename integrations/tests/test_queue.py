"""The lanes: each task is enqueued on its cluster's queue, whichever process enqueues it."""

import pytest
from django.db import transaction
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.signing import SignedPackage

from integrations.services.queue import BULK, URGENT, cluster_of, enqueue, enqueue_on_commit, lane_of


@pytest.fixture
def real_queue(monkeypatch):
    """Tasks go to the broker instead of running inline; both lanes' queues start empty."""
    monkeypatch.setattr(Conf, "SYNC", False)
    brokers = {lane: get_broker(cluster) for lane, cluster in (("bulk", "comptoir"), ("urgent", "urgent"))}
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
    assert cluster_of("integrations.tasks.webhook_event_process") == "urgent"
    assert cluster_of("integrations.tasks.bigcommerce_import_chunk") == settings.Q_CLUSTER["name"] == "comptoir"
    settings.Q_URGENT_CLUSTER = ""  # one lane: everything on the default cluster
    assert cluster_of("integrations.tasks.webhook_event_process") == "comptoir"


@pytest.mark.django_db(transaction=True)
def test_each_task_lands_on_its_lanes_queue_even_from_the_other_lanes_worker(real_queue, monkeypatch):
    monkeypatch.setattr(Conf, "POLL", 0)
    with transaction.atomic():
        enqueue_on_commit("integrations.tasks.bigcommerce_stock_push_run", 1)
        enqueue_on_commit("integrations.tasks.bigcommerce_export_run", 1, None)
        assert real_queue["urgent"].queue_size() == real_queue["bulk"].queue_size() == 0  # not before the commit
    # A worker of the urgent cluster enqueues bulk work (django-q2 alone would keep it on its own queue).
    monkeypatch.setattr(Conf, "CLUSTER_NAME", "urgent")
    enqueue("integrations.tasks.bigcommerce_stock_reconcile", 5)
    enqueue("integrations.tasks.webhook_event_process", 9)
    assert taken(real_queue["urgent"]) == ["bigcommerce_stock_push_run", "webhook_event_process"]
    assert taken(real_queue["bulk"]) == ["bigcommerce_export_run", "bigcommerce_stock_reconcile"]
