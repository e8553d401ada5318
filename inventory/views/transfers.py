"""Transfers between shops: the form on a product's stock page (posted there, ``action=transfer``,
handled here), the list of transfers and a transfer's page."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from inventory.errors import InventoryError
from inventory.forms import TransferForm
from inventory.selectors import transfer_get, transfer_lines, transfer_list
from inventory.transfers import stock_transfer
from portal.decorators import merchant_required
from portal.selectors import shop_in_query, shop_list

PAGE_SIZE = 25


def transfer_form(request, variants, data=None, shops=None) -> TransferForm | None:
    """The stock page's transfer form, from the shop the page shows; None with fewer than two
    active shops (nothing to transfer between). ``shops``: the active shops, when already read."""
    shops = list(shop_list(merchant=request.merchant, active_only=True)) if shops is None else shops
    if len(shops) < 2:
        return None
    return TransferForm(data, variants=variants, shops=shops, source=request.location)


def product_transfer(request, form: TransferForm) -> bool:
    """Record the valid form's transfer; False with the service's refusal on the form (nothing written)."""
    lines = form.lines()
    try:
        transfer = stock_transfer(
            merchant=request.merchant,
            from_shop=form.source(),
            to_shop=form.destination(),
            lines=lines,
            idempotency_key=f"web:{form.cleaned_data['idempotency_key']}:transfer",
            note=form.cleaned_data["note"],
            user=request.user,
        )
    except InventoryError as error:
        form.add_error(_error_field(error.field, lines), error.message)
        return False
    units = sum(quantity for _variant, quantity in lines)
    messages.success(
        request,
        ngettext(
            "Transfer #%(id)s: %(n)s unit moved from %(from)s to %(to)s.",
            "Transfer #%(id)s: %(n)s units moved from %(from)s to %(to)s.",
            units,
        )
        % {"id": transfer.pk, "n": units, "from": transfer.from_shop.name, "to": transfer.to_shop.name},
    )
    return True


def _error_field(field: str | None, lines) -> str | None:
    """The form field a service error names (``lines[1].quantity`` → that variant's quantity)."""
    if field in ("from_shop", "to_shop"):
        return field
    if field and field.startswith("lines["):
        index = int(field[len("lines[") : field.index("]")])
        if index < len(lines):
            return f"quantity_{lines[index][0].pk}"
    return None


@require_GET
@merchant_required
def transfer_list_view(request):
    shop = shop_in_query(merchant=request.merchant, value=request.GET.get("shop", ""))  # None: every shop
    transfers = transfer_list(merchant=request.merchant, shop=shop)
    page = Paginator(transfers, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "inventory/transfer_list.html#transfers-table" if request.htmx else "inventory/transfer_list.html"
    return render(request, template, {"page": page, "shop": shop})


@require_GET
@merchant_required
def transfer_detail(request, pk):
    transfer = transfer_get(merchant=request.merchant, pk=pk)
    if transfer is None:
        raise Http404
    return render(
        request, "inventory/transfer_detail.html", {"transfer": transfer, "lines": transfer_lines(transfer=transfer)}
    )
