"""Stock changes in Comptoir reach BigCommerce as coalesced relative adjustments (real HTTP)."""

import uuid

import pytest
from django.core.cache import cache
from django.db import connection as db
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import Product, Variant
from integrations import tasks
from integrations.bigcommerce.stock import outbox as stock_outbox
from integrations.bigcommerce.stock import push as stock_push
from integrations.bigcommerce.stock import settle
from integrations.models import ProductLink, ShopLocation, StockPush, SyncEvent, SyncRun, SyncState, VariantLink
from integrations.services import leases
from integrations.tests import connect_helpers, queue_helpers
from integrations.tests.connect_helpers import add_product, api
from integrations.tests.stock_helpers import stock_reconcile
from integrations.tests.test_export import connected, connected_to
from inventory.models import Sale, StockOrigin
from inventory.services import sale_create, stock_adjust, stock_set, stock_tracking_set
from inventory.tests.factories import primary_level
from portal.services import shop_primary
from tests.waiting import wait_until

worker = queue_helpers.worker  # fixture
pytestmark = connect_helpers.SANDBOX_TESTS
RELATIVE = "/v3/inventory/adjustments/relative"


def stocked(merchant, name, sku, quantity):
    product = add_product(merchant, name, sku=sku)
    variant = product.variants.get()
    if quantity:
        stock_set(merchant=merchant, variant=variant, quantity=quantity, idempotency_key=f"start:{sku}")
    return variant


def remote_level(bc, store, variant: Variant, *, location: int = 1) -> int:
    remote_id = VariantLink.objects.get(variant=variant).remote_variant_id
    items = api(bc, store).get("/v3/inventory/items", params={"variant_id:in": remote_id})["data"]
    (location,) = [loc for loc in items[0]["locations"] if loc["location_id"] == location]
    return location["total_inventory_onhand"]


def relative_calls(bc, store) -> list[dict]:
    return [r for r in bc.request_log(store["hash"]) if r["method"] == "POST" and r["path"].endswith(RELATIVE)]


def sell(merchant, variant, quantity=1):
    return sale_create(merchant=merchant, lines=[(variant, quantity)], idempotency_key=uuid.uuid4().hex)


def test_a_register_sale_reaches_bigcommerce_and_is_journaled(bc):
    store, merchant, client, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    assert remote_level(bc, store, mug) == 10
    answer = client.post("/register/sell/", {"idempotency_key": uuid.uuid4().hex, "line": [f"{mug.pk}:3"]})
    assert answer.status_code == 302
    assert remote_level(bc, store, mug) == 7
    assert list(StockPush.objects.values_list("delta", "state")) == [(-3, "sent")]
    event = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_PUSH).get()
    assert event.direction == SyncEvent.Direction.TO_BIGCOMMERCE
    sale = Sale.objects.get()
    assert event.message == f"Sale #{sale.pk}: Mug −3 → BigCommerce 10 → 7 ✓"
    assert (event.product_id, event.product_name, event.sku) == (mug.product_id, "Mug", "MUG-1")


def test_a_burst_on_one_variant_is_one_adjustment(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 50))
    before = len(relative_calls(bc, store))
    with TestCase.captureOnCommitCallbacks(execute=True):
        for _ in range(20):
            sell(merchant, mug)
    assert remote_level(bc, store, mug) == 30
    calls = relative_calls(bc, store)[before:]
    assert len(calls) == 1
    assert SyncEvent.objects.get(kind=SyncEvent.Kind.STOCK_PUSH).message == (
        "20 stock changes: Mug −20 → BigCommerce 50 → 30 ✓"
    )


def test_many_variants_go_in_one_batched_call(bc):
    def setup(merchant):
        return [stocked(merchant, f"Cup {i}", f"CUP-{i}", 5) for i in range(6)]

    store, merchant, _c, connection, cups = connected(bc, setup=setup)
    before = len(relative_calls(bc, store))
    with TestCase.captureOnCommitCallbacks(execute=True):
        for cup in cups:
            sell(merchant, cup, 2)
            sell(merchant, cup, 1)
    assert [remote_level(bc, store, cup) for cup in cups] == [2] * 6
    assert len(relative_calls(bc, store)[before:]) == 1
    # One journal entry per variant, naming its product (one call carried them all).
    entries = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_PUSH)
    assert sorted(entries.values_list("product_name", "message")) == [
        (cup.product.name, f"2 stock changes: {cup.product.name} −3 → BigCommerce 5 → 2 ✓") for cup in cups
    ]
    assert len({e.detail["batch"] for e in entries}) == 1


def test_a_sale_whose_announcement_was_lost_is_pushed_by_the_sweep(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    with TestCase.captureOnCommitCallbacks(execute=False):  # the process died after the commit
        sell(merchant, mug, 4)
    assert StockPush.objects.get().state == "pending"
    assert remote_level(bc, store, mug) == 10
    tasks.bigcommerce_stock_push_sweep()
    assert remote_level(bc, store, mug) == 6
    assert StockPush.objects.get().state == "sent"


def test_negative_stock_shows_as_zero(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 2))
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 5)  # 2 → -3: BigCommerce shows 0
    assert remote_level(bc, store, mug) == 0
    with TestCase.captureOnCommitCallbacks(execute=True):
        stock_adjust(merchant=merchant, variant=mug, delta=2, origin=StockOrigin.POS_REFUND, idempotency_key="r1")
    assert remote_level(bc, store, mug) == 0  # -3 → -1: nothing to push
    assert StockPush.objects.count() == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        stock_adjust(merchant=merchant, variant=mug, delta=3, origin=StockOrigin.POS_REFUND, idempotency_key="r2")
    assert remote_level(bc, store, mug) == 2  # -1 → 2 pushes +2
    assert list(StockPush.objects.order_by("pk").values_list("delta", flat=True)) == [-2, 2]


def test_an_online_origin_movement_is_not_pushed_back(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    before = len(relative_calls(bc, store))
    with TestCase.captureOnCommitCallbacks(execute=True):
        for origin in (StockOrigin.ONLINE_ORDER, StockOrigin.ONLINE_REFUND, StockOrigin.MANUAL_ONLINE):
            stock_adjust(merchant=merchant, variant=mug, delta=-1, origin=origin, idempotency_key=f"bc:{origin}")
    assert not StockPush.objects.exists()
    tasks.bigcommerce_stock_push_sweep()
    assert relative_calls(bc, store)[before:] == []
    assert remote_level(bc, store, mug) == 10


def test_an_untracked_product_is_not_pushed(bc):
    def setup(merchant):
        variant = stocked(merchant, "Mug", "MUG-1", 10)
        return variant

    store, merchant, _c, connection, mug = connected(bc, setup=setup)
    product = mug.product
    product.track_stock = False
    product.save(update_fields=["track_stock"])
    before = len(relative_calls(bc, store))
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, Variant.objects.get(pk=mug.pk), 2)
    assert not StockPush.objects.exists()
    tasks.bigcommerce_stock_push_sweep()
    assert relative_calls(bc, store)[before:] == []


def test_turning_tracking_off_leaves_bigcommerce_tracking_its_own_level_so_the_website_cannot_oversell(bc):
    store, merchant, client, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    stock_url = reverse("inventory:product_stock", args=[mug.product_id])
    asked = client.post(stock_url, {"action": "tracking"}).content.decode()
    assert "Turn off stock tracking?" in asked and "BigCommerce keeps tracking the stock of this product" in asked
    assert "In BigCommerce:" in asked and "BigCommerce level <strong>10</strong>" in asked
    assert Product.objects.get(pk=mug.product_id).track_stock  # nothing changed before confirming
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(stock_url, {"action": "tracking", "confirm": "on"})
    tasks.bigcommerce_export_sweep()
    link = ProductLink.objects.get(product_id=mug.product_id)
    remote = api(bc, store).get(f"/v3/catalog/products/{link.remote_product_id}")["data"]
    assert not Product.objects.get(pk=mug.product_id).track_stock
    assert (remote["inventory_tracking"], remote["inventory_level"]) == ("product", 10)


def test_tracking_on_again_the_stock_check_brings_what_the_website_sold_meanwhile_into_comptoir(bc, settings):
    # test_stock_inbound imports this module's helpers: a cycle at module level.
    from integrations.tests.test_stock_inbound import deliver, level, order

    settings.BIGCOMMERCE_STOCK_APPLY_WINDOW_S = 0
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))

    def tracking(enabled):
        with TestCase.captureOnCommitCallbacks(execute=True):
            stock_tracking_set(merchant=merchant, product=Product.objects.get(pk=mug.product_id), enabled=enabled)
        tasks.bigcommerce_export_sweep()

    tracking(False)
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, Variant.objects.get(pk=mug.pk), 2)  # not counted
    placed = order(bc, store, mug, 3)  # BigCommerce still counts its own
    deliver(connection, "store/order/created", {"type": "order", "id": placed["id"]})
    assert (level(mug), remote_level(bc, store, mug)) == (10, 7)
    tracking(True)
    stock_reconcile(connection=connection)
    assert (level(mug), remote_level(bc, store, mug)) == (7, 7)


def test_a_timeout_after_sending_is_settled_by_reading_bigcommerce_not_resent(bc, settings):
    settings.BIGCOMMERCE_STOCK_SETTLE_AFTER_S = 0
    store = connect_helpers.new_store(bc)
    _s, merchant, _c, connection, mug = connected_to(bc, store, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    settings.BIGCOMMERCE_TIMEOUT = 1
    fault = {"kind": "timeout_after", "method": "POST", "path": RELATIVE, "count": 1, "ms": 2500}
    bc.set_faults(store["hash"], [fault])
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 3)
    assert StockPush.objects.get().state == "unknown"
    failed = SyncEvent.objects.get(kind=SyncEvent.Kind.STOCK_PUSH, status=SyncEvent.Status.FAILED)
    assert "answer was lost" in failed.message
    assert (failed.product_name, failed.sku) == ("Mug", "MUG-1")  # the row names the product it is about
    tasks.bigcommerce_stock_push_sweep()
    assert StockPush.objects.get().state == "sent"
    assert remote_level(bc, store, mug) == 7
    assert len(relative_calls(bc, store)) == 1


def test_a_variant_without_a_level_at_the_location_gets_an_absolute_level(bc):

    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 6))
    api(bc, store).post("/v3/inventory/locations", json=[{"code": "SHOP-2", "label": "Shop 2"}])
    (shop,) = [loc for loc in api(bc, store).get("/v3/inventory/locations")["data"] if loc["code"] == "SHOP-2"]
    # The primary shop linked to a location where the Mug has no level yet.
    ShopLocation.objects.create(
        connection=connection,
        shop=shop_primary(merchant=merchant),
        remote_location_id=shop["id"],
        origin=ShopLocation.Origin.LINKED,
        state=SyncState.SYNCED,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 2)
    assert remote_level(bc, store, mug, location=shop["id"]) == 4  # Comptoir's level, set absolutely
    assert StockPush.objects.get().state == "sent"
    event = SyncEvent.objects.get(kind=SyncEvent.Kind.STOCK_PUSH)
    assert event.detail["method"] == "absolute"
    remote_id = VariantLink.objects.get(variant=mug).remote_variant_id
    assert (event.detail["variant_id"], event.detail["sent"]) == (remote_id, 4)
    assert event.message.endswith("Mug → BigCommerce set to 4 ✓")


def test_the_mark_is_written_and_rolled_back_with_the_ledger(bc):
    from django.db import transaction

    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    with pytest.raises(RuntimeError), transaction.atomic():
        sell(merchant, mug, 1)
        assert StockPush.objects.get().delta == -1  # in the sale's own transaction
        raise RuntimeError("the sale fails after its ledger row")
    assert not StockPush.objects.exists()
    assert primary_level(mug).quantity == 10


@pytest.mark.parametrize(("fault", "calls"), [("error_after", 1), ("error_before", 2)])
def test_a_5xx_is_settled_by_reading_bigcommerce_sent_again_only_if_not_applied(bc, settings, fault, calls):
    settings.BIGCOMMERCE_STOCK_SETTLE_AFTER_S = 0
    store = connect_helpers.new_store(bc)
    _s, merchant, _c, connection, mug = connected_to(bc, store, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    bc.set_faults(store["hash"], [{"kind": fault, "method": "POST", "path": RELATIVE, "count": 1}])
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 3)
    assert StockPush.objects.get().state == "unknown"  # a 5xx to a relative adjustment: maybe applied
    tasks.bigcommerce_stock_push_sweep()
    assert StockPush.objects.get().state == "sent"
    assert remote_level(bc, store, mug) == 7  # never twice
    assert len(relative_calls(bc, store)) == calls
    settled = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_PUSH, message__startswith="Checked").get()
    assert (len(settled.detail["applied"]), len(settled.detail["resent"])) == ((1, 0) if calls == 1 else (0, 1))


def test_products_managed_in_bigcommerce_get_in_store_sales_but_not_their_initial_stock_back(bc):
    from integrations.tests.test_importer import connect, simple

    shop, merchant, _client, connection, ids = connect(bc, products=[simple("Tote", "TOTE", inventory_level=4)])
    tote = Variant.objects.get(product__merchant=merchant)
    assert primary_level(tote).quantity == 4
    assert not StockPush.objects.exists()  # the import's starting stock came from BigCommerce
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, tote, 1)
    assert remote_level(bc, shop.store, tote) == 3


def sale_with_lost_answer(bc, settings):
    """A sale of 3 mugs (10 → 7) pushed in a call BigCommerce applied but whose answer was lost,
    settled as soon as a push run looks (no grace; this sandbox store applies writes at once)."""
    settings.BIGCOMMERCE_STOCK_SETTLE_AFTER_S = 0
    settings.BIGCOMMERCE_STOCK_APPLY_WINDOW_S = 0
    store = connect_helpers.new_store(bc)
    _s, merchant, _c, connection, mug = connected_to(bc, store, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    bc.set_faults(store["hash"], [{"kind": "error_after", "method": "POST", "path": RELATIVE, "count": 1}])
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 3)
    return store, merchant, connection, mug


def lost_answer_undecidable(bc, settings):
    """A sale of 3 mugs (10 → 7) whose answer is lost, then someone sets BigCommerce's level to 5
    before we look: neither 7 nor 10 is what the settling sees."""
    store, _merchant, connection, mug = sale_with_lost_answer(bc, settings)
    remote_id = VariantLink.objects.get(variant=mug).remote_variant_id
    item = {"location_id": 1, "variant_id": remote_id, "quantity": 5}
    api(bc, store).put("/v3/inventory/adjustments/absolute", json={"items": [item]})
    return store, connection, mug


def test_a_lost_answer_that_cannot_be_told_apart_stays_unknown_and_is_journaled_once(bc, settings):
    store, connection, mug = lost_answer_undecidable(bc, settings)
    tasks.bigcommerce_stock_push_sweep()
    tasks.bigcommerce_stock_push_sweep()
    assert StockPush.objects.get().state == "unknown"
    assert len(relative_calls(bc, store)) == 1
    (undecided,) = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_PUSH, message__startswith="Could not tell")
    assert undecided.status == SyncEvent.Status.FAILED and undecided.product_name == "Mug"
    # The stock check settles it: the sale is Comptoir's truth, BigCommerce is set to Comptoir's level.
    settings.BIGCOMMERCE_STOCK_APPLY_WINDOW_S = 0
    from integrations.bigcommerce.stock.check import stock_reconcile_start

    with TestCase.captureOnCommitCallbacks(execute=True):
        stock_reconcile_start(connection=connection)
    assert StockPush.objects.get().state == "sent"
    assert remote_level(bc, store, mug) == 7
    assert primary_level(mug).quantity == 7  # the ledger was not "corrected" to BigCommerce's 5
    assert SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_CHECK, message__contains="answer was lost").exists()


def test_two_lost_answers_for_one_variant_are_told_apart_call_by_call(bc, settings):
    """One call applied, the next not, both answers lost: BigCommerce shows neither "all applied"
    nor "none applied", but exactly one of the two calls; that one is settled as sent, the other
    sent again (before: both stayed unknown until the stock check set the level absolutely)."""
    from datetime import timedelta

    settings.BIGCOMMERCE_STOCK_SETTLE_AFTER_S = 30
    store = connect_helpers.new_store(bc)
    _s, merchant, _c, connection, mug = connected_to(bc, store, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    for fault, quantity in (("error_after", 3), ("error_before", 2)):
        bc.set_faults(store["hash"], [{"kind": fault, "method": "POST", "path": RELATIVE, "count": 1}])
        with TestCase.captureOnCommitCallbacks(execute=True):
            sell(merchant, mug, quantity)
    pushes = StockPush.objects.order_by("pk")
    assert list(pushes.values_list("delta", "state")) == [(-3, "unknown"), (-2, "unknown")]
    assert len({p.batch for p in pushes}) == 2 and remote_level(bc, store, mug) == 7
    assert all(p.settle_at < p.sent_at + timedelta(seconds=30) for p in pushes)  # answered: no whole grace
    pushes.update(settle_at=timezone.now() - timedelta(seconds=1))  # both past BigCommerce's apply window
    tasks.bigcommerce_stock_push_sweep()
    assert list(pushes.values_list("delta", "state")) == [(-3, "sent"), (-2, "sent")]
    assert remote_level(bc, store, mug) == 5
    assert len(relative_calls(bc, store)) == 3  # the applied one never again, the other once more
    settled = SyncEvent.objects.get(kind=SyncEvent.Kind.STOCK_PUSH, message__startswith="Checked")
    first, second = pushes
    assert (settled.detail["applied"], settled.detail["resent"]) == ([first.movement_id], [second.movement_id])


def test_a_lost_adjustment_is_not_taken_for_applied_when_an_unread_order_of_its_size_moved_the_level(bc, settings):
    """A sale of 2 whose adjustment was lost (not applied), then an online order of 2 Comptoir has
    not read yet: BigCommerce shows 8, what "applied" would show. The settling reads the orders
    after the level: the order it takes keeps the variant for the next settling, which sees the
    level with the order in Comptoir's ledger and sends the sale again (before: settled as applied,
    BigCommerce left 2 above Comptoir for good, and a stock check would have "corrected" Comptoir's
    ledger)."""
    settings.BIGCOMMERCE_STOCK_SETTLE_AFTER_S = 0
    store = connect_helpers.new_store(bc)
    _s, merchant, _c, connection, mug = connected_to(bc, store, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    bc.set_faults(store["hash"], [{"kind": "error_before", "method": "POST", "path": RELATIVE, "count": 1}])
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 2)
    assert StockPush.objects.get().state == "unknown"
    link = VariantLink.objects.select_related("link").get(variant=mug)
    product = {"product_id": link.link.remote_product_id, "variant_id": link.remote_variant_id, "quantity": 2}
    address = {"first_name": "Ada", "last_name": "Shopper", "email": "ada@shop.test"}
    bc.place_order(store["hash"], {"channel_id": 1, "status_id": 11, "billing_address": address, "products": [product]})
    assert remote_level(bc, store, mug) == 8  # the order's 2, not the sale's
    # The sweep's settling reads the level (8), then the orders: the order it takes keeps the
    # variant; the push run it owes (run at once by the tests' synchronous queue) reads again.
    tasks.bigcommerce_stock_push_sweep()
    assert (primary_level(mug).quantity, remote_level(bc, store, mug)) == (6, 6)
    assert list(StockPush.objects.values_list("delta", "state")) == [(-2, "sent")]
    assert len(relative_calls(bc, store)) == 2  # sent again once
    settled = SyncEvent.objects.get(kind=SyncEvent.Kind.STOCK_PUSH, message__startswith="Checked")
    assert (settled.detail["applied"], len(settled.detail["resent"])) == ([], 1)


def test_batch_fates_takes_the_split_of_lost_calls_that_explains_bigcommerces_level():
    from integrations.bigcommerce.stock.settle import MAX_BATCHES_TOLD_APART, batch_fates

    def rows(*pairs):
        return [StockPush(batch=batch, delta=delta) for batch, delta in pairs]

    group = rows(("a", -3), ("b", -2), ("b", -1))
    split = batch_fates(group, level=8, should=5)  # 5 − (−3): call "a" was not applied, "b" was
    assert [(r.batch, r.delta) for r in split[0]] == [("b", -2), ("b", -1)] and split[1] == [group[0]]
    assert batch_fates(group, level=5, should=5) == (group, [])
    assert batch_fates(group, level=11, should=5) == ([], group)
    assert batch_fates(group, level=9, should=5) is None  # no split explains it: left unknown
    # +2 then −2: "both" and "neither" explain the level; either leaves nothing to send again.
    back_and_forth = rows(("a", 2), ("b", -2))
    assert batch_fates(back_and_forth, level=5, should=5) == (back_and_forth, [])
    many = rows(*[(f"c{n}", -1) for n in range(MAX_BATCHES_TOLD_APART + 1)])
    assert batch_fates(many, level=6, should=5) is None  # past the limit only all or none is tried
    assert batch_fates(many, level=5 + len(many), should=5) == ([], many)


def test_an_online_return_while_comptoir_is_below_zero_keeps_bigcommerce_at_zero(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 1))
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 2)  # 1 → -1: BigCommerce 0
    assert remote_level(bc, store, mug) == 0
    # An online cancellation gives BigCommerce its unit back (0 → 1); Comptoir's ledger follows (-1 → 0).
    remote_id = VariantLink.objects.get(variant=mug).remote_variant_id
    api(bc, store).post(
        RELATIVE, json={"reason": "cancelled", "items": [{"location_id": 1, "variant_id": remote_id, "quantity": 1}]}
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        stock_adjust(merchant=merchant, variant=mug, delta=1, origin=StockOrigin.ONLINE_REFUND, idempotency_key="c1")
    # The unit paid back the store's debt: BigCommerce must show 0 again, not 1.
    assert list(StockPush.objects.order_by("pk").values_list("delta", flat=True)) == [-1, -1]
    assert remote_level(bc, store, mug) == 0


def test_split_stock_pushes_only_the_online_allocation(bc):
    from inventory.services import stock_split_disable, stock_split_set

    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    with TestCase.captureOnCommitCallbacks(execute=True):
        stock_split_set(merchant=merchant, variant=mug, online_quantity=4, idempotency_key="split-on")
    assert remote_level(bc, store, mug) == 4
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 3)  # the store's allocation: BigCommerce keeps its 4
    assert remote_level(bc, store, mug) == 4
    level = primary_level(mug)
    assert (level.quantity, level.online_quantity, level.store_quantity) == (7, 4, 3)
    with TestCase.captureOnCommitCallbacks(execute=True):
        stock_adjust(merchant=merchant, variant=mug, delta=-1, origin=StockOrigin.ONLINE_ORDER, idempotency_key="o1")
    level.refresh_from_db()
    assert (level.quantity, level.online_quantity, level.store_quantity) == (6, 3, 3)
    # BigCommerce took that unit itself: nothing is pushed for it.
    assert list(StockPush.objects.order_by("pk").values_list("delta", flat=True)) == [-6]
    with TestCase.captureOnCommitCallbacks(execute=True):
        stock_split_disable(merchant=merchant, variant=mug, idempotency_key="split-off")
    level.refresh_from_db()
    assert (level.quantity, level.online_quantity) == (6, None)
    assert list(StockPush.objects.order_by("pk").values_list("delta", flat=True)) == [-6, 3]


def test_a_variant_bigcommerce_refuses_is_set_aside_and_the_others_are_sent(bc):
    def setup(merchant):
        return [stocked(merchant, "Mug", "MUG-1", 1), stocked(merchant, "Cup", "CUP-1", 5)]

    store, merchant, _c, connection, (mug, cup) = connected(bc, setup=setup)
    # An online order took BigCommerce's last mug a moment ago; Comptoir has not heard of it yet.
    mug_remote = VariantLink.objects.get(variant=mug).remote_variant_id
    api(bc, store).put(
        "/v3/inventory/adjustments/absolute",
        json={"reason": "order", "items": [{"location_id": 1, "variant_id": mug_remote, "quantity": 0}]},
    )
    before = len(relative_calls(bc, store))
    sell(merchant, mug)  # the store sells its mug too: BigCommerce cannot go to -1
    sell(merchant, cup, 2)
    tasks.bigcommerce_stock_push_sweep()
    assert remote_level(bc, store, cup) == 3  # the cup was not held up by the mug
    assert remote_level(bc, store, mug) == 0
    assert len(relative_calls(bc, store)[before:]) == 2  # the refused call, then the others alone
    mug_row = StockPush.objects.get(variant_link__variant=mug)
    assert (mug_row.state, mug_row.attempts) == ("pending", 1)
    assert StockPush.objects.get(variant_link__variant=cup).state == "sent"
    refused = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_PUSH, status="failed")
    assert refused.count() == 1 and "below zero" in refused.get().message
    tasks.bigcommerce_stock_push_sweep()  # refused again: counted, not journaled again
    mug_row.refresh_from_db()
    assert (mug_row.state, mug_row.attempts) == ("pending", 2) and refused.count() == 1
    # The online order reaches Comptoir: its ledger row cancels the refused change out.
    with TestCase.captureOnCommitCallbacks(execute=True):
        stock_adjust(merchant=merchant, variant=mug, delta=-1, origin=StockOrigin.ONLINE_ORDER, idempotency_key="o1")
    tasks.bigcommerce_stock_push_sweep()
    assert set(StockPush.objects.filter(variant_link__variant=mug).values_list("state", flat=True)) == {"sent"}
    assert remote_level(bc, store, mug) == 0


def test_the_initial_sync_gives_a_product_that_existed_in_bigcommerce_comptoir_s_stock_once(bc):
    from integrations.tests.connect_helpers import new_store
    from integrations.tests.test_export import connected_to

    store = new_store(bc)
    api(bc, store).post(
        "/v3/catalog/products",
        json={
            "name": "Mug (web)",
            "type": "physical",
            "weight": 1,
            "price": 12,
            "sku": "MUG-1",
            "inventory_tracking": "product",
            "inventory_level": 3,
        },
    )
    store, merchant, _c, connection, mug = connected_to(bc, store, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    assert VariantLink.objects.get(variant=mug).link.origin == "linked"
    assert remote_level(bc, store, mug) == 10
    entry = SyncEvent.objects.filter(kind=SyncEvent.Kind.INITIAL_SYNC, message__startswith="Starting stock").get()
    assert entry.message == "Starting stock: BigCommerce now shows Comptoir's stock for 1 variant (0 already matched)."
    assert (entry.product_name, entry.sku, entry.product_id) == ("Mug", "MUG-1", mug.product_id)  # what it set


def test_the_starting_stock_is_set_slice_by_slice_and_each_slice_journaled(bc, monkeypatch):
    """A catalog of any size is set in slices (one absolute adjustment each), so a worker never
    holds every variant at once; no level is missed at a slice's edge."""
    from integrations.bigcommerce.stock import start

    monkeypatch.setattr(start, "SLICE", 2)
    made = []
    store, merchant, _c, connection, _v = connected(
        bc, setup=lambda m: made.extend(stocked(m, f"Cup {n}", f"CUP-{n}", n + 1) for n in range(5))
    )
    remote_ids = [VariantLink.objects.get(variant=v).remote_variant_id for v in made]
    zero = [{"location_id": 1, "variant_id": rid, "quantity": 0} for rid in remote_ids]
    api(bc, store).put("/v3/inventory/adjustments/absolute", json={"reason": "test", "items": zero})
    assert wait_until(lambda: [remote_level(bc, store, v) for v in made] == [0] * 5, 10)
    since = max((e["id"] for e in bc.request_log(store["hash"])), default=0)
    SyncEvent.objects.filter(kind=SyncEvent.Kind.INITIAL_SYNC).delete()

    assert start.starting_stock_set(connection=connection) == 5
    assert wait_until(lambda: [remote_level(bc, store, v) for v in made] == [1, 2, 3, 4, 5], 10)
    entries = SyncEvent.objects.filter(kind=SyncEvent.Kind.INITIAL_SYNC, message__startswith="Starting stock")
    assert sorted((e.detail["checked"], len(e.detail["items"])) for e in entries) == [(1, 1), (2, 2), (2, 2)]
    log = bc.request_log(store["hash"], since=since)
    assert len([e for e in log if e["route"] == "/v3/inventory/adjustments/absolute"]) == 3


def test_one_push_run_per_connection_at_a_time(bc):

    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    before = len(relative_calls(bc, store))
    sell(merchant, mug)
    assert stock_outbox.push_lock_take(connection_id=connection.pk)  # another worker's run holds it
    tasks.bigcommerce_stock_push_run(connection.pk)
    assert relative_calls(bc, store)[before:] == [] and StockPush.objects.get().state == "pending"
    stock_outbox.push_lock_release(connection_id=connection.pk)
    tasks.bigcommerce_stock_push_run(connection.pk)
    assert len(relative_calls(bc, store)[before:]) == 1 and StockPush.objects.get().state == "sent"
    assert remote_level(bc, store, mug) == 9


def test_a_sale_made_while_a_push_is_in_flight_is_sent_by_a_follow_up_when_that_push_ends_not_by_the_sweep(bc, worker):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    before = len(relative_calls(bc, store))
    queue = worker()
    assert stock_outbox.push_lock_take(connection_id=connection.pk)  # a push of this store is in flight
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug)
    # The sale's task finds the connection held: it sends nothing and leaves the holder a mark.
    assert queue.drain("urgent") == [("bigcommerce_stock_push_run", (connection.pk,))]
    assert relative_calls(bc, store)[before:] == [] and StockPush.objects.get().state == "pending"
    # The push in flight ends: its follow-up is enqueued at once, and carries the sale.
    assert stock_outbox.push_lock_release(connection_id=connection.pk) is True
    assert queue.drain("urgent") == [("bigcommerce_stock_push_run", (connection.pk,))]
    assert len(relative_calls(bc, store)[before:]) == 1 and StockPush.objects.get().state == "sent"
    assert remote_level(bc, store, mug) == 9
    # Nothing is owed any more: the next release enqueues nothing.
    assert stock_outbox.push_lock_take(connection_id=connection.pk)
    assert stock_outbox.push_lock_release(connection_id=connection.pk) is False
    assert queue.drain("urgent") == []


def test_the_push_lock_is_a_lease_renewed_while_its_holder_lives_and_given_up_when_it_dies(settings):
    # A cache every thread of this process sees at once (the test's database cache row would be
    # uncommitted for the heartbeat's own connection); workers share Redis or the database's.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.BIGCOMMERCE_STOCK_PUSH_LEASE_S = 0.6
    connection_id = 424242
    assert stock_outbox.push_lock_take(connection_id=connection_id)
    beat = leases._held[stock_outbox._lock(connection_id)]
    # Alive: renewed lease after lease (a round may last minutes), never taken by another run.
    assert wait_until(lambda: beat.renewals >= 4, timeout=60)
    assert stock_outbox.push_lock_take(connection_id=connection_id) is False
    # Killed with the lock held (no release; its heartbeat dies with it): the store is free again.
    beat.stopped.set()
    beat.join(timeout=60)
    assert wait_until(lambda: stock_outbox.push_lock_take(connection_id=connection_id), timeout=60)
    assert stock_outbox.push_lock_release(connection_id=connection_id) is True  # the run refused above is owed


def test_a_lost_answer_that_cannot_be_told_apart_asks_for_a_check_of_its_variant_at_once(bc, settings):
    settings.BIGCOMMERCE_STOCK_APPLY_WINDOW_S = 0
    store, connection, mug = lost_answer_undecidable(bc, settings)
    with TestCase.captureOnCommitCallbacks(execute=True):
        tasks.bigcommerce_stock_push_sweep()  # settling: undecided; the mug's check is asked for (run inline)
    # Settled by the check of the mug, not left for the next check of every variant.
    assert StockPush.objects.get().state == "sent"
    assert remote_level(bc, store, mug) == 7
    assert not VariantLink.objects.filter(stock_check_requested_at__isnull=False).exists()
    assert not SyncRun.objects.filter(kind=SyncRun.Kind.RECONCILIATION).exists()
    assert len(relative_calls(bc, store)) == 1  # the lost call was not sent again


def test_a_store_that_just_pushed_waits_out_the_gap_before_its_next_push_and_others_do_not(bc, settings):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    settings.BIGCOMMERCE_STOCK_PUSH_GAP_S = 30
    assert stock_outbox.push_gap_remaining(connection_id=connection.pk + 1) == 0  # never pushed
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug)
    assert len(relative_calls(bc, store)) == 1
    # The next push of this store would wait (the sales meanwhile going in the same call) ...
    assert 0 < stock_outbox.push_gap_remaining(connection_id=connection.pk) <= 30
    # ... but not past the gap: with none, at once.
    settings.BIGCOMMERCE_STOCK_PUSH_GAP_S = 0
    assert stock_outbox.push_gap_remaining(connection_id=connection.pk) == 0
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug)
    assert len(relative_calls(bc, store)) == 2 and remote_level(bc, store, mug) == 8


def test_a_settling_whose_reads_fail_is_not_tried_again_by_every_push_run(bc, settings):
    # Each settling reads the orders twice and the levels once; under a store's errors it took seconds,
    # and every push run tried it first: pushes of other sales waited behind it (issue 17's drift).
    settings.BIGCOMMERCE_STOCK_SETTLE_RETRY_S = 60
    store, merchant, connection, mug = sale_with_lost_answer(bc, settings)
    assert StockPush.objects.get().state == "unknown"  # applied, but its answer was lost

    def settle_reads() -> int:
        return sum(
            1 for r in bc.request_log(store["hash"]) if r["method"] == "GET" and r["path"].endswith("/v2/orders")
        )

    bc.set_faults(store["hash"], [{"kind": "error_before", "method": "GET", "path": "/v2/orders", "count": 100}])
    before = settle_reads()
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 1)
    tried = settle_reads() - before
    assert tried > 0  # the settling was tried, its reads failed…
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 1)
    assert settle_reads() - before == tried  # …and is not tried again by the next run
    assert len(relative_calls(bc, store)) == 3  # while both sales went out
    assert StockPush.objects.filter(state="unknown").count() == 1
    assert remote_level(bc, store, mug) == 5

    bc.set_faults(store["hash"], [])
    cache.delete(settle._backoff_key(connection.pk))  # the retry time has passed
    tasks.bigcommerce_stock_push_sweep()
    assert not StockPush.objects.filter(state="unknown").exists()  # decided: it had been applied
    assert remote_level(bc, store, mug) == 5 and primary_level(mug).quantity == 5


def test_a_push_run_reads_its_connection_and_merchant_once(bc):
    """The run reads the connection with its merchant, which the journal entry of each push names:
    no query of the merchant of its own, whatever the push journals."""
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    sell(merchant, mug)
    with CaptureQueriesContext(db) as captured:
        stock_push.stock_push_drain(connection_id=connection.pk)
    assert remote_level(bc, store, mug) == 9
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert sum(1 for q in reads if 'FROM "integrations_bigcommerceconnection"' in q) == 1
    assert not [q for q in reads if 'FROM "portal_merchant"' in q]
