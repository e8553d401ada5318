"""The starting stock at the initial sync: the managing platform's stock becomes both sides' (once).

- **Managed in Comptoir** (``starting_stock_push``, when the initial export run ends): every
  tracked variant bound by the run gets BigCommerce's level set to Comptoir's — an absolute
  adjustment of ``max(0, online level)`` minus the changes still waiting to be pushed (they
  follow as relative adjustments). Products created in BigCommerce carried their stock already;
  products that existed on both sides and were linked at setup had BigCommerce's own count, which
  this replaces. Until it is done the initial run stays running, and the stock checks wait
  (``stock_inbound.initial_sync_running``), so BigCommerce's old count is never taken for drift.
- **Managed in BigCommerce** (``import_writes.product_write``): Comptoir's level of each variant
  is set once from BigCommerce's (origin ``initial``, key ``bigcommerce:{connection}:initial:{variant}``),
  also for products linked at setup; ``starting_stock_journal`` says how many when the import ends.
"""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integrations.bigcommerce.client import client_for
from integrations.models import BigCommerceConnection, StockPush, SyncEvent, SyncRun, VariantLink
from integrations.services.journal import sync_event_record


def initial_key(connection_id: int, variant_id: int) -> str:
    return f"bigcommerce:{connection_id}:initial:{variant_id}"


def _bound_tracked(connection: BigCommerceConnection):
    return VariantLink.objects.filter(
        link__connection=connection, link__unlinked_at__isnull=True, link__product__track_stock=True
    ).select_related("link")


def starting_stock_push(*, connection: BigCommerceConnection, run: SyncRun | None = None) -> int:
    """Set BigCommerce's level of every bound tracked variant from Comptoir's; how many.
    Raises ``BigCommerceError`` (the caller leaves the run open and tries again later)."""
    from integrations.bigcommerce.stock_push import DEFAULT_LOCATION_ID
    from inventory.models import StockLevel

    links = list(_bound_tracked(connection))
    if not links:
        return 0
    levels = {
        lv.variant_id: lv.online_level for lv in StockLevel.objects.filter(variant_id__in=[v.variant_id for v in links])
    }
    pending = dict(
        StockPush.objects.filter(connection=connection, state=StockPush.State.PENDING, variant_link__in=links)
        .values_list("variant_link_id")
        .annotate(total=Sum("delta"))
    )
    items = [
        {
            "location_id": DEFAULT_LOCATION_ID,
            "variant_id": vlink.remote_variant_id,
            "quantity": max(0, max(0, levels.get(vlink.variant_id, 0)) - pending.get(vlink.pk, 0)),
        }
        for vlink in links
    ]
    list(client_for(connection).adjust_inventory_absolute(items, reason=_("Comptoir starting stock")))
    linked = sum(1 for v in links if v.link.origin == v.link.Origin.LINKED)
    count = len(items)
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.INITIAL_SYNC,
        direction=SyncEvent.Direction.TO_BIGCOMMERCE,
        message=lambda: (
            ngettext(
                "Set BigCommerce's starting stock from Comptoir for %(count)s variant.",
                "Set BigCommerce's starting stock from Comptoir for %(count)s variants.",
                count,
            )
            % {"count": count}
        ),
        detail={"run_id": run.pk if run else None, "variants": count, "linked": linked, "items": items[:200]},
    )
    return count


def starting_stock_journal(*, connection: BigCommerceConnection, run: SyncRun) -> int:
    """Products managed in BigCommerce: journal how many Comptoir levels the import set."""
    from inventory.models import StockMovement, StockOrigin

    count = StockMovement.objects.filter(
        merchant_id=connection.merchant_id,
        origin=StockOrigin.INITIAL,
        idempotency_key__startswith=f"bigcommerce:{connection.pk}:initial:",
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
