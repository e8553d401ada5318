"""The business's details and the currency change, which asks the apps that record money."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from backoffice.refusals import currency_refusals
from catalog.services import prices_rescale
from portal.iso import country_validate, currency_validate
from portal.models import Merchant


@transaction.atomic
def merchant_update(
    *, merchant: Merchant, name: str, country: str, currency: str, default_vat_rate: Decimal
) -> Merchant:
    """Correct the business's details. The currency changes only while nothing refuses it
    (``backoffice.refusals``: sales, a connected store); prices then keep their figures."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"business_name": _("Enter your business name.")})
    if not Decimal(0) <= default_vat_rate <= Decimal(100):
        raise ValidationError({"default_vat_rate": _("A VAT rate is between 0 and 100%.")})
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    currency = (currency or "").strip().upper()
    if currency != merchant.currency:
        currency = currency_validate(currency)
        refusals = currency_refusals(merchant=merchant)
        if refusals:
            raise ValidationError({"currency": refusals})
        try:
            prices_rescale(merchant=merchant, from_currency=merchant.currency, to_currency=currency)
        except ValidationError as exc:
            raise ValidationError({"currency": exc.messages}) from exc
    merchant.name = name
    merchant.country = country_validate(country)
    merchant.currency = currency
    merchant.default_vat_rate = default_vat_rate
    merchant.settings_version = F("settings_version") + 1
    merchant.save(update_fields=["name", "country", "currency", "default_vat_rate", "settings_version"])
    merchant.refresh_from_db(fields=["settings_version"])
    return merchant
