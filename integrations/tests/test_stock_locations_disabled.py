"""A deactivated shop's location is disabled in BigCommerce, which refuses any adjustment there
(the whole call, naming no item). The stock sync sends it nothing, so the other shops' stock still
goes through, and makes no call again and again for it; reactivated, the shop's pending changes go."""

import pytest

from integrations.bigcommerce.stock.push import stock_push_run
from integrations.models import StockPush
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import api
from integrations.tests.location_helpers import LOCATIONS, sell, two_shops
from integrations.tests.test_stock_push import relative_calls, remote_level

pytestmark = [*connect_helpers.SANDBOX_TESTS, pytest.mark.usefixtures("no_apply_window")]


def _enabled(bc, store, location: int, enabled: bool) -> None:
    """What the shop's location sync does when the shop is (re)activated."""
    api(bc, store).put(LOCATIONS, json=[{"id": location, "enabled": enabled}])


def test_a_disabled_location_is_sent_nothing_and_holds_no_other_shop_up(bc):
    store, merchant, connection, mug, shop, location = two_shops(bc)  # 10 at the default, 4 at shop two's
    sell(merchant, mug, 1, shop=shop)  # pending (no on_commit here) when the shop is deactivated
    shop.is_active = False
    shop.save(update_fields=["is_active"])
    _enabled(bc, store, location, False)
    sell(merchant, mug, 2)  # the primary shop
    before = len(relative_calls(bc, store))

    assert stock_push_run(connection=connection) is False
    (call,) = relative_calls(bc, store)[before:]
    assert call["status"] == 200 and call["items_in"] == 1  # the disabled location: not in it
    assert remote_level(bc, store, mug) == 8
    held = StockPush.objects.get(location_id=location)
    assert (held.state, held.attempts) == (StockPush.State.PENDING, 0)
    assert stock_push_run(connection=connection) is False  # the sweep again: no call at all
    assert len(relative_calls(bc, store)) == before + 1

    shop.is_active = True
    shop.save(update_fields=["is_active"])
    _enabled(bc, store, location, True)
    stock_push_run(connection=connection)
    assert remote_level(bc, store, mug, location=location) == 3
    assert StockPush.objects.get(pk=held.pk).state == StockPush.State.SENT
