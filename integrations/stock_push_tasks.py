"""The tasks that send Comptoir's stock changes to BigCommerce (``integrations.bigcommerce.stock``:
``push``, ``settle``). Thin, as every task; ``integrations.tasks`` re-exports them, so that their
dotted paths are ``integrations.tasks.<name>`` like every other task's."""

from integrations.bigcommerce.stock.push import stock_push_drain
from integrations.bigcommerce.stock.settle import stock_settle_read_run
from integrations.models import StockPush
from integrations.services.queue import enqueue

__all__ = ["bigcommerce_stock_push_run", "bigcommerce_stock_push_sweep", "bigcommerce_stock_settle_read"]


def bigcommerce_stock_push_run(connection_id: int) -> None:
    """Send the connection's pending stock changes (the run protocol: ``stock.push.stock_push_drain``)."""

    stock_push_drain(connection_id=connection_id)


def bigcommerce_stock_settle_read(connection_id: int) -> None:
    """Read BigCommerce's levels where a push's answer was lost, then queue the push run that
    decides on them (``stock.settle.stock_settle_read_run``)."""

    stock_settle_read_run(connection_id=connection_id)


def bigcommerce_stock_push_sweep() -> None:
    """Scheduled (every minute): push what no task took and settle lost answers, one task per
    connection (a slow store never holds the others up)."""

    for connection_id in (
        StockPush.objects.filter(state__in=[StockPush.State.PENDING, StockPush.State.UNKNOWN])
        .values_list("connection_id", flat=True)
        .distinct()
    ):
        enqueue("integrations.tasks.bigcommerce_stock_push_run", connection_id)
