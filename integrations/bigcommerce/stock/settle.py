"""Adjustments whose answer was lost, settled by reading BigCommerce's level (never re-sent blindly)."""

import itertools
import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.api.errors import BigCommerceError, PacingDeferred
from integrations.bigcommerce.stock.intake_run import orders_moved_since, orders_read_after, orders_read_before
from integrations.bigcommerce.stock.levels import (
    clamped,
    comptoir_levels_at,
    pending_totals,
    remote_levels_at,
)
from integrations.bigcommerce.stock.manual_edits import stock_check_kick, stock_check_request_links
from integrations.bigcommerce.stock.named import pushes_products
from integrations.bigcommerce.stock.orders import being_applied
from integrations.bigcommerce.stock.outbox import stock_push_kick
from integrations.models import BigCommerceConnection, StockPush, SyncEvent, VariantLink
from integrations.services.journal import sync_event_record
from integrations.services.queue import enqueue
from integrations.services.stock_support import UNDECIDED_ATTEMPTS

logger = logging.getLogger(__name__)

State = StockPush.State

# A variant's lost calls told apart one by one up to this many (2^n splits tried).
MAX_BATCHES_TOLD_APART = 6
# A read queued and not started yet: no second one (a worker killed holding it frees this in seconds).
READ_FLAG_SECONDS = 3
# A reading no push run decided on (the store let go meanwhile) is dropped: the minute sweep reads again.
READING_KEPT_S = 60
# A push is "since the reading began" from this much before it: workers on other hosts stamp their claims.
CLOCK_MARGIN = timedelta(seconds=1)


def _backoff_key(connection_id: int) -> str:
    return f"bigcommerce-stock-settle-backoff:{connection_id}"


def _retry_after_s() -> int:
    """After a settling whose reads failed, how long before they are tried again: each attempt is a
    level read (and order reads), which under a store's errors and 429s took seconds, and every push
    run queues one. Rows stay unknown meanwhile: nothing is decided late, only later."""
    return int(getattr(settings, "BIGCOMMERCE_STOCK_SETTLE_RETRY_S", 2))


def batch_fates(
    group: list[StockPush], *, level: int | None, should: int
) -> tuple[list[StockPush], list[StockPush]] | None:
    """(applied, not applied) rows of one variant's lost adjustments: BigCommerce shows ``should``
    less the deltas of the calls (batches) that were not applied. None when no split of the
    batches explains ``level`` (past ``MAX_BATCHES_TOLD_APART`` batches only all-applied and
    none-applied are tried). Every split that explains it leaves the same sum to send again, so
    BigCommerce ends at Comptoir's level whichever is taken: the one with the fewest calls not applied."""
    batches: dict[str, list[StockPush]] = defaultdict(list)
    for row in group:
        batches[row.batch].append(row)
    names = sorted(batches)
    if len(names) > MAX_BATCHES_TOLD_APART:
        splits = [(), tuple(names)]
    else:
        splits = [c for size in range(len(names) + 1) for c in itertools.combinations(names, size)]
    explains = (m for m in splits if level == should - sum(r.delta for name in m for r in batches[name]))
    found = next(explains, None)
    if found is None:
        return None
    missed = set(found)
    return (
        [r for name in names if name not in missed for r in batches[name]],
        [r for name in names if name in missed for r in batches[name]],
    )


def _due(connection: BigCommerceConnection, at) -> list[StockPush]:
    return list(
        StockPush.objects.filter(connection=connection, state=State.UNKNOWN, settle_at__lte=at).select_related(
            "variant_link"
        )
    )


def _place(row: StockPush) -> tuple[int, int]:
    return row.variant_link.remote_variant_id, row.location_id


def _reading_key(connection_id: int) -> str:
    return f"bigcommerce-stock-settle-reading:{connection_id}"


def _read_flag(connection_id: int) -> str:
    return f"bigcommerce-stock-settle-read-queued:{connection_id}"


def stock_settle_read_kick(*, connection_id: int) -> bool:
    """Enqueue the read of a settling (``stock_unknown_read``) unless one is queued (debounce)."""
    if not cache.add(_read_flag(connection_id), 1, timeout=READ_FLAG_SECONDS):
        return False
    enqueue("integrations.tasks.bigcommerce_stock_settle_read", connection_id)
    return True


def stock_unknown_read(*, connection: BigCommerceConnection) -> bool:
    """The reads of a settling, made with no lock held (True: a reading was kept for the next push
    run, which decides under its lock: ``stock_unknown_settle``). They took seconds under a store's
    errors and 429s (the orders read around the level read wait for the intake's polls, the client
    retries), and a push run that made them first held every other sale of the store that long
    (the drift run: no push for 6.7 s after a lost answer). The lost rows due now, at places with
    nothing else in flight, are read: BigCommerce's level of each, once every online order placed
    before the read is in Comptoir's ledger (``orders_read_after``)."""
    cache.delete(_read_flag(connection.pk))
    started = timezone.now()
    rows = _due(connection, started)
    if not rows or cache.get(_backoff_key(connection.pk)):
        return False
    # A place with another answer still in flight cannot be told apart yet, nor one BigCommerce may
    # still be applying a push to (answered, no echo yet): its level shows neither fate. Next time.
    in_flight = set(
        StockPush.objects.filter(connection=connection)
        .filter(Q(state=State.UNKNOWN, settle_at__gt=started) | Q(being_applied(at=started), state=State.SENT))
        .values_list("variant_link__remote_variant_id", "location_id")
    )
    rows = [r for r in rows if _place(r) not in in_flight]
    if not rows:
        return False
    client = client_for(connection)
    places = {_place(r) for r in rows}
    try:
        orders_read_before(connection=connection, client=client)
        reading = timezone.now()
        # An online order BigCommerce took stock for and Comptoir has not read yet moves the level
        # as a lost adjustment of its size would (a sale of 2 lost, an order of 2 placed: BigCommerce
        # shows "applied"). So the levels are compared once every order placed before the read is
        # in Comptoir's ledger, and a variant an order moved from the read on waits.
        remote = remote_levels_at(client, sorted({r for r, _loc in places}), locations={loc for _r, loc in places})
        orders_read_after(connection=connection, client=client, moment=timezone.now())
    except BigCommerceError as exc:
        logger.warning("Could not read stock levels to settle lost adjustments: %s", exc)
        if _retry_after_s() > 0:
            cache.set(_backoff_key(connection.pk), 1, _retry_after_s())
        return False
    cache.set(
        _reading_key(connection.pk),
        {
            "started": started,
            "reading": reading,
            "rows": {r.pk: (r.batch, *_place(r)) for r in rows},
            "levels": [(*place, remote.get(place)) for place in sorted(places)],
        },
        READING_KEPT_S,
    )
    return True


def stock_settle_read_run(*, connection_id: int) -> None:
    """The task ``bigcommerce_stock_settle_read``: the reads (``stock_unknown_read``), then the push
    run that decides on them, queued."""
    connection = BigCommerceConnection.objects.filter(pk=connection_id).first()
    if connection is None or not connection.is_active or not connection.access_token:
        return
    try:
        read = stock_unknown_read(connection=connection)
    except PacingDeferred:  # the store's quota is spent: the next push run or the sweep reads again
        return
    if read:
        stock_push_kick(connection_id=connection_id)


def _reading_take(connection: BigCommerceConnection, due: list[StockPush]) -> dict | None:
    """The reading kept for these rows (consumed: each is decided on once), else None and a read
    queued (with a synchronous queue, made at once)."""
    key = _reading_key(connection.pk)
    reading = cache.get(key)
    if reading is None or not set(reading["rows"]) & {r.pk for r in due}:
        if not any(r.attempts < UNDECIDED_ATTEMPTS for r in due):
            return None  # only rows left to the stock check: no read of their own
        stock_settle_read_kick(connection_id=connection.pk)
        reading = cache.get(key)
        if reading is None:
            return None
    cache.delete(key)
    return reading


def _still_as_read(connection: BigCommerceConnection, reading: dict, due: list[StockPush]) -> dict:
    """The due rows by place, at the places nothing changed at since the reading began: no push
    claimed or answered there since (its level may or may not show it), and the same rows still
    unknown there (none settled by a stock check meanwhile). Under the push lock, this is what the
    run that held it all along would have seen."""
    started = reading["started"] - CLOCK_MARGIN  # the claim may be stamped by another host's clock
    read = {pk: (batch, (remote, loc)) for pk, (batch, remote, loc) in reading["rows"].items()}
    changed = set(
        StockPush.objects.filter(connection=connection, sent_at__gte=started)
        .exclude(pk__in=list(read))
        .values_list("variant_link__remote_variant_id", "location_id")
    )
    unknown: dict[tuple[int, int], set] = defaultdict(set)
    for pk, batch, remote, loc in StockPush.objects.filter(connection=connection, state=State.UNKNOWN).values_list(
        "pk", "batch", "variant_link__remote_variant_id", "location_id"
    ):
        unknown[(remote, loc)].add((pk, batch))
    was: dict[tuple[int, int], set] = defaultdict(set)
    for pk, (batch, place) in read.items():
        was[place].add((pk, batch))
    by_place: dict[tuple[int, int], list[StockPush]] = defaultdict(list)
    for row in due:
        place = _place(row)
        if row.pk in read and place not in changed and unknown[place] == was[place]:
            by_place[place].append(row)
    return by_place


def stock_unknown_settle(*, connection: BigCommerceConnection) -> None:
    """Decide the fate of adjustments whose answer was lost by reading BigCommerce's level, each
    once its ``settle_at`` is past: BigCommerce's apply window after it answered a 500, the whole
    grace after the send when the call may still be running there (no answer, a gateway's 5xx).
    Called by the push run, under its lock; the reads were made before, with no lock held
    (``stock_unknown_read``, queued here when no reading is kept).

    For each variant at each location, BigCommerce should show Comptoir's clamped level minus what is still pending.
    If it does, the lost adjustment was applied (→ sent); if it shows that minus the lost delta, it
    was not (→ pending again, sent by the run that follows). A variant can have several lost
    adjustments (calls) waiting, each applied or not on its own: the split of them that explains
    BigCommerce's level decides each (``batch_fates``). The levels are compared once every online
    order placed before the read is in Comptoir's ledger (``orders_read_after``), and an order
    taken from the read on keeps its variant for next time. Otherwise (a manual edit in between,
    an adjustment still being applied) the rows stay unknown for the next sweep and the
    reconciliation.
    """
    due = _due(connection, timezone.now())
    if not due:
        return
    reading = _reading_take(connection, due)
    if reading is None:
        return
    by_place = _still_as_read(connection, reading, due)
    if not by_place:
        return
    remote = {(r, loc): level for r, loc, level in reading["levels"]}
    moved = orders_moved_since(
        variant_ids={g[0].variant_link.variant_id for g in by_place.values()}, since=reading["reading"]
    )
    by_place = {k: group for k, group in by_place.items() if group[0].variant_link.variant_id not in moved}
    comptoir = comptoir_levels_at(
        connection=connection, places={(group[0].variant_link.variant_id, loc) for (_r, loc), group in by_place.items()}
    )
    pending = pending_totals(connection=connection)
    applied, not_applied, undecided = [], [], []
    for (remote_id, location), group in by_place.items():
        local = (group[0].variant_link.variant_id, location)
        should = clamped(comptoir.get(local, 0)) - pending.get((remote_id, location), 0)
        fates = batch_fates(group, level=remote.get((remote_id, location)), should=should)
        if fates is None:
            undecided += group
        else:
            applied += fates[0]
            not_applied += fates[1]
    # Journaled once, then left to the stock check.
    newly_undecided = [r for r in undecided if r.attempts < UNDECIDED_ATTEMPTS]
    if not (applied or not_applied or newly_undecided):
        return
    with transaction.atomic():
        unknown = StockPush.objects.filter(state=State.UNKNOWN)
        unknown.filter(pk__in=[r.pk for r in applied]).update(state=State.SENT)
        unknown.filter(pk__in=[r.pk for r in not_applied]).update(
            state=State.PENDING, batch="", sent_at=None, settle_at=None
        )
        unknown.filter(pk__in=[r.pk for r in newly_undecided]).update(attempts=UNDECIDED_ATTEMPTS)
        if newly_undecided:
            # Left to the stock check: the check of these variants alone, as soon as they are quiet
            # (the urgent lane's requested check), not the next check of every variant.
            stock_check_request_links(connection=connection, link_ids={r.variant_link_id for r in newly_undecided})
        if applied or not_applied:
            # A variant marked for a check waited for this answer: its check runs now, not at the next sweep.
            decided = {r.variant_link_id for r in applied + not_applied}
            if VariantLink.objects.filter(pk__in=decided, stock_check_requested_at__isnull=False).exists():
                transaction.on_commit(lambda: stock_check_kick(connection_id=connection.pk))
            sync_event_record(
                connection=connection,
                kind=SyncEvent.Kind.STOCK_PUSH,
                direction=SyncEvent.Direction.TO_BIGCOMMERCE,
                message=lambda: (
                    _(
                        "Checked BigCommerce's stock after a lost answer: %(applied)s change(s) had been applied, "
                        "%(again)s will be sent again."
                    )
                    % {"applied": len(applied), "again": len(not_applied)}
                ),
                detail={"applied": [r.movement_id for r in applied], "resent": [r.movement_id for r in not_applied]},
                products=pushes_products(applied + not_applied),
            )
        if newly_undecided:
            sync_event_record(
                connection=connection,
                kind=SyncEvent.Kind.STOCK_PUSH,
                direction=SyncEvent.Direction.TO_BIGCOMMERCE,
                status=SyncEvent.Status.FAILED,
                message=lambda: (
                    _(
                        "Could not tell whether %(count)s stock change(s) reached BigCommerce: its stock changed "
                        "in between. They are not sent again; the stock check corrects any difference."
                    )
                    % {"count": len(newly_undecided)}
                ),
                detail={
                    "undecided": [r.movement_id for r in newly_undecided],
                    "levels": {f"{r}@{loc}" if loc != 1 else str(r): remote.get((r, loc)) for r, loc in by_place},
                },
                products=pushes_products(newly_undecided),
            )
