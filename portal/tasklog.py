"""One log line per task a worker finishes (task, lane, duration, outcome), the log context of the
task while it runs (its id and name, its lane, the connection it was given), and the lane's
heartbeat (``portal.heartbeat``): django-q2's ``pre_execute`` and ``post_execute_in_worker`` signals,
connected in ``PortalConfig.ready``."""

import inspect
import logging
import threading
import time

from django_q.conf import Conf

from portal.heartbeat import lane_heartbeat_record
from portal.logs import log_context_scope
from portal.metrics import tasks as task_counter

logger = logging.getLogger("comptoir.task")
_running = threading.local()  # a stack: a task run inline (tests, Q_SYNC) may enqueue another inline


def _func_path(func, task: dict) -> str:
    if isinstance(task.get("func"), str):
        return task["func"]
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', '?')}"


def _connection_id(func, args) -> int | None:
    """The connection a task was given: its first argument when the function names it so."""
    try:
        first = next(iter(inspect.signature(func).parameters), None)
    except (TypeError, ValueError):
        return None
    if first == "connection_id" and args and isinstance(args[0], int):
        return args[0]
    return None


def task_started(sender, func=None, task=None, **kwargs) -> None:
    task = task or {}
    scope = log_context_scope(
        task_id=task.get("id"),
        task=_func_path(func, task),
        lane=Conf.CLUSTER_NAME,
        connection_id=_connection_id(func, task.get("args") or ()),
    )
    scope.__enter__()
    stack = getattr(_running, "stack", None) or []
    stack.append((scope, time.perf_counter()))
    _running.stack = stack


def task_finished(sender, func=None, task=None, **kwargs) -> None:
    task = task or {}
    stack = getattr(_running, "stack", None) or []
    scope, started = stack.pop() if stack else (None, time.perf_counter())
    outcome = "ok" if task.get("success") else "failed"
    fields = {"duration_ms": round((time.perf_counter() - started) * 1000, 1), "outcome": outcome}
    if outcome == "failed" and isinstance(task.get("result"), str):
        fields["error"] = task["result"].split("\n", 1)[0][:300]
    try:
        logger.info("task %s %s", _func_path(func, task), outcome, extra={"fields": fields})
        task_counter.labels(lane=Conf.CLUSTER_NAME, func=_func_path(func, task), outcome=outcome).inc()
        lane_heartbeat_record(lane=Conf.CLUSTER_NAME)
    except Exception:  # the cache is down: the task's own outcome must not change (health will say so)
        logger.warning("could not record the heartbeat of lane %s", Conf.CLUSTER_NAME, exc_info=True)
    finally:
        if scope is not None:
            scope.__exit__(None, None, None)
