"""The catalog's own bulk actions (see ``catalog.bulk_actions`` for the contract)."""

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from catalog import selectors, services
from catalog.views.common import safe_next
from portal.decorators import merchant_required
from portal.ids import ids_parse


def selected_product_ids(request) -> list[int]:
    """The ticked product ids of a bulk request (``ids``, repeated), integers only."""
    data = request.POST if request.method == "POST" else request.GET
    return ids_parse(data.getlist("ids"))


def bulk_confirm_render(request, *, products, title: str, question: str, confirm_label: str, danger: bool = False):
    """The confirmation of a bulk action: a page, or for HTMX a dialog fragment."""
    context = {
        "products": products[:10],
        "count": len(products),
        "more": max(0, len(products) - 10),
        "ids": [p.pk for p in products],
        "title": title,
        "question": question,
        "confirm_label": confirm_label,
        "danger": danger,
        "action_url": request.path,
        "next": safe_next(request, reverse("catalog:product_list")),
    }
    template = "catalog/bulk_confirm.html"
    return render(request, f"{template}#dialog" if request.htmx else template, context)


def _bulk_view(request, *, title: Callable, question: Callable, confirm_label: str, perform: Callable, danger=False):
    merchant = request.merchant
    fallback = reverse("catalog:product_list")
    products = list(selectors.products_by_ids(merchant=merchant, product_ids=selected_product_ids(request)))
    if not products:
        if request.htmx:
            return bulk_confirm_render(
                request, products=[], title=_("No products selected"), question="", confirm_label=""
            )
        messages.warning(request, _("Tick at least one product first."))
        return redirect(safe_next(request, fallback))
    if request.method == "POST":
        perform(request, products)
        return redirect(safe_next(request, fallback))
    count = len(products)
    return bulk_confirm_render(
        request,
        products=products,
        title=title(count),
        question=question(count),
        confirm_label=confirm_label,
        danger=danger,
    )


@merchant_required
@require_http_methods(["GET", "POST"])
def bulk_delete(request):
    def perform(request, products):
        result = services.products_delete(merchant=request.merchant, product_ids=[p.pk for p in products])
        if result.deleted:
            messages.success(
                request,
                ngettext("%(count)d product deleted.", "%(count)d products deleted.", len(result.deleted))
                % {"count": len(result.deleted)},
            )
        if result.managed:
            messages.error(
                request,
                _("Not deleted, because they are managed in BigCommerce (they leave Comptoir from there): %(names)s.")
                % {"names": ", ".join(result.managed)},
            )
        if result.kept:
            messages.error(
                request,
                _("Not deleted, because they have stock or sales history (archive them instead): %(names)s.")
                % {"names": ", ".join(result.kept)},
            )

    return _bulk_view(
        request,
        title=lambda n: ngettext("Delete %(count)d product?", "Delete %(count)d products?", n) % {"count": n},
        question=lambda n: (
            ngettext(
                "This product and its variants will be deleted. This cannot be undone.",
                "These %(count)d products and their variants will be deleted. This cannot be undone.",
                n,
            )
            % {"count": n}
        ),
        confirm_label=_("Delete"),
        perform=perform,
        danger=True,
    )


@merchant_required
@require_http_methods(["GET", "POST"])
def bulk_archive(request):
    def perform(request, products):
        count = services.products_archive(merchant=request.merchant, product_ids=[p.pk for p in products])
        messages.success(
            request,
            ngettext("%(count)d product archived.", "%(count)d products archived.", count) % {"count": count},
        )

    return _bulk_view(
        request,
        title=lambda n: ngettext("Archive %(count)d product?", "Archive %(count)d products?", n) % {"count": n},
        question=lambda n: _(
            "Archived products leave the catalog and the register; their stock and sales history is kept. "
            "You can restore them at any time."
        ),
        confirm_label=_("Archive"),
        perform=perform,
    )


@merchant_required
@require_http_methods(["GET", "POST"])
def bulk_restore(request):
    def perform(request, products):
        count = services.products_archive(
            merchant=request.merchant, product_ids=[p.pk for p in products], archived=False
        )
        messages.success(
            request,
            ngettext("%(count)d product restored.", "%(count)d products restored.", count) % {"count": count},
        )

    return _bulk_view(
        request,
        title=lambda n: ngettext("Restore %(count)d product?", "Restore %(count)d products?", n) % {"count": n},
        question=lambda n: _("They will be back in the catalog and the register."),
        confirm_label=_("Restore"),
        perform=perform,
    )
