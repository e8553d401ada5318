"""Why the inventory refuses to change a merchant's currency (``backoffice.refusals`` asks)."""

from django.utils.translation import gettext as _

from inventory.models import Sale
from portal.models import Merchant


def sales_currency_refusal(merchant: Merchant) -> str | None:
    """Sales and refunds are amounts in the currency they were made in: it cannot change under them."""
    if not Sale.objects.filter(merchant=merchant).exists():
        return None
    return _(
        "Sales are recorded in %(currency)s: their totals and refunds would no longer add up in another currency."
    ) % {"currency": merchant.currency}
