import re

from allauth.account.forms import SignupForm
from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.services import merchant_create

# The currencies BigCommerce stores and European merchants most often use; any ISO 4217 code
# of three letters is accepted.
COMMON_CURRENCIES = ["EUR", "USD", "GBP", "CHF", "CAD", "AUD", "SEK", "NOK", "DKK", "PLN"]


class MerchantSignupForm(SignupForm):
    business_name = forms.CharField(label=_("Business name"), max_length=200)
    country = forms.CharField(
        label=_("Country"), max_length=10, initial="FR", help_text=_("Two-letter code, e.g. FR, BE, CH")
    )
    currency = forms.CharField(
        label=_("Currency"), max_length=10, initial="EUR", help_text=_("Three-letter ISO 4217 code, e.g. EUR")
    )
    default_vat_rate = forms.DecimalField(
        label=_("Default VAT rate (%)"), min_value=0, max_value=100, decimal_places=2, initial=20
    )

    field_order = ["business_name", "country", "currency", "default_vat_rate", "email", "password1", "password2"]

    def clean_country(self):
        value = self.cleaned_data["country"].strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise forms.ValidationError(_("Enter a two-letter country code, such as FR."))
        return value

    def clean_currency(self):
        value = self.cleaned_data["currency"].strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise forms.ValidationError(_("Enter a three-letter currency code, such as EUR."))
        return value

    @transaction.atomic
    def save(self, request):
        user = super().save(request)
        merchant_create(
            name=self.cleaned_data["business_name"],
            country=self.cleaned_data["country"],
            currency=self.cleaned_data["currency"],
            default_vat_rate=self.cleaned_data["default_vat_rate"],
            owner=user,
        )
        return user
