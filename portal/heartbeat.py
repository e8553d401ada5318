"""Each worker lane's heartbeat: when a task last finished on it (``portal.tasklog`` records it
after every task; a schedule per lane runs a task that does nothing else, so an idle lane beats
too). ``/health/ready`` reads them. Kept in the cache that every process shares (Redis, or the
database cache locally), never longer than a day.

A lane is a django-q2 cluster: the default one (``Q_CLUSTER["name"]``, the bulk lane) and those of
``Q_CLUSTER["ALT_CLUSTERS"]`` (the urgent lane), as settings declare them.
"""

import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

KEY = "comptoir:lane-heartbeat:{lane}"
# A busy lane finishes many tasks a second: its heartbeat is written at most once per this many seconds per process.
WRITE_EVERY_S = 5.0
_last_written: dict[str, float] = {}


def lanes() -> list[str]:
    """The lanes settings declare: the default cluster's name, then the alternative clusters'."""
    q_cluster = settings.Q_CLUSTER
    return [q_cluster["name"], *(q_cluster.get("ALT_CLUSTERS") or {})]


def lane_heartbeat_record(*, lane: str, force: bool = False) -> None:
    now = time.monotonic()
    if not force and now - _last_written.get(lane, -WRITE_EVERY_S) < WRITE_EVERY_S:
        return
    cache.set(KEY.format(lane=lane), timezone.now().timestamp(), timeout=24 * 3600)
    _last_written[lane] = now


def lane_heartbeats() -> dict[str, datetime | None]:
    """Each lane's last heartbeat (None: none in the last day), read in one cache call."""
    keys = {lane: KEY.format(lane=lane) for lane in lanes()}
    found = cache.get_many(list(keys.values()))
    return {lane: (datetime.fromtimestamp(found[key], tz=UTC) if key in found else None) for lane, key in keys.items()}
