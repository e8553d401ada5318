"""A whole stock check now, in this process, through its real entry points (start the run
without enqueueing it, then run it)."""

from django.db import transaction

from integrations.bigcommerce.stock.check import stock_reconcile_run, stock_reconcile_start
from integrations.models import BigCommerceConnection, SyncRun


def stock_reconcile(*, connection: BigCommerceConnection) -> SyncRun:
    """The run it recorded (the one already running, if any)."""
    with transaction.atomic():
        run = stock_reconcile_start(connection=connection, enqueue=False)
    return stock_reconcile_run(run=run) if run.status == SyncRun.Status.RUNNING else run
