from allauth.account import app_settings as account_settings
from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm
from django import forms
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from portal.formfields import PlainDecimalField, country_field, currency_field
from portal.services import merchant_create


class MerchantDetailsForm(forms.Form):
    """The business: its name, country, currency and default VAT rate (sign-up and settings)."""

    business_name = forms.CharField(label=_("Business name"), max_length=200)
    country = country_field(label=_("Country"), initial="FR")
    currency = currency_field(
        label=_("Currency"), initial="EUR", help_text=_("Prices, sales and the register use this currency.")
    )
    default_vat_rate = PlainDecimalField(
        label=_("Default VAT rate (%)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        initial=20,
        localize=True,
        help_text=_("New products start with this rate; each product can have its own."),
    )

    def clean_business_name(self):
        name = " ".join(self.cleaned_data["business_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your business name."))
        return name


class MerchantSignupForm(MerchantDetailsForm, SignupForm):
    field_order = ["business_name", "country", "currency", "default_vat_rate", "email", "password1", "password2"]

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
