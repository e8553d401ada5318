"""The starting stock at the initial sync: the managing platform's stock becomes both sides' (once).

- **Managed in Comptoir**: ``stock_push.starting_stock_set``, when the initial export run ends
  (BigCommerce's level of every synced variant set absolutely to Comptoir's). While the initial
  run is running the stock checks wait (``stock_inbound.initial_sync_running``), so BigCommerce's
  own count of a product linked at setup is never taken for drift.
- **Managed in BigCommerce** (``import_writes.product_write``): Comptoir's level of each variant
  is set once from BigCommerce's (origin ``initial``, key ``bigcommerce:{connection}:initial:{variant}``),
  also for products linked at setup; ``starting_stock_journal`` says how many when the import ends.
"""

from __future__ import annotations

from django.utils.translation import ngettext

from integrations.models import BigCommerceConnection, SyncEvent, SyncRun
from integrations.services.journal import sync_event_record
from inventory.reasons import ReasonCode


def initial_key(connection_id: int, variant_id: int) -> str:
    return f"bigcommerce:{connection_id}:initial:{variant_id}"


def starting_stock_journal(*, connection: BigCommerceConnection, run: SyncRun) -> int:
    """Products managed in BigCommerce: journal how many Comptoir levels the import set."""
    from inventory.models import StockMovement, StockOrigin

    count = StockMovement.objects.filter(
        merchant_id=connection.merchant_id,
        origin=StockOrigin.INITIAL,
        reason_code=ReasonCode.ONLINE_START,
        reason_params__connection=connection.pk,
    ).count()
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.INITIAL_SYNC,
        direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
        message=lambda: (
            ngettext(
                "Set Comptoir's starting stock from BigCommerce for %(count)s variant.",
                "Set Comptoir's starting stock from BigCommerce for %(count)s variants.",
                count,
            )
            % {"count": count}
        ),
        detail={"run_id": run.pk, "variants": count},
    )
    return count
