"""The merchant's home (``/``): a few figures from the catalog and the till, each opening the
list behind it, and the BigCommerce connection's card."""

from django.shortcuts import render
from django.utils import timezone

from catalog.selectors import product_counts
from integrations.dashboard import bigcommerce_card
from inventory.selectors import low_stock_count, sales_summary
from portal.decorators import merchant_required


@merchant_required
def dashboard(request):
    merchant = request.merchant
    today = timezone.localdate()
    sales = sales_summary(merchant=merchant, day=today)
    figures = {
        "product_count": product_counts(merchant=merchant)["active"],
        "low_stock_count": low_stock_count(merchant=merchant),
        "sales_today": sales["count"],
        "sales_today_total": sales["total"],
    }
    cards = [html for html in (bigcommerce_card(request),) if html]
    context = {"figures": figures, "today": today, "cards": cards}
    return render(request, "backoffice/dashboard.html", context)
