"""Each worker lane's queue, read from django-q2's broker: how many tasks wait and since when."""

from datetime import datetime

from django.db.models import Min
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from portal.broker import first_part


def lane_queue(*, lane: str) -> tuple[int, float]:
    """(tasks waiting on ``lane``, age in seconds of the oldest of them; 0 when none). Tasks a worker
    holds are not waiting; a task whose worker died waits again once its lock expires."""
    broker = get_broker(lane)
    now = timezone.now()
    if isinstance(broker, ORM):
        waiting = OrmQ.objects.filter(key__in=[lane, first_part(lane)], lock__lte=now)
        depth = waiting.count()
        oldest = waiting.aggregate(oldest=Min("lock"))["oldest"] if depth else None
        return depth, _age(oldest, now)
    depth = broker.queue_size() or 0
    heads = [broker.connection.lindex(key, 0) for key in (broker.list_key, getattr(broker, "first_key", None)) if key]
    return depth, max((_age(_enqueued(pack), now) for pack in heads if pack), default=0.0)


def _enqueued(pack: bytes) -> datetime | None:
    try:
        return SignedPackage.loads(pack).get("started")
    except Exception:  # a package signed with another key: its age is unknown
        return None


def _age(moment: datetime | None, now: datetime) -> float:
    return max(0.0, (now - moment).total_seconds()) if moment else 0.0
