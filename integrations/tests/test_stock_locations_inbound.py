"""Each shop's stock is its BigCommerce location's level (issue 19, item 3), BigCommerce → Comptoir:
orders take the stock of the shop of the location BigCommerce took it from, manual edits and the
stock check per location, the import's starting stock per location. Real HTTP to the sandbox."""

import pytest
from django.test import TestCase

from integrations import tasks
from integrations.models import ShopLocation, StockPush, SyncEvent, VariantLink
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import api, new_store
from integrations.tests.location_helpers import (
    ABSOLUTE,
    absolute_calls,
    at,
    in_shop,
    location_create,
    mapped_shop,
    primary,
    remote_of,
    sell,
    two_shops,
)
from integrations.tests.stock_helpers import stock_reconcile
from integrations.tests.test_stock_inbound import BILLING, deliver
from integrations.tests.test_stock_push import remote_level
from inventory.models import StockMovement, StockOrigin
from sandbox.apps import DEFAULT_APP_SCOPES

pytestmark = [*connect_helpers.SANDBOX_TESTS, pytest.mark.usefixtures("no_apply_window")]


# -- BigCommerce → Comptoir: orders ---------------------------------------------------------------
PICKUP_SCOPES = DEFAULT_APP_SCOPES  # with the pickup methods, read-only
NO_PICKUP_SCOPES = [s for s in DEFAULT_APP_SCOPES if not s.startswith("store_fulfillment_methods")]


def pickup_method(bc, store, location: int) -> int:
    body = [{"location_id": location, "display_name": "Collect in store"}]
    return api(bc, store).post("/v3/pickup/methods", json=body)["data"][0]["id"]


def pickup_order(bc, store, variant, quantity: int, method: int) -> dict:
    remote = VariantLink.objects.get(variant=variant).remote_variant_id
    pickup = {"pickup_method_id": method, "line_items": [{"variant_id": remote, "quantity": quantity}]}
    return bc.place_order(store["hash"], {"billing_address": BILLING, "consignments": {"pickups": [pickup]}})


def shipped_order(bc, store, variant, quantity: int) -> dict:
    remote = VariantLink.objects.get(variant=variant).remote_variant_id
    return bc.place_order(
        store["hash"], {"billing_address": BILLING, "products": [{"variant_id": remote, "quantity": quantity}]}
    )


def order_event(connection, order, scope="store/order/created"):
    deliver(connection, scope, {"type": "order", "id": order["id"]})


def method_reads(bc, store) -> int:
    return sum(
        1 for r in bc.request_log(store["hash"]) if r["method"] == "GET" and r["path"].endswith("/v3/pickup/methods")
    )


def test_a_pickup_order_takes_the_pickup_shop_s_stock_and_its_cancellation_gives_it_back_there(bc):
    store = new_store(bc, app={"scopes": PICKUP_SCOPES})
    store, merchant, connection, mug, shop, location = two_shops(bc, store=store)
    method = pickup_method(bc, store, location)
    placed = pickup_order(bc, store, mug, 3, method)
    assert remote_level(bc, store, mug, location=location) == 1  # BigCommerce took it at the shop's location
    order_event(connection, placed)
    assert (primary(mug), in_shop(mug, shop)) == (10, 1)
    taken = StockMovement.objects.get(origin=StockOrigin.ONLINE_ORDER)
    assert (taken.shop_id, taken.delta) == (shop.pk, -3)
    assert method_reads(bc, store) == 1  # the pickup method's location, read once…
    second = pickup_order(bc, store, mug, 1, method)
    order_event(connection, second)
    assert in_shop(mug, shop) == 0
    assert method_reads(bc, store) == 1  # …and remembered
    assert not StockPush.objects.exists()  # BigCommerce moved already: nothing to send back
    entry = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_IN).latest("pk")
    assert entry.message == f"Online order #{second['id']} from Shop two: Mug −1"

    api(bc, store).put(f"/v2/orders/{placed['id']}", json={"status_id": 5})  # cancelled: back at the location
    assert remote_level(bc, store, mug, location=location) == 3
    order_event(connection, placed, "store/order/statusUpdated")
    assert (primary(mug), in_shop(mug, shop)) == (10, 3)
    returned = StockMovement.objects.get(origin=StockOrigin.ONLINE_REFUND)
    assert (returned.shop_id, returned.delta) == (shop.pk, 3)
    entry = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_IN).latest("pk")
    assert entry.message == f"Online order #{placed['id']} (cancelled): Mug +3 back in Shop two's stock."


def test_a_pickup_order_without_the_pickup_methods_scope_takes_the_consignment_s_location(bc):
    store = new_store(bc, app={"scopes": NO_PICKUP_SCOPES})  # an app registered without it
    store, merchant, connection, mug, shop, location = two_shops(bc, store=store)
    method = pickup_method(bc, store, location)
    placed = pickup_order(bc, store, mug, 2, method)
    order_event(connection, placed)
    assert (primary(mug), in_shop(mug, shop)) == (10, 2)
    assert method_reads(bc, store) == 1  # asked once and refused (403)…
    order_event(connection, pickup_order(bc, store, mug, 1, method))
    assert in_shop(mug, shop) == 1
    assert method_reads(bc, store) == 1  # …and not asked again for each order (a bench: 0.4 calls per order)


def test_a_shipped_order_takes_the_primary_shop_s_stock(bc):
    store = new_store(bc, app={"scopes": PICKUP_SCOPES})
    store, merchant, connection, mug, shop, location = two_shops(bc, store=store)
    placed = shipped_order(bc, store, mug, 2)
    order_event(connection, placed)
    assert (primary(mug), in_shop(mug, shop)) == (8, 4)
    assert method_reads(bc, store) == 0  # no pickup: no pickup method read
    assert remote_level(bc, store, mug, location=location) == 4


def test_an_order_at_a_location_no_shop_maps_to_moves_nothing_and_is_journaled_once(bc):
    store = new_store(bc, app={"scopes": PICKUP_SCOPES})
    store, merchant, connection, mug, shop, _location = two_shops(bc, store=store)
    elsewhere = location_create(bc, store, "WAREHOUSE")
    api(bc, store).put(
        ABSOLUTE,
        json={"reason": "count", "items": [at(elsewhere, mug, 9)]},
    )
    placed = pickup_order(bc, store, mug, 2, pickup_method(bc, store, elsewhere))
    order_event(connection, placed)
    assert (primary(mug), in_shop(mug, shop)) == (10, 4)
    assert not StockMovement.objects.filter(origin=StockOrigin.ONLINE_ORDER).exists()
    said = SyncEvent.objects.filter(code="stock_in.online_order_unmapped")
    assert [e.message for e in said] == [
        f"Online order #{placed['id']} took its stock at BigCommerce location {elsewhere}, which no Comptoir shop "
        "is mapped to: Comptoir's stock did not move (Mug −2)."
    ]
    api(bc, store).put(f"/v2/orders/{placed['id']}", json={"status_id": 5})
    order_event(connection, placed, "store/order/statusUpdated")
    order_event(connection, placed)
    assert (primary(mug), in_shop(mug, shop)) == (10, 4)
    assert said.count() == 1
    assert not StockMovement.objects.filter(origin__in=[StockOrigin.ONLINE_ORDER, StockOrigin.ONLINE_REFUND]).exists()


# -- BigCommerce → Comptoir: manual edits and the stock check -------------------------------------
def stock_changed(connection, variant, location: int):
    """The channel's event: it names the location (and no value)."""
    data = {
        "variant_id": remote_of(variant),
        "product_id": VariantLink.objects.get(variant=variant).link.remote_product_id,
    }
    deliver(
        connection,
        f"store/channel/{connection.channel_id}/inventory/product/stock_changed",
        {**data, "location_id": location},
    )


def test_a_manual_edit_at_the_shop_s_location_moves_that_shop_only_and_our_own_push_is_an_echo(bc):
    store, merchant, connection, mug, shop, location = two_shops(bc)
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 1, shop=shop)
    assert remote_level(bc, store, mug, location=location) == 3
    stock_changed(connection, mug, location)  # our own push coming back
    assert VariantLink.objects.get(variant=mug).stock_check_requested_at is None
    webhook = SyncEvent.objects.filter(kind=SyncEvent.Kind.WEBHOOK).latest("pk")
    assert (webhook.status, webhook.params.get("skipped")) == (SyncEvent.Status.SKIPPED, "own_change")

    # The merchant counts 9 at the shop's location in BigCommerce's control panel.
    api(bc, store).put(
        ABSOLUTE,
        json={"reason": "count", "items": [at(location, mug, 9)]},
    )
    # Its location's event, right after our push there, cannot tell: the store-wide event, which
    # carries the value, decides.
    stock_changed(connection, mug, location)
    assert in_shop(mug, shop) == 3
    product_id = VariantLink.objects.get(variant=mug).link.remote_product_id
    inventory = {"product_id": product_id, "method": "absolute", "value": 9}
    deliver(
        connection, "store/product/inventory/updated", {"type": "product", "id": product_id, "inventory": inventory}
    )
    assert (primary(mug), in_shop(mug, shop)) == (10, 9)
    edit = StockMovement.objects.get(origin=StockOrigin.MANUAL_ONLINE)
    assert (edit.shop_id, edit.delta) == (shop.pk, 6)
    assert not StockPush.objects.filter(state="pending").exists()
    assert remote_level(bc, store, mug) == 10


def test_a_manual_edit_reported_by_its_location_s_event_alone_moves_that_shop(bc):
    store, merchant, connection, mug, shop, location = two_shops(bc)
    api(bc, store).put(ABSOLUTE, json={"reason": "count", "items": [at(location, mug, 7)]})
    stock_changed(connection, mug, location)
    assert (primary(mug), in_shop(mug, shop)) == (10, 7)
    assert list(StockMovement.objects.filter(origin=StockOrigin.MANUAL_ONLINE).values_list("shop_id", "delta")) == [
        (shop.pk, 3)
    ]


def test_an_event_at_a_location_no_shop_maps_to_is_skipped(bc):
    store, merchant, connection, mug, shop, location = two_shops(bc)
    stock_changed(connection, mug, 999)
    webhook = SyncEvent.objects.filter(kind=SyncEvent.Kind.WEBHOOK).latest("pk")
    assert (webhook.status, webhook.params.get("skipped")) == (SyncEvent.Status.SKIPPED, "not_mapped")
    assert "No Comptoir shop is mapped to this BigCommerce location." in webhook.message
    assert VariantLink.objects.get(variant=mug).stock_check_requested_at is None


def test_the_stock_check_finds_drift_at_the_shop_s_location_and_corrects_that_shop_only(bc):
    store, merchant, connection, mug, shop, location = two_shops(bc)
    api(bc, store).put(  # a change at the shop's location whose webhook was lost
        ABSOLUTE,
        json={"reason": "lost", "items": [at(location, mug, 1)]},
    )
    run = stock_reconcile(connection=connection)
    assert (run.corrected, primary(mug), in_shop(mug, shop)) == (1, 10, 1)
    fix = StockMovement.objects.get(origin=StockOrigin.RECONCILIATION)
    assert (fix.shop_id, fix.delta) == (shop.pk, -3)
    assert (
        SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_CHECK)
        .exclude(code="stock_check.finished")
        .get()
        .detail["location_id"]
        == location
    )
    assert stock_reconcile(connection=connection).corrected == 0  # both sides agree now
    assert (remote_level(bc, store, mug), remote_level(bc, store, mug, location=location)) == (10, 1)


# -- the import (products managed in BigCommerce) -------------------------------------------------
def test_an_imported_product_brings_each_mapped_location_s_level_into_its_shop(bc):
    from integrations.tests.test_importer import connect, simple  # the import's own helpers

    store_api, merchant, _client, connection, _ids = connect(bc)
    shop, location = mapped_shop(bc, store_api.store, connection, "Shop two")
    product_id = store_api.create(simple("Tote", "TOTE", inventory_level=4))
    variant_id = store_api.api.get(f"/v3/catalog/products/{product_id}/variants")["data"][0]["id"]
    body = {"reason": "count", "items": [{"location_id": location, "variant_id": variant_id, "quantity": 6}]}
    store_api.api.put(ABSOLUTE, json=body)
    store_api.assign(product_id)
    tasks.bigcommerce_import_product(connection.pk, product_id)
    tote = VariantLink.objects.get(remote_variant_id=variant_id).variant
    assert (primary(tote), in_shop(tote, shop)) == (4, 6)
    tasks.bigcommerce_import_product(connection.pk, product_id)  # again: set once
    assert StockMovement.objects.filter(variant=tote, origin=StockOrigin.INITIAL).count() == 2
    assert not StockPush.objects.exists()  # BigCommerce's own levels: nothing to send back


def test_a_linked_location_of_products_managed_in_bigcommerce_gives_its_shop_its_levels_once(bc):
    from integrations.tests.test_importer import connect, simple  # the import's own helpers

    store_api, merchant, _client, connection, (product_id,) = connect(bc, products=[simple("Tote", "TOTE")])
    variant_id = store_api.api.get(f"/v3/catalog/products/{product_id}/variants")["data"][0]["id"]
    tote = VariantLink.objects.get(remote_variant_id=variant_id).variant
    shop, location = mapped_shop(bc, store_api.store, connection, "Shop two", origin=ShopLocation.Origin.LINKED)
    body = {"reason": "count", "items": [{"location_id": location, "variant_id": variant_id, "quantity": 6}]}
    store_api.api.put(ABSOLUTE, json=body)
    before = len(absolute_calls(bc, store_api.store))
    tasks.bigcommerce_location_stock_start(connection.pk, shop.pk)
    assert (primary(tote), in_shop(tote, shop)) == (4, 6)
    tasks.bigcommerce_location_stock_start(connection.pk, shop.pk)  # again: set once
    assert StockMovement.objects.filter(variant=tote, shop=shop, origin=StockOrigin.INITIAL).count() == 1
    assert len(absolute_calls(bc, store_api.store)) == before  # BigCommerce's levels are not written
    assert not StockPush.objects.exists()
