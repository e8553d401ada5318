"""Money is an integer of minor units with a currency (STYLE rule 12)."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats, translation

# ISO 4217 minor units for the currencies that do not use two decimals.
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "HUF": 2, "BHD": 3, "KWD": 3, "TND": 3, "JOD": 3}
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
