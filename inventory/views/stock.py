"""The stock section of a product page (``catalog/products/<pk>/stock/``).

It works in one of the merchant's shops (``location``: the shop chosen with the switcher, as the
Register's), whose counts, adjustments, split and history it shows and changes; with several
shops a table gives each shop's level and the total (a deactivated shop's, read-only, too).
``shop`` here is the *online* shop (``inventory.online``), as before shops existed."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET
from django_htmx.http import reswap

from inventory.errors import InventoryError
from inventory.forms import (
    AdjustForm,
    MergeForm,
    SetCountsForm,
    SplitForm,
    TrackingForm,
    split_stored,
    split_value_display,
    split_value_label,
)
from inventory.models import Allocation, StockOrigin
from inventory.online import DEFAULT_SHOP_NAME, MovementLink, movement_links, online_shop
from inventory.reasons import ReasonCode
from inventory.selectors import (
    ALL_SHOPS,
    low_stock_variants,
    movement_list,
    product_list,
    product_stock_by_shop,
    product_stock_variants,
    product_stock_version,
)
from inventory.services import (
    product_stock_lock,
    product_stock_split_disable,
    product_stock_split_set,
    stock_adjust,
    stock_set,
    stock_tracking_set,
)
from inventory.views import transfers
from portal.decorators import merchant_required
from portal.edits import EditMerge, edit_conflict_rows, edit_merge
from portal.ids import id_parse
from portal.selectors import shop_get, shop_in_query, shop_list
from portal.shops import shop_current

HISTORY_PAGE_SIZE = 20
LINKED_REASONS = frozenset({ReasonCode.SALE, ReasonCode.REFUND})
LOW_STOCK_PAGE_SIZE = 50
TEMPLATE = "inventory/product_stock.html"


@merchant_required
def product_stock(request, pk):
    merchant = request.merchant
    product = get_object_or_404(product_list(merchant=merchant), pk=pk)
    request.location = _location(request)
    variants = _variants(request, product)
    shop = online_shop(merchant=merchant, product=product)
    forms = {"counts_form": None, "adjust_form": None, "tracking_form": None, "split_form": None, "merge_form": None}
    forms["transfer_form"] = None
    confirm_untrack = False
    split_conflicts = []

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
                messages.success(request, _tracking_message(enabled=enabled, shop=shop))
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
        elif action == "transfer":
            form = forms["transfer_form"] = transfers.transfer_form(request, variants, data=request.POST)
            if form is None:
                return HttpResponseBadRequest(_("Transfers need two active shops."))
            if form.is_valid() and transfers.product_transfer(request, form):
                return _done(request, product)
        elif action in ("split", "merge") and not product.track_stock:
            messages.error(request, _("Stock is not tracked for this product. Turn stock tracking on first."))
            return _done(request, product)
        elif action == "split":
            form = SplitForm(request.POST, variants=variants, shop_name=_shop_name(shop))
            forms["split_form"] = form
            if form.is_valid():
                if form.cleaned_data["split"]:
                    # The merge reads the stored allocations under the lock its write takes: an
                    # online order landing in between waits, rather than being written over.
                    with transaction.atomic():
                        product_stock_lock(merchant=merchant, product=product, shop=request.location)
                        merge = _split_merge(request, product, form)
                        if merge.conflicts:
                            forms["split_form"], split_conflicts = _split_conflict(request, product, form, merge)
                            saved = False
                        else:
                            saved = _split(request, product, form, shop_name=_shop_name(shop), merge=merge)
                    if saved:
                        return _done(request, product)
                elif _is_split(variants):
                    forms["merge_form"] = MergeForm()  # unticked: ask before merging
                else:
                    messages.info(request, _("The stock of this product is not split."))
                    return _done(request, product)
        elif action == "merge":
            if request.POST.get("confirm"):
                form = MergeForm(request.POST)
                if not form.is_valid():
                    messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
                elif _merge(request, product, form):
                    return _done(request, product)
            forms["merge_form"] = MergeForm()  # (again) the question, with the merged stock
        else:
            return HttpResponseBadRequest(_("Unknown action."))

    return _render(
        request, product, variants, shop=shop, confirm_untrack=confirm_untrack, split_conflicts=split_conflicts, **forms
    )


def _tracking_message(*, enabled: bool, shop) -> str:
    if enabled:
        return _("Stock tracking is on. Check the counts below.")
    if shop and shop.synced:
        return _(
            "Stock tracking is off. %(shop)s keeps tracking its own stock of this product: the website stops "
            "selling it at 0."
        ) % {"shop": shop.name}
    return _("Stock tracking is off.")


def _online_levels(variants) -> list[tuple[str, int]]:
    """What the online shop shows for each variant (its level, never below 0), for the tracking question."""
    return [(variant.label or variant.product.name, max(0, _online_level(variant))) for variant in variants]


def _location(request):
    """The shop in ``?shop=`` (every form of the page posts to its URL with it, so a switch in another
    tab never moves a count elsewhere; a deactivated shop shows read-only), else the current shop."""
    pk = id_parse(request.GET.get("shop", ""))
    return (shop_get(merchant=request.merchant, pk=pk) if pk is not None else None) or shop_current(request)


def _stock_url(request, product, *, several: bool) -> str:
    """The page's URL, with the shop it shows when the merchant has several."""
    url = reverse("inventory:product_stock", args=[product.pk])
    return f"{url}?shop={request.location.pk}" if several else url


def _variants(request, product):
    return product_stock_variants(merchant=request.merchant, product=product, shop=request.location)


def _by_shop(request, product, variants) -> dict:
    """With several shops: each shop's level of each variant and the total (the shops switched
    to change the forms; a deactivated shop's level stays visible)."""
    shops = list(shop_list(merchant=request.merchant))
    if len(shops) < 2:
        return {"shops": shops, "shop_rows": None}
    levels = product_stock_by_shop(merchant=request.merchant, product=product)
    rows = [
        {
            "variant": variant,
            "levels": [(s, levels.get((variant.pk, s.pk), 0)) for s in shops],
            "total": sum(levels.get((variant.pk, s.pk), 0) for s in shops),
        }
        for variant in variants
    ]
    return {"shops": shops, "active_shops": [s for s in shops if s.is_active], "shop_rows": rows}


def _is_split(variants) -> bool:
    return any(variant.stock_online_quantity is not None for variant in variants)


def _online_level(variant) -> int:
    return variant.stock_quantity if variant.stock_online_quantity is None else variant.stock_online_quantity


def _shop_name(shop) -> str:
    """How the page names the online shop: "BigCommerce" when the product is synced to it."""
    return shop.name if shop and shop.synced else str(DEFAULT_SHOP_NAME)


def _split_merge(request, product, form) -> EditMerge:
    """This form's allocations merged with the stored ones (STYLE rule 18): an allocation it did
    not change stays as stored now (an online order since, another tab's save)."""
    variants = _variants(request, product)
    stored = split_stored(variants=variants, version=product_stock_version(merchant=request.merchant, product=product))
    return edit_merge(opened=form.edit_opened(), mine=form.edit_values(), theirs=stored)


def _split_conflict(request, product, form, merge: EditMerge):
    """Both changed the same allocation: nothing is written; the form opens again at the stored
    version, with the stored allocation and this form's other changes, and both values shown."""
    merchant = request.merchant
    variants = _variants(request, product)
    shop_name = form.shop_name
    fresh = SplitForm(variants=variants, shop_name=shop_name)
    fresh.show_values(merge.values)
    fresh.edit_base_set(
        split_stored(variants=variants, version=product_stock_version(merchant=merchant, product=product))
    )
    rows = edit_conflict_rows(
        merge.conflicts,
        label=lambda key: split_value_label(key, variants=variants, shop_name=shop_name),
        display=split_value_display,
    )
    return fresh, rows


def _split(request, product, form, *, shop_name: str, merge: EditMerge) -> bool:
    try:
        movements = product_stock_split_set(
            merchant=request.merchant,
            product=product,
            allocations=form.allocations_from(merge.values),
            idempotency_key=f"web:{form.cleaned_data['idempotency_key']}:split",
            user=request.user,
            shop=request.location,
        )
    except InventoryError as error:
        form.add_error(None, error.message)
        return False
    if movements:
        messages.success(
            request,
            ngettext(
                "Stock split saved for %(n)s variant: in-store sales now sell from Comptoir's allocation, "
                "online orders from %(shop)s's.",
                "Stock split saved for %(n)s variants: in-store sales now sell from Comptoir's allocation, "
                "online orders from %(shop)s's.",
                len(movements),
            )
            % {"n": len(movements), "shop": shop_name},
        )
    else:
        messages.info(request, _("No allocation changed."))
    return True


def _merge(request, product, form) -> bool:
    try:
        movements = product_stock_split_disable(
            merchant=request.merchant,
            product=product,
            idempotency_key=f"web:{form.cleaned_data['idempotency_key']}:merge",
            user=request.user,
            shop=request.location,
        )
    except InventoryError as error:
        messages.error(request, error.message)
        return False
    if movements:
        messages.success(request, _("Stock split disabled: the allocations are merged into one shared stock."))
    else:
        messages.info(request, _("The stock of this product is not split."))
    return True


def _set_counts(request, product, form) -> bool:
    changes = form.changed_counts()
    if not changes:
        messages.info(request, _("No count changed."))
        return True
    key = form.cleaned_data["idempotency_key"]
    note = form.cleaned_data["reason"]
    try:
        with transaction.atomic():  # all counts or none
            for variant, quantity in changes:
                stock_set(
                    merchant=request.merchant,
                    variant=variant,
                    quantity=quantity,
                    origin=StockOrigin.MANUAL_COMPTOIR,
                    idempotency_key=f"web:{key}:count:{variant.pk}",
                    reason=note,
                    reason_code=ReasonCode.COUNT,
                    user=request.user,
                    shop=request.location,
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
            reason_code=ReasonCode.ADJUST,
            user=request.user,
            shop=request.location,
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


def _history_annotate(request, movements) -> None:
    """Each row's links (the sale it came from; what an integration adds) and the store's
    allocation after it when the stock was split."""
    movements = list(movements)
    extra = movement_links(merchant=request.merchant, movements=movements)
    for movement in movements:
        links = []
        if movement.sale_line_id:
            sale_id = movement.sale_line.sale_id
            links.append(
                MovementLink(_("Sale #%(id)s") % {"id": sale_id}, reverse("inventory:sale_detail", args=[sale_id]))
            )
        elif movement.refund_line_id:
            refund = movement.refund_line.refund
            links.append(
                MovementLink(
                    _("Refund #%(id)s of sale #%(sale)s") % {"id": refund.pk, "sale": refund.sale_id},
                    reverse("inventory:sale_detail", args=[refund.sale_id]),
                )
            )
        if movement.transfer_id:
            links.append(
                MovementLink(
                    _("Transfer #%(id)s") % {"id": movement.transfer_id},
                    reverse("inventory:transfer_detail", args=[movement.transfer_id]),
                )
            )
        movement.links = links + extra.get(movement.pk, [])
        # A sale's or refund's row says which in its link; other rows say why in words.
        movement.reason_shown = "" if movement.reason_code in LINKED_REASONS else movement.reason_label
        movement.store_after = None if movement.online_after is None else movement.level_after - movement.online_after
        movement.moved_online = movement.allocation == Allocation.ONLINE
        movement.moved_store = movement.allocation == Allocation.STORE


def _split_form(request, product, variants, shop_name: str) -> SplitForm:
    form = SplitForm(variants=variants, shop_name=shop_name)
    form.edit_base_set(
        split_stored(variants=variants, version=product_stock_version(merchant=request.merchant, product=product))
    )
    return form


def _done(request, product):
    """After a change: a fresh section for htmx, a redirect (POST/redirect/GET) otherwise."""
    if request.htmx:
        variants = _variants(request, product)
        return _render(request, product, variants, shop=online_shop(merchant=request.merchant, product=product))
    return redirect(_stock_url(request, product, several=shop_list(merchant=request.merchant).count() > 1))


def _render(
    request,
    product,
    variants,
    *,
    shop,
    counts_form=None,
    adjust_form=None,
    tracking_form=None,
    split_form=None,
    merge_form=None,
    transfer_form=None,
    confirm_untrack=False,
    split_conflicts=(),
):
    movements = movement_list(merchant=request.merchant, product=product, shop=request.location)
    history = Paginator(movements, HISTORY_PAGE_SIZE)
    page = history.get_page(request.GET.get("page"))
    shop_name = _shop_name(shop)
    is_split = _is_split(variants)
    by_shop = _by_shop(request, product, variants)
    context = {
        "product": product,
        "variants": variants,
        "has_negative": any(v.stock_quantity < 0 for v in variants),
        # BigCommerce shows the online level, never below zero.
        "online_negative": bool(shop and shop.synced) and any(_online_level(v) < 0 for v in variants),
        "counts_form": counts_form or SetCountsForm(variants=variants),
        "adjust_form": adjust_form or AdjustForm(variants=variants),
        "tracking_form": tracking_form or TrackingForm(initial={"track_stock": product.track_stock}),
        "split_form": split_form or _split_form(request, product, variants, shop_name),
        "split_conflicts": split_conflicts,
        "merge_form": merge_form,
        "transfer_form": transfer_form
        or transfers.transfer_form(request, variants, shops=by_shop.get("active_shops", [])),
        "is_split": is_split,
        "shop": shop,
        "shop_name": shop_name,
        "shop_title": shop.name if shop and shop.synced else _("Online shop"),
        "confirm_untrack": confirm_untrack,
        "untrack_levels": _online_levels(variants) if confirm_untrack else [],
        "history": page,
        "history_allocations": is_split or any(m.online_after is not None for m in page.object_list),
        "location": request.location,
        **by_shop,
        "stock_url": _stock_url(request, product, several=len(by_shop["shops"]) > 1),
    }
    _history_annotate(request, page.object_list)
    template = f"{TEMPLATE}#stock-section" if request.htmx else TEMPLATE
    response = render(request, template, context)
    if request.htmx and (merge_form or split_conflicts):
        # A question (disable the split?) or a conflict replaces the form the merchant was
        # looking at: bring it into view, not where the longer form left the scroll (issue 15).
        reswap(response, "outerHTML show:#split-stock:top")
    return response


@require_GET
@merchant_required
def low_stock(request):
    """The variants behind the dashboard's "low or out of stock" figure."""
    shop = shop_in_query(merchant=request.merchant, value=request.GET.get("shop", ""))
    variants = low_stock_variants(merchant=request.merchant, shop=shop or ALL_SHOPS)  # no shop: the total
    page = Paginator(variants, LOW_STOCK_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inventory/low_stock.html", {"page": page})
