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


def bulk_confirm_render(
    request,
    *,
    products,
    title: str,
    question: str,
    confirm_label: str,
    danger: bool = False,
    kept=(),
    kept_note: str = "",
):
    """The confirmation of a bulk action: a page, or for HTMX a dialog fragment.

    ``products`` are those the action applies to; ``kept`` those it will treat otherwise,
    listed apart under ``kept_note`` (which says what happens to them and why).
    """
    context = {
        "products": products[:10],
        "more": max(0, len(products) - 10),
        "kept": kept[:10],
        "kept_more": max(0, len(kept) - 10),
        "kept_note": kept_note,
        "count": len(products) + len(kept),
        "ids": [p.pk for p in [*products, *kept]],
        "title": title,
        "question": question,
        "confirm_label": confirm_label,
        "danger": danger,
        "action_url": request.path,
        "next": safe_next(request, reverse("catalog:product_list")),
    }
    template = "catalog/bulk_confirm.html"
    return render(request, f"{template}#dialog" if request.htmx else template, context)


def _nothing_selected(request):
    if request.htmx:
        return bulk_confirm_render(request, products=[], title=_("No products selected"), question="", confirm_label="")
    messages.warning(request, _("Tick at least one product first."))
    return redirect(safe_next(request, reverse("catalog:product_list")))


def _bulk_view(
    request,
    *,
    perform: Callable,
    title: Callable | None = None,
    question: Callable | None = None,
    confirm_label: str = "",
    danger=False,
    confirm: Callable | None = None,
):
    """GET: the confirmation (``confirm(request, products)``, or one built from title and question);
    POST: ``perform(request, products)``, then back where the merchant was."""
    merchant = request.merchant
    fallback = reverse("catalog:product_list")
    products = list(selectors.products_by_ids(merchant=merchant, product_ids=selected_product_ids(request)))
    if not products:
        return _nothing_selected(request)
    if request.method == "POST":
        perform(request, products)
        return redirect(safe_next(request, fallback))
    if confirm is not None:
        return confirm(request, products)
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
    """Delete the ticked products; those with stock or sales history are archived instead.

    The confirmation lists the two groups apart, so the merchant knows before confirming.
    """

    def perform(request, products):
        merchant = request.merchant
        result = services.products_delete(merchant=merchant, product_ids=[p.pk for p in products])
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
        if result.kept_ids:
            services.products_archive(merchant=merchant, product_ids=result.kept_ids)
            messages.info(
                request,
                _("Archived instead of deleted, because they have stock or sales history: %(names)s.")
                % {"names": ", ".join(result.kept)},
            )

    def confirm(request, products):
        history = selectors.product_ids_with_history(merchant=request.merchant, product_ids=[p.pk for p in products])
        deletable = [p for p in products if p.pk not in history]
        kept = [p for p in products if p.pk in history]
        n = len(deletable)
        return bulk_confirm_render(
            request,
            products=deletable,
            kept=kept,
            title=ngettext("Delete %(count)d product?", "Delete %(count)d products?", len(products))
            % {"count": len(products)},
            question=(
                ngettext(
                    "This product and its variants will be deleted. This cannot be undone.",
                    "These %(count)d products and their variants will be deleted. This cannot be undone.",
                    n,
                )
                % {"count": n}
                if n
                else ""
            ),
            kept_note=ngettext(
                "This product has stock or sales history, so it will be archived instead of deleted: "
                "it leaves the catalog and the register, and its history is kept.",
                "These %(count)d products have stock or sales history, so they will be archived instead of deleted: "
                "they leave the catalog and the register, and their history is kept.",
                len(kept),
            )
            % {"count": len(kept)},
            confirm_label=_("Delete") if n else _("Archive"),
            danger=bool(n),
        )

    return _bulk_view(request, perform=perform, confirm=confirm)


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
