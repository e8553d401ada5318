"""Why a merchant's currency cannot change now, in words the settings page and the admin show.

Sales and refunds are amounts in the currency they were made in (``inventory.refusals``); a
connected BigCommerce store compared both currencies when it was set up (``integrations.refusals``).
"""

from integrations.refusals import connection_currency_refusal
from inventory.refusals import sales_currency_refusal
from portal.models import Merchant


def currency_refusals(*, merchant: Merchant) -> list[str]:
    """The reasons the merchant's currency cannot change now; empty when it can."""
    reasons = (check(merchant) for check in (connection_currency_refusal, sales_currency_refusal))
    return [str(reason) for reason in reasons if reason]
