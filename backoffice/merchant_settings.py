"""The merchant's settings page (``settings/``): business name, country, currency, VAT rates."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from backoffice.forms import MerchantSettingsForm, VatRateChangeForm, merchant_settings_stored
from backoffice.refusals import currency_refusals
from backoffice.services import merchant_update
from catalog.selectors import vat_rates_in_use
from catalog.services import products_vat_rate_change
from portal.decorators import merchant_required
from portal.edits import EDIT_BASE_FIELD, EditConflicts, EditMerge, edit_base_dumps, edit_conflict_rows, edit_merge
from portal.forms import MerchantDetailsForm
from portal.iso import country_name, currency_name
from portal.services import merchant_for_update


@require_http_methods(["GET", "POST"])
@merchant_required
def merchant_settings(request):
    merchant = request.merchant
    locks = currency_refusals(merchant=merchant)
    details = MerchantSettingsForm(merchant=merchant, locks=locks)
    details.edit_base_set(merchant_settings_stored(merchant=merchant))
    vat_form = None
    conflicts = []
    if request.method == "POST" and request.POST.get("form") == "vat":
        vat_form = VatRateChangeForm(request.POST, prefix="vat")
        if vat_form.is_valid():
            return _vat_rate_change(request, vat_form)
    elif request.method == "POST":
        details = MerchantSettingsForm(request.POST, merchant=merchant, locks=locks)
        if details.is_valid():
            try:
                merge = _settings_save(merchant=merchant, form=details)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    details.add_error(field if field in details.fields else None, errors)
            except EditConflicts as exc:
                details, conflicts = _settings_conflict(merchant, locks, exc)
            else:
                messages.success(request, _("Your settings are saved."))
                if merge.others_kept:
                    messages.info(
                        request,
                        _(
                            "Someone else saved these settings since you opened the page: "
                            "their changes to the fields you did not change were kept."
                        ),
                    )
                return redirect("backoffice:merchant_settings")
    context = {
        "form": details,
        "locks": locks,
        "currency_label": f"{currency_name(merchant.currency)} ({merchant.currency})",
        "vat_rates": [{**row, "label": rate_display(row["vat_rate"])} for row in vat_rates_in_use(merchant=merchant)],
        "vat_form": vat_form,
        "conflicts": conflicts,
    }
    status = 200 if request.method == "GET" else (409 if conflicts else 422)
    return render(request, "backoffice/settings.html", context, status=status)


def _settings_save(*, merchant, form: MerchantSettingsForm) -> EditMerge:
    """Save what the form changed since it was opened, keeping what was saved meanwhile
    (STYLE rule 18); EditConflicts, nothing written, when both changed the same field."""
    with transaction.atomic():
        current = merchant_for_update(merchant=merchant)
        stored = merchant_settings_stored(merchant=current)
        merge = edit_merge(opened=form.edit_opened(), mine=form.edit_values(stored=stored), theirs=stored)
        if merge.conflicts:
            raise EditConflicts(merge, stored)
        values = merge.values
        merchant_update(
            merchant=current,
            name=values["business_name"],
            country=values["country"],
            currency=values["currency"],
            default_vat_rate=Decimal(values["default_vat_rate"]),
        )
    return merge


def _settings_conflict(merchant, locks, conflict: EditConflicts):
    """The form again, opened at the stored version: the stored value on the conflicting
    fields (kept until the merchant chooses), this form's other changes, both values shown."""
    values = conflict.merge.values
    data = {
        "business_name": values["business_name"],
        "country": values["country"],
        "currency": values["currency"],
        "default_vat_rate": formats.localize_input(Decimal(values["default_vat_rate"])),
        EDIT_BASE_FIELD: edit_base_dumps(conflict.base),
    }
    form = MerchantSettingsForm(data, merchant=merchant, locks=locks)
    labels = {name: field.label for name, field in MerchantDetailsForm.base_fields.items()}
    display = {
        "country": lambda code: f"{country_name(code)} ({code})",
        "currency": lambda code: f"{currency_name(code)} ({code})",
        "default_vat_rate": lambda rate: f"{rate_display(Decimal(rate))} %",
    }
    rows = edit_conflict_rows(
        conflict.merge.conflicts,
        label=lambda key: labels[key],
        display=lambda key, value: display.get(key, str)(value),
    )
    return form, rows


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
    return redirect("backoffice:merchant_settings")


def rate_display(rate: Decimal) -> str:
    """19.60 → "19.6" ("19,6" in French), 20.00 → "20": a rate as people write it."""
    plain = rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate.normalize()
    return formats.number_format(plain, use_l10n=True)
