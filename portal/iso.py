"""Countries (ISO 3166-1 alpha-2) and currencies (ISO 4217) a merchant may choose.

The codes and their names in each language come from pycountry, which packages the iso-codes
tables (kept by Debian, updated with each ISO change) and their translations.
"""

import gettext
import unicodedata
from functools import cache

import pycountry
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

# ISO 4217 also codes things nobody prices a shop's goods in: precious metals, bond-market
# units, the IMF's SDR, accounting units, a testing code, "no currency", and the funds
# codes that sit beside a country's real currency (Bolivia's BOV beside BOB, …).
NOT_TENDER = frozenset(
    {
        "XAG", "XAU", "XPD", "XPT",  # silver, gold, palladium, platinum
        "XBA", "XBB", "XBC", "XBD",  # European bond-market units
        "XDR", "XSU", "XUA", "XAD",  # SDR, Sucre, ADB unit, Arab accounting dinar
        "XTS", "XXX",  # testing, no currency
        "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW",  # funds codes
    }
)  # fmt: skip


def _translator(domain: str) -> gettext.NullTranslations:
    language = (translation.get_language() or "en").split("-")[0]
    return _translations(domain, language)


@cache
def _translations(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


def _sort_key(text: str) -> str:
    """Alphabetical order that ignores accents and letter case ("Égypte" with the E's)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


@cache
def country_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


@cache
def currency_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies) - NOT_TENDER


def country_name(code: str) -> str:
    """The country's name in the active language ("Germany", "Allemagne"); the code if unknown."""
    country = pycountry.countries.get(alpha_2=code.upper()) if code else None
    if country is None:
        return code
    return _translator("iso3166-1").gettext(getattr(country, "common_name", None) or country.name)


def currency_name(code: str) -> str:
    currency = pycountry.currencies.get(alpha_3=code.upper()) if code else None
    if currency is None:
        return code
    return _translator("iso4217").gettext(currency.name)


def country_choices() -> list[tuple[str, str]]:
    """(code, "Name (CODE)") in the active language, in alphabetical order of the names."""
    rows = [(code, country_name(code)) for code in country_codes()]
    return [(code, f"{name} ({code})") for code, name in sorted(rows, key=lambda row: _sort_key(row[1]))]


def currency_choices() -> list[tuple[str, str]]:
    rows = [(code, currency_name(code)) for code in currency_codes()]
    return [(code, f"{name} ({code})") for code, name in sorted(rows, key=lambda row: _sort_key(row[1]))]


def country_validate(value: str) -> str:
    """The upper-case ISO 3166-1 alpha-2 code, or a ValidationError."""
    code = (value or "").strip().upper()
    if code not in country_codes():
        raise ValidationError(
            _("“%(code)s” is not a country code. Choose your country from the list.") % {"code": value},
            code="country_unknown",
        )
    return code


def currency_validate(value: str) -> str:
    """The upper-case ISO 4217 code of a currency in use, or a ValidationError."""
    code = (value or "").strip().upper()
    if code not in currency_codes():
        raise ValidationError(
            _("“%(code)s” is not a currency code. Choose your currency from the list.") % {"code": value},
            code="currency_unknown",
        )
    return code
