"""Sales list, sale detail (the receipt) and refunds with a confirmation step."""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from inventory.errors import InventoryError
from inventory.forms import RefundForm
from inventory.selectors import (
    refund_by_key,
    refund_list,
    sale_get,
    sale_lines_with_refunds,
    sale_refunds,
    sales_summary,
)
from inventory.selectors import sale_list as sale_list_query
from inventory.services import refund_create
from portal.decorators import merchant_required
from portal.selectors import shop_in_query, shop_list

PAGE_SIZE = 25


def _sale_or_404(request, pk):
    sale = sale_get(merchant=request.merchant, pk=pk)
    if sale is None:
        raise Http404
    return sale


def _day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


@require_GET
@merchant_required
def sale_list(request):
    """All sales, or one day's (``?day=YYYY-MM-DD``: the dashboard's cards) with its refunds and takings."""
    merchant = request.merchant
    day = _day(request.GET.get("day", ""))
    shop = shop_in_query(merchant=merchant, value=request.GET.get("shop", ""))  # None: every shop
    sales = sale_list_query(merchant=merchant, day=day, shop=shop)
    shops = list(shop_list(merchant=merchant))
    context = {
        "page": Paginator(sales, PAGE_SIZE).get_page(request.GET.get("page")),
        "day": day,
        "shop": shop,
        # With several shops: a column and a filter, as on the dashboard (one shop: neither).
        "shops": shops if len(shops) > 1 else [],
        "day_query": urlencode({"day": day.isoformat()}) if day else "",
        "page_query": urlencode({**({"day": day.isoformat()} if day else {}), **({"shop": shop.pk} if shop else {})}),
    }
    if day is not None:
        context["summary"] = sales_summary(merchant=merchant, day=day, shop=shop)
        context["refunds"] = refund_list(merchant=merchant, day=day, shop=shop)
    template = "inventory/sale_list.html#sales-table" if request.htmx else "inventory/sale_list.html"
    return render(request, template, context)


def _detail_context(sale, *, refund_form=None):
    lines = sale_lines_with_refunds(sale=sale)
    return {
        "sale": sale,
        "lines": lines,
        "refunds": sale_refunds(sale=sale),
        "refunded_total": sum(line.refunded_quantity * line.unit_price for line in lines),
        "refund_form": refund_form or RefundForm(lines=lines),
    }


@require_GET
@merchant_required
def sale_detail(request, pk):
    sale = _sale_or_404(request, pk)
    return render(request, "inventory/sale_detail.html", _detail_context(sale))


@require_POST
@merchant_required
def sale_refund(request, pk):
    """Step 1 (no ``confirm``): show what will be refunded. Step 2 (``confirm``): refund."""
    sale = _sale_or_404(request, pk)
    key = request.POST.get("idempotency_key", "")
    if request.POST.get("confirm") and key:
        # A second click on "Refund" (or a reload) finds the refund the first one recorded.
        already = refund_by_key(merchant=request.merchant, idempotency_key=f"web:{key}")
        if already is not None and already.sale_id == sale.pk:
            messages.info(request, _("Refund #%(id)s was already recorded.") % {"id": already.pk})
            return redirect("inventory:sale_detail", pk=sale.pk)
    lines = sale_lines_with_refunds(sale=sale)
    data = request.POST.copy()
    if data.get("full"):
        for line in lines:
            data[f"line_{line.pk}"] = str(line.refundable_quantity)
    form = RefundForm(data, lines=lines)
    if not form.is_valid():
        return render(request, "inventory/sale_detail.html", _detail_context(sale, refund_form=form), status=422)
    requested = form.requested()
    if not form.cleaned_data["confirm"]:
        context = {
            "sale": sale,
            "form": form,
            "requested": [(line, quantity, line.unit_price * quantity) for line, quantity in requested],
            "refund_total": sum(line.unit_price * quantity for line, quantity in requested),
        }
        return render(request, "inventory/refund_confirm.html", context)
    try:
        refund = refund_create(
            merchant=request.merchant,
            sale=sale,
            lines=requested,
            idempotency_key=f"web:{form.cleaned_data['idempotency_key']}",
            user=request.user,
        )
    except InventoryError as error:
        form.add_error(None, error.message)
        return render(request, "inventory/sale_detail.html", _detail_context(sale, refund_form=form), status=422)
    messages.success(request, _("Refund #%(id)s recorded.") % {"id": refund.pk})
    return redirect("inventory:sale_detail", pk=sale.pk)
