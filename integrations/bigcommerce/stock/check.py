"""The stock check (every 30 minutes, **Check stock now**, and variants edited in BigCommerce).

``stock_check`` compares BigCommerce's level at each mapped location with the level Comptoir
expects it to show there (``max(0, online level)`` of the location's shop, less the changes Comptoir
has not sent yet) for variants that are *quiet*: no stock push unknown or just sent (BigCommerce
applies adjustments asynchronously), no online order taken since the level read (compared once
every order placed before the read is in the ledger: ``intake_run.orders_read_after``). A change
still pending does not make its variant wait (a busy store's variants always have one): it stayed
pending while the level was read, so BigCommerce cannot show it yet. The difference is written to
that shop's ledger (origin ``manual_online`` for a reported edit, ``reconciliation`` for the
scheduled check and "Check stock now"); busy variants are checked on the next round. A push
whose answer was lost and could not be told apart, or that BigCommerce refused three times, does
not keep its variant busy: the check sets BigCommerce to Comptoir's level (Comptoir's ledger is the
truth for its own sales) and closes those rows (``_undecided_settle``). A
correction is written only if Comptoir's level is still the one compared (the level row is locked
first), so two checks running at once never correct twice. ``stock_reconcile_start`` /
``stock_reconcile_round``: a check of every synced variant as a run taken in rounds of ``CHECK_CHUNK``
variants, one task each (``bigcommerce_stock_reconcile``).
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integrations import journal_messages
from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.stock import outbox
from integrations.bigcommerce.stock.intake_run import orders_moved_since, orders_read_after, orders_read_before
from integrations.bigcommerce.stock.levels import clamped, remote_levels_at, settle_grace_seconds
from integrations.bigcommerce.stock.orders import being_applied, ledger_write, local_variant
from integrations.models import BigCommerceConnection, Incident, StockPush, SyncEvent, SyncRun, VariantLink
from integrations.selectors.locations import location_shops
from integrations.services.incidents import incident_open
from integrations.services.journal import sync_event_record
from integrations.services.queue import enqueue
from inventory.models import StockOrigin
from inventory.reasons import ReasonCode
from inventory.selectors import online_levels_by_shop
from inventory.services import online_level_unchanged
from portal.models import Shop

CHECK_CHUNK = 1000  # variants per round of a stock check (one task)
FINDINGS_KEPT = 500  # corrections a run keeps for its journal line (all are counted)


# A lost answer the push could not settle (BigCommerce's level moved in between) is left to the
# stock check once its grace is over: ``stock.settle.stock_unknown_settle`` marks it attempts=2.
# So is a change BigCommerce kept refusing (below zero: its level and Comptoir's parted ways).
UNDECIDED = Q(state=StockPush.State.UNKNOWN, attempts__gte=2) | Q(state=StockPush.State.PENDING, attempts__gte=3)


def checkable(connection):
    return (
        VariantLink.objects.live()
        .filter(link__connection=connection, link__product__track_stock=True)
        .select_related("link")
    )


def initial_sync_running(connection: BigCommerceConnection) -> bool:
    return SyncRun.objects.filter(connection=connection, initial=True, status=SyncRun.Status.RUNNING).exists()


def _busy_links(links: list[VariantLink], *, since, held: set[int] = frozenset()) -> set[int]:
    """Links with a push not settled, just sent (maybe not applied yet: no echo seen) or written since
    ``since``; an undecided lost answer is not "busy": the check settles it (``_undecided``).
    ``held``: pending rows that stayed pending while BigCommerce's level was read (``_held``):
    not sent, so the check counts them as not applied yet instead of waiting for them."""
    grace = since - timedelta(seconds=settle_grace_seconds())
    settled_by_check = UNDECIDED & (Q(settle_at__lte=since) | Q(sent_at__isnull=True, created_at__lte=grace))
    return set(
        StockPush.objects.filter(variant_link__in=[v.pk for v in links])
        .exclude(pk__in=held)
        .filter(
            (Q(state__in=[StockPush.State.PENDING, StockPush.State.UNKNOWN]) & ~settled_by_check)
            | being_applied(at=since)  # its echo came back: applied
            | Q(created_at__gte=since)
        )
        .values_list("variant_link_id", flat=True)
    )


def _undecided_links(links: list[VariantLink]) -> set[int]:
    return set(
        StockPush.objects.filter(UNDECIDED, variant_link__in=[v.pk for v in links]).values_list(
            "variant_link_id", flat=True
        )
    )


def _pending(links: list[VariantLink]) -> dict[int, tuple[int, int, int]]:
    """Pending rows of ``links`` that a push run may still send (not the ones BigCommerce kept
    refusing, left to ``_undecided_settle``): per row, (link, location, delta)."""
    rows = StockPush.objects.filter(variant_link__in=[v.pk for v in links], state=StockPush.State.PENDING).exclude(
        UNDECIDED
    )
    return {
        pk: (link, location, delta)
        for pk, link, location, delta in rows.values_list("pk", "variant_link_id", "location_id", "delta")
    }


def _held(before: dict, after: dict) -> tuple[set[int], dict[tuple[int, int], int], set[int]]:
    """Pending rows seen before the level read and still pending after it (Comptoir's levels read
    in between): BigCommerce's level cannot include them, whatever a push run did meanwhile (a
    row it took is not pending any more: its variant waits as before). Returns the rows, their sum
    per (link, location), and the links that have any."""
    rows = set(before) & set(after)
    totals: dict[tuple[int, int], int] = {}
    for pk in rows:
        link, location, delta = after[pk]
        totals[(link, location)] = totals.get((link, location), 0) + delta
    return rows, totals, {after[pk][0] for pk in rows}


def _undecided_settle(
    *, connection, client, links: list[VariantLink], levels: dict, remote: dict, shops: dict
) -> set[int]:
    """Quiet links whose push answer was lost and could not be told apart: Comptoir's ledger is
    the truth for its own sales, so BigCommerce's level is set to Comptoir's (and the rows are
    closed). Returns the links settled so."""
    rows = list(StockPush.objects.filter(UNDECIDED, variant_link__in=[v.pk for v in links]))
    if not rows:
        return set()
    if not outbox.push_lock_take(connection_id=connection.pk):
        return set()  # a push run is sending: next round
    try:
        return _undecided_set(
            connection=connection, client=client, links=links, rows=rows, levels=levels, remote=remote, shops=shops
        )
    finally:
        outbox.push_lock_release(connection_id=connection.pk)


def _undecided_set(*, connection, client, links, rows, levels, remote, shops) -> set[int]:
    """``levels``: per (variant, shop); ``remote``: per (remote variant, location); ``shops``: per
    location, its shop. Each row's place set to its shop's level (a location no shop maps to any
    more: closed, nothing set)."""
    by_link = {v.pk: v for v in links}
    items, settled = [], set()
    for link_id, location in sorted({(r.variant_link_id, r.location_id) for r in rows}):
        vlink = by_link[link_id]
        settled.add(link_id)
        if location not in shops:
            continue
        should = clamped(levels.get((vlink.variant_id, shops[location]), 0))
        if remote.get((vlink.remote_variant_id, location)) != should:
            items.append({"location_id": location, "variant_id": vlink.remote_variant_id, "quantity": should})
    if items:
        api.inventory_adjust_absolute(client, items, reason=_("Comptoir stock level"))
    with transaction.atomic():
        StockPush.objects.filter(
            pk__in=[r.pk for r in rows], state__in=[StockPush.State.UNKNOWN, StockPush.State.PENDING]
        ).update(state=StockPush.State.SENT, sent_at=timezone.now())
        sync_event_record(
            connection=connection,
            kind=SyncEvent.Kind.STOCK_CHECK,
            direction=SyncEvent.Direction.TO_BIGCOMMERCE,
            message=lambda: (
                ngettext(
                    "Stock check: %(count)s stock change whose answer was lost is settled; BigCommerce shows "
                    "Comptoir's level (%(set)s set).",
                    "Stock check: %(count)s stock changes whose answers were lost are settled; BigCommerce shows "
                    "Comptoir's levels (%(set)s set).",
                    len(rows),
                )
                % {"count": len(rows), "set": len(items)}
            ),
            detail={"movements": [r.movement_id for r in rows], "items": items},
        )
    return settled


def stock_check(*, connection: BigCommerceConnection, links: list[VariantLink], origin: str, client=None) -> dict:
    """Compare BigCommerce's level with Comptoir's for ``links`` and write the differences of the
    quiet ones. Returns counts, the corrections and the busy links."""

    client = client or client_for(connection)
    started = timezone.now()
    if initial_sync_running(connection):  # the starting stock is not set yet: nothing to compare
        busy = {v.pk for v in links}
        return {
            "started": started,
            "checked": 0,
            "corrected": 0,
            "busy": len(busy),
            "busy_links": busy,
            "corrections": [],
        }
    shops = location_shops(connection=connection)  # per location, its shop
    orders_read_before(connection=connection, client=client)
    undecided = _undecided_links(links)
    before = _pending(links)
    reading = timezone.now()
    remote = remote_levels_at(client, sorted({v.remote_variant_id for v in links}), locations=set(shops))
    orders_read_after(connection=connection, client=client, moment=timezone.now())
    levels = online_levels_by_shop(variant_ids=[v.variant_id for v in links], shop_ids=set(shops.values()))
    # An order taken from the read on (by whichever poll): BigCommerce's level may or may not show it.
    moved = orders_moved_since(variant_ids=[v.variant_id for v in links], since=reading)
    # A change Comptoir has not sent yet does not keep its variant waiting: BigCommerce should show
    # Comptoir's level less it (what the lost-answer settling expects too).
    held, unsent, holding = _held(before, _pending(links))
    busy = _busy_links(links, since=started, held=held) | {v.pk for v in links if v.variant_id in moved}
    # An undecided change besides unsent ones: what BigCommerce should show is not known.
    busy |= holding & _undecided_links([v for v in links if v.pk in holding])
    quiet = [v for v in links if v.pk not in busy]
    settled = _undecided_settle(
        connection=connection, client=client, links=quiet, levels=levels, remote=remote, shops=shops
    )
    # Undecided before the read and not settled by this check: another run holds the store's pushes,
    # or settled them since the read, setting BigCommerce's level after it. Next round.
    busy |= undecided - settled
    shop_of = {shop.pk: shop for shop in Shop.objects.filter(pk__in=set(shops.values()))}
    corrections = []
    for vlink in links:
        if vlink.pk in busy or vlink.pk in settled:
            continue
        variant = None
        for location, shop_id in sorted(shops.items()):
            seen = remote.get((vlink.remote_variant_id, location))
            if not isinstance(seen, int):
                continue  # no level at that location (yet): nothing to compare
            online = levels.get((vlink.variant_id, shop_id), 0)
            should = clamped(online) - unsent.get((vlink.pk, location), 0)
            difference = seen - should
            if difference == 0:
                continue
            variant = variant or local_variant(vlink)
            if variant is None:
                break
            key = f"bigcommerce:{connection.pk}:{origin}:{vlink.pk}:{started.timestamp():.6f}"
            shop = shop_of[shop_id]
            if not shop.is_primary:  # the primary shop's key as before locations
                key += f":location:{location}"
            with transaction.atomic():
                # Another check (a second worker) or an order may have moved it since the read: leave it.
                if not online_level_unchanged(variant_id=vlink.variant_id, expected=online, shop_id=shop_id):
                    busy.add(vlink.pk)
                    continue
                if ledger_write(
                    connection=connection,
                    variant=variant,
                    delta=difference,
                    origin=origin,
                    key=key,
                    code=ReasonCode.ONLINE_CHECK,
                    params={"seen": seen, "expected": should},
                    shop=shop,
                ):
                    corrections.append((variant, should, seen))
                    _correction_journal(
                        connection, variant, origin=origin, expected=should, seen=seen, location=location
                    )
    return {
        "started": started,
        "checked": len(links) - len(busy),
        "corrected": len(corrections),
        "busy": len(busy),
        "busy_links": busy,
        "corrections": corrections,
    }


def _correction_journal(connection, variant, *, origin: str, expected: int, seen: int, location: int) -> None:

    sku = variant.sku or str(variant)

    def message():
        if origin == StockOrigin.MANUAL_ONLINE:
            return _("Stock of %(sku)s changed in BigCommerce (%(before)s → %(after)s); Comptoir's stock follows.") % {
                "sku": sku,
                "before": expected,
                "after": seen,
            }
        return _(
            "Stock check: BigCommerce showed %(seen)s for %(sku)s where Comptoir expected %(expected)s; "
            "Comptoir's stock was corrected by %(difference)+d."
        ) % {"sku": sku, "seen": seen, "expected": expected, "difference": seen - expected}

    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.STOCK_IN if origin == StockOrigin.MANUAL_ONLINE else SyncEvent.Kind.STOCK_CHECK,
        direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
        message=message,
        product={"id": variant.product_id, "name": variant.product.name, "sku": variant.sku},
        detail={"expected": expected, "bigcommerce": seen, "origin": origin, "location_id": location},
    )


def stock_reconcile_start(*, connection: BigCommerceConnection, enqueue: bool = True) -> SyncRun:
    """A stock check of every synced variant, as a run with its progress (one at a time)."""
    running = SyncRun.objects.filter(
        connection=connection, kind=SyncRun.Kind.RECONCILIATION, status=SyncRun.Status.RUNNING
    ).first()
    if running is not None:
        return running
    run = SyncRun.objects.create(
        merchant=connection.merchant,
        connection=connection,
        kind=SyncRun.Kind.RECONCILIATION,
        total=checkable(connection).count(),
    )
    if enqueue:
        transaction.on_commit(lambda: _enqueue_reconcile(run.pk))
    return run


def _enqueue_reconcile(run_id: int) -> None:

    enqueue("integrations.tasks.bigcommerce_stock_reconcile", run_id)


def stock_reconcile_round(*, run: SyncRun, limit: int | None = None) -> bool:
    """One round of the run: the next ``limit`` synced variants after the run's cursor, compared
    and corrected, the progress recorded. True while more is left (the task enqueues the next round
    at the tail of the queue: other merchants' work goes in between); the last round journals what
    the whole run found."""

    connection = run.connection
    limit = limit or CHECK_CHUNK
    links = list(checkable(connection).filter(pk__gt=run.cursor).order_by("pk")[:limit])
    if links:
        # A round's first orders poll is not skipped: other work ran since the previous round's second.
        result = stock_check(connection=connection, links=links, origin=StockOrigin.RECONCILIATION)
        found = [
            {
                "product_id": variant.product_id,
                "product": variant.product.name,
                "sku": variant.sku,
                "expected": e,
                "seen": s,
            }
            for variant, e, s in result["corrections"]
        ]
        run.cursor, run.done = links[-1].pk, min(run.total, run.done + len(links))
        run.corrected += len(found)
        run.busy += result["busy"]
        run.findings = (run.findings + found)[:FINDINGS_KEPT]
        run.save(update_fields=["cursor", "done", "corrected", "busy", "findings", "updated_at"])
        if len(links) == limit:
            return True
    _reconcile_finish(connection=connection, run=run)
    return False


def stock_reconcile_run(*, run: SyncRun) -> SyncRun:
    """Every round of the run in this process (a check the caller waits for)."""

    while stock_reconcile_round(run=run):
        pass
    return run


def _reconcile_finish(*, connection: BigCommerceConnection, run: SyncRun) -> None:
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.FINISHED, done=run.total, finished_at=timezone.now())
    run.refresh_from_db()
    found = [{k: f[k] for k in ("product", "sku", "expected", "seen")} for f in run.findings[:20]]
    event = sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.STOCK_CHECK,
        direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
        code=journal_messages.STOCK_CHECKED,
        params={"total": run.total, "corrected": found, "count": run.corrected, "busy": run.busy},
        products=[{"id": f["product_id"], "name": f["product"], "sku": f["sku"]} for f in run.findings],
        detail={"run_id": run.pk, "checked": run.total, "corrected": run.corrected, "busy": run.busy},
    )
    if run.corrected:  # drift: the merchant may want to know why (nothing can tell it was intended)
        incident_open(connection=connection, kind=Incident.Kind.STOCK_DRIFT, event=event)
