"""Manual edits in BigCommerce (``store/sku|product/inventory/updated``): the variant is marked
for a stock check (``VariantLink.stock_check_requested_at``); our own adjustments coming back
(echoes) are recognised and change nothing."""

from collections import defaultdict
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from integrations.bigcommerce.stock import check
from integrations.bigcommerce.stock.check import checkable, stock_check
from integrations.models import BigCommerceConnection, StockPush, VariantLink
from integrations.services.queue import enqueue
from inventory.models import StockOrigin

# A task asked for and not started yet: no second one. A queued task can be lost with a worker
# killed while it held it (django-q's Redis broker takes tasks ahead, without an acknowledgement): the
# flag then kept every later kick away for a minute (a convergence run's killed worker left a store's
# stock checks stopped that long). A few seconds bound that; a second task while one waits in a long queue
# finds little to do.
KICK_FLAG_SECONDS = 10


# A relative change equal to one Comptoir pushed this recently is taken for its echo. (A genuine
# edit of the same size in that time is left to the stock check.)
ECHO_WINDOW = timedelta(minutes=2)


def _echo(vlink: VariantLink, inventory: dict) -> bool:
    """A relative change equal to what Comptoir pushed for this variant a moment ago: ours."""
    if inventory.get("method") != "relative" or not isinstance(inventory.get("value"), int):
        return False
    recent = StockPush.objects.filter(
        variant_link=vlink, state=StockPush.State.SENT, sent_at__gte=timezone.now() - ECHO_WINDOW
    )
    by_batch: dict[str, int] = defaultdict(int)
    for batch, delta in recent.values_list("batch", "delta"):
        by_batch[batch] += delta
    return inventory["value"] in by_batch.values()


def _just_pushed(vlink: VariantLink) -> bool:
    return StockPush.objects.filter(
        variant_link=vlink, state=StockPush.State.SENT, sent_at__gte=timezone.now() - ECHO_WINDOW
    ).exists()


def stock_event_links(*, connection: BigCommerceConnection, data: dict) -> list[VariantLink]:
    """The bound variants an inventory event is about (a product tracked as a whole: its
    variants). ``store/channel/{id}/inventory/product/stock_changed`` names them at the top level."""
    inventory = data.get("inventory") if isinstance(data.get("inventory"), dict) else data
    variant_id = inventory.get("variant_id")
    live = VariantLink.objects.live().filter(link__connection=connection)
    if isinstance(variant_id, int) and not isinstance(variant_id, bool) and variant_id > 0:
        return list(live.filter(remote_variant_id=variant_id))
    product_id = inventory.get("product_id") or data.get("id")
    if isinstance(product_id, bool):
        return []
    if isinstance(product_id, int) and product_id > 0:
        return list(live.filter(link__remote_product_id=product_id))
    return []


def stock_check_request(*, connection: BigCommerceConnection, data: dict) -> int:
    """Mark the variants of an inventory event for a check (not our own change coming back);
    how many were marked. The check runs in a task, on commit."""
    inventory = data.get("inventory") if isinstance(data.get("inventory"), dict) else None
    links = stock_event_links(connection=connection, data=data)
    if inventory is not None:
        links = [v for v in links if not _echo(v, inventory)]
    else:  # no value to compare: right after our own push, the store-wide event (with its value) decides
        links = [v for v in links if not _just_pushed(v)]
    stock_check_request_links(connection=connection, link_ids={v.pk for v in links})
    return len(links)


def stock_check_request_links(*, connection: BigCommerceConnection, link_ids: set[int]) -> None:
    """Mark these variants for a check, run in a task on commit once they are quiet."""
    if link_ids:
        VariantLink.objects.filter(pk__in=link_ids).update(stock_check_requested_at=timezone.now())
        transaction.on_commit(lambda: stock_check_kick(connection_id=connection.pk))


def _flag(connection_id: int) -> str:
    return f"bigcommerce-stock-check-queued:{connection_id}"


def stock_check_kick(*, connection_id: int) -> bool:

    if not cache.add(_flag(connection_id), 1, timeout=KICK_FLAG_SECONDS):
        return False
    enqueue("integrations.tasks.bigcommerce_stock_check_requested", connection_id)
    return True


def stock_checks_requested_run(*, connection: BigCommerceConnection) -> dict:
    """Check the variants BigCommerce reported a change of; the busy ones stay marked."""
    cache.delete(_flag(connection.pk))
    links = list(
        checkable(connection).filter(stock_check_requested_at__isnull=False).order_by("pk")[: check.CHECK_CHUNK]
    )
    if not links:
        return {"checked": 0, "corrected": 0, "busy": 0}

    result = stock_check(connection=connection, links=links, origin=StockOrigin.MANUAL_ONLINE)
    decided = [v.pk for v in links if v.pk not in result["busy_links"]]
    VariantLink.objects.filter(pk__in=decided, stock_check_requested_at__lte=result["started"]).update(
        stock_check_requested_at=None
    )
    return result
