"""The shops page (``settings/shops/``): list, add, edit (name, address), deactivate / reactivate;
and the shop the Register works in, kept in the session (``shop_current``, ``shop_switch``).

Deactivating a shop that holds stock is allowed: its stock and history stay visible, read-only
(inventory refuses every change there), its devices' sales are refused, the Register leaves it.
The primary shop cannot be deactivated: the BigCommerce connector reads it.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.decorators import merchant_required
from portal.formfields import country_field
from portal.ids import id_parse
from portal.models import Shop
from portal.selectors import shop_get, shop_list
from portal.services import (
    PrimaryShopStays,
    ShopNameTaken,
    shop_active_set,
    shop_create,
    shop_primary,
    shop_update,
)

SESSION_KEY = "portal_shop"


class ShopForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Shop name"), max_length=100)
    address_line1 = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    address_line2 = forms.CharField(label=gettext_lazy("Address (line 2)"), max_length=200, required=False)
    postal_code = forms.CharField(label=gettext_lazy("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=gettext_lazy("City"), max_length=100, required=False)
    country = country_field(label=gettext_lazy("Country"))

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter a name."))
        return name


def _shop_or_404(request, pk) -> Shop:
    shop = shop_get(merchant=request.merchant, pk=pk)
    if shop is None:
        raise Http404
    return shop


def _save(request, form: ShopForm, shop: Shop | None) -> Shop | None:
    try:
        if shop is None:
            return shop_create(merchant=request.merchant, **form.cleaned_data)
        return shop_update(shop=shop, **form.cleaned_data)
    except ShopNameTaken:
        form.add_error("name", _("Another shop is already called “%(name)s”.") % {"name": form.cleaned_data["name"]})
        return None


def _render_list(request, *, form=None, status=200):
    context = {"shops": shop_list(merchant=request.merchant), "form": form or ShopForm(initial=_new_initial(request))}
    return render(request, "portal/shops.html", context, status=status)


def _new_initial(request) -> dict:
    return {"country": request.merchant.country}


@require_GET
@merchant_required
def shop_list_page(request):
    return _render_list(request)


@require_POST
@merchant_required
def shop_add(request):
    form = ShopForm(request.POST)
    if form.is_valid() and (shop := _save(request, form, None)) is not None:
        messages.success(request, _("“%(name)s” was added.") % {"name": shop.name})
        return redirect("portal:shop_list")
    return _render_list(request, form=form, status=422)


@require_http_methods(["GET", "POST"])
@merchant_required
def shop_edit(request, pk):
    shop = _shop_or_404(request, pk)
    if request.method == "POST":
        form = ShopForm(request.POST)
        if form.is_valid() and _save(request, form, shop) is not None:
            messages.success(request, _("“%(name)s” was saved.") % {"name": shop.name})
            return redirect("portal:shop_list")
        status = 422
    else:
        form = ShopForm(initial={field: getattr(shop, field) for field in ShopForm.base_fields})
        status = 200
    return render(request, "portal/shop_edit.html", {"shop": shop, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@merchant_required
def shop_deactivate(request, pk):
    """GET: ask for confirmation (the page without JavaScript). POST: deactivate."""
    shop = _shop_or_404(request, pk)
    if request.method == "GET":
        return render(request, "portal/shop_deactivate.html", {"shop": shop})
    try:
        shop_active_set(shop=shop, active=False)
    except PrimaryShopStays:
        messages.error(request, _("The primary shop cannot be deactivated."))
        return redirect("portal:shop_list")
    messages.success(
        request, _("“%(name)s” was deactivated: its stock stays visible, read-only.") % {"name": shop.name}
    )
    return redirect("portal:shop_list")


@require_POST
@merchant_required
def shop_activate(request, pk):
    shop = shop_active_set(shop=_shop_or_404(request, pk), active=True)
    messages.success(request, _("“%(name)s” is active again.") % {"name": shop.name})
    return redirect("portal:shop_list")


def shop_current(request) -> Shop:
    """The shop the Register works in: the one chosen in this session while it is the merchant's
    and active, otherwise the primary shop."""
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        shop = shop_get(merchant=request.merchant, pk=chosen)
        if shop is not None and shop.is_active:
            return shop
        request.session.pop(SESSION_KEY, None)
    return shop_primary(merchant=request.merchant)


@require_POST
@merchant_required
def shop_switch(request):
    """Choose the shop the Register works in (another merchant's or a deactivated shop: 404)."""
    pk = id_parse(request.POST.get("shop", ""))
    shop = shop_get(merchant=request.merchant, pk=pk) if pk is not None else None
    if shop is None or not shop.is_active:
        raise Http404
    request.session[SESSION_KEY] = shop.pk
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = "inventory:register"
    return redirect(target)
