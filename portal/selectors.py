from portal.models import Device, Merchant


def merchant_for_user(*, user) -> Merchant | None:
    if not user.is_authenticated:
        return None
    membership = getattr(user, "membership", None)
    return membership.merchant if membership else None


def device_list(*, merchant: Merchant):
    return Device.objects.filter(merchant=merchant).order_by("revoked_at", "name", "id")
