"""The inventory settings an order follows when BigCommerce has none for its channel: the
sandbox answers an unknown channel 422, as settings.v3.yml lists (not 404), and the store's
global settings apply. Real HTTP to the sandbox."""

import pytest

from integrations.tests import connect_helpers
from integrations.tests.test_export import connected
from integrations.tests.test_stock_inbound import deliver, ledger, level, order
from integrations.tests.test_stock_push import stocked
from inventory.models import StockOrigin

pytestmark = [*connect_helpers.SANDBOX_TESTS, pytest.mark.usefixtures("no_apply_window")]


def test_an_order_of_a_channel_the_store_lacks_follows_the_global_settings(bc):
    store, _merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    before = len(bc.request_log(store["hash"]))
    placed = order(bc, store, mug, 2, channel_id=4242)  # no such channel in the store
    deliver(connection, "store/order/created", {"type": "order", "id": placed["id"]})
    assert level(mug) == 8  # global settings: taken when placed
    assert ledger(mug)[1:] == [(StockOrigin.ONLINE_ORDER, -2)]
    reads = [r for r in bc.request_log(store["hash"])[before:] if r["path"].endswith("/settings/inventory")]
    assert [(r["query"], r["status"]) for r in reads] == [("channel_id=4242", 422), ("", 200)]
