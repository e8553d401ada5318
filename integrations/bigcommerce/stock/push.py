"""Stock changes in Comptoir → BigCommerce, durably, as coalesced relative adjustments.

1. ``mark`` runs INSIDE the ledger's transaction (``inventory.signals.stock_changing``): a bound
   variant's movement writes a ``StockPush`` row, so a committed sale is never forgotten.
   BigCommerce shows the *online level* (the whole stock, or the online allocation when the
   stock is split), never below zero: the row's delta is the change of the clamped online level
   (``max(0, after) - max(0, before)``), so -3 → -1 pushes nothing and -1 → 2 pushes +2. A
   change that came from BigCommerce (online orders and refunds, manual edits there, the
   import's initial stock, a reconciliation correction) already moved BigCommerce's level by its
   delta: only what clamping adds is pushed (Comptoir at -1, an online cancellation +1: BigCommerce
   went 0 → 1, Comptoir shows 0 → push -1). An in-store sale of a split variant pushes nothing.
2. ``stock_push_run`` takes the connection's pending rows, sums them per variant and sends ONE
   relative adjustment (≤ 2000 variants), then marks the rows sent in the same transaction.
   A lost answer (``OutcomeUnknown``) is never re-sent blindly: the rows become "unknown" and
   ``stock_unknown_settle`` later reads BigCommerce's level to decide whether it was applied.
3. The fast path is the after-commit ``stock_changed`` receiver (``stock_push_kick``, debounced
   by a cache flag); the slow path is the every-minute sweep (``tasks.bigcommerce_stock_push_sweep``).
"""

import logging
import uuid
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api import pagination
from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.api.errors import AdjustmentRefused, BigCommerceError, OutcomeUnknown
from integrations.journal_messages import STOCK_SENT
from integrations.models import BigCommerceConnection, StockPush, SyncEvent, VariantLink
from integrations.services.journal import sync_event_record

logger = logging.getLogger(__name__)

# BigCommerce's default location; the connection knows no other (stock lives there for the Catalog too).
DEFAULT_LOCATION_ID = 1
# Origins that came from BigCommerce: sending them back would count them twice.
ORIGINS_FROM_BIGCOMMERCE = frozenset({"online_order", "online_refund", "manual_online", "initial", "reconciliation"})
KICK_FLAG_SECONDS = 60
LEVELS_PER_CALL = 250
# A refusal is journaled on the 1st, 10th, 100th… attempt, not on every sweep.
JOURNAL_ATTEMPTS = frozenset({1, 10, 100, 1000, 10000})

State = StockPush.State


def _clamped(level: int) -> int:
    return max(0, level)


def _live_links(*, variant_id: int):
    return (
        VariantLink.objects.live()
        .filter(
            variant_id=variant_id,
            link__connection__status__in=BigCommerceConnection.ACTIVE_STATUSES,
            link__product__track_stock=True,
        )
        .select_related("link")
    )


def mark(
    *, variant_id: int, movement_id: int, origin: str, delta: int, online_before: int, online_after: int
) -> list[StockPush]:
    """Write the durable mark of one movement (inside its transaction); nothing when there is
    nothing BigCommerce should see."""
    push = _clamped(online_after) - _clamped(online_before)
    if origin in ORIGINS_FROM_BIGCOMMERCE:
        push -= delta
    if push == 0:
        return []
    return [
        StockPush.objects.create(
            connection_id=vlink.link.connection_id, variant_link=vlink, movement_id=movement_id, delta=push
        )
        for vlink in _live_links(variant_id=variant_id)
    ]


def _flag(connection_id: int) -> str:
    return f"bigcommerce-stock-push-queued:{connection_id}"


def stock_push_kick(*, connection_id: int) -> bool:
    """Enqueue the push task unless one is already queued for this connection (debounce)."""
    from django_q.tasks import async_task

    if not cache.add(_flag(connection_id), 1, timeout=KICK_FLAG_SECONDS):
        return False
    async_task("integrations.tasks.bigcommerce_stock_push_run", connection_id)
    return True


ROUNDS_PER_RUN = 20


def _lock(connection_id: int) -> str:
    return f"bigcommerce-stock-push-running:{connection_id}"


def push_lock_take(*, connection_id: int) -> bool:
    """One push run per connection. The lock outlives a killed worker only until it expires
    (longer than a round can take: its call, retries and timeouts included)."""
    return cache.add(_lock(connection_id), 1, timeout=int(_settle_grace_seconds()) + 60)


def push_lock_release(*, connection_id: int) -> None:
    cache.delete(_lock(connection_id))


def pending_exists(*, connection, since) -> bool:
    """Changes marked since ``since`` and not sent yet (not the ones BigCommerce keeps refusing)."""
    return StockPush.objects.filter(connection=connection, state=State.PENDING, created_at__gte=since).exists()


def kick_taken(*, connection_id: int) -> None:
    """The task started: changes marked from now on need a new task."""
    cache.delete(_flag(connection_id))


def _comptoir_levels(variant_ids) -> dict[int, int]:
    """Per local variant, the level BigCommerce should show before clamping (the online level)."""
    from inventory.models import StockLevel

    return {level.variant_id: level.online_level for level in StockLevel.objects.filter(variant_id__in=variant_ids)}


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
    )


def _journal_sent(connection, *, rows: list[StockPush], sent: dict, batch: str) -> None:
    """One entry per variant sent, in the merchant's words: what moved its stock (a sale, a
    refund, a change…), the product, and BigCommerce's level before and after
    ("Sale #2: Tote bag −2 → BigCommerce 30 → 28 ✓"). BigCommerce's levels are Comptoir's online
    level (clamped at 0) less what is still waiting to be sent, as the push keeps them."""
    from inventory.models import StockMovement

    movements = {
        m.pk: m
        for m in StockMovement.objects.filter(pk__in=[r.movement_id for r in rows]).select_related(
            "variant__product", "sale_line", "refund_line"
        )
    }
    by_link: dict[int, list[StockPush]] = defaultdict(list)
    for row in rows:
        by_link[row.variant_link_id].append(row)
    levels = _comptoir_levels({r.variant_link.variant_id for r in rows})
    later = _pending_totals(connection=connection, exclude_batch=batch)
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
        after = _clamped(levels.get(vlink.variant_id, 0)) - later.get(remote, 0)
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


def _pending_totals(*, connection, exclude_batch: str = "") -> dict[int, int]:
    """Per remote variant, the sum of the changes not sent yet (and not in ``exclude_batch``)."""
    rows = StockPush.objects.filter(connection=connection, state=State.PENDING)
    if exclude_batch:
        rows = rows.exclude(batch=exclude_batch)
    return dict(rows.values_list("variant_link__remote_variant_id").annotate(total=Sum("delta")))


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
            comptoir = _comptoir_levels(local_of.values())
            later = _pending_totals(connection=connection, exclude_batch=batch)
            absolute = [
                {
                    **i,
                    "quantity": max(
                        0, _clamped(comptoir.get(local_of[i["variant_id"]], 0)) - later.get(i["variant_id"], 0)
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
            StockPush.objects.select_for_update(skip_locked=True)
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
        {"location_id": DEFAULT_LOCATION_ID, "variant_id": remote, "quantity": quantity}
        for remote, quantity in totals.items()
        if quantity
    ]
    if not items:  # the changes cancel out: nothing to tell BigCommerce
        claimed.update(state=State.SENT)
        return len(rows) == limit
    # The call is made outside any transaction (the pacer's row lock must not be held through it).
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
    except BigCommerceError as exc:
        # Refused (nothing applied): the rows are pending again; the sweep tries later.
        done = _done_before(exc)
        with transaction.atomic():
            _settle_sent(rows, done)
            again = [r for r in rows if r.variant_link.remote_variant_id not in done]
            _pending_again(again)
            if again and max(r.attempts for r in again) in JOURNAL_ATTEMPTS:
                _journal(
                    connection,
                    rows=again,
                    variants=len(items) - len(done),
                    method="relative",
                    outcome="refused",
                    detail={"batch": batch, "items": items, "error": exc.title or str(exc), "status": exc.status},
                )
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
            _journal(
                connection,
                rows=kept,
                variants=len(refused),
                method="relative",
                outcome="refused",
                detail={"batch": batch, "items": sent["refused"], "error": sent["refused"][0]["error"], "status": 422},
            )
    return len(rows) == limit


def _done_before(exc) -> set[int]:
    """Remote variants whose level an error's call had already set (absolute levels sent before it)."""
    return {i["variant_id"] for i in getattr(exc, "sent", {}).get("absolute", ())}


def _settle_sent(rows: list[StockPush], remote_ids: set[int]) -> None:
    if remote_ids:
        StockPush.objects.filter(
            pk__in=[r.pk for r in rows if r.variant_link.remote_variant_id in remote_ids], state=State.UNKNOWN
        ).update(state=State.SENT, sent_at=timezone.now())


def _pending_again(rows: list[StockPush]) -> None:
    for row in rows:
        row.attempts += 1
        row.state, row.batch, row.sent_at = State.PENDING, "", None
    StockPush.objects.bulk_update(rows, ["attempts", "state", "batch", "sent_at"])


def _remote_levels(client, remote_ids: list[int]) -> dict[int, int]:
    levels: dict[int, int] = {}
    # 250 ids a call: one page each (the URL stays near 2 KB).
    for start in range(0, len(remote_ids), LEVELS_PER_CALL):
        chunk = remote_ids[start : start + LEVELS_PER_CALL]
        for item in api.inventory_items_iter(client, variant_ids=chunk):
            variant_id = (item.get("identity") or {}).get("variant_id")
            for location in item.get("locations") or ():
                if location.get("location_id") == DEFAULT_LOCATION_ID and variant_id:
                    levels[variant_id] = location.get("total_inventory_onhand", location.get("available_to_sell"))
    return levels


def _settle_grace_seconds() -> float:
    # Long enough that no call of that batch can still be in flight (timeouts and retries included).
    return getattr(settings, "BIGCOMMERCE_STOCK_SETTLE_AFTER_S", max(60.0, 4 * settings.BIGCOMMERCE_TIMEOUT))


def stock_unknown_settle(*, connection: BigCommerceConnection) -> None:
    """Decide the fate of adjustments whose answer was lost by reading BigCommerce's level.

    For each variant, BigCommerce should show Comptoir's clamped level minus what is still pending.
    If it does, the lost adjustment was applied (→ sent); if it shows that minus the lost delta, it
    was not (→ pending again, sent by the run that follows); otherwise (an online order in
    between, an adjustment still being applied) the rows stay unknown for the next sweep and
    the reconciliation.
    """
    grace = timezone.now() - timezone.timedelta(seconds=_settle_grace_seconds())
    rows = list(
        StockPush.objects.filter(connection=connection, state=State.UNKNOWN, sent_at__lte=grace).select_related(
            "variant_link"
        )
    )
    if not rows:
        return
    # A variant with another answer still in flight cannot be told apart yet: next time.
    in_flight = set(
        StockPush.objects.filter(connection=connection, state=State.UNKNOWN, sent_at__gt=grace).values_list(
            "variant_link__remote_variant_id", flat=True
        )
    )
    by_remote: dict[int, list[StockPush]] = defaultdict(list)
    for row in rows:
        if row.variant_link.remote_variant_id not in in_flight:
            by_remote[row.variant_link.remote_variant_id].append(row)
    if not by_remote:
        return
    try:
        remote = _remote_levels(client_for(connection), sorted(by_remote))
    except BigCommerceError as exc:
        logger.warning("Could not read stock levels to settle lost adjustments: %s", exc)
        return
    comptoir = _comptoir_levels({group[0].variant_link.variant_id for group in by_remote.values()})
    pending = _pending_totals(connection=connection)
    applied, not_applied, undecided = [], [], []
    for remote_id, group in by_remote.items():
        lost = sum(r.delta for r in group)
        should = _clamped(comptoir.get(group[0].variant_link.variant_id, 0)) - pending.get(remote_id, 0)
        level = remote.get(remote_id)
        if level == should:
            applied += group
        elif level == should - lost:
            not_applied += group
        else:
            undecided += group
    newly_undecided = [r for r in undecided if r.attempts < 2]  # journaled once, then left to the stock check
    if not (applied or not_applied or newly_undecided):
        return
    with transaction.atomic():
        unknown = StockPush.objects.filter(state=State.UNKNOWN)
        unknown.filter(pk__in=[r.pk for r in applied]).update(state=State.SENT)
        unknown.filter(pk__in=[r.pk for r in not_applied]).update(state=State.PENDING, batch="", sent_at=None)
        unknown.filter(pk__in=[r.pk for r in newly_undecided]).update(attempts=2)
        if applied or not_applied:
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
                    "levels": {str(k): remote.get(k) for k in by_remote},
                },
            )


def starting_stock_set(*, connection: BigCommerceConnection, product_ids=None) -> int:
    """At the end of the initial sync (products managed in Comptoir): BigCommerce's level of every
    synced variant becomes Comptoir's (its online level, at least 0), once. Products that existed
    in BigCommerce before keep their own count otherwise, and a sale made while a product was being
    created would be missing. ``product_ids``: only these (a product the merchant linked later to
    a store product). Returns how many levels were set."""
    links = (
        VariantLink.objects.live()
        .filter(link__connection=connection, link__product__track_stock=True)
        .select_related("link")
    )
    if product_ids is not None:
        links = links.filter(link__product_id__in=list(product_ids))
    links = list(links)
    if not links:
        return 0
    local_of = {v.remote_variant_id: v.variant_id for v in links}
    client = client_for(connection)
    remote = _remote_levels(client, sorted(local_of))
    comptoir = _comptoir_levels(local_of.values())
    pending = _pending_totals(connection=connection)
    items = []
    for remote_id, variant_id in local_of.items():
        should = max(0, _clamped(comptoir.get(variant_id, 0)) - pending.get(remote_id, 0))
        if remote.get(remote_id) != should:
            items.append({"location_id": DEFAULT_LOCATION_ID, "variant_id": remote_id, "quantity": should})
    if items:
        api.inventory_adjust_absolute(client, items, reason=_("Comptoir starting stock"))
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.INITIAL_SYNC,
        direction=SyncEvent.Direction.TO_BIGCOMMERCE,
        message=lambda: (
            ngettext(
                "Starting stock: BigCommerce now shows Comptoir's stock for %(count)s variant "
                "(%(same)s already matched).",
                "Starting stock: BigCommerce now shows Comptoir's stock for %(count)s variants "
                "(%(same)s already matched).",
                len(items),
            )
            % {"count": len(items), "same": len(links) - len(items)}
        ),
        detail={"items": items, "checked": len(links)},
    )
    return len(items)
