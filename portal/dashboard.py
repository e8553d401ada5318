"""Cards that other apps add to the dashboard.

Arrows point one way (``integrations`` → ``portal``): the portal does not import the apps that
extend it; they register a card when they load (``AppConfig.ready``).
"""

from collections.abc import Callable

from django.http import HttpRequest

# A card renders itself for a merchant's request; None shows nothing.
DashboardCard = Callable[[HttpRequest], str | None]

_cards: list[DashboardCard] = []


def dashboard_card_register(card: DashboardCard) -> DashboardCard:
    if card not in _cards:
        _cards.append(card)
    return card


def dashboard_cards_render(*, request: HttpRequest) -> list[str]:
    return [html for html in (card(request) for card in _cards) if html]
