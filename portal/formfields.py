"""Form fields shared by the apps: numbers as people type them, and money."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from portal import iso
from portal.money import amount_to_minor_validated, minor_units

# What a person types, once Django has read the locale's separators ("19,50" → "19.50"): ASCII
# digits, one decimal point, a sign. Python's int() and Decimal() also read other scripts'
# digits ("١٢٣"), underscores ("1_000") and exponents ("1e9"), which no one means in a form.
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_PLAIN_WHOLE = re.compile(r"[+-]?[0-9]+(?:\.0*)?", re.ASCII)


def _example(value: Decimal | int, decimal_pos: int | None = None) -> str:
    return formats.number_format(value, decimal_pos=decimal_pos, use_l10n=True)


def _exponent_refuse(value) -> None:
    if isinstance(value, str) and any(ch in "eE" for ch in value):
        raise ValidationError(
            _("Enter a plain number such as %(example)s (an exponent like 1e9 is not accepted).")
            % {"example": _example(Decimal("12.50"), 2)},
            code="exponent",
        )


def _unplain_refuse(value, *, whole: bool) -> None:
    """Text that Python read as a number but a person would not have typed (other scripts'
    digits, underscores) is refused with a message saying what is expected."""
    if not isinstance(value, str):
        return
    text = formats.sanitize_separators(value.strip())
    if whole and not _PLAIN_WHOLE.fullmatch(text):
        raise ValidationError(
            _("Enter a whole number with the digits 0–9, such as %(example)s.") % {"example": _example(12)},
            code="invalid",
        )
    if not whole and not _PLAIN_DECIMAL.fullmatch(text):
        raise ValidationError(
            _("Enter a number with the digits 0–9, such as %(example)s.") % {"example": _example(Decimal("12.50"), 2)},
            code="invalid",
        )


class PlainDecimalField(forms.DecimalField):
    """A decimal typed as digits and one decimal separator, localised ("2,50" in French; "2.50"
    is read too). Anything else — an exponent, other scripts' digits, underscores — is refused
    with a message instead of saved."""

    def to_python(self, value):
        _exponent_refuse(value)
        number = super().to_python(value)
        if number is not None:
            _unplain_refuse(value, whole=False)
        return number


class PlainIntegerField(forms.IntegerField):
    """A whole number typed with the digits 0–9 (a quantity, a weight in grams, a stock level)."""

    def to_python(self, value):
        number = super().to_python(value)
        if number is not None:
            _unplain_refuse(value, whole=True)
        return number


class MoneyField(PlainDecimalField):
    """An amount in ``currency`` typed as a decimal; ``cleaned_data`` holds the Decimal.

    Decimal places follow the currency (0 for JPY, 3 for KWD); the bounds are
    ``portal.money.price_validate``'s, said in the currency ("at most €100,000,000.00"),
    whatever the number of digits typed.
    """

    def __init__(self, *, currency: str, **kwargs):
        self.currency = currency
        kwargs.setdefault("localize", True)
        super().__init__(decimal_places=minor_units(currency), **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values:
            amount_to_minor_validated(value, self.currency)


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
