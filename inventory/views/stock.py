"""The stock section of a product page (``catalog/products/<pk>/stock/``)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from inventory.errors import InventoryError
from inventory.forms import AdjustForm, SetCountsForm, TrackingForm
from inventory.models import StockOrigin
from inventory.selectors import low_stock_variants, movement_list, product_list, product_stock_variants
from inventory.services import stock_adjust, stock_set, stock_tracking_set
from portal.decorators import merchant_required

HISTORY_PAGE_SIZE = 20
LOW_STOCK_PAGE_SIZE = 50
TEMPLATE = "inventory/product_stock.html"


@merchant_required
def product_stock(request, pk):
    merchant = request.merchant
    product = get_object_or_404(product_list(merchant=merchant), pk=pk)
    variants = product_stock_variants(merchant=merchant, product=product)
    forms = {"counts_form": None, "adjust_form": None, "tracking_form": None}
    confirm_untrack = False

    if request.method == "POST":
        action = request.POST.get("action")
        if action == "tracking":
            form = TrackingForm(request.POST)
            form.is_valid()  # two booleans: always valid
            enabled = form.cleaned_data["track_stock"]
            if not enabled and product.track_stock and not form.cleaned_data["confirm"]:
                confirm_untrack = True  # ask first: turning tracking off stops counting stock
            else:
                stock_tracking_set(merchant=merchant, product=product, enabled=enabled)
                messages.success(
                    request,
                    _("Stock tracking is on. Check the counts below.") if enabled else _("Stock tracking is off."),
                )
                return _done(request, product)
        elif action == "set_counts":
            form = SetCountsForm(request.POST, variants=variants)
            forms["counts_form"] = form
            if form.is_valid() and _set_counts(request, product, form):
                return _done(request, product)
        elif action == "adjust":
            form = AdjustForm(request.POST, variants=variants)
            forms["adjust_form"] = form
            if form.is_valid() and _adjust(request, form):
                return _done(request, product)
        else:
            return HttpResponseBadRequest(_("Unknown action."))

    return _render(request, product, variants, confirm_untrack=confirm_untrack, **forms)


def _set_counts(request, product, form) -> bool:
    changes = form.changed_counts()
    if not changes:
        messages.info(request, _("No count changed."))
        return True
    key = form.cleaned_data["idempotency_key"]
    reason = form.cleaned_data["reason"] or _("Stock count")
    try:
        with transaction.atomic():  # all counts or none
            for variant, quantity in changes:
                stock_set(
                    merchant=request.merchant,
                    variant=variant,
                    quantity=quantity,
                    origin=StockOrigin.MANUAL_COMPTOIR,
                    idempotency_key=f"web:{key}:count:{variant.pk}",
                    reason=reason,
                    user=request.user,
                )
    except InventoryError as error:
        form.add_error(None, error.message)
        return False
    messages.success(
        request,
        ngettext("Stock count saved for %(n)s variant.", "Stock counts saved for %(n)s variants.", len(changes))
        % {"n": len(changes)},
    )
    return True


def _adjust(request, form) -> bool:
    try:
        movement = stock_adjust(
            merchant=request.merchant,
            variant=form.cleaned_data["variant"],
            delta=form.cleaned_data["delta"],
            origin=StockOrigin.MANUAL_COMPTOIR,
            idempotency_key=f"web:{form.cleaned_data['idempotency_key']}",
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
    except InventoryError as error:
        form.add_error("delta" if error.field == "delta" else None, error.message)
        return False
    messages.success(
        request,
        _("Stock changed by %(delta)+d; new level %(level)s.")
        % {
            "delta": movement.delta,
            "level": movement.level_after,
        },
    )
    return True


def _done(request, product):
    """After a change: a fresh section for htmx, a redirect (POST/redirect/GET) otherwise."""
    if request.htmx:
        variants = product_stock_variants(merchant=request.merchant, product=product)
        return _render(request, product, variants)
    return redirect("inventory:product_stock", pk=product.pk)


def _render(
    request, product, variants, *, counts_form=None, adjust_form=None, tracking_form=None, confirm_untrack=False
):
    history = Paginator(movement_list(merchant=request.merchant, product=product), HISTORY_PAGE_SIZE)
    context = {
        "product": product,
        "variants": variants,
        "has_negative": any(v.stock_quantity < 0 for v in variants),
        "counts_form": counts_form or SetCountsForm(variants=variants),
        "adjust_form": adjust_form or AdjustForm(variants=variants),
        "tracking_form": tracking_form or TrackingForm(initial={"track_stock": product.track_stock}),
        "confirm_untrack": confirm_untrack,
        "history": history.get_page(request.GET.get("page")),
    }
    template = f"{TEMPLATE}#stock-section" if request.htmx else TEMPLATE
    return render(request, template, context)


@require_GET
@merchant_required
def low_stock(request):
    """The variants behind the dashboard's "low or out of stock" figure."""
    variants = low_stock_variants(merchant=request.merchant)
    page = Paginator(variants, LOW_STOCK_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inventory/low_stock.html", {"page": page})
