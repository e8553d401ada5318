"""Each worker lane's queue, read from django-q2's broker: how many tasks wait and since when."""

from datetime import datetime

from django.db.models import Min
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.models import OrmQ
from django_q.signing import SignedPackage


def lane_queue(*, lane: str) -> tuple[int, float]:
    """(tasks waiting on ``lane``, age in seconds of the oldest of them; 0 when none). Tasks a worker
    holds are not waiting; a task whose worker died waits again once its lock expires."""
    broker = get_broker(lane)
    now = timezone.now()
    if isinstance(broker, ORM):
        waiting = OrmQ.objects.filter(key=lane, lock__lte=now)
        depth = waiting.count()
        oldest = waiting.aggregate(oldest=Min("lock"))["oldest"] if depth else None
        return depth, _age(oldest, now)
    depth = broker.queue_size() or 0
    oldest = None
    if depth:
        pack = broker.connection.lindex(broker.list_key, 0)
        try:
            oldest = SignedPackage.loads(pack).get("started") if pack else None
        except Exception:  # a package signed with another key: its age is unknown
            oldest = None
    return depth, _age(oldest, now)


def _age(moment: datetime | None, now: datetime) -> float:
    return max(0.0, (now - moment).total_seconds()) if moment else 0.0
