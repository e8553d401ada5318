import pytest
from django.core.exceptions import ValidationError

from catalog.barcodes import barcode_check_digit, barcode_validate


@pytest.mark.parametrize(
    "code",
    ["4006381333931", "96385074", "036000291452", "5901234123457", "73513537"],
)
def test_valid_barcodes_pass(code):
    assert barcode_validate(code) == code


def test_spaces_and_dashes_are_removed():
    assert barcode_validate(" 4006381-333931 ") == "4006381333931"


def test_blank_is_allowed():
    assert barcode_validate("") == ""


def test_check_digit_examples():
    assert barcode_check_digit("400638133393") == 1
    assert barcode_check_digit("03600029145") == 2
    assert barcode_check_digit("9638507") == 4


def test_wrong_check_digit_names_the_right_one():
    with pytest.raises(ValidationError) as exc:
        barcode_validate("4006381333932")
    message = exc.value.messages[0]
    assert "EAN-13" in message and "should be 1, not 2" in message


def test_wrong_length_says_which_lengths_work():
    with pytest.raises(ValidationError) as exc:
        barcode_validate("12345")
    assert "8 (EAN-8), 12 (UPC-A) or 13 (EAN-13)" in exc.value.messages[0]
    assert "has 5" in exc.value.messages[0]


def test_letters_are_refused():
    with pytest.raises(ValidationError, match="digits only"):
        barcode_validate("40063813339AB")
