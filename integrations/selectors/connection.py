"""Reads of a connection and of its setup wizard. Everything a merchant can reach takes the merchant."""

from decimal import Decimal

from django.utils import formats

from catalog.models import Product
from integrations.models import BigCommerceConnection
from portal.models import Merchant, Shop

Status = BigCommerceConnection.Status


# Wizard steps, in order. A step is "done" when its answer is recorded.
# "locations" (each shop beside a BigCommerce location) only for a merchant with several active shops.
WIZARD_STEPS = ("connect", "managed_in", "prices", "products", "review", "locations", "finish")


def connection_for_merchant(*, merchant: Merchant) -> BigCommerceConnection | None:
    return BigCommerceConnection.objects.filter(merchant=merchant).first()


def connection_active_for_store(*, store_hash: str) -> BigCommerceConnection | None:
    return (
        BigCommerceConnection.objects.filter(store_hash=store_hash, status__in=BigCommerceConnection.ACTIVE_STATUSES)
        .select_related("merchant")
        .first()
    )


def connection_receiving_webhooks(*, store_hash: str) -> BigCommerceConnection | None:
    """The store's active connection, as a webhook delivery needs it: its id, status, merchant (its
    id) and webhook secret. Fifty deliveries a second each read it: not its other columns (tokens
    decrypted, pre-flight results and previews decoded from JSON, for nothing)."""
    return (
        BigCommerceConnection.objects.filter(store_hash=store_hash, status__in=BigCommerceConnection.ACTIVE_STATUSES)
        .select_related("merchant")
        .only("id", "status", "store_hash", "webhook_secret", "merchant", "merchant__id")
        .first()
    )


def connection_display_status(*, connection: BigCommerceConnection | None) -> str:
    """What the merchant sees: a disconnected connection reads as "Not connected"."""
    if connection is None or connection.status in (Status.NOT_CONNECTED, Status.DISCONNECTED):
        return Status.NOT_CONNECTED
    return connection.status


def wizard_steps(*, connection: BigCommerceConnection | None) -> list[str]:
    """The steps that apply to this connection (products step only when managed in Comptoir)."""
    steps = list(WIZARD_STEPS)
    if connection is not None and connection.managed_in == BigCommerceConnection.ManagedIn.BIGCOMMERCE:
        steps.remove("products")
    if not _other_shops(connection).exists():
        steps.remove("locations")
    return steps


def _other_shops(connection: BigCommerceConnection | None):
    """The merchant's active shops other than the primary one (each needs a location)."""
    merchant_id = connection.merchant_id if connection is not None else None
    return Shop.objects.filter(merchant_id=merchant_id, is_active=True, is_primary=False)


def wizard_step_done(*, connection: BigCommerceConnection | None, step: str) -> bool:
    if connection is None:
        return False
    if step == "connect":
        return connection.is_active and connection.has_token and connection.merchant_id is not None
    if step == "managed_in":
        return bool(connection.managed_in)
    if step == "prices":
        return connection.include_prices is not None
    if step == "products":
        return connection.managed_in == BigCommerceConnection.ManagedIn.BIGCOMMERCE or bool(connection.sync_scope)
    if step == "review":
        return connection.review_done_at is not None
    if step == "locations":
        return not _other_shops(connection).exclude(bigcommerce_locations__connection=connection).exists()
    if step == "finish":
        return connection.status in (Status.CONNECTED, Status.NEEDS_ATTENTION)
    raise ValueError(step)


def wizard_first_unfinished_step(*, connection: BigCommerceConnection | None) -> str:
    for step in wizard_steps(connection=connection):
        if not wizard_step_done(connection=connection, step=step):
            return step
    return "finish"


def wizard_step_allowed(*, connection: BigCommerceConnection | None, step: str) -> bool:
    """A step can be shown once every step before it is done (going back is always fine)."""
    steps = wizard_steps(connection=connection)
    if step not in steps:
        return False
    return steps.index(step) <= steps.index(wizard_first_unfinished_step(connection=connection))


def merchant_vat_rates(*, merchant: Merchant) -> list[Decimal]:
    rates = set(
        Product.objects.filter(merchant=merchant, is_archived=False).values_list("vat_rate", flat=True).distinct()
    )
    if not rates:
        rates = {merchant.default_vat_rate}
    return sorted(rates)


def tax_margin_effects(*, merchant: Merchant, price: int = 10000) -> list[dict]:
    """For each VAT rate: a price incl. VAT in Comptoir, read by BigCommerce as excl. tax.

    100 incl. 20 % VAT shown as 100 excl. tax becomes 120 incl. tax: the shopper pays 20 %
    more online; or, if the merchant lowers the online price to 100 incl. tax, the merchant
    receives 100/1.20 = 83.33 excl. tax instead of 100.
    """
    effects = []
    for rate in merchant_vat_rates(merchant=merchant):
        factor = 1 + rate / 100
        online_incl = int((Decimal(price) * factor).quantize(Decimal(1)))
        effects.append(
            {
                "rate": rate,
                "rate_label": formats.number_format(rate.normalize(), use_l10n=True),
                "price": price,
                "online_price": online_incl,
                "increase_percent": rate,
                "net_if_kept": int((Decimal(price) / factor).quantize(Decimal(1))),
            }
        )
    return effects
