"""Numbers as people type them in their locale; the rest refused with a message (issue 15, item 11)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from portal.formfields import MoneyField, PlainDecimalField, PlainIntegerField


def cleaned(field, typed, language="en"):
    with translation.override(language):
        return field.clean(typed)


def refusal(field, typed, language="en") -> str:
    with translation.override(language), pytest.raises(ValidationError) as caught:
        field.clean(typed)
    return caught.value.messages[0]


@pytest.mark.parametrize(
    ("typed", "language", "amount"),
    [
        ("19.50", "en", "19.50"),
        ("19,50", "fr", "19.50"),
        ("19.50", "fr", "19.50"),
        (" 7 ", "en", "7"),
        ("0", "fr", "0"),
    ],
)
def test_money_takes_what_a_person_types_in_their_locale(typed, language, amount):
    assert str(cleaned(MoneyField(currency="EUR"), typed, language)) == amount


@pytest.mark.parametrize("typed", ["١٢٣", "１２３", "1_000", "12_50.00"])
def test_money_refuses_other_digits_and_underscores_with_a_message(typed):
    assert refusal(MoneyField(currency="EUR"), typed) == "Enter a number with the digits 0–9, such as 12.50."
    assert (
        refusal(MoneyField(currency="EUR"), typed, "fr")
        == "Saisissez un nombre avec les chiffres 0 à 9, par exemple 12,50."
    )


@pytest.mark.parametrize("nines", [26, 27, 40, 400])
def test_money_of_any_length_is_a_form_error_never_an_exception(nines):
    assert refusal(MoneyField(currency="EUR"), "9" * nines) == "A price is at most €100,000,000.00."
    assert (
        refusal(MoneyField(currency="EUR", required=False), "9" * nines + ".99")
        == "A price is at most €100,000,000.00."
    )


def test_a_plain_decimal_field_refuses_other_digits_too():
    field = PlainDecimalField(max_digits=5, decimal_places=2, localize=True)
    assert str(cleaned(field, "5,5", "fr")) == "5.5"
    assert "digits 0–9" in refusal(field, "٥")


@pytest.mark.parametrize(("typed", "number"), [("12", 12), ("-3", -3), ("+4", 4), (" 8 ", 8), ("12.0", 12)])
def test_whole_numbers_take_ascii_digits(typed, number):
    assert cleaned(PlainIntegerField(), typed) == number


@pytest.mark.parametrize("typed", ["١٢", "1_000", "１２", "٣٤٥"])
def test_whole_numbers_refuse_other_digits_and_underscores(typed):
    assert refusal(PlainIntegerField(), typed) == "Enter a whole number with the digits 0–9, such as 12."
    assert (
        refusal(PlainIntegerField(), typed, "fr")
        == "Saisissez un nombre entier avec les chiffres 0 à 9, par exemple 12."
    )


def test_garbage_keeps_djangos_own_message():
    assert refusal(PlainIntegerField(), "x") == "Enter a whole number."
    assert refusal(MoneyField(currency="EUR"), "abc") == "Enter a number."
