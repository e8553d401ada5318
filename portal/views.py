from django.shortcuts import render
from django.utils import timezone

from catalog.selectors import product_counts
from inventory.selectors import low_stock_count, sales_summary
from portal.dashboard import dashboard_cards_render
from portal.decorators import merchant_required


@merchant_required
def dashboard(request):
    """The merchant's home: a few figures from the catalog and the till, each opening the list
    behind it, and the cards other apps add (portal composes the apps)."""
    merchant = request.merchant
    today = timezone.localdate()
    sales = sales_summary(merchant=merchant, day=today)
    figures = {
        "product_count": product_counts(merchant=merchant)["active"],
        "low_stock_count": low_stock_count(merchant=merchant),
        "sales_today": sales["count"],
        "sales_today_total": sales["total"],
    }
    context = {"figures": figures, "today": today, "cards": dashboard_cards_render(request=request)}
    return render(request, "portal/dashboard.html", context)
