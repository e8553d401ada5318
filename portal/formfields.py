"""Form fields shared by the apps: numbers as people type them, and money."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from portal import iso
from portal.money import minor_units, price_validate, to_minor


class PlainDecimalField(forms.DecimalField):
    """A decimal typed as digits and one decimal separator, localised ("2,50" in French).

    Python's Decimal also reads exponent notation ("1e9" is a billion), which no one means in
    a price or a rate: it is refused with a message instead of saved.
    """

    def to_python(self, value):
        if isinstance(value, str) and any(ch in "eE" for ch in value):
            example = formats.number_format(Decimal("12.50"), decimal_pos=2, use_l10n=True)
            raise ValidationError(
                _("Enter a plain number such as %(example)s (an exponent like 1e9 is not accepted).")
                % {"example": example},
                code="exponent",
            )
        return super().to_python(value)


class MoneyField(PlainDecimalField):
    """An amount in ``currency`` typed as a decimal; ``cleaned_data`` holds the Decimal.

    Decimal places follow the currency (0 for JPY, 3 for KWD); the bounds are
    ``portal.money.price_validate``'s, said in the currency ("at most €100,000,000.00").
    """

    def __init__(self, *, currency: str, **kwargs):
        self.currency = currency
        kwargs.setdefault("localize", True)
        super().__init__(decimal_places=minor_units(currency), **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values:
            price_validate(to_minor(value, self.currency), self.currency)


class CodeChoiceField(forms.ChoiceField):
    """A choice of code (country, currency) that also takes the code in lower case ("fr")."""

    def __init__(self, *, validator, **kwargs):
        self.code_validator = validator
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()

    def validate(self, value):
        if value in self.empty_values:
            super().validate(value)
        else:
            self.code_validator(value)


def country_field(**kwargs) -> CodeChoiceField:
    """ISO 3166 countries, named in the reader's language (the list is built when rendered)."""
    return CodeChoiceField(validator=iso.country_validate, choices=iso.country_choices, **kwargs)


def currency_field(**kwargs) -> CodeChoiceField:
    return CodeChoiceField(validator=iso.currency_validate, choices=iso.currency_choices, **kwargs)
