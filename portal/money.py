"""Money is an integer of minor units with a currency (STYLE rule 12)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from django.core.exceptions import ValidationError
from django.utils import formats, translation
from django.utils.translation import gettext as _

# ISO 4217 minor units of the currencies in use (``portal.iso``) that do not have two decimals.
_MINOR_UNITS = {
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
}

# The highest price (and cost price) Comptoir takes, in minor units: 100,000,000.00 in a
# currency with two decimals. High enough for any shop in any currency it accepts, including
# those whose unit is worth a fraction of a cent (IDR, VND, COP); low enough that a typo or
# "1e12" is caught, and that a sale of 200 lines of 9,999 stays far inside 64-bit totals.
MAX_PRICE = 10**10
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "CAD": "CA$", "AUD": "A$", "JPY": "¥"}


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency.upper(), 2)


class AmountOutOfRange(ValueError):
    """An amount that is no price at all: not a finite number, or with more than
    ``MAX_AMOUNT_DIGITS`` digits before the decimal point (1e30, 27 nines)."""


# Far above MAX_PRICE in every currency, far below what would make the conversion costly.
MAX_AMOUNT_DIGITS = 40


def to_minor(amount: Decimal | str | int, currency: str) -> int:
    """Decimal amount (12.5) → integer minor units (1250), rounding half up.

    Raises AmountOutOfRange for an amount that is not a finite number or has more than
    MAX_AMOUNT_DIGITS whole digits; callers say the bounds (``price_validate``)."""
    exponent = minor_units(currency)
    quantum = Decimal(1).scaleb(-exponent)
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise AmountOutOfRange(str(amount)[:40]) from exc
    if not value.is_finite() or (value and value.adjusted() >= MAX_AMOUNT_DIGITS):
        raise AmountOutOfRange(str(amount)[:40])
    # Enough precision for every digit kept: Decimal's default (28) fails past 26 whole digits.
    with localcontext() as context:
        context.prec = MAX_AMOUNT_DIGITS + exponent + 2
        return int(value.quantize(quantum, rounding=ROUND_HALF_UP).scaleb(exponent))


def amount_to_minor_validated(amount: Decimal | str | int, currency: str) -> int:
    """``amount`` in minor units if it is a price Comptoir takes, else a ValidationError saying the bounds."""
    try:
        value = to_minor(amount, currency)
    except AmountOutOfRange:
        # Said like any price beyond the bounds ("at most …", or "cannot be negative").
        value = -1 if str(amount).strip().startswith("-") else MAX_PRICE + 1
    return price_validate(value, currency)


def from_minor(value: int, currency: str) -> Decimal:
    """Integer minor units (1250) → Decimal amount (12.50)."""
    exponent = minor_units(currency)
    return (Decimal(value).scaleb(-exponent)).quantize(Decimal(1).scaleb(-exponent))


def price_validate(value: int, currency: str) -> int:
    """``value`` (minor units) if it is a price Comptoir takes, else a ValidationError saying the bounds."""
    if value < 0:
        raise ValidationError(_("A price cannot be negative."), code="price_negative")
    if value > MAX_PRICE:
        raise ValidationError(
            _("A price is at most %(max)s.") % {"max": format_money(MAX_PRICE, currency)}, code="price_too_high"
        )
    return value


def format_money(value: int | None, currency: str) -> str:
    """Locale-aware display: "€12.50" in English, "12,50 €" in French."""
    if value is None:
        return ""
    amount = from_minor(value, currency)
    number = formats.number_format(amount, decimal_pos=minor_units(currency), use_l10n=True, force_grouping=True)
    symbol = _SYMBOLS.get(currency.upper(), currency.upper())
    if (translation.get_language() or "en").startswith("fr"):
        return f"{number}\u00a0{symbol}"
    if number.startswith("-"):
        return f"-{symbol}{number[1:]}"
    return f"{symbol}{number}"
