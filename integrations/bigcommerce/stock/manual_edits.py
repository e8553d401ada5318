"""Manual edits in BigCommerce (``store/sku|product/inventory/updated``, and the channel's
``stock_changed``, which names the location): the variant is marked for a stock check
(``VariantLink.stock_check_requested_at``), which compares every mapped location and corrects the
shop of the one that moved; our own adjustments coming back (echoes) are recognised per location
and change nothing but mark their call applied (a check of the variant need not wait out
BigCommerce's apply window for it). An event naming a location no shop maps to is not Comptoir's stock."""

import logging
import time
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.bigcommerce.api.errors import PacingDeferred
from integrations.bigcommerce.stock import check
from integrations.bigcommerce.stock.check import checkable, stock_check
from integrations.bigcommerce.stock.orders import apply_window, being_applied
from integrations.bigcommerce.stock.outbox import push_waiting
from integrations.models import BigCommerceConnection, StockPush, VariantLink
from integrations.services.queue import enqueue
from inventory.models import StockOrigin

logger = logging.getLogger(__name__)

# A task asked for and not started yet: no second one. A queued task can be lost with a worker
# killed while it held it (django-q's Redis broker takes tasks ahead, without an acknowledgement): the
# flag then kept every later kick away for a minute (a convergence run's killed worker left a store's
# stock checks stopped that long). A few seconds bound that; a second task while one waits in a long queue
# finds little to do.
KICK_FLAG_SECONDS = 3


# A relative change equal to one Comptoir pushed this recently is taken for its echo. (A genuine
# edit of the same size in that time is left to the stock check.)
ECHO_WINDOW = timedelta(minutes=2)


class _Call:
    """What one adjustment call (batch) carried for one link at one location: its sum, its rows,
    whether its echo has come back."""

    __slots__ = ("total", "pks", "echoed", "sent_at")

    def __init__(self):
        self.total, self.pks, self.echoed, self.sent_at = 0, [], False, None


def _recent_pushes(links: list[VariantLink]) -> dict[int, dict[tuple[str, int], _Call]]:
    """Per link, what Comptoir pushed in the echo window, per call (batch) and location: one query.
    A call still waiting for its answer counts: BigCommerce may apply it and send its echo before
    the answer reaches the push run."""
    recent: dict[int, dict[tuple[str, int], _Call]] = defaultdict(lambda: defaultdict(_Call))
    rows = StockPush.objects.filter(
        variant_link__in=[v.pk for v in links],
        state__in=[StockPush.State.SENT, StockPush.State.UNKNOWN],
        sent_at__gte=timezone.now() - ECHO_WINDOW,
    ).values_list("pk", "variant_link_id", "batch", "location_id", "delta", "sent_at", "echoed_at")
    for pk, link_id, batch, location, delta, sent_at, echoed_at in rows:
        call = recent[link_id][(batch, location)]
        call.total += delta
        call.pks.append(pk)
        call.echoed = call.echoed or echoed_at is not None
        call.sent_at = sent_at  # the call's rows are sent, answered and echoed together
    return recent


def _own(vlink: VariantLink, inventory: dict | None, recent: dict, location: int | None, echoed: list) -> bool:
    """Our own change coming back: a relative change equal to what Comptoir pushed for this variant
    a moment ago (one call's sum at one location; at the event's location when it names one); an
    event with no value (the channel's ``stock_changed``) right after our own push at its
    location: the store-wide event (with its value) decides. The rows of the call an echo stands
    for (the earliest of that size not echoed yet) are added to ``echoed``: BigCommerce applied it."""
    calls = [call for (_batch, at), call in recent.get(vlink.pk, {}).items() if location in (None, at)]
    if inventory is None:
        return bool(calls)
    if inventory.get("method") != "relative" or not isinstance(inventory.get("value"), int):
        return False
    matching = [call for call in calls if call.total == inventory["value"]]
    waiting = [call for call in matching if not call.echoed]
    if waiting:  # BigCommerce has applied that call: the earliest one of that size not echoed yet
        first = min(waiting, key=lambda call: call.sent_at)
        first.echoed = True
        echoed.extend(first.pks)
    return bool(matching)


def event_location(data: dict) -> int | None:
    """The BigCommerce location an inventory event names (the channel's events do), or None."""
    inventory = data.get("inventory") if isinstance(data.get("inventory"), dict) else data
    location = inventory.get("location_id", data.get("location_id"))
    return location if isinstance(location, int) and not isinstance(location, bool) and location > 0 else None


def _event_ids(data: dict) -> tuple[int | None, int | None]:
    """(remote variant id, remote product id) an inventory event names; a product tracked as a whole
    names no variant. ``store/channel/{id}/inventory/product/stock_changed`` names them at the top level."""
    inventory = data.get("inventory") if isinstance(data.get("inventory"), dict) else data
    variant_id = inventory.get("variant_id")
    if isinstance(variant_id, int) and not isinstance(variant_id, bool) and variant_id > 0:
        return variant_id, None
    product_id = inventory.get("product_id") or data.get("id")
    if isinstance(product_id, int) and not isinstance(product_id, bool) and product_id > 0:
        return None, product_id
    return None, None


def stock_events_links(*, connection: BigCommerceConnection, datas: list[dict]) -> list[list[VariantLink]]:
    """The bound variants each inventory event is about (a product tracked as a whole: its
    variants), for many events in one query (a drain's page)."""
    ids = [_event_ids(data) for data in datas]
    variants = {v for v, _p in ids if v}
    products = {p for _v, p in ids if p}
    if not (variants or products):
        return [[] for _ in datas]
    live = (
        VariantLink.objects.live()
        .filter(link__connection=connection)
        .filter(Q(remote_variant_id__in=variants) | Q(link__remote_product_id__in=products))
        .select_related("link__product")
        .order_by("pk")
    )
    by_variant: dict[int, list[VariantLink]] = defaultdict(list)
    by_product: dict[int, list[VariantLink]] = defaultdict(list)
    for vlink in live:
        by_variant[vlink.remote_variant_id].append(vlink)
        by_product[vlink.link.remote_product_id].append(vlink)
    return [by_variant.get(v, []) if v else by_product.get(p, []) if p else [] for v, p in ids]


def stock_event_links(*, connection: BigCommerceConnection, data: dict) -> list[VariantLink]:
    return stock_events_links(connection=connection, datas=[data])[0]


def stock_checks_request(
    *, connection: BigCommerceConnection, found: list[tuple[dict, list[VariantLink]]]
) -> list[int]:
    """Mark the variants of many inventory events (each: its data and its links) for ONE check,
    our own changes coming back left out; per event, how many of its variants were marked. The
    check runs in a task, on commit."""
    recent = _recent_pushes([v for _data, links in found for v in links])
    marked: list[int] = []
    link_ids: set[int] = set()
    echoed: list[int] = []  # rows whose echo came back, written once for the page
    for data, links in found:
        inventory = data.get("inventory") if isinstance(data.get("inventory"), dict) else None
        theirs = [v for v in links if not _own(v, inventory, recent, event_location(data), echoed)]
        marked.append(len(theirs))
        link_ids |= {v.pk for v in theirs}
    if echoed:
        StockPush.objects.filter(pk__in=echoed, echoed_at__isnull=True).update(echoed_at=timezone.now())
    stock_check_request_links(connection=connection, link_ids=link_ids)
    return marked


def stock_check_request(*, connection: BigCommerceConnection, data: dict) -> int:
    """Mark the variants of an inventory event for a check (not our own change coming back);
    how many were marked. The check runs in a task, on commit."""
    links = stock_event_links(connection=connection, data=data)
    return stock_checks_request(connection=connection, found=[(data, links)])[0]


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


# A check whose variants are busy with Comptoir's own pushes for a known while (BigCommerce may still
# be applying one just sent) runs again once the first of them may be quiet, not at the next minute
# sweep: in this task when that is within CHECK_DRAIN_SECONDS (asleep meanwhile, as the order intake
# waits out its poll gap), else a fresh task takes over at the tail of the urgent queue, so other work
# gets a turn. A variant an order moved during the read, or a change taken during it: again in a moment.
CHECK_DRAIN_SECONDS = 2.0
RETRY_SOON_S = 1.0

_sleep = time.sleep  # the check's waits (a test reads them)


def quiet_at(*, link_ids) -> dict[int, float | None]:
    """Per link busy with its own pushes, when it may be quiet (epoch seconds): its last push sent
    out of BigCommerce's apply window, unless its echo came back (applied); a push in flight once
    its call has ended (sent, or refused and pending again); None while a push's answer is lost
    (the settling decides it, and kicks the check). A link absent: nothing of Comptoir's keeps it
    waiting."""
    window = apply_window().total_seconds()
    in_flight = float(settings.BIGCOMMERCE_TIMEOUT) + 1.0  # a call ends within its timeout
    now = time.time()
    rows = StockPush.objects.filter(variant_link__in=link_ids).filter(
        Q(state=StockPush.State.UNKNOWN, attempts__lt=2) | being_applied(at=timezone.now())
    )
    found: dict[int, float | None] = {}
    for link, state, sent_at in rows.values_list("variant_link_id", "state", "sent_at"):
        if state == StockPush.State.UNKNOWN:
            ends = sent_at.timestamp() + in_flight if sent_at else 0.0
            at = ends if ends > now else None  # in flight (then sent, or pending again); else lost
        else:
            at = sent_at.timestamp() + window
        found[link] = None if at is None or link in found and found[link] is None else max(found.get(link, 0.0), at)
    return found


def stock_checks_requested_run(*, connection: BigCommerceConnection) -> dict:
    """Check the variants BigCommerce reported a change of; the busy ones stay marked, and are
    checked again as soon as they may be quiet (``quiet_at``)."""
    cache.delete(_flag(connection.pk))
    deadline = time.monotonic() + CHECK_DRAIN_SECONDS
    result = {"checked": 0, "corrected": 0, "busy": 0}
    while True:
        links = list(
            checkable(connection).filter(stock_check_requested_at__isnull=False).order_by("pk")[: check.CHECK_CHUNK]
        )
        if not links:
            return result
        waiting = quiet_at(link_ids=[v.pk for v in links])
        now = time.time()
        due = [v for v in links if v.pk not in waiting or waiting[v.pk] is not None and waiting[v.pk] <= now]
        if due:
            result = _requested_check(connection=connection, links=due)
            if result is None:  # deferred: the variants stay marked, the minute sweep asks again
                return {"checked": 0, "corrected": 0, "busy": len(links)}
            # Still busy (an order during the read, a change taken during it): again in a moment.
            soon = time.time() + RETRY_SOON_S
            for pk in result["busy_links"]:
                if waiting.get(pk, 0.0) is not None:
                    waiting[pk] = max(waiting.get(pk, 0.0), soon)
        times = [t for pk, t in waiting.items() if t is not None]
        if not times:
            return result  # an answer still unknown: the settling kicks the check
        wait = max(0.0, min(times) - time.time())
        left = deadline - time.monotonic()
        if wait > 0 and push_waiting(connection_id=connection.pk):
            stock_check_kick(connection_id=connection.pk)  # the store's push first, then a fresh task
            return result
        _sleep(min(wait, max(0.0, left)))
        if wait > left:  # a fresh task takes over at the tail of the queue
            stock_check_kick(connection_id=connection.pk)
            return result


def _requested_check(*, connection: BigCommerceConnection, links: list[VariantLink]) -> dict | None:
    try:
        result = stock_check(connection=connection, links=links, origin=StockOrigin.MANUAL_ONLINE)
    except PacingDeferred:  # the store's quota is spent
        logger.info("Stock check of connection %s deferred: the store's quota is spent", connection.pk)
        return None
    decided = [v.pk for v in links if v.pk not in result["busy_links"]]
    VariantLink.objects.filter(pk__in=decided, stock_check_requested_at__lte=result["started"]).update(
        stock_check_requested_at=None
    )
    return result
