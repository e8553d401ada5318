"""Retail barcodes: EAN-8, UPC-A (12 digits) and EAN-13, with their GS1 check digit."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

BARCODE_LENGTHS = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13"}


def barcode_check_digit(digits: str) -> int:
    """The GS1 check digit for ``digits`` (the barcode without its last digit).

    Weights alternate 3, 1, 3… starting from the rightmost digit.
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def barcode_normalise(value: str) -> str:
    """Strip the spaces and dashes people type or scanners add."""
    return "".join(ch for ch in (value or "") if ch not in " -").strip()


def barcode_validate(value: str) -> str:
    """The normalised barcode, or a ValidationError that says what is wrong with it."""
    code = barcode_normalise(value)
    if not code:
        return ""
    if not code.isdigit():
        raise ValidationError(_("A barcode contains digits only."), code="barcode_digits")
    kind = BARCODE_LENGTHS.get(len(code))
    if kind is None:
        raise ValidationError(
            _("A barcode has 8 (EAN-8), 12 (UPC-A) or 13 (EAN-13) digits; this one has %(count)d.")
            % {"count": len(code)},
            code="barcode_length",
        )
    expected = barcode_check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise ValidationError(
            _(
                "The check digit of this %(kind)s barcode is wrong: "
                "the last digit should be %(expected)d, not %(actual)s."
            )
            % {"kind": kind, "expected": expected, "actual": code[-1]},
            code="barcode_check_digit",
        )
    return code


def barcode_taken_message(product) -> str:
    """Why a barcode is refused: another product (``product``) has it."""
    if product.is_archived:
        return _("This barcode is already used by “%(product)s” (archived). Each product needs its own barcode.") % {
            "product": product.name
        }
    return _("This barcode is already used by “%(product)s”. Each product needs its own barcode.") % {
        "product": product.name
    }
