"""django-q2's ORM broker, first in first out.

The stock ORM broker takes the next task with no ``ORDER BY``: the database may hand out a task
enqueued later first (PostgreSQL reuses the space of deleted rows). A big job that re-enqueues its
next round at the tail must find it behind what other merchants enqueued meanwhile, as it is on
Redis (a list: pushed right, popped left).
"""

from time import sleep

from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.conf import Conf


class FifoORM(ORM):
    def dequeue(self):
        tasks = self.get_connection().filter(key=self.list_key, lock__lt=timezone.now()).order_by("id")[: Conf.BULK]
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
