"""The merchant's settings page (``settings/``): business name, country, currency, VAT rates."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from catalog.selectors import vat_rates_in_use
from catalog.services import products_vat_rate_change
from portal.decorators import merchant_required
from portal.forms import MerchantSettingsForm, VatRateChangeForm
from portal.iso import currency_name
from portal.locks import currency_locks
from portal.services import merchant_update


@require_http_methods(["GET", "POST"])
@merchant_required
def merchant_settings(request):
    merchant = request.merchant
    locks = currency_locks(merchant=merchant)
    details = MerchantSettingsForm(merchant=merchant, locks=locks)
    vat_form = None
    if request.method == "POST" and request.POST.get("form") == "vat":
        vat_form = VatRateChangeForm(request.POST, prefix="vat")
        if vat_form.is_valid():
            return _vat_rate_change(request, vat_form)
    elif request.method == "POST":
        details = MerchantSettingsForm(request.POST, merchant=merchant, locks=locks)
        if details.is_valid():
            data = details.cleaned_data
            try:
                merchant_update(
                    merchant=merchant,
                    name=data["business_name"],
                    country=data["country"],
                    currency=data.get("currency", merchant.currency),  # no field while locked
                    default_vat_rate=data["default_vat_rate"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    details.add_error(field if field in details.fields else None, errors)
            else:
                messages.success(request, _("Your settings are saved."))
                return redirect("portal:merchant_settings")
    context = {
        "form": details,
        "locks": locks,
        "currency_label": f"{currency_name(merchant.currency)} ({merchant.currency})",
        "vat_rates": [{**row, "label": rate_display(row["vat_rate"])} for row in vat_rates_in_use(merchant=merchant)],
        "vat_form": vat_form,
    }
    return render(request, "portal/settings.html", context, status=422 if request.method == "POST" else 200)


def _vat_rate_change(request, form: VatRateChangeForm):
    old_rate, new_rate = form.cleaned_data["old_rate"], form.cleaned_data["new_rate"]
    count = products_vat_rate_change(merchant=request.merchant, old_rate=old_rate, new_rate=new_rate)
    messages.success(
        request,
        ngettext(
            "%(count)d product now has a VAT rate of %(rate)s%%.",
            "%(count)d products now have a VAT rate of %(rate)s%%.",
            count,
        )
        % {"count": count, "rate": rate_display(new_rate)},
    )
    return redirect("portal:merchant_settings")


def rate_display(rate: Decimal) -> str:
    """19.60 → "19.6" ("19,6" in French), 20.00 → "20": a rate as people write it."""
    plain = rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate.normalize()
    return formats.number_format(plain, use_l10n=True)
