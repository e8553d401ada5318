"""Row ids read from request data (form fields, query strings).

``str.isdigit`` accepts digits such as "²" that ``int`` refuses, and a number beyond a
database integer makes SQLite raise ``OverflowError``: both were server errors, and so was a
number of more than 4,300 digits, which ``int`` refuses to convert (Python's guard against
quadratic conversions). Anything that is not plain ASCII digits within a database id's range is
not an id.
"""

from collections.abc import Iterable

MAX_ID = 2**63 - 1
MAX_ID_DIGITS = len(str(MAX_ID))


def id_parse(value) -> int | None:
    """``value`` as a row id, or None."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    value = value.lstrip("0")
    if len(value) > MAX_ID_DIGITS:
        return None
    number = int(value or "0")
    return number if 0 < number <= MAX_ID else None


def ids_parse(values: Iterable) -> list[int]:
    """The values that are row ids, as integers, in order; the others are dropped."""
    return [number for number in map(id_parse, values) if number is not None]
