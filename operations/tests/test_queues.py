"""A lane's queue on django-q2's Redis broker (production's): depth and the oldest task's age."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf
from django_q.signing import SignedPackage

from operations import queues

URL = "redis://127.0.0.1:6379/13"  # the ops helper's own database number


@pytest.mark.redis
def test_depth_and_oldest_task_on_the_redis_broker(monkeypatch):
    monkeypatch.setattr(Conf, "REDIS", URL)
    broker = Redis(list_key="ops-test-lane")
    monkeypatch.setattr(queues, "get_broker", lambda lane: broker)
    broker.delete_queue()
    try:
        assert queues.lane_queue(lane="ops-test-lane") == (0, 0.0)
        for seconds in (45, 5):
            broker.enqueue(
                SignedPackage.dumps({"id": str(seconds), "started": timezone.now() - timedelta(seconds=seconds)})
            )
        depth, oldest = queues.lane_queue(lane="ops-test-lane")
        assert depth == 2 and 45 <= oldest < 120
    finally:
        broker.delete_queue()
