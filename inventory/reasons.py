"""Why a ledger row moved stock, kept as a code and its parameters and said in the reader's
language (STYLE rule 17): ``StockMovement.reason_code`` + ``reason_params``.

The ledger never stores a sentence a page would have to parse: the history renders
``reason_text(code=, params=)`` in the language of whoever reads it. ``StockMovement.reason``
keeps only what a person typed (the note of a count or an adjustment), and for rows written
before codes existed whose text the migration could not read, that old text as it was.

Online codes name the shop in ``params["shop"]`` ("BigCommerce"): inventory knows nothing of
the integration that wrote them, and the integration may keep its own references there (the
order, the connection) for the links it adds to the history.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class ReasonCode:
    SALE = "sale"  # {sale}
    REFUND = "refund"  # {refund, sale}
    COUNT = "count"  # {} (a count from the Stock section; the note says why)
    ADJUST = "adjust"  # {} (a change from the Stock section; the note says why)
    SPLIT_SET = "split_set"  # {online}
    SPLIT_OFF = "split_off"  # {}
    ONLINE_ORDER = "online_order"  # {order, shop}
    ONLINE_ORDER_RETURNED = "online_order_returned"  # {order, shop, status}
    ONLINE_ORDER_KEPT = "online_order_kept"  # {order, shop, status, why}: a row that moves 0
    ONLINE_CHECK = "online_check"  # {shop, seen, expected}
    ONLINE_START = "online_start"  # {shop}
    DEMO = "demo"  # {}
    TRANSFER_OUT = "transfer_out"  # {transfer, shop}: shop = the destination's name when it was made
    TRANSFER_IN = "transfer_in"  # {transfer, shop}: shop = the source's name when it was made


# What happened to an online order, as the integration reports it (generic words, not a platform's).
ORDER_STATUSES = {
    "cancelled": gettext_lazy("cancelled"),
    "refunded": gettext_lazy("refunded"),
    "partially_refunded": gettext_lazy("partly refunded"),
}

# Why the stock of a cancelled or refunded online order did not come back.
KEPT_BECAUSE_REFUND = "refund"  # a refund never returns items to stock (the platform's rule)
KEPT_BECAUSE_SETTINGS = "settings"  # the store's settings keep the stock of cancelled or refunded orders
KEPT_BECAUSE_PARTIAL = "partial"  # a partial refund never returns items to stock


def _shop(params: dict) -> str:
    return str(params.get("shop") or _("the online shop"))


def _kept(params: dict) -> str:
    values = {"order": params.get("order", "?"), "shop": _shop(params)}
    why = params.get("why")
    if why == KEPT_BECAUSE_SETTINGS:
        values["status"] = ORDER_STATUSES.get(params.get("status"), ORDER_STATUSES["cancelled"])
        return (
            _(
                "Online order #%(order)s %(status)s in %(shop)s; the store's settings keep the stock of cancelled "
                "and refunded orders, so Comptoir kept it too."
            )
            % values
        )
    if why == KEPT_BECAUSE_PARTIAL:
        return (
            _(
                "Online order #%(order)s partly refunded in %(shop)s; a partial refund does not return the items "
                "to stock, so Comptoir did not either."
            )
            % values
        )
    return (
        _(
            "Online order #%(order)s refunded in %(shop)s; the store did not return the items to stock, "
            "so neither did Comptoir."
        )
        % values
    )


def _returned(params: dict) -> str:
    status = ORDER_STATUSES.get(params.get("status"))
    values = {"order": params.get("order", "?"), "shop": _shop(params)}
    if status is None:
        return _("Online order #%(order)s: items back in stock") % values
    return _("Online order #%(order)s %(status)s in %(shop)s: items back in stock") % {**values, "status": status}


RENDERERS = {
    ReasonCode.SALE: lambda p: _("Sale #%(id)s") % {"id": p.get("sale", "?")},
    ReasonCode.REFUND: lambda p: (
        _("Refund #%(id)s of sale #%(sale)s") % {"id": p.get("refund", "?"), "sale": p.get("sale", "?")}
    ),
    ReasonCode.COUNT: lambda p: _("Stock count"),
    ReasonCode.ADJUST: lambda p: "",  # the origin ("Manual change in Comptoir") says it; the note says why
    ReasonCode.SPLIT_SET: lambda p: _("Stock split: %(count)s for the online shop") % {"count": p.get("online", "?")},
    ReasonCode.SPLIT_OFF: lambda p: _("Stock split turned off: allocations merged"),
    ReasonCode.ONLINE_ORDER: lambda p: _("Online order #%(order)s") % {"order": p.get("order", "?")},
    ReasonCode.ONLINE_ORDER_RETURNED: _returned,
    ReasonCode.ONLINE_ORDER_KEPT: _kept,
    ReasonCode.ONLINE_CHECK: lambda p: (
        _("%(shop)s showed %(seen)s, Comptoir %(expected)s")
        % {"shop": _shop(p), "seen": p.get("seen", "?"), "expected": p.get("expected", "?")}
    ),
    ReasonCode.ONLINE_START: lambda p: _("Starting level from %(shop)s") % {"shop": _shop(p)},
    ReasonCode.DEMO: lambda p: _("Demo data"),
    ReasonCode.TRANSFER_OUT: lambda p: _("Transfer to %(shop)s") % {"shop": p.get("shop", "?")},
    ReasonCode.TRANSFER_IN: lambda p: _("Transfer from %(shop)s") % {"shop": p.get("shop", "?")},
}
CODES = frozenset(RENDERERS)


def reason_text(*, code: str, params: dict | None) -> str:
    """The row's reason in the active language ("" for no code, or one this version does not know)."""
    render = RENDERERS.get(code or "")
    return render(params or {}) if render else ""
