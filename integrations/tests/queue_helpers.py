"""A worker in this process, for tests of the order tasks run in: tasks go to the real broker
(the ORM's, or Redis with REDIS_URL) on queues of the test's own, and ``drain`` takes them one by
one, first in first out, as a cluster's single worker would, recording each it ran."""

import pydoc

import pytest
from django.test import TestCase
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.signing import SignedPackage


class Worker:
    def __init__(self, bulk: str, urgent: str):
        self.clusters = {"bulk": bulk, "urgent": urgent}
        self.ran: list[tuple[str, tuple]] = []

    def drain(self, lane: str = "bulk", *, at_most: int = 200) -> list[tuple[str, tuple]]:
        """Run the lane's tasks until its queue is empty; the tasks run, in order."""
        broker, ran = get_broker(self.clusters[lane]), []
        while len(ran) < at_most and (taken := broker.dequeue()):
            for ack_id, payload in taken:
                task = SignedPackage.loads(payload)
                ran.append((task["func"].rsplit(".", 1)[-1], tuple(task["args"])))
                with TestCase.captureOnCommitCallbacks(execute=True):  # what a committed task enqueues
                    pydoc.locate(task["func"])(*task["args"], **task["kwargs"])
                broker.acknowledge(ack_id)
        self.ran += ran
        return ran


@pytest.fixture
def worker(monkeypatch, own_queues):
    """``worker()``: from then on, tasks are enqueued for real (not run inline) on queues named for
    this test; it returns the Worker that drains them. Before the call, tasks run inline (a
    connection is made through the wizard as usual)."""

    def start() -> Worker:
        monkeypatch.setattr(Conf, "SYNC", False)
        monkeypatch.setattr(Conf, "POLL", 0)
        return Worker(own_queues["bulk"], own_queues["urgent"])

    yield start
    for cluster in own_queues.values():
        get_broker(cluster).purge_queue()
