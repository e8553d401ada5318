"""The journal's words for stock: sent to BigCommerce, taken or given back by online orders, the
stock check."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integrations.messages import message_register
from inventory.reasons import ORDER_STATUSES, ReasonCode, reason_text

# -- stock sent to BigCommerce -------------------------------------------------------------------
STOCK_SENT = "stock_push.sent"


def stock_cause(cause: dict) -> str:
    """What moved the stock: "Sale #2", "Refund #1", "Stock change"…, or "3 stock changes"."""
    if cause.get("count", 1) > 1:
        return ngettext("%(count)s stock change", "%(count)s stock changes", cause["count"]) % {"count": cause["count"]}
    origin = cause.get("origin", "")
    if origin == "pos_sale" and cause.get("sale"):
        return _("Sale #%(number)s") % {"number": cause["sale"]}
    if origin == "pos_refund" and cause.get("refund"):
        return _("Refund #%(number)s") % {"number": cause["refund"]}
    return {
        "pos_sale": lambda: _("Sale"),
        "pos_refund": lambda: _("Refund"),
        "manual_comptoir": lambda: _("Stock change in Comptoir"),
        "split_change": lambda: _("Stock split change"),
        "initial": lambda: _("Starting stock"),
    }.get(origin, lambda: _("Stock change"))()


def _signed(number: int) -> str:
    return f"+{number}" if number > 0 else f"−{-number}"  # a real minus sign, as a person writes it


@message_register(STOCK_SENT)
def stock_sent(params: dict) -> str:
    values = {"cause": stock_cause(params.get("cause", {})), "product": params["product"]}
    if params.get("method") == "absolute":
        return _("%(cause)s: %(product)s → BigCommerce set to %(after)s ✓") % {**values, "after": params["after"]}
    return _("%(cause)s: %(product)s %(delta)s → BigCommerce %(before)s → %(after)s ✓") % {
        **values,
        "delta": _signed(params["delta"]),
        "before": params["before"],
        "after": params["after"],
    }


# -- online orders (stock from BigCommerce) -------------------------------------------------------
ONLINE_ORDER = "stock_in.online_order"
ONLINE_ORDER_KEPT = "stock_in.online_order_kept"
# {order, locations: [location id or None (a pickup method BigCommerce no longer has)], lines}
ONLINE_ORDER_UNMAPPED = "stock_in.online_order_unmapped"


def order_lines(lines: list[dict], *, sign: int | None) -> str:
    """ "Tote bag −1, Mug −2" (``sign`` −1 or +1), or "Tote bag ×1, Mug ×2" when nothing moved."""
    said = []
    for line in lines:
        quantity = line["quantity"]
        amount = f"×{quantity}" if sign is None else _signed(sign * quantity)
        said.append(f"{line['product']} {amount}")
    return ", ".join(said)


@message_register(ONLINE_ORDER)
def online_order(params: dict) -> str:
    if params.get("shop"):  # a shop other than the primary (issue 19): the journal names it
        if params.get("returned"):
            return _("Online order #%(order)s (%(status)s): %(lines)s back in %(shop)s's stock.") % {
                "order": params["order"],
                "status": ORDER_STATUSES[params["status"]],
                "lines": order_lines(params["lines"], sign=1),
                "shop": params["shop"],
            }
        return _("Online order #%(order)s from %(shop)s: %(lines)s") % {
            "order": params["order"],
            "shop": params["shop"],
            "lines": order_lines(params["lines"], sign=-1),
        }
    if params.get("returned"):
        return _("Online order #%(order)s (%(status)s): %(lines)s back in Comptoir's stock.") % {
            "order": params["order"],
            "status": ORDER_STATUSES[params["status"]],
            "lines": order_lines(params["lines"], sign=1),
        }
    return _("Online order #%(order)s: %(lines)s") % {
        "order": params["order"],
        "lines": order_lines(params["lines"], sign=-1),
    }


@message_register(ONLINE_ORDER_KEPT)
def online_order_kept(params: dict) -> str:
    reason = reason_text(code=ReasonCode.ONLINE_ORDER_KEPT, params=params["reason"])
    return _("%(reason)s Items: %(lines)s.") % {"reason": reason, "lines": order_lines(params["lines"], sign=None)}


@message_register(ONLINE_ORDER_UNMAPPED)
def online_order_unmapped(params: dict) -> str:
    locations = ", ".join(str(loc) if loc is not None else "?" for loc in params["locations"])
    return _(
        "Online order #%(order)s took its stock at BigCommerce location %(locations)s, which no Comptoir "
        "shop is mapped to: Comptoir's stock did not move (%(lines)s)."
    ) % {"order": params["order"], "locations": locations, "lines": order_lines(params["lines"], sign=-1)}


# -- the stock check ---------------------------------------------------------------------------------
STOCK_CHECKED = "stock_check.finished"  # {total, corrected: [{product, sku, expected, seen}], count, busy}


@message_register(STOCK_CHECKED)
def stock_checked(params: dict) -> str:
    total, count, busy = params["total"], params["count"], params["busy"]
    text = ngettext(
        "Stock check: %(count)s variant compared with BigCommerce",
        "Stock check: %(count)s variants compared with BigCommerce",
        total,
    ) % {"count": total}
    if count:
        found = ", ".join(
            f"{c['product']} ({c['sku']}): {c['expected']} → {c['seen']}"
            if c.get("sku")
            else f"{c['product']}: {c['expected']} → {c['seen']}"
            for c in params["corrected"]
        )
        text += ngettext("; %(count)s corrected (%(found)s).", "; %(count)s corrected (%(found)s).", count) % {
            "count": count,
            "found": found,
        }
    else:
        text += _("; both sides agree.")
    if busy:
        text += " " + ngettext(
            "%(count)s was changing and will be checked on the next round.",
            "%(count)s were changing and will be checked on the next round.",
            busy,
        ) % {"count": busy}
    return text
