"""The push of the outbox (``outbox``): one batched relative adjustment a round, a variant
BigCommerce refuses set aside, a lost answer left to ``settle``; and the run protocol (one run
per connection, rounds until nothing is left)."""

import logging
import time
import uuid
from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import Min, Value
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api import pagination
from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.api.errors import (
    AdjustmentRefused,
    BigCommerceError,
    OutcomeUnknown,
    PacingDeferred,
    Unauthorized,
)
from integrations.bigcommerce.stock import outbox
from integrations.bigcommerce.stock.levels import clamped, comptoir_levels_at, pending_totals, settle_grace_seconds
from integrations.bigcommerce.stock.named import variants_named
from integrations.bigcommerce.stock.orders import apply_window
from integrations.bigcommerce.stock.push_journal import push_journal, push_journal_sent
from integrations.bigcommerce.stock.settle import stock_settle_read_kick, stock_unknown_settle
from integrations.models import BigCommerceConnection, Incident, StockPush, SyncEvent
from integrations.selectors.locations import disabled_locations
from integrations.services.incidents import connection_access_refused, incident_open, incidents_resolve

logger = logging.getLogger(__name__)

# A refusal is journaled on the 1st, 10th, 100th… attempt, not on every sweep.
JOURNAL_ATTEMPTS = frozenset({1, 10, 100, 1000, 10000})
# A variant refused this many times in a row (about 10 minutes of sweeps) needs the merchant: an
# incident, opened with the refusal's journal entry of that attempt.
KEEPS_REFUSING = 10


ROUNDS_PER_RUN = 20
# A lost answer that may be settled within this long has its reads queued by the run that lost it
# (asleep meanwhile, the connection let go), not at the next minute sweep: a quiet store has no other run.
SETTLE_SOON_S = 2.0

_sleep = time.sleep  # the wait for a lost answer to be settled (a test reads it)

State = StockPush.State


def stock_push_drain(*, connection_id: int) -> None:
    """Send the connection's pending stock changes (coalesced, one call a round), one run per
    connection at a time: two at once would each settle the other's answers in flight wrongly.
    A run that finds another holding the connection leaves it to the holder, which enqueues a
    follow-up as it lets go (``outbox.push_lock_take``)."""
    outbox.stock_push_kick_clear(connection_id=connection_id)
    # Its merchant with it: each push journals what it sent, in the merchant's name.
    connection = BigCommerceConnection.objects.filter(pk=connection_id).select_related("merchant").first()
    if connection is None or not connection.is_active or not connection.access_token:
        return
    if not outbox.push_lock_take(connection_id=connection_id):
        return
    started = timezone.now()
    try:
        for _round in range(ROUNDS_PER_RUN):
            if not stock_push_run(connection=connection):
                break  # nothing more, or BigCommerce refused or did not answer: the sweep tries later
    except PacingDeferred:  # the store's quota is spent (a synchronous queue reads inline): the sweep takes it again
        logger.info("Stock push of connection %s deferred: the store's quota is spent", connection_id)
    finally:
        outbox.push_lock_release(connection_id=connection_id)
    if outbox.pending_exists(connection=connection, since=started):  # marked while we held the run
        outbox.stock_push_kick(connection_id=connection_id)
    wait = _lost_settles_in(connection)
    # A push queued meanwhile: its run ends here in turn and waits then (the last run of a quiet store).
    if wait is not None and wait <= SETTLE_SOON_S and not outbox.push_waiting(connection_id=connection_id):
        _sleep(wait)
        stock_settle_read_kick(connection_id=connection_id)  # then the push run it queues decides


def _lost_settles_in(connection: BigCommerceConnection) -> float | None:
    """Seconds until the first answer lost and not yet due may be settled (None: none). One already
    due that a round could not settle (an order moved its variant, the read failed) is the sweep's."""
    now = timezone.now()
    first = (
        StockPush.objects.filter(connection=connection, state=State.UNKNOWN, attempts=1, settle_at__gt=now)
        .aggregate(first=Min("settle_at"))
        .get("first")
    )
    return None if first is None else (first - now).total_seconds()


def _place(item: dict) -> tuple[int, int]:
    return item["variant_id"], item["location_id"]


def _send(client, connection, items: list[dict], *, local_of: dict[int, int], batch: str) -> dict[str, list]:
    """Relative adjustment of ``items`` (every location's in one call); an item BigCommerce holds
    no level for yet gets an absolute level instead: Comptoir's (its location's shop's, clamped at
    0) minus what is still pending after this batch. An item BigCommerce refuses on its own (a 422
    naming it: below zero after a concurrent online order, a variant deleted there) is set aside
    and the others are sent without it, so one variant never holds up the rest. Returns what was
    sent how, and what was refused; an error raised carries what had been sent before it
    (``exc.sent``)."""
    sent: dict[str, list] = {"relative": [], "absolute": [], "refused": []}
    remaining = list(items)
    while remaining:
        try:
            api.inventory_adjust_relative(client, remaining, reason=_("Comptoir stock change"))
            sent["relative"] = remaining
            return sent
        except BigCommerceError as exc:
            exc.sent = sent
            if not isinstance(exc, AdjustmentRefused):
                raise
            if not exc.absolute_first:
                # A variant named: its items at every location; an item named: that one.
                named = {_place(i) for i in remaining if i["variant_id"] in exc.variant_ids}
                named |= {_place(remaining[n]) for n in exc.item_indexes if n < len(remaining)}
                if not named:
                    raise
                sent["refused"] += [{**i, "error": exc.title or ""} for i in remaining if _place(i) in named]
                remaining = [i for i in remaining if _place(i) not in named]
                continue
            variants = set(exc.variant_ids) or {i["variant_id"] for i in remaining}
            named = {_place(i) for i in remaining if i["variant_id"] in variants}
            # BigCommerce names the variant, not the location without a level (and its items list
            # every location, with or without one): the variant's items get absolute levels everywhere.
            comptoir = comptoir_levels_at(
                connection=connection, places={(local_of[v], loc) for v, loc in named if v in local_of}
            )
            later = pending_totals(connection=connection, exclude_batch=batch)
            absolute = [
                {
                    **i,
                    "quantity": max(
                        0,
                        clamped(comptoir.get((local_of[i["variant_id"]], i["location_id"]), 0))
                        - later.get(_place(i), 0),
                    ),
                }
                for i in remaining
                if _place(i) in named
            ]
            if not absolute:
                raise
            api.inventory_adjust_absolute(client, absolute, reason=_("Comptoir stock level"))
            sent["absolute"] += absolute
            remaining = [i for i in remaining if _place(i) not in named]
    return sent


def _claim(*, connection, limit: int) -> tuple[str, list[StockPush]]:
    """Take pending rows for one call. They are "unknown" while in flight: if this process dies
    before the answer is recorded, the settling reads BigCommerce instead of sending twice. Rows at
    a deactivated shop's location (disabled in BigCommerce, which would refuse the whole call and
    hold every other shop's stock up with it) stay pending, unsent, until the shop is reactivated."""
    batch = uuid.uuid4().hex
    with transaction.atomic():
        rows = list(
            # Only the push rows: a variant link being marked for a check (a webhook's transaction)
            # must not make its changes skipped by this round.
            StockPush.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(connection=connection, state=State.PENDING)
            .exclude(location_id__in=disabled_locations(connection=connection))
            .select_related("variant_link")
            .order_by("pk")[:limit]
        )
        now = timezone.now()
        StockPush.objects.filter(pk__in=[r.pk for r in rows]).update(
            state=State.UNKNOWN, batch=batch, sent_at=now, settle_at=now + timedelta(seconds=settle_grace_seconds())
        )
    return batch, rows


def stock_push_run(*, connection: BigCommerceConnection, limit: int = pagination.INVENTORY_ITEMS_MAX) -> bool:
    """Send the connection's pending stock changes in one batched call; True when more is left.
    Lost answers are decided first, on a reading made beforehand with no lock held (or queued)."""
    stock_unknown_settle(connection=connection)
    wait = outbox.push_gap_remaining(connection_id=connection.pk)
    if wait and StockPush.objects.filter(connection=connection, state=State.PENDING).exists():
        time.sleep(wait)  # the store pushed a moment ago: what sells meanwhile goes in this call
    batch, rows = _claim(connection=connection, limit=limit)
    if not rows:
        return False
    claimed = StockPush.objects.filter(batch=batch, state=State.UNKNOWN)
    totals: dict[tuple[int, int], int] = defaultdict(int)
    local_of: dict[int, int] = {}
    for row in rows:
        totals[_row_place(row)] += row.delta
        local_of[row.variant_link.remote_variant_id] = row.variant_link.variant_id
    items = [
        {"location_id": location, "variant_id": remote, "quantity": quantity}
        for (remote, location), quantity in totals.items()
        if quantity
    ]
    if not items:  # the changes cancel out: nothing to tell BigCommerce
        claimed.update(state=State.SENT)
        _refusals_cleared(connection, rows)
        return len(rows) == limit
    # The call is made outside any transaction (the pacer's row lock must not be held through it).
    outbox.push_sent(connection_id=connection.pk)
    try:
        sent = _send(client_for(connection), connection, items, local_of=local_of, batch=batch)
    except OutcomeUnknown as exc:
        done = _done_before(exc)
        with transaction.atomic():
            _settle_sent(rows, done)
            lost = claimed.exclude(pk__in=[r.pk for r in rows if _row_place(r) in done])
            if exc.ended:  # answered: only BigCommerce's asynchronous apply is left to wait for
                lost.update(attempts=1, settle_at=Least("settle_at", Value(timezone.now() + apply_window())))
            else:  # it may still be running there: the whole grace from the send
                lost.update(attempts=1)
            push_journal(
                connection,
                rows=rows,
                variants=len(items),
                method="relative",
                outcome="lost",
                detail={"batch": batch, "items": items, "error": str(exc)},
            )
        return False
    except PacingDeferred as exc:
        # Not sent: the store's quota is spent for longer than an urgent task may wait. The rows are
        # pending again (no attempt counted, nothing journaled) and the minute sweep sends them, so
        # this worker goes back to the other stores' work.
        done = _done_before(exc)
        with transaction.atomic():
            _settle_sent(rows, done)
            _pending_again([r for r in rows if _row_place(r) not in done], attempt=False)
        logger.info("Stock push of connection %s deferred: the store's quota is spent", connection.pk)
        return False
    except BigCommerceError as exc:
        # Refused (nothing applied): the rows are pending again; the sweep tries later.
        done = _done_before(exc)
        with transaction.atomic():
            _settle_sent(rows, done)
            again = [r for r in rows if _row_place(r) not in done]
            _pending_again(again)
            if isinstance(exc, Unauthorized):  # not this stock: the store refuses Comptoir itself
                connection_access_refused(connection=connection, status=exc.status)
            elif again and max(r.attempts for r in again) in JOURNAL_ATTEMPTS:
                event = push_journal(
                    connection,
                    rows=again,
                    variants=len(items) - len(done),
                    method="relative",
                    outcome="refused",
                    detail={"batch": batch, "items": items, "error": exc.title or str(exc), "status": exc.status},
                )
                _keeps_refusing(connection, again, event)
        logger.warning("Stock push for connection %s refused: %s", connection.pk, exc)
        return False
    refused = {_place(i) for i in sent["refused"]}
    with transaction.atomic():
        kept = [r for r in rows if _row_place(r) in refused]
        _pending_again(kept)
        claimed.exclude(pk__in=[r.pk for r in kept]).update(state=State.SENT, sent_at=timezone.now())
        if len(kept) < len(rows):
            push_journal_sent(connection, rows=[r for r in rows if r not in kept], sent=sent, batch=batch)
        if kept and max(r.attempts for r in kept) in JOURNAL_ATTEMPTS:
            event = push_journal(
                connection,
                rows=kept,
                variants=len(refused),
                method="relative",
                outcome="refused",
                detail={"batch": batch, "items": sent["refused"], "error": sent["refused"][0]["error"], "status": 422},
            )
            _keeps_refusing(connection, kept, event)
        _refusals_cleared(connection, [r for r in rows if r not in kept])
    return len(rows) == limit


def _variant_subject(variant_id: int) -> str:
    return f"variant:{variant_id}"


def _keeps_refusing(connection, rows: list[StockPush], event: SyncEvent) -> None:
    """An incident for each variant BigCommerce refused ``KEEPS_REFUSING`` times or more."""
    attempts: dict[int, int] = defaultdict(int)
    for row in rows:
        attempts[row.variant_link.variant_id] = max(attempts[row.variant_link.variant_id], row.attempts)
    refusing = [variant_id for variant_id, count in attempts.items() if count >= KEEPS_REFUSING]
    named = variants_named(refusing) if refusing else {}
    for variant_id in refusing:
        incident_open(
            connection=connection,
            kind=Incident.Kind.STOCK_PUSH_REFUSED,
            event=event,
            subject=_variant_subject(variant_id),
            subject_name=named.get(variant_id, ""),
        )


def _refusals_cleared(connection, rows: list[StockPush]) -> None:
    """BigCommerce took these variants' stock (or nothing was left to send): refused no more."""
    incidents_resolve(
        merchant_id=connection.merchant_id,
        kinds=[Incident.Kind.STOCK_PUSH_REFUSED],
        subjects={_variant_subject(r.variant_link.variant_id) for r in rows},
    )


def _row_place(row: StockPush) -> tuple[int, int]:
    return row.variant_link.remote_variant_id, row.location_id


def _done_before(exc) -> set[tuple[int, int]]:
    """(remote variant, location) whose level an error's call had already set (absolute levels sent before it)."""
    return {_place(i) for i in getattr(exc, "sent", {}).get("absolute", ())}


def _settle_sent(rows: list[StockPush], places: set[tuple[int, int]]) -> None:
    if places:
        StockPush.objects.filter(pk__in=[r.pk for r in rows if _row_place(r) in places], state=State.UNKNOWN).update(
            state=State.SENT, sent_at=timezone.now()
        )


def _pending_again(rows: list[StockPush], *, attempt: bool = True) -> None:
    for row in rows:
        row.attempts += int(attempt)
        row.state, row.batch, row.sent_at, row.settle_at = State.PENDING, "", None, None
    StockPush.objects.bulk_update(rows, ["attempts", "state", "batch", "sent_at", "settle_at"])
