from portal.ids import id_parse
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


def shop_in_query(*, merchant: Merchant, value: str) -> Shop | None:
    """The merchant's shop named by a ``?shop=<id>`` filter, or None (absent, not a number, another
    merchant's): the lists and the dashboard then show every shop."""
    pk = id_parse(value)
    return shop_get(merchant=merchant, pk=pk) if pk is not None else None
