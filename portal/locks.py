"""What keeps a merchant's currency from changing, said in words the settings page shows.

The portal does not know the apps that record money in the currency: each registers a check
in its ``AppConfig.ready()`` (the arrows point from the apps to the portal)::

    from portal.locks import currency_lock_register
    currency_lock_register(key="sales", check=sales_lock)  # check(merchant) -> reason or None
"""

from collections.abc import Callable

from portal.models import Merchant

CurrencyLock = Callable[[Merchant], str | None]

_checks: dict[str, CurrencyLock] = {}


def currency_lock_register(*, key: str, check: CurrencyLock) -> None:
    """Add (or replace, by key) a check that returns why the currency cannot change, or None."""
    _checks[key] = check


def currency_locks(*, merchant: Merchant) -> list[str]:
    """The reasons the merchant's currency cannot change now; empty when it can."""
    reasons = (check(merchant) for _key, check in sorted(_checks.items()))
    return [str(reason) for reason in reasons if reason]
