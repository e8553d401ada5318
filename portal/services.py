from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal.iso import country_validate, currency_validate
from portal.models import Device, Membership, Merchant, Shop, User, device_token_hash
from portal.signals import shop_saved_send_on_commit
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
    shop_primary(merchant=merchant)  # every merchant has its primary shop from the start
    return merchant


PRIMARY_SHOP_CACHE = "_primary_shop"


def shop_primary(*, merchant: Merchant) -> Shop:
    """The merchant's primary shop: where the stock of callers that have no shop of their own goes
    (online orders, BigCommerce edits, reconciliation: until issue 19 maps each shop to a
    BigCommerce location, the connector reads and writes this shop's levels only).

    Created with the merchant (``merchant_create``; the migration gave one to older merchants); a
    merchant made some other way (the admin) gets it here, named after the business. Remembered on
    the merchant instance: the primary shop never changes, so a task's many calls read it once."""
    cached = merchant.__dict__.get(PRIMARY_SHOP_CACHE)
    if cached is not None:
        return cached
    shop = Shop.objects.filter(merchant=merchant, is_primary=True).first()
    if shop is None:
        # get_or_create inserts in a savepoint; a concurrent insert loses on the one-primary constraint.
        shop, _created = Shop.objects.get_or_create(
            merchant=merchant,
            is_primary=True,
            defaults={"name": merchant.name[:100], "country": merchant.country},
        )
    merchant.__dict__[PRIMARY_SHOP_CACHE] = shop
    return shop


def merchant_for_update(*, merchant: Merchant) -> Merchant:
    """The merchant read again and locked until the transaction ends (one settings save at a time)."""
    return Merchant.objects.select_for_update().get(pk=merchant.pk)


class ShopNameTaken(ValueError):
    """Another shop of the merchant has this name (compared without case or accents)."""


SHOP_FIELDS = ("name", "address_line1", "address_line2", "city", "postal_code", "country")


def _shop_name_check(*, merchant: Merchant, name: str, exclude: int | None = None) -> str:
    name = name.strip()
    others = Shop.objects.filter(merchant=merchant).exclude(pk=exclude).values_list("name", flat=True)
    if any(search_key(other) == search_key(name) for other in others):
        raise ShopNameTaken(name)
    return name


@transaction.atomic
def shop_create(*, merchant: Merchant, name: str, country: str = "", **address) -> Shop:
    """A new (not primary) shop; its country defaults to the merchant's."""
    merchant = merchant_for_update(merchant=merchant)  # one shop name check at a time
    shop = Shop.objects.create(
        merchant=merchant,
        name=_shop_name_check(merchant=merchant, name=name),
        country=country_validate(country or merchant.country),
        **{field: (address.get(field) or "").strip() for field in SHOP_FIELDS[1:5]},
    )
    shop_saved_send_on_commit(shop=shop, created=True)  # a BigCommerce location for it, if connected
    return shop


@transaction.atomic
def shop_update(*, shop: Shop, name: str, country: str, **address) -> Shop:
    """Rename a shop or change its address (its stock, history and devices stay)."""
    merchant_for_update(merchant=shop.merchant)
    shop.name = _shop_name_check(merchant=shop.merchant, name=name, exclude=shop.pk)
    shop.country = country_validate(country)
    for field in SHOP_FIELDS[1:5]:
        setattr(shop, field, (address.get(field) or "").strip())
    shop.save(update_fields=list(SHOP_FIELDS))
    shop_saved_send_on_commit(shop=shop)
    return shop


class PrimaryShopStays(ValueError):
    """The primary shop cannot be deactivated (the database refuses it too)."""


def shop_active_set(*, shop: Shop, active: bool) -> Shop:
    """Deactivate a shop (or bring it back). A deactivated shop sells nothing: the Register leaves
    it and its devices' sales are refused; its stock and history stay, readable, unchanged."""
    if shop.is_primary and not active:
        raise PrimaryShopStays(shop.name)
    if shop.is_active != active:
        shop.is_active = active
        shop.save(update_fields=["is_active"])
        shop_saved_send_on_commit(shop=shop)
    return shop


class DeviceNameTaken(ValueError):
    """Another active device of the merchant has this name (compared without case or accents)."""


class ShopInactive(ValueError):
    """The shop is deactivated: nothing sells there any more (its stock stays readable)."""


def device_issue(*, merchant: Merchant, name: str, shop: Shop | None = None) -> tuple[Device, str]:
    """Create a device that sells in ``shop`` (the primary shop when the merchant has no other)
    and return it with its token, which is shown once and never stored.

    Names tell devices apart in sales and the stock history, so two active devices cannot
    share one; a revoked device's name is free again (the tablet that replaced it).
    """
    wanted = search_key(name)
    active = Device.objects.filter(merchant=merchant, revoked_at__isnull=True).values_list("name", flat=True)
    if any(search_key(existing) == wanted for existing in active):
        raise DeviceNameTaken(name.strip())
    shop = shop or shop_primary(merchant=merchant)
    if shop.merchant_id != merchant.pk:
        raise ValueError("the shop is another merchant's")
    if not shop.is_active:
        raise ShopInactive(shop.name)
    token = Device.new_token()
    device = Device.objects.create(
        merchant=merchant, shop=shop, name=name.strip(), token_hash=device_token_hash(token), token_hint=token[-6:]
    )
    return device, token


class ShopNotTheMerchants(ValueError):
    """The shop belongs to another merchant than the device."""


def device_move(*, device: Device, shop: Shop) -> Device:
    """Move the device to another active shop of its merchant: its later sales and refunds move
    that shop's stock. What it recorded before stays where it was made (each sale and refund
    keeps its own shop)."""
    if shop.merchant_id != device.merchant_id:
        raise ShopNotTheMerchants(shop.name)
    if not shop.is_active:
        raise ShopInactive(shop.name)
    if device.shop_id != shop.pk:
        device.shop = shop
        device.save(update_fields=["shop"])
    return device


def device_revoke(*, device: Device) -> None:
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])


DEVICE_USE_RESOLUTION = timedelta(minutes=1)


def device_authenticate(*, token: str) -> Device | None:
    """The active device that owns this bearer token, or None."""
    if not token or not token.startswith(Device.TOKEN_PREFIX):
        return None
    device = (
        Device.objects.select_related("merchant", "shop")
        .filter(token_hash=device_token_hash(token), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if device is not None and (device.last_used_at is None or now - device.last_used_at >= DEVICE_USE_RESOLUTION):
        # "Last used" reads in minutes: a till selling every second writes it once a minute, not per sale.
        Device.objects.filter(pk=device.pk).update(last_used_at=now)
    return device
