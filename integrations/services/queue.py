"""Every task leaves through here, on its lane.

Two django-q2 clusters share one broker (``portal/settings/base.py``): the BULK lane (the default
cluster, ``Q_CLUSTER["name"]``) and the URGENT lane (``settings.Q_URGENT_CLUSTER``, started with
``Q_CLUSTER_NAME=urgent python manage.py qcluster``). What a shopper or a cashier waits on (stock
pushes, order intake, webhooks) is urgent and never queues behind an initial sync of 10,000
products; everything else is bulk. The cluster is always named: a task enqueued from a worker
would otherwise land on the queue of the cluster that runs it (django-q2's default).
"""

import threading

from django.conf import settings
from django.db import transaction
from django_q.brokers import Broker, get_broker
from django_q.conf import Conf
from django_q.tasks import async_task

from integrations.bigcommerce.api.pacing import URGENT_MAX_WAIT, urgent_calls_begin, urgent_calls_end
from portal.broker import first_part

URGENT = "urgent"
BULK = "bulk"

# Task path → lane. A task not named here is bulk.
LANES = {
    # Stock changes made in Comptoir, sent to BigCommerce (and the sweep that sends what no task took).
    "integrations.tasks.bigcommerce_stock_push_run": URGENT,
    "integrations.tasks.bigcommerce_stock_push_sweep": URGENT,
    # The reads that decide a push whose answer was lost (the push run decides, under its lock).
    "integrations.tasks.bigcommerce_stock_settle_read": URGENT,
    # Order intake: the orders of a webhook, the minute poll of the orders whose webhook never came.
    "integrations.tasks.bigcommerce_order_sync": URGENT,
    "integrations.tasks.bigcommerce_orders_intake": URGENT,
    "integrations.tasks.bigcommerce_orders_poll": URGENT,
    "integrations.tasks.bigcommerce_stock_sweep": URGENT,
    # Webhooks: stored by the view, drained in batches per connection (orders, stock edits); one alone
    # (a retry the support asks for).
    "integrations.tasks.webhook_event_process": URGENT,
    "integrations.tasks.webhook_inbox_drain": URGENT,
    # Variants BigCommerce reported an edit of: a read of those few variants only.
    "integrations.tasks.bigcommerce_stock_check_requested": URGENT,
}
# Deliberately bulk (not named above): a shop's new location getting its starting stock
# (``bigcommerce_location_stock_start``) reads and sets every synced variant there, in slices: work
# that grows with the catalog, which no cashier or shopper waits on. Meanwhile the shop's sales go
# as relative adjustments on the urgent lane, and the start deducts what is still pending.


# Taken before the rest of their lane's queue (its first part, ``portal.broker``): a stock push is
# what a cashier's sale waits on, and it cannot pile up (at most one queued per store: its kick is
# debounced), whereas each push sends back a webhook or two per variant it moved (our echoes), and
# those queue on the same lane.
FIRST = frozenset({"integrations.tasks.bigcommerce_stock_push_run"})


def lane_of(func_path: str) -> str:
    return LANES.get(func_path, BULK)


def cluster_of(func_path: str) -> str:
    """The django-q2 cluster (the queue) that runs ``func_path``."""

    if lane_of(func_path) == URGENT and settings.Q_URGENT_CLUSTER:
        return settings.Q_URGENT_CLUSTER
    return Conf.PREFIX  # the default cluster's name: Q_CLUSTER["name"]


# One broker per queue and process, kept. django-q2 builds a new one for each task it is not given
# one for: with Redis, a new client, pool and TCP connection (and its handshake) per enqueue, which
# was a third of a webhook POST's CPU when each POST enqueued its task. A Redis client is safe across threads and
# opens a new connection after a fork (its pool checks the pid).
_brokers: dict[tuple, Broker] = {}


def broker_for(queue: str) -> Broker:
    """The process's broker for ``queue`` (made on first use; a new one if the broker settings changed)."""

    key = (queue, Conf.BROKER_CLASS, Conf.ORM, repr(Conf.REDIS), Conf.DJANGO_REDIS)
    broker = _brokers.get(key)
    if broker is None:
        broker = _brokers[key] = get_broker(queue)
    return broker


def enqueue(func_path: str, *args) -> None:
    """Enqueue now, on the task's lane (inside a transaction: with the ORM broker, the task is
    written with it and taken only once it commits)."""

    cluster = cluster_of(func_path)
    queue = first_part(cluster) if func_path in FIRST else cluster
    async_task(func_path, *args, cluster=cluster, broker=broker_for(queue))


def enqueue_on_commit(func_path: str, *args) -> None:
    """Enqueue on the task's lane once the current transaction commits (never for a rolled-back row)."""

    transaction.on_commit(lambda: enqueue(func_path, *args))


# While an urgent task runs, its BigCommerce calls are urgent (``pacing.urgent_calls``): they may
# use the whole of a store's quota, and wait for it at most BIGCOMMERCE_URGENT_MAX_WAIT_S in all
# before the task gives its worker back (``PacingDeferred``): one store's spent quota never holds
# the urgent lane for another's. django-q2's ``pre_execute`` and ``post_execute_in_worker`` signals
# (``IntegrationsConfig.ready``); a stack, as a task run inline may run another inline.
_lanes = threading.local()


def task_lane_enter(sender, func=None, task=None, **kwargs) -> None:
    task = task or {}
    path = task.get("func") if isinstance(task.get("func"), str) else f"{func.__module__}.{func.__qualname__}"
    max_wait = float(getattr(settings, "BIGCOMMERCE_URGENT_MAX_WAIT_S", URGENT_MAX_WAIT))
    token = urgent_calls_begin(max_wait if lane_of(path) == URGENT else None)
    _lanes.stack = [*getattr(_lanes, "stack", ()), token]


def task_lane_exit(sender, func=None, task=None, **kwargs) -> None:
    stack = getattr(_lanes, "stack", None)
    if stack:
        urgent_calls_end(stack.pop())
