"""Option combinations: pure functions shared by the services and the variant editor.

A *combination* is a tuple of (option name, value) pairs in option order, e.g.
``(("Size", "M"), ("Colour", "Blue"))``; a product without options has the one empty
combination ``()``. Names and values compare without regard to case or surrounding spaces.
"""

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from catalog.models import MAX_OPTIONS

Combination = tuple[tuple[str, str], ...]
T = TypeVar("T")

# BigCommerce takes at most 600 variants per product; a grid larger than that is a typo anyway.
MAX_VARIANTS = 600


@dataclass(frozen=True)
class OptionSpec:
    name: str
    values: tuple[str, ...]


def text_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def combination_key(combination: Combination) -> tuple[tuple[str, str], ...]:
    return tuple((text_key(name), text_key(value)) for name, value in combination)


def combination_count(options: Sequence[OptionSpec]) -> int:
    count = 1
    for option in options:
        count *= len(option.values)
    return count


def combinations(options: Sequence[OptionSpec]) -> list[Combination]:
    """Every combination of the options' values, first option varying slowest."""
    assert len(options) <= MAX_OPTIONS and combination_count(options) <= MAX_VARIANTS
    per_option = [[(option.name, value) for value in option.values] for option in options]
    return [tuple(combo) for combo in itertools.product(*per_option)]


def combination_project(old: Combination, options: Sequence[OptionSpec]) -> Combination | None:
    """Where a variant with combination ``old`` lands once the options become ``options``.

    An option it already had keeps its value (None if that value is gone); an option added
    since takes the option's first value, so adding "Colour" to a product keeps its existing
    variant (and its stock history) as the first colour. Options removed since are dropped.
    """
    old_values = {text_key(name): value for name, value in old}
    landed = []
    for option in options:
        if not option.values:
            return None
        key = text_key(option.name)
        if key in old_values:
            wanted = text_key(old_values[key])
            match = next((v for v in option.values if text_key(v) == wanted), None)
            if match is None:
                return None
            landed.append((option.name, match))
        else:
            landed.append((option.name, option.values[0]))
    return tuple(landed)


def combinations_carry_over(
    old: Iterable[tuple[Combination, T]], options: Sequence[OptionSpec]
) -> list[tuple[Combination, T | None]]:
    """One entry per combination of ``options``, with the item (variant, form row…) that lands on it.

    When several old combinations land on the same new one (an option was removed), the first
    one wins; the others land nowhere.
    """
    landing: dict = {}
    for combination, item in old:
        projected = combination_project(combination, options)
        if projected is not None:
            landing.setdefault(combination_key(projected), item)
    return [(combo, landing.get(combination_key(combo))) for combo in combinations(options)]
