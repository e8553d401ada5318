"""The merchant's home (``/``): a few figures from the catalog and the till, each opening the
list behind it, and the BigCommerce connection's card."""

from django.shortcuts import render
from django.utils import timezone

from catalog.selectors import product_counts
from integrations.dashboard import bigcommerce_card
from inventory.selectors import ALL_SHOPS, low_stock_count, sales_summary
from portal.decorators import merchant_required
from portal.selectors import shop_in_query, shop_list


@merchant_required
def dashboard(request):
    merchant = request.merchant
    today = timezone.localdate()
    # One shop (``?shop=<id>``) or all of them (the default); another merchant's id shows all.
    shop = shop_in_query(merchant=merchant, value=request.GET.get("shop", ""))
    sales = sales_summary(merchant=merchant, day=today, shop=shop)
    figures = {
        "product_count": product_counts(merchant=merchant)["active"],
        "low_stock_count": low_stock_count(merchant=merchant, shop=shop or ALL_SHOPS),
        "sales_today": sales["count"],
        "sales_today_total": sales["total"],
    }
    cards = [html for html in (bigcommerce_card(request),) if html]
    shops = list(shop_list(merchant=merchant))
    context = {
        "figures": figures,
        "today": today,
        "cards": cards,
        "shop": shop,
        "shops": shops if len(shops) > 1 else [],
    }
    return render(request, "backoffice/dashboard.html", context)
