import re

from allauth.account import app_settings as account_settings
from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm
from django import forms
from django.db import transaction
from django.shortcuts import redirect
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

    def validate_unique_email(self, value):
        """An email that already has an account is not an error shown on the form (that would
        tell anyone which emails are registered): try_save answers as for any signup."""
        try:
            return super().validate_unique_email(value)
        except forms.ValidationError as error:
            if error.code != "email_taken" or not account_settings.PREVENT_ENUMERATION:
                raise
            self.account_already_exists = True
            return value

    def try_save(self, request):
        mandatory = account_settings.EMAIL_VERIFICATION == account_settings.EmailVerificationMethod.MANDATORY
        if not self.account_already_exists or mandatory:
            return super().try_save(request)  # allauth's own answer when verification is mandatory
        # Verification is off, where allauth would say "already registered": answer "check your
        # email" and tell the owner by mail that someone tried, with the password reset link.
        get_adapter(request).send_account_already_exists_mail(self.cleaned_data["email"])
        return None, redirect("account_email_verification_sent")

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
