"""Badges other apps put next to a product's name in the catalog list (e.g. its sync state).

A provider is ``provider(*, merchant, product_ids) -> {product_id: [Badge, ...]}``, registered
once in its ``AppConfig.ready()`` with ``product_badges_register``; it answers for a whole page
of products at once (a constant number of queries per page).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Badge:
    label: str
    css: str = ""  # "badge-ok", "badge-warn", "badge-danger" or ""
    title: str = ""  # the longer explanation (tooltip)
    # The state is about to change by itself (e.g. a sync in progress): the catalog list polls
    # the badges of its pending products (``catalog:product_badges``) until none is.
    pending: bool = False


_providers: dict[str, Callable] = {}


def product_badges_register(key: str, provider: Callable) -> None:
    _providers[key] = provider


def product_badges(*, merchant, product_ids: Sequence[int]) -> dict[int, list[Badge]]:
    badges: dict[int, list[Badge]] = {pk: [] for pk in product_ids}
    for key in sorted(_providers):
        for pk, found in _providers[key](merchant=merchant, product_ids=product_ids).items():
            badges.setdefault(pk, []).extend(found)
    return badges


def product_badges_pending(badges: dict[int, list[Badge]]) -> list[int]:
    """The products whose badges will change by themselves (the list polls them)."""
    return [pk for pk, found in badges.items() if any(badge.pending for badge in found)]
