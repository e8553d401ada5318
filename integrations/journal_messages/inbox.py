"""The journal's words for what BigCommerce sent (webhooks): received, and why one asked nothing."""

from django.utils.translation import gettext as _

from integrations.messages import message_register

# -- webhooks -------------------------------------------------------------------------------------
WEBHOOK = "webhook.received"

# Why an event asked nothing of Comptoir (``Skipped.code``).
SKIP_REASONS = {
    "not_connected": lambda: _("The store is not connected to Comptoir any more."),
    "managed_in_comptoir": lambda: _(
        "Products are managed in Comptoir: changes made in BigCommerce are not brought in."
    ),
    "other_channel": lambda: _("It is about another channel than Comptoir's."),
    "no_product": lambda: _("It names no product."),
    "no_order": lambda: _("It names no order."),
    "not_used": lambda: _("Comptoir does not use this event."),
    "not_linked": lambda: _("This product is not synced with Comptoir."),
    "not_tracked": lambda: _("Comptoir does not track this product's stock."),
    "own_change": lambda: _("It is Comptoir's own stock change coming back: nothing to do."),
    "not_mapped": lambda: _("No Comptoir shop is mapped to this BigCommerce location."),
}


def webhook_family(scope: str) -> str:
    """What a scope is about, for the message: ``product_updated``, ``order_created``…"""
    parts = scope.split("/")
    if len(parts) > 2 and parts[1] == "channel":
        parts = [parts[0], *parts[3:]]  # store/channel/{id}/product/assigned → store/product/assigned
    tail = "/".join(parts[1:])
    families = {
        "product/created": "product_created",
        "product/updated": "product_updated",
        "product/deleted": "product_deleted",
        "product/assigned": "product_assigned",
        "product/unassigned": "product_unassigned",
        "sku/created": "variant_changed",
        "sku/updated": "variant_changed",
        "sku/deleted": "variant_changed",
        "order/created": "order_created",
        "order/updated": "order_changed",
        "order/statusUpdated": "order_changed",
        "order/refund/created": "order_refunded",
    }
    if tail in families:
        return families[tail]
    if "inventory" in tail or "stock" in tail:
        return "stock_changed"
    return ""


def _product(params: dict) -> str:
    if params.get("product"):
        return params["product"]
    if params.get("remote_product_id"):
        return _("Product #%(id)s") % {"id": params["remote_product_id"]}
    return _("a product")


@message_register(WEBHOOK)
def webhook_received(params: dict) -> str:
    family = params.get("family", "")
    product, order = _product(params), params.get("order_id")
    said = {
        "product_created": lambda: _("%(product)s created in BigCommerce.") % {"product": product},
        "product_updated": lambda: _("%(product)s changed in BigCommerce.") % {"product": product},
        "product_deleted": lambda: _("%(product)s deleted in BigCommerce.") % {"product": product},
        "product_assigned": lambda: _("%(product)s added to a sales channel in BigCommerce.") % {"product": product},
        "product_unassigned": lambda: (
            _("%(product)s removed from a sales channel in BigCommerce.") % {"product": product}
        ),
        "variant_changed": lambda: _("A variant of %(product)s changed in BigCommerce.") % {"product": product},
        "stock_changed": lambda: _("Stock of %(product)s changed in BigCommerce.") % {"product": product},
        "order_created": lambda: _("Order #%(order)s placed in BigCommerce.") % {"order": order},
        "order_changed": lambda: _("Order #%(order)s changed in BigCommerce.") % {"order": order},
        "order_refunded": lambda: _("Order #%(order)s refunded in BigCommerce.") % {"order": order},
    }.get(family, lambda: _("BigCommerce sent an event."))()
    why = SKIP_REASONS.get(params.get("skipped", ""))
    return f"{said} {why()}" if why else said
