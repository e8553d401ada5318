"""Sales channels of products: the catalog's "Assign channels" action, the Channels card of a
product page, and Retry of a product whose sync failed (products managed in Comptoir)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from catalog import selectors as catalog_selectors
from catalog.views.bulk import selected_product_ids
from catalog.views.common import product_or_404, safe_next
from integrations import selectors
from integrations.bigcommerce.products.export import exporting
from integrations.errors import WrongStep
from integrations.services.assignments import (
    product_link_to_store,
    product_sync_retry,
    products_assign,
    products_unassign,
)
from integrations.stock_page import product_url
from portal.decorators import merchant_required


def _connection(request):
    return selectors.connection_for_merchant(merchant=request.merchant)


def link_store_offer_context(clash: dict | None) -> dict:
    """What ``integrations/_link_store_offer.html`` needs besides ``product`` and ``next``, from
    the ``clash`` of a failed link's (or its journal entry's) detail."""
    if not clash:
        return {"clash": None, "clash_sku": ""}
    # Kept on one line in the button ("SKU MUG-1", not "SKU MUG-" / "1").
    return {"clash": clash, "clash_sku": format_html('<span class="sku">{}</span>', clash.get("sku", ""))}


def _render(request, template, context):
    partial = "dialog" if request.htmx else None
    return render(request, f"{template}#{partial}" if partial else template, context)


@merchant_required
@require_http_methods(["GET", "POST"])
def assign_channels(request):
    """GET: a dialog with a BigCommerce box (ticked when every selected product syncs).
    POST with the box ticked assigns; unticked asks to confirm "Unassign products", then unassigns."""
    merchant = request.merchant
    connection = _connection(request)
    products = list(catalog_selectors.products_by_ids(merchant=merchant, product_ids=selected_product_ids(request)))
    fallback = reverse("catalog:product_list")
    next_url = safe_next(request, fallback)
    assigned = selectors.product_assigned_ids(merchant=merchant)
    context = {
        "products": products[:10],
        "more": max(0, len(products) - 10),
        "count": len(products),
        "ids": [p.pk for p in products],
        "next": next_url,
        "connection": connection,
        "exporting": connection is not None and exporting(connection),
        "all_assigned": bool(products) and all(p.pk in assigned for p in products),
        "assigned_count": sum(p.pk in assigned for p in products),
    }
    if request.method == "GET" or not products or not context["exporting"]:
        if request.method == "POST":
            messages.warning(
                request, _("Tick at least one product first.") if not products else _("BigCommerce is not connected.")
            )
            return redirect(next_url)
        return _render(request, "integrations/assign_channels.html", context)

    ids = [p.pk for p in products]
    if request.POST.get("bigcommerce"):
        added = products_assign(connection=connection, product_ids=ids)
        messages.success(
            request,
            ngettext(
                "%(count)d product assigned to BigCommerce: it is being created there.",
                "%(count)d products assigned to BigCommerce: they are being created there.",
                added,
            )
            % {"count": added}
            if added
            else _("These products already sync to BigCommerce."),
        )
        return redirect(next_url)
    to_unassign = [p for p in products if p.pk in assigned]
    if not to_unassign:
        messages.info(request, _("None of these products syncs to BigCommerce: nothing to unassign."))
        return redirect(next_url)
    if request.POST.get("confirm") != "unassign":
        copies = selectors.product_sync_states(merchant=merchant, product_ids=[p.pk for p in to_unassign])
        context.update(
            {
                "confirm": True,
                "products": to_unassign[:10],
                "more": max(0, len(to_unassign) - 10),
                "count": len(to_unassign),
                "ids": [p.pk for p in to_unassign],
                "created_copies": sum(
                    1 for link in copies.values() if link.remote_product_id and link.origin == "created_remote"
                ),
            }
        )
        return _render(request, "integrations/assign_channels.html", context)
    count = products_unassign(
        connection=connection,
        product_ids=[p.pk for p in to_unassign],
        delete_copies=bool(request.POST.get("delete_copies")),
    )
    messages.success(
        request,
        ngettext(
            "%(count)d product unassigned from BigCommerce.", "%(count)d products unassigned from BigCommerce.", count
        )
        % {"count": count},
    )
    return redirect(next_url)


@merchant_required
def product_channels(request, product_id: int):
    """The Channels card of a product page (loaded by htmx; a page of its own without it)."""
    product = product_or_404(request, product_id)
    connection = _connection(request)
    link = selectors.product_sync_states(merchant=request.merchant, product_ids=[product.pk]).get(product.pk)
    clash = (link.last_error_detail or {}).get("clash") if link and link.state == "failed" else None
    context = {
        "product": product,
        "connection": connection,
        "store_url": product_url(connection, link.remote_product_id) if link and link.remote_product_id else "",
        **link_store_offer_context(clash),
        "exporting": connection is not None and exporting(connection),
        "assigned": product.pk in selectors.product_assigned_ids(merchant=request.merchant),
        "link": link,
        "next": reverse("catalog:product_detail", args=[product.pk]),
    }
    template = "integrations/product_channels.html"
    return render(request, f"{template}#card" if request.htmx else template, context)


@merchant_required
@require_POST
def product_retry(request, product_id: int):
    product = product_or_404(request, product_id)
    connection = _connection(request)
    if connection is None or not exporting(connection):
        raise Http404
    if product_sync_retry(connection=connection, product=product):
        messages.success(request, _("Sending “%(name)s” to BigCommerce again.") % {"name": product.name})
    else:
        messages.info(request, _("“%(name)s” has no failed sync to retry.") % {"name": product.name})
    return redirect(safe_next(request, reverse("catalog:product_detail", args=[product.pk])))


@merchant_required
@require_POST
def product_link_store(request, product_id: int):
    """The merchant links a product whose create was refused (a store product has its SKU or
    its name) to that store product instead."""
    product = product_or_404(request, product_id)
    connection = _connection(request)
    if connection is None or not exporting(connection):
        raise Http404
    try:
        remote_product_id = int(request.POST.get("remote_product_id", ""))
    except ValueError:
        raise Http404 from None
    try:
        product_link_to_store(connection=connection, product=product, remote_product_id=remote_product_id)
        messages.success(
            request,
            _("“%(name)s” is linked to the store's product #%(id)s; Comptoir's fields are being sent to it.")
            % {"name": product.name, "id": remote_product_id},
        )
    except WrongStep as exc:
        messages.warning(request, exc.message)
    return redirect(safe_next(request, reverse("catalog:product_detail", args=[product.pk])))
