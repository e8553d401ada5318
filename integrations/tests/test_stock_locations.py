"""Each shop's stock is its BigCommerce location's level (issue 19, item 3), Comptoir → BigCommerce:
pushes per location coalesced in one call, the starting stock of a newly mapped location. Real
HTTP to the sandbox (``location_helpers``); BigCommerce → Comptoir: ``test_stock_locations_inbound``."""

import uuid

import pytest
from django.test import TestCase

from integrations import tasks
from integrations.models import ShopLocation, StockPush, SyncEvent, VariantLink
from integrations.tests import connect_helpers
from integrations.tests.location_helpers import (
    absolute_calls,
    in_shop,
    mapped_shop,
    primary,
    sell,
    two_shops,
)
from integrations.tests.test_export import connected
from integrations.tests.test_stock_push import RELATIVE, relative_calls, remote_level, stocked
from inventory.models import StockMovement
from inventory.services import stock_set
from inventory.transfers import stock_transfer
from portal.services import shop_create, shop_primary

pytestmark = [*connect_helpers.SANDBOX_TESTS, pytest.mark.usefixtures("no_apply_window")]


# -- the starting stock of a newly mapped location ------------------------------------------------
def test_the_location_start_sets_the_shop_levels_at_its_location_once(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    shop, location = mapped_shop(bc, store, connection, "Shop two", stock={mug: 4})
    before = len(absolute_calls(bc, store))
    tasks.bigcommerce_location_stock_start(connection.pk, shop.pk)
    assert remote_level(bc, store, mug, location=location) == 4
    assert remote_level(bc, store, mug) == 10  # the default location is the primary shop's, untouched
    (call,) = absolute_calls(bc, store)[before:]
    assert call["items_in"] == 1  # the one variant, at the one location
    tasks.bigcommerce_location_stock_start(connection.pk, shop.pk)  # again: nothing to set
    assert len(absolute_calls(bc, store)) == before + 1
    assert not StockPush.objects.exists()


def test_the_location_start_does_nothing_for_a_shop_without_a_synced_location(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    shop = shop_create(merchant=merchant, name="Shop two", country="FR")
    ShopLocation.objects.create(connection=connection, shop=shop, origin=ShopLocation.Origin.CREATED)  # pending
    before = len(bc.request_log(store["hash"]))
    tasks.bigcommerce_location_stock_start(connection.pk, shop.pk)
    assert len(bc.request_log(store["hash"])) == before


# -- Comptoir → BigCommerce ------------------------------------------------------------------------
def test_a_sale_in_shop_two_moves_only_its_location(bc):
    store, merchant, connection, mug, shop, location = two_shops(bc)
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 3, shop=shop)
    assert remote_level(bc, store, mug, location=location) == 1
    assert remote_level(bc, store, mug) == 10
    assert list(StockPush.objects.values_list("location_id", "delta", "state")) == [(location, -3, "sent")]
    entry = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_PUSH).latest("pk")
    assert entry.detail["location_id"] == location
    assert entry.message.endswith("Mug −3 → BigCommerce 4 → 1 ✓")


def test_sales_in_two_shops_go_in_one_adjustment_carrying_both_locations(bc):
    store, merchant, connection, mug, shop, location = two_shops(bc)
    remote = VariantLink.objects.get(variant=mug).remote_variant_id
    before = len(relative_calls(bc, store))
    sell(merchant, mug, 2)  # no commit hooks run: both wait for one push run
    sell(merchant, mug, 1, shop=shop)
    sell(merchant, mug, 1, shop=shop)
    tasks.bigcommerce_stock_push_sweep()
    (call,) = relative_calls(bc, store)[before:]
    assert call["items_in"] == 2  # the mug at each location, each shop's sales summed
    pushed = set(StockPush.objects.values_list("batch", "location_id", "variant_link__remote_variant_id"))
    (batch,) = {b for b, _l, _r in pushed}
    assert pushed == {(batch, 1, remote), (batch, location, remote)}
    assert remote_level(bc, store, mug) == 8 and primary(mug) == 8
    assert remote_level(bc, store, mug, location=location) == 2 and in_shop(mug, shop) == 2
    assert set(StockPush.objects.values_list("state", flat=True)) == {"sent"}
    # One journal line per variant and location, each with its own levels.
    lines = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_PUSH).order_by("pk")
    assert sorted(e.message for e in lines) == [
        "2 stock changes: Mug −2 → BigCommerce 4 → 2 ✓",
        f"Sale #{StockMovement.objects.filter(shop__is_primary=True, origin='pos_sale').get().sale_line.sale_id}: "
        "Mug −2 → BigCommerce 10 → 8 ✓",
    ]


def test_a_transfer_between_two_shops_is_one_call_with_both_locations(bc):
    store, merchant, connection, mug, shop, location = two_shops(bc)
    remote = VariantLink.objects.get(variant=mug).remote_variant_id
    before = len(relative_calls(bc, store))
    with TestCase.captureOnCommitCallbacks(execute=True):  # the transfer service: two ledger rows, one transaction
        transfer = stock_transfer(
            merchant=merchant,
            from_shop=shop_primary(merchant=merchant),
            to_shop=shop,
            lines=[(mug, 5)],
            idempotency_key=uuid.uuid4().hex,
        )
    assert sorted(transfer.movements.values_list("shop_id", "delta")) == sorted(
        [(shop_primary(merchant=merchant).pk, -5), (shop.pk, 5)]
    )
    (call,) = relative_calls(bc, store)[before:]
    assert call["items_in"] == 2
    assert sorted(StockPush.objects.values_list("location_id", "delta")) == sorted([(1, -5), (location, 5)])
    assert StockPush.objects.values("batch").distinct().count() == 1
    assert {r.variant_link.remote_variant_id for r in StockPush.objects.all()} == {remote}
    assert (remote_level(bc, store, mug), remote_level(bc, store, mug, location=location)) == (5, 9)


def test_a_location_without_a_level_yet_gets_absolute_levels_for_that_variant(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    shop, location = mapped_shop(bc, store, connection, "Shop two", stock={mug: 4})  # no location start
    sell(merchant, mug, 2)
    sell(merchant, mug, 1, shop=shop)
    before = len(absolute_calls(bc, store))
    tasks.bigcommerce_stock_push_sweep()
    # BigCommerce names the variant, not the location: the variant's level is set at both.
    (absolute,) = absolute_calls(bc, store)[before:]
    assert absolute["items_in"] == 2
    assert (remote_level(bc, store, mug), remote_level(bc, store, mug, location=location)) == (8, 3)
    methods = {e.detail["location_id"]: e.detail["method"] for e in SyncEvent.objects.filter(code="stock_push.sent")}
    assert methods == {1: "absolute", location: "absolute"}
    assert set(StockPush.objects.values_list("state", flat=True)) == {"sent"}


@pytest.mark.parametrize(("fault", "calls"), [("error_after", 1), ("error_before", 2)])
def test_a_lost_answer_is_settled_by_reading_the_shop_s_location(bc, settings, fault, calls):
    settings.BIGCOMMERCE_STOCK_SETTLE_AFTER_S = 0
    store, merchant, connection, mug, shop, location = two_shops(bc)
    bc.set_faults(store["hash"], [{"kind": fault, "method": "POST", "path": RELATIVE, "count": 1}])
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 3, shop=shop)
    assert StockPush.objects.get().state == "unknown"
    tasks.bigcommerce_stock_push_sweep()
    assert StockPush.objects.get().state == "sent"
    assert (remote_level(bc, store, mug, location=location), remote_level(bc, store, mug)) == (1, 10)  # never twice
    assert len(relative_calls(bc, store)) == calls
    settled = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_PUSH, message__startswith="Checked").get()
    assert (len(settled.detail["applied"]), len(settled.detail["resent"])) == ((1, 0) if calls == 1 else (0, 1))


def test_an_unmapped_shop_pushes_nothing(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    shop = shop_create(merchant=merchant, name="Backroom", country="FR")
    before = len(bc.request_log(store["hash"]))
    with TestCase.captureOnCommitCallbacks(execute=True):
        stock_set(merchant=merchant, variant=mug, quantity=6, idempotency_key=uuid.uuid4().hex, shop=shop)
        sell(merchant, mug, 2, shop=shop)
    assert not StockPush.objects.exists()
    assert len(bc.request_log(store["hash"])) == before
    assert remote_level(bc, store, mug) == 10
