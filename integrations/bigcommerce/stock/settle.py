"""Adjustments whose answer was lost, settled by reading BigCommerce's level (never re-sent blindly)."""

import logging
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.api.errors import BigCommerceError
from integrations.bigcommerce.stock.levels import (
    clamped,
    comptoir_levels,
    pending_totals,
    remote_levels,
    settle_grace_seconds,
)
from integrations.bigcommerce.stock.named import pushes_products
from integrations.models import BigCommerceConnection, StockPush, SyncEvent
from integrations.services.journal import sync_event_record

logger = logging.getLogger(__name__)

State = StockPush.State


def stock_unknown_settle(*, connection: BigCommerceConnection) -> None:
    """Decide the fate of adjustments whose answer was lost by reading BigCommerce's level.

    For each variant, BigCommerce should show Comptoir's clamped level minus what is still pending.
    If it does, the lost adjustment was applied (→ sent); if it shows that minus the lost delta, it
    was not (→ pending again, sent by the run that follows); otherwise (an online order in
    between, an adjustment still being applied) the rows stay unknown for the next sweep and
    the reconciliation.
    """
    grace = timezone.now() - timezone.timedelta(seconds=settle_grace_seconds())
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
        remote = remote_levels(client_for(connection), sorted(by_remote))
    except BigCommerceError as exc:
        logger.warning("Could not read stock levels to settle lost adjustments: %s", exc)
        return
    comptoir = comptoir_levels({group[0].variant_link.variant_id for group in by_remote.values()})
    pending = pending_totals(connection=connection)
    applied, not_applied, undecided = [], [], []
    for remote_id, group in by_remote.items():
        lost = sum(r.delta for r in group)
        should = clamped(comptoir.get(group[0].variant_link.variant_id, 0)) - pending.get(remote_id, 0)
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
                    "levels": {str(k): remote.get(k) for k in by_remote},
                },
                products=pushes_products(newly_undecided),
            )
