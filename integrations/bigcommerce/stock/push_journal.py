"""What the push journals: a refusal or a lost answer (one entry for the call), and each variant
sent in the merchant's words (one entry per variant and location)."""

from collections import defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integrations.bigcommerce.stock.levels import clamped, comptoir_levels_at, pending_totals
from integrations.bigcommerce.stock.named import pushes_products
from integrations.journal_messages import STOCK_SENT
from integrations.models import StockPush, SyncEvent
from integrations.services.journal import sync_event_record
from inventory.selectors import movements_by_id


def push_journal(connection, *, rows: list[StockPush], variants: int, method: str, outcome: str = "sent", detail):
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


def push_journal_sent(connection, *, rows: list[StockPush], sent: dict, batch: str) -> None:
    """One entry per variant and location sent, in the merchant's words: what moved its stock (a sale, a
    refund, a change…), the product, and BigCommerce's level before and after
    ("Sale #2: Tote bag −2 → BigCommerce 30 → 28 ✓"). BigCommerce's levels are Comptoir's online
    level (clamped at 0) less what is still waiting to be sent, as the push keeps them."""

    movements = movements_by_id(ids=[r.movement_id for r in rows])
    by_place: dict[tuple[int, int], list[StockPush]] = defaultdict(list)
    for row in rows:
        by_place[(row.variant_link_id, row.location_id)].append(row)
    levels = comptoir_levels_at(
        connection=connection, places={(r.variant_link.variant_id, r.location_id) for r in rows}
    )
    later = pending_totals(connection=connection, exclude_batch=batch)
    absolute = {(i["variant_id"], i["location_id"]): i["quantity"] for i in sent.get("absolute", ())}
    relative = {(i["variant_id"], i["location_id"]): i["quantity"] for i in sent.get("relative", ())}
    for (_link, location), link_rows in by_place.items():
        vlink = link_rows[0].variant_link
        remote = (vlink.remote_variant_id, location)
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
        after = clamped(levels.get((vlink.variant_id, location), 0)) - later.get(remote, 0)
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
                "variant_id": vlink.remote_variant_id,
                "location_id": location,
                "sent": relative.get(remote, absolute.get(remote)),
            },
        )
