"""Changes to every product of a merchant that the merchant's settings page makes."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, Variant
from catalog.signals import product_changed_mark
from portal.models import Merchant
from portal.money import MAX_PRICE, format_money, from_minor, minor_units, to_minor


def prices_rescale(*, merchant: Merchant, from_currency: str, to_currency: str) -> int:
    """Keep every price's figures when the currency's decimals change: 12.50 EUR (1250) is
    12.500 KWD (12500), or ¥13 (rounded half up: yen have no decimals).

    Returns how many products changed. Refuses (ValidationError) if a price would pass the bound.
    """
    if minor_units(from_currency) == minor_units(to_currency):
        return 0
    variants = list(Variant.objects.filter(merchant=merchant).select_related("product").order_by("product__name"))
    too_high = []
    for variant in variants:
        variant.price = to_minor(from_minor(variant.price, from_currency), to_currency)
        if variant.cost_price is not None:
            variant.cost_price = to_minor(from_minor(variant.cost_price, from_currency), to_currency)
        if max(variant.price, variant.cost_price or 0) > MAX_PRICE:
            too_high.append(variant.product.name)
    if too_high:
        raise ValidationError(
            _("In %(currency)s, the price of %(products)s would be above %(max)s. Lower it first.")
            % {
                "currency": to_currency,
                "products": ", ".join(f"“{name}”" for name in sorted(set(too_high))[:5]),
                "max": format_money(MAX_PRICE, to_currency),
            }
        )
    now = timezone.now()
    for variant in variants:
        variant.updated_at = now
    with transaction.atomic():
        Variant.objects.bulk_update(variants, ["price", "cost_price", "updated_at"], batch_size=500)
        product_ids = sorted({variant.product_id for variant in variants})
        for product_id in product_ids:
            product_changed_mark(merchant_id=merchant.pk, product_id=product_id, created=False)
    return len(product_ids)


def products_vat_rate_change(*, merchant: Merchant, old_rate: Decimal, new_rate: Decimal) -> int:
    """Give every product at ``old_rate`` the ``new_rate`` (a rate changed by law, or a mistake).

    Returns how many products changed.
    """
    if not Decimal(0) <= new_rate <= Decimal(100):
        raise ValidationError(_("A VAT rate is between 0 and 100%."))
    with transaction.atomic():
        product_ids = list(
            Product.objects.select_for_update()
            .filter(merchant=merchant, vat_rate=old_rate)
            .values_list("pk", flat=True)
        )
        if old_rate == new_rate or not product_ids:
            return 0
        Product.objects.filter(pk__in=product_ids).update(vat_rate=new_rate, updated_at=timezone.now())
        for product_id in product_ids:
            product_changed_mark(merchant_id=merchant.pk, product_id=product_id, created=False)
    return len(product_ids)
