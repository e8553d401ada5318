"""Money is an integer of minor units with a currency (STYLE rule 12)."""

from decimal import ROUND_HALF_UP, Decimal

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


def to_minor(amount: Decimal | str | int, currency: str) -> int:
    """Decimal amount (12.5) → integer minor units (1250), rounding half up."""
    exponent = minor_units(currency)
    quantum = Decimal(1).scaleb(-exponent)
    return int((Decimal(str(amount)).quantize(quantum, rounding=ROUND_HALF_UP)).scaleb(exponent))


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
