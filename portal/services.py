from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.iso import country_validate, currency_validate
from portal.models import Device, Membership, Merchant, User, device_token_hash
from portal.text import search_key


@transaction.atomic
def merchant_create(*, name: str, country: str, currency: str, default_vat_rate: Decimal, owner: User) -> Merchant:
    """A new merchant owned by ``owner``; country and currency must be real ISO codes."""
    merchant = Merchant.objects.create(
        name=name.strip(),
        country=country_validate(country),
        currency=currency_validate(currency),
        default_vat_rate=default_vat_rate,
    )
    Membership.objects.create(user=owner, merchant=merchant, role=Membership.Role.OWNER)
    return merchant


def merchant_for_update(*, merchant: Merchant) -> Merchant:
    """The merchant read again and locked until the transaction ends (one settings save at a time)."""
    return Merchant.objects.select_for_update().get(pk=merchant.pk)


@transaction.atomic
def merchant_update(
    *, merchant: Merchant, name: str, country: str, currency: str, default_vat_rate: Decimal
) -> Merchant:
    """Correct the business's details. The currency changes only while nothing locks it
    (``portal.locks``: sales, a connected store); prices then keep their figures."""
    from catalog.services import prices_rescale
    from portal.locks import currency_locks

    name = " ".join(name.split())
    if not name:
        raise ValidationError({"business_name": _("Enter your business name.")})
    if not Decimal(0) <= default_vat_rate <= Decimal(100):
        raise ValidationError({"default_vat_rate": _("A VAT rate is between 0 and 100%.")})
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
    currency = (currency or "").strip().upper()
    if currency != merchant.currency:
        currency = currency_validate(currency)
        locks = currency_locks(merchant=merchant)
        if locks:
            raise ValidationError({"currency": locks})
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


class DeviceNameTaken(ValueError):
    """Another active device of the merchant has this name (compared without case or accents)."""


def device_issue(*, merchant: Merchant, name: str) -> tuple[Device, str]:
    """Create a device and return it with its token, which is shown once and never stored.

    Names tell devices apart in sales and the stock history, so two active devices cannot
    share one; a revoked device's name is free again (the tablet that replaced it).
    """
    wanted = search_key(name)
    active = Device.objects.filter(merchant=merchant, revoked_at__isnull=True).values_list("name", flat=True)
    if any(search_key(existing) == wanted for existing in active):
        raise DeviceNameTaken(name.strip())
    token = Device.new_token()
    device = Device.objects.create(
        merchant=merchant, name=name.strip(), token_hash=device_token_hash(token), token_hint=token[-6:]
    )
    return device, token


def device_revoke(*, device: Device) -> None:
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])


def device_authenticate(*, token: str) -> Device | None:
    """The active device that owns this bearer token, or None."""
    if not token or not token.startswith(Device.TOKEN_PREFIX):
        return None
    device = (
        Device.objects.select_related("merchant")
        .filter(token_hash=device_token_hash(token), revoked_at__isnull=True)
        .first()
    )
    if device is not None:
        Device.objects.filter(pk=device.pk).update(last_used_at=timezone.now())
    return device
