"""The push of the outbox (``outbox``): one batched relative adjustment a round, a variant
BigCommerce refuses set aside, a lost answer left to ``settle``; and the run protocol (one run
per connection, rounds until nothing is left)."""

import logging
import time
import uuid
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
from integrations.bigcommerce.stock import levels as stock_levels
from integrations.bigcommerce.stock import outbox
from integrations.bigcommerce.stock.levels import (
    clamped,
    comptoir_levels,
    pending_totals,
)
from integrations.bigcommerce.stock.named import pushes_products, variants_named
from integrations.bigcommerce.stock.settle import stock_unknown_settle
from integrations.journal_messages import STOCK_SENT
from integrations.models import BigCommerceConnection, Incident, StockPush, SyncEvent
from integrations.services.incidents import connection_access_refused, incident_open, incidents_resolve
from integrations.services.journal import sync_event_record
from inventory.selectors import movements_by_id

logger = logging.getLogger(__name__)

# A refusal is journaled on the 1st, 10th, 100th… attempt, not on every sweep.
JOURNAL_ATTEMPTS = frozenset({1, 10, 100, 1000, 10000})
# A variant refused this many times in a row (about 10 minutes of sweeps) needs the merchant: an
# incident, opened with the refusal's journal entry of that attempt.
KEEPS_REFUSING = 10


ROUNDS_PER_RUN = 20

State = StockPush.State


def stock_push_drain(*, connection_id: int) -> None:
    """Send the connection's pending stock changes (coalesced, one call a round), one run per
    connection at a time: two at once would each settle the other's answers in flight wrongly.
    A run that finds another holding the connection leaves it to the holder, which enqueues a
    follow-up as it lets go (``outbox.push_lock_take``)."""
    outbox.stock_push_kick_clear(connection_id=connection_id)
    connection = BigCommerceConnection.objects.filter(pk=connection_id).first()
    if connection is None or not connection.is_active or not connection.access_token:
        return
    if not outbox.push_lock_take(connection_id=connection_id):
        return
    started = timezone.now()
    try:
        for _round in range(ROUNDS_PER_RUN):
            if not stock_push_run(connection=connection):
                break  # nothing more, or BigCommerce refused or did not answer: the sweep tries later
    except PacingDeferred:  # settling a lost answer met the store's spent quota: the sweep takes it again
        logger.info("Stock push of connection %s deferred: the store's quota is spent", connection_id)
    finally:
        outbox.push_lock_release(connection_id=connection_id)
    if outbox.pending_exists(connection=connection, since=started):  # marked while we held the run
        outbox.stock_push_kick(connection_id=connection_id)


def _journal(connection, *, rows: list[StockPush], variants: int, method: str, outcome: str = "sent", detail):
    changes = len(rows)
    status = SyncEvent.Status.OK if outcome == "sent" else SyncEvent.Status.FAILED

    def message():
        if outcome == "refused":
            return ngettext(
                "BigCommerce refused %(changes)s stock change (“%(error)s”); it will be sent again.",
                "BigCommerce refused %(changes)s stock changes (“%(error)s”); they will be sent again.",
                changes,
            ) % {"changes": changes, "error": detail.get("error", "")}
        if outcome == "sent":
            return _("Sent %(changes)s to BigCommerce (%(variants)s).") % {
                "changes": ngettext("%(count)s stock change", "%(count)s stock changes", changes) % {"count": changes},
                "variants": ngettext("%(count)s variant", "%(count)s variants", variants) % {"count": variants},
            }
        return ngettext(
            "Sent %(changes)s stock change to BigCommerce but its answer was lost; it will not be sent "
            "again before BigCommerce's level is checked.",
            "Sent %(changes)s stock changes to BigCommerce but its answer was lost; they will not be sent "
            "again before BigCommerce's levels are checked.",
            changes,
        ) % {"changes": changes}

    return sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.STOCK_PUSH,
        direction=SyncEvent.Direction.TO_BIGCOMMERCE,
        status=status,
        message=message,
        detail={"method": method, "movements": [r.movement_id for r in rows], **detail},
        products=pushes_products(rows),
    )


def _journal_sent(connection, *, rows: list[StockPush], sent: dict, batch: str) -> None:
    """One entry per variant sent, in the merchant's words: what moved its stock (a sale, a
    refund, a change…), the product, and BigCommerce's level before and after
    ("Sale #2: Tote bag −2 → BigCommerce 30 → 28 ✓"). BigCommerce's levels are Comptoir's online
    level (clamped at 0) less what is still waiting to be sent, as the push keeps them."""

    movements = movements_by_id(ids=[r.movement_id for r in rows])
    by_link: dict[int, list[StockPush]] = defaultdict(list)
    for row in rows:
        by_link[row.variant_link_id].append(row)
    levels = comptoir_levels({r.variant_link.variant_id for r in rows})
    later = pending_totals(connection=connection, exclude_batch=batch)
    absolute = {i["variant_id"]: i["quantity"] for i in sent.get("absolute", ())}
    relative = {i["variant_id"]: i["quantity"] for i in sent.get("relative", ())}
    for link_rows in by_link.values():
        vlink = link_rows[0].variant_link
        remote = vlink.remote_variant_id
        moved = [movements[r.movement_id] for r in link_rows if r.movement_id in movements]
        if not moved or (remote not in absolute and remote not in relative):
            continue  # its changes cancelled out: nothing was sent for it
        variant = moved[0].variant
        first = moved[0]
        cause = (
            {"count": len(moved)}
            if len(moved) > 1
            else {
                "origin": first.origin,
                "sale": first.sale_line.sale_id if first.sale_line_id else None,
                "refund": first.refund_line.refund_id if first.refund_line_id else None,
            }
        )
        after = clamped(levels.get(vlink.variant_id, 0)) - later.get(remote, 0)
        params = {"cause": cause, "product": variant.product.name, "after": absolute.get(remote, after)}
        if remote in absolute:
            params["method"] = "absolute"
        else:
            params.update({"method": "relative", "delta": relative[remote], "before": after - relative[remote]})
        sync_event_record(
            connection=connection,
            kind=SyncEvent.Kind.STOCK_PUSH,
            direction=SyncEvent.Direction.TO_BIGCOMMERCE,
            code=STOCK_SENT,
            params=params,
            product={"id": variant.product_id, "name": variant.product.name, "sku": variant.sku},
            detail={
                "method": params["method"],
                "batch": batch,
                "movements": [r.movement_id for r in link_rows],
                "variant_id": remote,
                "sent": relative.get(remote, absolute.get(remote)),
            },
        )


def _send(client, connection, items: list[dict], *, local_of: dict[int, int], batch: str) -> dict[str, list]:
    """Relative adjustment of ``items``; an item BigCommerce holds no level for yet gets an
    absolute level instead: Comptoir's (clamped at 0) minus what is still pending after this
    batch. An item BigCommerce refuses on its own (a 422 naming it: below zero after a concurrent
    online order, a variant deleted there) is set aside and the others are sent without it, so one
    variant never holds up the rest. Returns what was sent how, and what was refused; an error
    raised carries what had been sent before it (``exc.sent``)."""
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
                ours = {i["variant_id"] for i in remaining}
                named = set(exc.variant_ids & ours)
                named |= {remaining[n]["variant_id"] for n in exc.item_indexes if n < len(remaining)}
                if not named:
                    raise
                sent["refused"] += [{**i, "error": exc.title or ""} for i in remaining if i["variant_id"] in named]
                remaining = [i for i in remaining if i["variant_id"] not in named]
                continue
            named = set(exc.variant_ids) or {i["variant_id"] for i in remaining}
            comptoir = comptoir_levels(local_of.values())
            later = pending_totals(connection=connection, exclude_batch=batch)
            absolute = [
                {
                    **i,
                    "quantity": max(
                        0, clamped(comptoir.get(local_of[i["variant_id"]], 0)) - later.get(i["variant_id"], 0)
                    ),
                }
                for i in remaining
                if i["variant_id"] in named
            ]
            if not absolute:
                raise
            api.inventory_adjust_absolute(client, absolute, reason=_("Comptoir stock level"))
            sent["absolute"] += absolute
            remaining = [i for i in remaining if i["variant_id"] not in named]
    return sent


def _claim(*, connection, limit: int) -> tuple[str, list[StockPush]]:
    """Take pending rows for one call. They are "unknown" while in flight: if this process dies
    before the answer is recorded, the settling reads BigCommerce instead of sending twice."""
    batch = uuid.uuid4().hex
    with transaction.atomic():
        rows = list(
            # Only the push rows: a variant link being marked for a check (a webhook's transaction)
            # must not make its changes skipped by this round.
            StockPush.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(connection=connection, state=State.PENDING)
            .select_related("variant_link")
            .order_by("pk")[:limit]
        )
        StockPush.objects.filter(pk__in=[r.pk for r in rows]).update(
            state=State.UNKNOWN, batch=batch, sent_at=timezone.now()
        )
    return batch, rows


def stock_push_run(*, connection: BigCommerceConnection, limit: int = pagination.INVENTORY_ITEMS_MAX) -> bool:
    """Send the connection's pending stock changes in one batched call; True when more is left."""
    stock_unknown_settle(connection=connection)
    wait = outbox.push_gap_remaining(connection_id=connection.pk)
    if wait and StockPush.objects.filter(connection=connection, state=State.PENDING).exists():
        time.sleep(wait)  # the store pushed a moment ago: what sells meanwhile goes in this call
    batch, rows = _claim(connection=connection, limit=limit)
    if not rows:
        return False
    claimed = StockPush.objects.filter(batch=batch, state=State.UNKNOWN)
    totals: dict[int, int] = defaultdict(int)
    local_of: dict[int, int] = {}
    for row in rows:
        totals[row.variant_link.remote_variant_id] += row.delta
        local_of[row.variant_link.remote_variant_id] = row.variant_link.variant_id
    items = [
        {"location_id": stock_levels.DEFAULT_LOCATION_ID, "variant_id": remote, "quantity": quantity}
        for remote, quantity in totals.items()
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
            claimed.exclude(variant_link__remote_variant_id__in=done).update(attempts=1)
            _journal(
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
            _pending_again([r for r in rows if r.variant_link.remote_variant_id not in done], attempt=False)
        logger.info("Stock push of connection %s deferred: the store's quota is spent", connection.pk)
        return False
    except BigCommerceError as exc:
        # Refused (nothing applied): the rows are pending again; the sweep tries later.
        done = _done_before(exc)
        with transaction.atomic():
            _settle_sent(rows, done)
            again = [r for r in rows if r.variant_link.remote_variant_id not in done]
            _pending_again(again)
            if isinstance(exc, Unauthorized):  # not this stock: the store refuses Comptoir itself
                connection_access_refused(connection=connection, status=exc.status)
            elif again and max(r.attempts for r in again) in JOURNAL_ATTEMPTS:
                event = _journal(
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
    refused = {i["variant_id"] for i in sent["refused"]}
    with transaction.atomic():
        kept = [r for r in rows if r.variant_link.remote_variant_id in refused]
        _pending_again(kept)
        claimed.exclude(pk__in=[r.pk for r in kept]).update(state=State.SENT, sent_at=timezone.now())
        if len(kept) < len(rows):
            _journal_sent(connection, rows=[r for r in rows if r not in kept], sent=sent, batch=batch)
        if kept and max(r.attempts for r in kept) in JOURNAL_ATTEMPTS:
            event = _journal(
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


def _done_before(exc) -> set[int]:
    """Remote variants whose level an error's call had already set (absolute levels sent before it)."""
    return {i["variant_id"] for i in getattr(exc, "sent", {}).get("absolute", ())}


def _settle_sent(rows: list[StockPush], remote_ids: set[int]) -> None:
    if remote_ids:
        StockPush.objects.filter(
            pk__in=[r.pk for r in rows if r.variant_link.remote_variant_id in remote_ids], state=State.UNKNOWN
        ).update(state=State.SENT, sent_at=timezone.now())


def _pending_again(rows: list[StockPush], *, attempt: bool = True) -> None:
    for row in rows:
        row.attempts += int(attempt)
        row.state, row.batch, row.sent_at = State.PENDING, "", None
    StockPush.objects.bulk_update(rows, ["attempts", "state", "batch", "sent_at"])
