"""The POS devices page (``settings/devices/``): list, issue a token (shown once), revoke."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.decorators import merchant_required
from portal.selectors import device_list as device_list_query
from portal.selectors import shop_list
from portal.services import DeviceNameTaken, ShopInactive
from portal.services import device_issue as device_issue_service
from portal.services import device_move as device_move_service
from portal.services import device_revoke as device_revoke_service


class DeviceIssueForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Device name"),
        max_length=100,
        help_text=gettext_lazy("For example “Front till” or “Tablet 2”."),
    )
    shop = forms.ModelChoiceField(
        label=gettext_lazy("Shop"),
        queryset=None,
        empty_label=None,
        help_text=gettext_lazy("Its sales and refunds move this shop's stock."),
    )

    def __init__(self, *args, merchant, **kwargs):
        super().__init__(*args, **kwargs)
        shops = list(shop_list(merchant=merchant, active_only=True))
        if len(shops) < 2:
            del self.fields["shop"]  # one shop: the device sells there (the primary shop)
        else:
            self.fields["shop"].queryset = shop_list(merchant=merchant, active_only=True)
            self.fields["shop"].initial = shops[0].pk

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter a name."))
        return name


class DeviceMoveForm(forms.Form):
    shop = forms.ModelChoiceField(
        label=gettext_lazy("Move to"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": gettext_lazy("Choose one of your active shops.")},
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        # Another merchant's shop, a deactivated one or the device's own is not a choice.
        self.fields["shop"].queryset = shop_list(merchant=device.merchant, active_only=True).exclude(pk=device.shop_id)


def _render_list(request, *, form=None, issued=None, token=None, status=200):
    devices = device_list_query(merchant=request.merchant)
    form = form or DeviceIssueForm(merchant=request.merchant)
    context = {"devices": devices, "form": form, "issued": issued, "token": token, "can_move": "shop" in form.fields}
    # can_move: another active shop to move any device to (a device of a deactivated shop can always move).
    template = "portal/devices.html#device-list" if request.htmx else "portal/devices.html"
    return render(request, template, context, status=status)


@require_GET
@merchant_required
def device_list(request):
    return _render_list(request)


@require_POST
@merchant_required
def device_issue(request):
    """Issue a device token. It is shown in this response only: only its hash is stored."""
    form = DeviceIssueForm(request.POST, merchant=request.merchant)
    if not form.is_valid():
        return _render_list(request, form=form, status=422 if not request.htmx else 200)
    try:
        device, token = device_issue_service(
            merchant=request.merchant, name=form.cleaned_data["name"], shop=form.cleaned_data.get("shop")
        )
    except DeviceNameTaken:
        form.add_error(
            "name",
            _("Another device is already called “%(name)s”. Choose another name.")
            % {"name": form.cleaned_data["name"]},
        )
        return _render_list(request, form=form, status=422 if not request.htmx else 200)
    response = _render_list(request, issued=device, token=token)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@merchant_required
def device_revoke(request, pk):
    """GET: ask for confirmation (the page without JavaScript). POST: revoke."""
    device = get_object_or_404(device_list_query(merchant=request.merchant), pk=pk)
    if request.method == "GET":
        return render(request, "portal/devices_revoke.html", {"device": device})
    device_revoke_service(device=device)
    messages.success(request, _("“%(name)s” was revoked: its token no longer works.") % {"name": device.name})
    return redirect("portal:device_list")


@require_http_methods(["GET", "POST"])
@merchant_required
def device_move(request, pk):
    """GET: choose the shop (the page without JavaScript too). POST: move the device there; its
    later sales move that shop's stock, those it recorded stay where they were made."""
    device = get_object_or_404(device_list_query(merchant=request.merchant).filter(revoked_at__isnull=True), pk=pk)
    was = device.shop
    form = DeviceMoveForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        try:
            device_move_service(device=device, shop=form.cleaned_data["shop"])
        except ShopInactive:  # deactivated since the form was read
            form.add_error("shop", _("Choose one of your active shops."))
        else:
            messages.success(
                request,
                _("“%(name)s” now sells in %(shop)s. The sales it recorded before stay in %(was)s.")
                % {"name": device.name, "shop": device.shop.name, "was": was.name},
            )
            return redirect("portal:device_list")
    status = 422 if request.method == "POST" else 200
    return render(request, "portal/devices_move.html", {"device": device, "form": form}, status=status)
