"""Each shop's stock is its BigCommerce location's level, both ways (issue 19, item 3): pushes,
orders, manual edits, the stock check and the starting stock per location. Real HTTP to the
sandbox; the locations are created through its API, the mappings (``ShopLocation``) directly."""

import uuid

import pytest
from django.db import transaction
from django.test import TestCase

from integrations import tasks
from integrations.models import ShopLocation, StockPush, SyncEvent, SyncState, VariantLink, WebhookEvent
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import api, new_store
from integrations.tests.stock_helpers import stock_reconcile
from integrations.tests.test_export import connected, connected_to
from integrations.tests.test_stock_inbound import BILLING, deliver
from integrations.tests.test_stock_push import relative_calls, remote_level, stocked
from inventory.models import StockLevel, StockMovement, StockOrigin
from inventory.services import sale_create, stock_adjust, stock_set
from portal.services import shop_create
from sandbox.apps import DEFAULT_APP_SCOPES

pytestmark = [*connect_helpers.SANDBOX_TESTS, pytest.mark.usefixtures("no_apply_window")]
ABSOLUTE = "/v3/inventory/adjustments/absolute"


def location_create(bc, store, code: str) -> int:
    api(bc, store).post("/v3/inventory/locations", json=[{"code": code, "label": code.title()}])
    (found,) = [loc for loc in api(bc, store).get("/v3/inventory/locations")["data"] if loc["code"] == code]
    return found["id"]


def mapped_shop(bc, store, connection, name: str, *, stock: dict | None = None):
    """A second shop (with ``stock``: {variant: level} set before it is mapped: nothing pushed) and
    its own BigCommerce location, mapped and synced. (shop, location id)"""
    shop = shop_create(merchant=connection.merchant, name=name, country="FR")
    for variant, quantity in (stock or {}).items():
        stock_set(
            merchant=connection.merchant,
            variant=variant,
            quantity=quantity,
            idempotency_key=uuid.uuid4().hex,
            shop=shop,
        )
    location = location_create(bc, store, name.upper().replace(" ", "-"))
    ShopLocation.objects.create(
        connection=connection,
        shop=shop,
        remote_location_id=location,
        origin=ShopLocation.Origin.CREATED,
        state=SyncState.SYNCED,
    )
    return shop, location


def in_shop(variant, shop) -> int:
    level = StockLevel.objects.filter(variant=variant, shop=shop).first()
    return level.quantity if level else 0


def primary(variant) -> int:
    return StockLevel.objects.get(variant=variant, shop__is_primary=True).quantity


def absolute_calls(bc, store) -> list[dict]:
    return [r for r in bc.request_log(store["hash"]) if r["method"] == "PUT" and r["path"].endswith(ABSOLUTE)]


def sell(merchant, variant, quantity, shop=None):
    return sale_create(merchant=merchant, lines=[(variant, quantity)], idempotency_key=uuid.uuid4().hex, shop=shop)


def two_shops(bc, *, store=None, mug_stock=10, shop_stock=4):
    store = store or new_store(bc)
    store, merchant, client, connection, mug = connected_to(
        bc, store, setup=lambda m: stocked(m, "Mug", "MUG-1", mug_stock)
    )
    shop, location = mapped_shop(bc, store, connection, "Shop two", stock={mug: shop_stock})
    tasks.bigcommerce_location_stock_start(connection.pk, shop.pk)
    return store, merchant, connection, mug, shop, location


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
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        key = uuid.uuid4().hex
        stock_adjust(
            merchant=merchant, variant=mug, delta=-5, origin=StockOrigin.MANUAL_COMPTOIR, idempotency_key=f"{key}:out"
        )
        stock_adjust(
            merchant=merchant,
            variant=mug,
            delta=5,
            origin=StockOrigin.MANUAL_COMPTOIR,
            idempotency_key=f"{key}:in",
            shop=shop,
        )
    (call,) = relative_calls(bc, store)[before:]
    assert call["items_in"] == 2
    assert sorted(StockPush.objects.values_list("location_id", "delta")) == sorted([(1, -5), (location, 5)])
    assert StockPush.objects.values("batch").distinct().count() == 1
    assert {r.variant_link.remote_variant_id for r in StockPush.objects.all()} == {remote}
    assert (remote_level(bc, store, mug), remote_level(bc, store, mug, location=location)) == (5, 9)


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
