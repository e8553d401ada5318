from portal.models import Device, Merchant, Shop


def merchant_for_user(*, user) -> Merchant | None:
    if not user.is_authenticated:
        return None
    membership = getattr(user, "membership", None)
    return membership.merchant if membership else None


def device_list(*, merchant: Merchant):
    return Device.objects.filter(merchant=merchant).select_related("shop").order_by("revoked_at", "name", "id")


def shop_list(*, merchant: Merchant, active_only: bool = False):
    """The merchant's shops: the primary first, then by name."""
    shops = Shop.objects.filter(merchant=merchant)
    return shops.filter(is_active=True) if active_only else shops


def shop_get(*, merchant: Merchant, pk) -> Shop | None:
    return Shop.objects.filter(merchant=merchant, pk=pk).first()
