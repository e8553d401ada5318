"""What the stock page says about the online shop, filled in by the app that connects one.

Inventory knows nothing of BigCommerce (STYLE: arrows point one way). The integrations app
registers, in its ``AppConfig.ready()``:

- an *online shop provider* ``provider(*, merchant, product) -> OnlineShop | None``: the shop
  this product's stock goes to (None when no shop is connected);
- a *movement links provider* ``provider(*, merchant, movements) -> {movement_id: [MovementLink]}``:
  links from ledger rows to what they came from or led to (an online order, a journal entry),
  for a whole page of the history at once (a constant number of queries per page).

With no provider the page speaks of "the online shop" and links only to in-store sales.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class OnlineShop:
    name: str  # how the page names it: "BigCommerce"
    connected: bool = True
    synced: bool = False  # this product is on the shop: its stock (online allocation) is sent there


@dataclass(frozen=True)
class MovementLink:
    label: str
    url: str
    external: bool = False  # opens the other platform (in a new tab)


# How the page names a shop that no provider describes.
DEFAULT_SHOP_NAME = _("the online shop")

_shop_providers: dict[str, Callable] = {}
_link_providers: dict[str, Callable] = {}


def online_shop_provider_register(key: str, provider: Callable) -> None:
    _shop_providers[key] = provider


def movement_links_provider_register(key: str, provider: Callable) -> None:
    _link_providers[key] = provider


def online_shop(*, merchant, product) -> OnlineShop | None:
    """The first shop a provider reports for this product (synced ones first), or None."""
    shops = [
        shop for key in sorted(_shop_providers) if (shop := _shop_providers[key](merchant=merchant, product=product))
    ]
    shops.sort(key=lambda shop: not shop.synced)
    return shops[0] if shops else None


def movement_links(*, merchant, movements: Sequence) -> dict[int, list[MovementLink]]:
    links: dict[int, list[MovementLink]] = {movement.pk: [] for movement in movements}
    if not movements:
        return links
    for key in sorted(_link_providers):
        for pk, found in _link_providers[key](merchant=merchant, movements=movements).items():
            links.setdefault(pk, []).extend(found)
    return links
