from django.db import transaction
from django_q.tasks import async_task


def enqueue_on_commit(func_path: str, *args) -> None:
    """Enqueue a django-q2 task once the current transaction commits (never for a rolled-back row)."""

    transaction.on_commit(lambda: async_task(func_path, *args))
