"""django-q2's brokers as Comptoir uses them: first in first out, and a queue's *first part*.

The stock ORM broker takes the next task with no ``ORDER BY``: the database may hand out a task
enqueued later first (PostgreSQL reuses the space of deleted rows). A big job that re-enqueues its
next round at the tail must find it behind what other merchants enqueued meanwhile, as it is on
Redis (a list: pushed right, popped left).

Each queue has a first part (``first_part(queue)``): its tasks are taken before the rest, first in
first out among themselves. ``integrations.services.queue`` puts there the few tasks that a person
waits on and that cannot pile up (a stock push: at most one queued per store), so that a push is
not taken after the dozens of webhooks a busy store's own pushes send back (its echoes).
"""

from time import sleep

from django.db.models import Case, Value, When
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf

FIRST = ":first"


def first_part(queue: str) -> str:
    """The name of ``queue``'s first part (a queue of its own for enqueueing; its cluster takes it)."""
    return queue + FIRST


class FifoORM(ORM):
    def _keys(self) -> list[str]:
        return [first_part(self.list_key), self.list_key]

    def dequeue(self):
        waiting = self.get_connection().filter(key__in=self._keys(), lock__lt=timezone.now())
        part = Case(When(key=self.list_key, then=Value(1)), default=Value(0))  # the first part (0) before the rest
        tasks = waiting.order_by(part, "id")[: Conf.BULK]
        taken = [
            (task.pk, task.payload)
            for task in tasks
            # Another cluster may have taken it between the read and this update.
            if self.get_connection().filter(id=task.id, lock=task.lock).update(lock=self.timeout(task))
        ]
        if taken:
            return taken
        sleep(Conf.POLL)  # empty queue (or all taken by others): spare the CPU
        return None

    def queue_size(self) -> int:
        return self.get_connection().filter(key__in=self._keys(), lock__lte=timezone.now()).count()

    def lock_size(self) -> int:
        return self.get_connection().filter(key__in=self._keys(), lock__gt=timezone.now()).count()

    def purge_queue(self):
        return self.get_connection().filter(key__in=self._keys()).delete()


class FirstRedis(Redis):
    """django-q2's Redis broker (a list, pushed right and popped left) with a first part: BLPOP
    takes from the first list given that holds a task."""

    @property
    def first_key(self) -> str:  # django_q:<queue>:q → django_q:<queue>:first:q
        return first_part(self.list_key.removesuffix(":q")) + ":q"

    def dequeue(self):
        task = self.connection.blpop([self.first_key, self.list_key], 1)
        if task:
            return [(None, task[1])]
        return None

    def queue_size(self) -> int:
        return self.connection.llen(self.first_key) + self.connection.llen(self.list_key)

    def delete_queue(self):
        return self.connection.delete(self.first_key, self.list_key)

    def purge_queue(self):
        self.connection.ltrim(self.first_key, 1, 0)
        return self.connection.ltrim(self.list_key, 1, 0)
