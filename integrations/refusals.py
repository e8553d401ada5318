"""Why a BigCommerce connection keeps a merchant's currency (``backoffice.refusals`` asks)."""

from django.utils.translation import gettext as _

from integrations.models import BigCommerceConnection
from portal.models import Merchant


def connection_currency_refusal(merchant: Merchant) -> str | None:
    """The wizard compared the two currencies to offer "include prices", a choice fixed for the
    life of the connection: changing one side's currency would make it wrong."""
    connection = (
        BigCommerceConnection.objects.filter(merchant=merchant, status__in=BigCommerceConnection.ACTIVE_STATUSES)
        .only("store_name", "store_hash")
        .first()
    )
    if connection is None:
        return None
    return _(
        "Your BigCommerce store %(store)s is connected, and whether prices are synced depends on both "
        "currencies. Disconnect it first to change the currency."
    ) % {"store": connection.store_name or connection.store_hash}
