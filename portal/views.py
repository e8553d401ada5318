from django.shortcuts import render
from django.utils import timezone

from catalog.selectors import product_counts
from inventory.selectors import low_stock_count, sales_summary
from portal.decorators import merchant_required


@merchant_required
def dashboard(request):
    """The merchant's home: a few figures from the catalog and the till (portal composes the apps)."""
    merchant = request.merchant
    sales = sales_summary(merchant=merchant, day=timezone.localdate())
    figures = {
        "product_count": product_counts(merchant=merchant)["active"],
        "low_stock_count": low_stock_count(merchant=merchant),
        "sales_today": sales["count"],
        "sales_today_total": sales["total"],
    }
    return render(request, "portal/dashboard.html", {"figures": figures})
