"""Money conversions never fail on what a form or BigCommerce can send (issue 15, item 11)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from portal.money import MAX_PRICE, AmountOutOfRange, amount_to_minor_validated, to_minor


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("12.5", "EUR", 1250), ("0.005", "EUR", 1), ("1500", "JPY", 1500), ("1.2345", "KWD", 1235), (7, "EUR", 700)],
)
def test_to_minor_rounds_half_up_in_the_currencys_decimals(amount, currency, minor):
    assert to_minor(amount, currency) == minor


@pytest.mark.parametrize("amount", ["9" * 26, "9" * 27, Decimal("1e30") - 1, "-" + "9" * 27])
def test_to_minor_is_exact_past_decimals_default_precision(amount):
    # Decimal's 28 digits failed (InvalidOperation) from 27 whole digits: a 500 on the product form.
    assert to_minor(amount, "EUR") == int(Decimal(str(amount))) * 100


@pytest.mark.parametrize("amount", ["1e40", "1e400", "-1e99", "NaN", "Infinity", "not a number"])
def test_to_minor_says_out_of_range_for_what_is_no_price(amount):
    with pytest.raises(AmountOutOfRange):
        to_minor(amount, "EUR")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1e30", "A price is at most €100,000,000.00."),
        ("-1e99", "A price cannot be negative."),
        ("1e99", "A price is at most €100,000,000.00."),
    ],
)
def test_amount_to_minor_validated_says_the_bounds(amount, message):
    with pytest.raises(ValidationError, match=message):
        amount_to_minor_validated(amount, "EUR")
    assert amount_to_minor_validated("100000000", "EUR") == MAX_PRICE
