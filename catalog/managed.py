"""Products whose fields another system owns (``Product.managed_in``, e.g. "BigCommerce").

The catalog knows which fields such a system may own; the system that owns them (the
integrations app) may narrow the set per product by registering a provider in its
``AppConfig.ready()`` (e.g. prices are Comptoir's when prices are not synced). Forms show
these fields read-only, the services refuse changes to them unless the change comes from the
owning system. Stock and stock tracking always stay Comptoir's.
"""

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

NAME = "name"
DESCRIPTION = "description"
WEIGHT = "shipping_weight_grams"
LOW_STOCK = "low_stock_level"
VARIANTS = "variants"  # options, option values, variants and their SKUs
PRICES = "prices"  # price and cost price of the variants
IMAGES = "images"

SYNCED_FIELDS = frozenset({NAME, DESCRIPTION, WEIGHT, LOW_STOCK, VARIANTS, PRICES, IMAGES})
FIELD_LABELS = {
    NAME: _("name"),
    DESCRIPTION: _("description"),
    WEIGHT: _("weight"),
    LOW_STOCK: _("low stock level"),
    VARIANTS: _("options, variants and SKUs"),
    PRICES: _("prices"),
    IMAGES: _("images"),
}

Provider = Callable[..., frozenset[str]]
_providers: list[Provider] = []


def managed_fields_provider_register(provider: Provider) -> None:
    """``provider(product=, fields=)`` returns the fields that stay managed elsewhere."""
    if provider not in _providers:
        _providers.append(provider)


def product_managed_fields(*, product) -> frozenset[str]:
    """The fields of ``product`` that Comptoir may not change (empty for a product of Comptoir's)."""
    if not product.managed_in:
        return frozenset()
    fields = SYNCED_FIELDS
    for provider in _providers:
        fields = frozenset(provider(product=product, fields=fields)) & SYNCED_FIELDS
    return fields
