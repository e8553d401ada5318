from portal.models import Device, Merchant


def merchant_for_user(*, user) -> Merchant | None:
    if not user.is_authenticated:
        return None
    membership = getattr(user, "membership", None)
    return membership.merchant if membership else None


def device_list(*, merchant: Merchant):
    return Device.objects.filter(merchant=merchant).order_by("revoked_at", "name", "id")


def merchant_dashboard_figures(*, merchant: Merchant) -> dict:
    """Headline figures for the dashboard, in a constant number of queries."""
    from django.db.models import Count, Q, Sum
    from django.utils import timezone

    from catalog.models import Product
    from inventory.models import Sale

    products = Product.objects.filter(merchant=merchant).aggregate(
        total=Count("id"),
        tracked=Count("id", filter=Q(track_stock=True)),
    )
    today = timezone.localdate()
    sales = Sale.objects.filter(merchant=merchant, created_at__date=today).aggregate(
        count=Count("id"), total=Sum("total")
    )
    return {
        "product_count": products["total"],
        "tracked_count": products["tracked"],
        "sales_today": sales["count"],
        "sales_today_total": sales["total"] or 0,
    }
