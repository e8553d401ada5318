"""The webhook scopes BigCommerce has (docs: integrations/webhooks/events, events/channels,
events/inventory-location), and which subscriptions match which fired scope.

A subscription names a real scope, a documented family wildcard (`store/product/*`), or a
channel scope with a channel id or `*` in its place (`store/channel/*/order/created`,
`store/channel/*/inventory/product/stock_changed`). Anything else is refused with 422.
"""

from __future__ import annotations

import re

STORE_SCOPES = """
store/app/uninstalled
store/brand/created store/brand/updated store/brand/deleted
store/brand/metafield/created store/brand/metafield/updated store/brand/metafield/deleted
store/cart/created store/cart/updated store/cart/deleted store/cart/couponApplied store/cart/abandoned
store/cart/converted store/cart/lineItem/created store/cart/lineItem/updated store/cart/lineItem/deleted
store/cart/metafield/created store/cart/metafield/updated store/cart/metafield/deleted
store/category/created store/category/updated store/category/deleted
store/category/metafield/created store/category/metafield/updated store/category/metafield/deleted
store/customer/created store/customer/updated store/customer/deleted
store/customer/address/created store/customer/address/updated store/customer/address/deleted
store/customer/payment/instrument/default/updated
store/hook/deliveryException
store/information/updated
store/inventory/location/created store/inventory/location/updated
store/inventory/location/metafield/created store/inventory/location/metafield/updated
store/inventory/location/metafield/deleted
store/metafield/created store/metafield/updated store/metafield/deleted
store/modifier/updated store/option/updated
store/order/created store/order/updated store/order/archived store/order/statusUpdated
store/order/message/created store/order/refund/created store/order/transaction/created
store/order/transaction/updated
store/order/metafield/created store/order/metafield/updated store/order/metafield/deleted
store/product/created store/product/updated store/product/deleted
store/product/inventory/updated store/product/inventory/order/updated
store/product/metafield/created store/product/metafield/updated store/product/metafield/deleted
store/product/variant/metafield/created store/product/variant/metafield/updated
store/product/variant/metafield/deleted
store/shipment/created store/shipment/updated store/shipment/deleted
store/sku/created store/sku/updated store/sku/deleted
store/sku/inventory/updated store/sku/inventory/order/updated
store/subscriber/created store/subscriber/updated store/subscriber/deleted
store/channel/created store/channel/updated
store/channel/metafield/created store/channel/metafield/updated store/channel/metafield/deleted
""".split()
# Scopes under store/channel/{channel_id}/ (the part after the id).
CHANNEL_SCOPES = """
cart/created cart/updated cart/deleted cart/couponApplied cart/abandoned cart/converted
cart/lineItem/created cart/lineItem/updated cart/lineItem/deleted
category/created category/updated category/deleted category/product/assigned category/product/unassigned
categoryTree/updated email/templates/updated email/templates/deleted
notifications/abandonedCart/updated notifications/inventory/updated
order/created order/updated order/archived order/statusUpdated order/message/created order/refund/created
page/created page/updated product/assigned product/unassigned script/created script/updated
settings/SEO/updated settings/catalog/updated settings/category/updated settings/checkout/updated
settings/currency/updated settings/customerPrivacy/updated settings/defaultCustomerGroup/updated
settings/emailStatus/updated settings/emailStatus/deleted settings/favicon/image/updated
settings/locale/added settings/locale/updated settings/locale/deleted settings/logo/updated
settings/logo/image/updated settings/product/updated settings/profile/updated settings/robots/updated
settings/route/updated settings/searchContextFilters/updated settings/security/updated
settings/site/updated settings/site/checkoutUrl/updated settings/site/checkoutUrl/deleted
socialMediaLinks/updated theme/configuration/created theme/configuration/activated
inventory/product/stock_changed inventory/product/low_stock_reached inventory/product/out_of_stock_reached
inventory/product/settings_changed
""".split()
# Family wildcards the events docs list.
FAMILIES = """
store/brand/metafield store/cart store/cart/lineItem store/category store/customer store/customer/address
store/inventory/location/metafield store/metafield store/order store/product store/product/metafield
store/product/variant/metafield store/shipment store/sku store/subscriber store/channel
""".split()
CHANNEL_FAMILIES = ("cart", "cart/lineItem", "category", "order", "settings")

_CHANNEL = re.compile(r"^store/channel/(\d+|\*)/(.+)$")


def is_valid_scope(scope: str) -> bool:
    if scope in STORE_SCOPES or (scope.endswith("/*") and scope[:-2] in FAMILIES):
        return True
    found = _CHANNEL.match(scope)
    if not found:
        return False
    rest = found.group(2)
    return rest in CHANNEL_SCOPES or (rest.endswith("/*") and rest[:-2] in CHANNEL_FAMILIES)


def scope_matches(subscribed: str, scope: str) -> bool:
    """Does a subscription to `subscribed` receive an event fired as `scope`? A `*` segment
    stands for one channel id; a trailing `/*` for everything below."""
    want, got = subscribed.split("/"), scope.split("/")
    if want[-1] == "*" and len(got) > len(want) - 1:
        want, got = want[:-1], got[: len(want) - 1]
    if len(want) != len(got):
        return False
    return all(w == g or (w == "*" and g.isdigit()) for w, g in zip(want, got, strict=True))
