"""The settings page's forms: the business's details at the version they were opened at, and
one VAT rate given to every product that has another."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal import iso
from portal.edits import EditBase, VersionedFormMixin
from portal.formfields import PlainDecimalField
from portal.forms import MerchantDetailsForm


class MerchantSettingsForm(VersionedFormMixin, MerchantDetailsForm):
    """The settings page's form. While something locks the currency, it is not a field: the
    page shows it with the reasons, and the merchant's currency is kept. It carries the
    version it was opened at (``portal.edits``)."""

    def __init__(self, *args, merchant, locks: list[str], **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "business_name": merchant.name,
                "country": merchant.country,
                "currency": merchant.currency,
                "default_vat_rate": merchant.default_vat_rate,
            },
        )
        super().__init__(*args, **kwargs)
        self.locks = locks
        # A code saved before sign-up checked them (e.g. "ZZ") is not in the list: ask for a
        # choice instead of showing the list's first entry as if it were the merchant's.
        for name, codes, choices in (
            ("country", iso.country_codes(), iso.country_choices),
            ("currency", iso.currency_codes(), iso.currency_choices),
        ):
            if self.initial.get(name) not in codes:
                self.initial[name] = ""
                self.fields[name].choices = lambda choices=choices: [("", _("Choose…")), *choices()]
        if locks:
            del self.fields["currency"]
        else:
            self.fields["currency"].help_text = _(
                "Prices keep their figures if you change it: 12.50 stays 12.50 (rounded where the new "
                "currency has fewer decimals)."
            )

    def edit_values(self, *, stored: EditBase) -> dict:
        """What this form sends, as ``merchant_settings_stored`` reads the merchant (a currency
        that is not a field, being locked, is the stored one)."""
        data = self.cleaned_data
        return {
            "business_name": data["business_name"],
            "country": data["country"],
            "currency": data["currency"] if "currency" in self.fields else stored.values["currency"],
            "default_vat_rate": f"{data['default_vat_rate']:.2f}",
        }


def merchant_settings_stored(*, merchant) -> EditBase:
    """The settings as stored, at their version."""
    values = {
        "business_name": merchant.name,
        "country": merchant.country,
        "currency": merchant.currency,
        "default_vat_rate": f"{merchant.default_vat_rate:.2f}",
    }
    return EditBase(version=merchant.settings_version, values=values)


class VatRateChangeForm(forms.Form):
    """Give every product at one VAT rate another rate."""

    old_rate = PlainDecimalField(widget=forms.HiddenInput, max_digits=5, decimal_places=2)
    new_rate = PlainDecimalField(
        label=_("New rate (%)"), min_value=0, max_value=100, max_digits=5, decimal_places=2, localize=True
    )
