import hashlib
import json
import time
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import selectors, services
from catalog.badges import product_badges, product_badges_pending
from catalog.bulk_actions import bulk_actions
from catalog.forms import ProductForm, ProductImageForm, ProductVideoForm, VariantEditor
from catalog.forms.product_versions import (
    product_edit_save,
    product_form_data,
    product_stored,
    product_value_display,
    product_value_label,
)
from catalog.managed import product_managed_fields
from catalog.stock_column import product_stock_breakdown
from catalog.views.common import int_or_none, product_or_404
from portal.decorators import merchant_required
from portal.edits import EditConflicts, edit_conflict_rows

PAGE_SIZE = 50


@merchant_required
@require_GET
def product_list(request):
    """The catalog: search, category filter, pages of 50; HTMX asks for the results only."""
    merchant = request.merchant
    search = request.GET.get("q", "").strip()
    category_id = int_or_none(request.GET.get("category"))
    archived = request.GET.get("archived") == "1"
    unpriced = request.GET.get("price") == "none"
    products = selectors.product_list(
        merchant=merchant, search=search, category_id=category_id, archived=archived, unpriced=unpriced
    )
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    badges = product_badges(merchant=merchant, product_ids=[p.pk for p in page])
    several = [p.pk for p in page if p.stock_shops > 1]  # held in several shops: each one's share
    by_shop = product_stock_breakdown(merchant=merchant, product_ids=several) if several else {}
    for product in page:
        product.badges = badges.get(product.pk, [])
        product.stock_by_shop = by_shop.get(product.pk, [])
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "search": search,
        "category_id": category_id,
        "archived": archived,
        "unpriced": unpriced,
        "filtered": bool(search or category_id or unpriced),
        "categories": selectors.category_list(merchant=merchant),
        "counts": selectors.product_counts(merchant=merchant),
        "bulk_actions": bulk_actions(archived=archived),
        "page_query": params.urlencode(),
        "currency": merchant.currency,
        "badges_pending": product_badges_pending(badges),
    }
    if request.htmx and request.htmx.target == "product-results":
        return render(request, "catalog/product_list.html#results", context)
    return render(request, "catalog/product_list.html", context)


@merchant_required
@require_GET
def product_badges_refresh(request):
    """The badges of a page's pending products, polled by the catalog list until none is pending
    (each as an out-of-band swap). Without htmx: the catalog."""
    if not request.htmx:
        return redirect("catalog:product_list")
    ids = [int(pk) for pk in request.GET.get("ids", "").split(",") if pk.isdigit()][:PAGE_SIZE]
    ids = list(selectors.products_by_ids(merchant=request.merchant, product_ids=ids).values_list("pk", flat=True))
    badges = product_badges(merchant=request.merchant, product_ids=ids)
    context = {"items": sorted(badges.items()), "badges_pending": product_badges_pending(badges)}
    return render(request, "catalog/_product_badges.html", context)


@merchant_required
@require_GET
def product_detail(request, product_id: int):
    product = product_or_404(request, product_id, detail=True)
    return render(request, "catalog/product_detail.html", detail_context(product))


def detail_context(product, **forms) -> dict:
    return {
        "product": product,
        "variants": list(product.variants.all()),
        "options": list(product.options.all()),
        "images": list(product.images.all()),
        "videos": list(product.videos.all()),
        "currency": product.merchant.currency,
        "image_form": forms.get("image_form") or ProductImageForm(),
        "video_form": forms.get("video_form") or ProductVideoForm(),
        "locked": product_managed_fields(product=product),
    }


@merchant_required
@require_http_methods(["GET", "POST"])
def product_create(request):
    return _product_form(request, product=None)


@merchant_required
@require_http_methods(["GET", "POST"])
def product_update(request, product_id: int):
    return _product_form(request, product=product_or_404(request, product_id, detail=True))


def _product_form(request, *, product):
    """Create or edit: the product's fields and the options-and-variants editor, in one form.

    The ``editor`` buttons (add/remove an option, update the variants) rebuild the editor
    without saving: HTMX swaps the fragment in; without JavaScript the whole page comes back.
    """
    merchant = request.merchant
    creation_key = _creation_key(request) if product is None else None
    if creation_key and (created := _created_from_this_form(request, creation_key)):
        return _already_created(request, created)
    if request.method == "POST":
        form = ProductForm(request.POST, instance=product, merchant=merchant)
        editor = VariantEditor(merchant=merchant, data=request.POST, product=product)
        action = request.POST.get("editor", "")
        if action:
            editor.apply(action)
            if request.htmx:
                partial = "variant-grid" if request.htmx.target == "variant-grid" else "variant-editor"
                return render(request, f"catalog/product_form.html#{partial}", _form_context(product, form, editor))
        elif all([form.is_valid(), editor.is_valid()]):
            options, variants = editor.specs()
            try:
                with transaction.atomic():
                    fields = form.product_fields()
                    if product is None:
                        product = services.product_create(
                            merchant=merchant,
                            fields=fields,
                            options=options,
                            variants=variants,
                            product_uuid=creation_key,
                        )
                        _creation_remember(request, product)
                        messages.success(request, _("Product “%(name)s” created.") % {"name": product.name})
                        _vanished_say(request, product, form.vanished)
                    else:
                        opened = form.edit_opened()
                        product, merge = product_edit_save(
                            product=product, opened=opened, fields=fields, options=options, variants=variants
                        )
                        messages.success(request, _("Product “%(name)s” saved.") % {"name": product.name})
                        _vanished_say(request, product, form.vanished)
                        if merge.others_kept:
                            messages.info(
                                request,
                                _(
                                    "Someone else saved this product since you opened it: "
                                    "their changes to the fields you did not change were kept."
                                ),
                            )
            except services.ProductAlreadyCreated as exc:
                return _already_created(request, exc.product)
            except EditConflicts as exc:
                return _product_conflict(request, product, exc)
            except ValidationError as exc:
                editor.errors.extend(exc.messages)
            else:
                return redirect("catalog:product_detail", product_id=product.pk)
    else:
        form = ProductForm(instance=product, merchant=merchant)
        editor = VariantEditor(merchant=merchant, product=product)
        if product is not None:
            form.edit_base_set(product_stored(product=product))
    return render(request, "catalog/product_form.html", _form_context(product, form, editor, creation_key))


def _vanished_say(request, product, vanished) -> None:
    """A category or folder the form showed was deleted meanwhile: what the product keeps."""
    if "category" in vanished:
        kept = product.category.name if product.category else _("no category")
        messages.warning(
            request,
            _(
                "The category this form showed no longer exists (it was deleted since the form was opened): "
                "the product keeps its category as saved: %(kept)s."
            )
            % {"kept": kept},
        )
    if "folder" in vanished:
        kept = product.folder.name if product.folder else _("no folder")
        messages.warning(
            request,
            _(
                "The folder this form showed no longer exists (it was deleted since the form was opened): "
                "the product keeps its folder as saved: %(kept)s."
            )
            % {"kept": kept},
        )


def _product_conflict(request, product, conflict: EditConflicts):
    """Both saves changed the same fields: nothing was written. The form comes back opened at
    the stored version, with this form's other changes in it and, on the conflicting fields,
    the stored value (kept until the merchant chooses) next to the one they typed."""
    merchant = request.merchant
    product = product_or_404(request, product.pk, detail=True)
    data = product_form_data(values=conflict.merge.values, base=conflict.base, currency=merchant.currency)
    form = ProductForm(data, instance=product, merchant=merchant)
    editor = VariantEditor(merchant=merchant, data=data, product=product)
    context = _form_context(product, form, editor)
    context["conflicts"] = edit_conflict_rows(
        conflict.merge.conflicts,
        label=product_value_label,
        display=lambda key, value: product_value_display(merchant=merchant, key=key, value=value),
    )
    return render(request, "catalog/product_form.html", context, status=409)


def _creation_key(request) -> uuid.UUID:
    """The key of this creation form: sent back by the form, or new when the form first renders."""
    if request.method == "POST":
        try:
            return uuid.UUID(request.POST.get("creation_key", ""))
        except ValueError:
            pass
    return uuid.uuid4()


RECENT_CREATIONS_SESSION_KEY = "catalog_recent_creations"
RECENT_CREATIONS_KEPT = 5
RECENT_CREATIONS_SECONDS = 30 * 60


def _creation_fingerprint(request) -> str:
    """What the creation form said, without its tokens: the same form sent again has the same one."""
    fields = sorted(
        (name, request.POST.getlist(name))
        for name in request.POST
        if name not in {"csrfmiddlewaretoken", "creation_key", "editor"}
    )
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def _created_from_this_form(request, creation_key: uuid.UUID):
    """The product this form already created: same key (a resent form, a double click), or,
    from this session a moment ago, the same fields (Back re-fetched the form, which got a new
    key, and the browser refilled what was typed; or the same product typed in two tabs)."""
    merchant = request.merchant
    product = selectors.product_by_uuid(merchant=merchant, product_uuid=creation_key)
    if product is not None or request.method != "POST" or request.POST.get("editor"):
        return product
    fingerprint = _creation_fingerprint(request)
    for seen, product_id, at in request.session.get(RECENT_CREATIONS_SESSION_KEY, []):
        if seen == fingerprint and time.time() - at < RECENT_CREATIONS_SECONDS:
            return selectors.products_by_ids(merchant=merchant, product_ids=[product_id]).first()
    return None


def _creation_remember(request, product) -> None:
    recent = request.session.get(RECENT_CREATIONS_SESSION_KEY, [])
    recent = [[_creation_fingerprint(request), product.pk, time.time()], *recent][:RECENT_CREATIONS_KEPT]
    request.session[RECENT_CREATIONS_SESSION_KEY] = recent


def _already_created(request, product):
    """The creation form was sent again (Back and resubmit, or a second tab): show what it created."""
    messages.info(request, _("Product “%(name)s” was already created from this form.") % {"name": product.name})
    return redirect("catalog:product_detail", product_id=product.pk)


def _form_context(product, form, editor, creation_key=None) -> dict:
    return {
        "product": product,
        "form": form,
        "editor": editor,
        "currency": editor.currency,
        "creation_key": creation_key,
        "locked": product_managed_fields(product=product) if product else frozenset(),
    }


@merchant_required
@require_http_methods(["GET", "POST"])
def product_delete(request, product_id: int):
    """GET: the confirmation (a page, or a dialog for HTMX). POST: delete, or explain why not."""
    product = product_or_404(request, product_id)
    if request.method == "POST":
        name = product.name
        try:
            services.product_delete(product=product)
        except services.ProductManagedElsewhere as exc:
            messages.error(request, exc.messages[0])
            return redirect("catalog:product_detail", product_id=product.pk)
        except services.ProductHasHistory as exc:
            messages.error(request, str(exc))
            return redirect("catalog:product_detail", product_id=product.pk)
        messages.success(request, _("Product “%(name)s” deleted.") % {"name": name})
        return redirect("catalog:product_list")
    has_history = bool(selectors.product_ids_with_history(merchant=request.merchant, product_ids=[product.pk]))
    template = "catalog/product_confirm_delete.html"
    context = {"product": product, "has_history": has_history}
    return render(request, f"{template}#dialog" if request.htmx else template, context)


@merchant_required
@require_POST
def product_archive(request, product_id: int):
    """Archive (``archived=1``) or restore (``archived=0``) a product."""
    product = product_or_404(request, product_id)
    archived = request.POST.get("archived", "1") == "1"
    services.product_archive(product=product, archived=archived)
    if archived:
        messages.success(
            request,
            _("“%(name)s” is archived: it no longer appears in the catalog or the register.") % {"name": product.name},
        )
    else:
        messages.success(request, _("“%(name)s” is back in the catalog.") % {"name": product.name})
    return redirect(reverse("catalog:product_detail", args=[product.pk]))
