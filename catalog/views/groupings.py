"""The small page where categories and folders are managed."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from catalog import selectors, services
from catalog.forms import GroupingForm
from catalog.models import Category, Folder
from portal.decorators import merchant_required


@merchant_required
@require_http_methods(["GET", "POST"])
def grouping_list(request):
    merchant = request.merchant
    forms = {
        "category": GroupingForm(initial={"kind": "category"}, prefix="category"),
        "folder": GroupingForm(initial={"kind": "folder"}, prefix="folder"),
    }
    if request.method == "POST":
        kind = "folder" if request.POST.get("folder-kind") == "folder" else "category"
        form = forms[kind] = GroupingForm(request.POST, prefix=kind)
        if form.is_valid():
            create = services.category_create if kind == "category" else services.folder_create
            try:
                row = create(merchant=merchant, name=form.cleaned_data["name"])
            except ValidationError as exc:
                form.add_error("name", exc)
            else:
                messages.success(request, _("“%(name)s” added.") % {"name": row.name})
                return redirect("catalog:grouping_list")
    forms["category"].fields["name"].label = _("New category")
    forms["folder"].fields["name"].label = _("New folder")
    context = {
        "categories": selectors.category_list(merchant=merchant),
        "folders": selectors.folder_list(merchant=merchant),
        "category_form": forms["category"],
        "folder_form": forms["folder"],
    }
    return render(request, "catalog/groupings.html", context)


@merchant_required
@require_http_methods(["GET", "POST"])
def category_delete(request, category_id: int):
    """GET: ask (the page without JavaScript; the list asks in a dialog). POST: delete."""
    try:
        category = selectors.category_with_count(merchant=request.merchant, category_id=category_id)
    except Category.DoesNotExist as exc:
        raise Http404 from exc
    if request.method == "GET":
        return render(request, "catalog/grouping_confirm_delete.html", {"grouping": category, "kind": "category"})
    services.category_delete(category=category)
    messages.success(
        request, _("Category “%(name)s” deleted; its products have no category now.") % {"name": category.name}
    )
    return redirect("catalog:grouping_list")


@merchant_required
@require_http_methods(["GET", "POST"])
def folder_delete(request, folder_id: int):
    try:
        folder = selectors.folder_with_count(merchant=request.merchant, folder_id=folder_id)
    except Folder.DoesNotExist as exc:
        raise Http404 from exc
    if request.method == "GET":
        return render(request, "catalog/grouping_confirm_delete.html", {"grouping": folder, "kind": "folder"})
    services.folder_delete(folder=folder)
    messages.success(
        request, _("Folder “%(name)s” deleted; its products are in no folder now.") % {"name": folder.name}
    )
    return redirect("catalog:grouping_list")
