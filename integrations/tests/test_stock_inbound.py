"""Stock changes in BigCommerce reach Comptoir's ledger: online orders, cancellations, refunds,
manual edits there, and the stock check. Real HTTP to the sandbox."""

import importlib
import uuid

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.test import TestCase
from django.urls import reverse

from catalog.tests.factories import product_with_options
from integrations import tasks
from integrations.bigcommerce.inbox.receive import webhook_event_process
from integrations.bigcommerce.stock import intake as stock_intake
from integrations.models import (
    OrderLineEffect,
    RemoteOrder,
    StockPush,
    SyncEvent,
    SyncRun,
    VariantLink,
    WebhookEvent,
)
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import api
from integrations.tests.test_export import connected
from integrations.tests.test_stock_push import relative_calls, remote_level, sell, stocked
from inventory.models import StockMovement, StockOrigin
from inventory.services import stock_adjust, stock_set
from inventory.tests.factories import primary_level

pytestmark = [*connect_helpers.SANDBOX_TESTS, pytest.mark.usefixtures("no_apply_window")]
BILLING = {"first_name": "Camille", "last_name": "Martin", "email": "camille@example.test", "country_iso2": "FR"}


def level(variant) -> int:
    return primary_level(variant).quantity


def order(bc, store, variant, quantity=1, **extra) -> dict:
    remote = VariantLink.objects.get(variant=variant).remote_variant_id
    return api(bc, store).post(
        "/v2/orders",
        json={"billing_address": BILLING, "products": [{"variant_id": remote, "quantity": quantity}], **extra},
    )


def event(connection, scope, data) -> WebhookEvent:
    """A verified delivery as the webhook view stores it."""
    return WebhookEvent.objects.create(
        merchant=connection.merchant,
        connection=connection,
        store_hash=connection.store_hash,
        scope=scope,
        event_hash=uuid.uuid4().hex,
        payload={"scope": scope, "data": data},
    )


def deliver(connection, scope, data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        webhook_event_process(event=event(connection, scope, data))


def ledger(variant, origin=None):
    rows = StockMovement.objects.filter(variant=variant).order_by("pk")
    return list((rows.filter(origin=origin) if origin else rows).values_list("origin", "delta"))


def effects(connection) -> list[tuple]:
    """What each order line did, as the integration keeps it: (order, line, kind, origin, delta)."""
    rows = OrderLineEffect.objects.filter(connection=connection).order_by("pk")
    return list(rows.values_list("order_id", "line_id", "kind", "movement__origin", "movement__delta"))


def line_ids(bc, store, order_id) -> list[int]:
    return [line["id"] for line in api(bc, store).get(f"/v2/orders/{order_id}/products")]


def test_an_online_order_takes_comptoir_stock_once_whatever_the_events(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    placed = order(bc, store, mug, 3)
    assert remote_level(bc, store, mug) == 7
    before = len(relative_calls(bc, store))
    deliver(connection, "store/order/created", {"type": "order", "id": placed["id"]})
    assert level(mug) == 7
    assert ledger(mug, StockOrigin.ONLINE_ORDER) == [(StockOrigin.ONLINE_ORDER, -3)]
    # Twice more (a duplicate, the status event): nothing moves twice, nothing is pushed back.
    deliver(connection, "store/order/created", {"type": "order", "id": placed["id"]})
    deliver(connection, "store/order/statusUpdated", {"type": "order", "id": placed["id"]})
    stock_intake.orders_poll(connection=connection)
    assert level(mug) == 7 and len(ledger(mug, StockOrigin.ONLINE_ORDER)) == 1
    # The line's effect is a row of the integration, tied to the ledger row; replays wrote none.
    (line,) = line_ids(bc, store, placed["id"])
    assert effects(connection) == [(placed["id"], line, "taken", StockOrigin.ONLINE_ORDER, -3)]
    assert OrderLineEffect.objects.get().movement == StockMovement.objects.get(origin=StockOrigin.ONLINE_ORDER)
    assert not StockPush.objects.filter(variant_link__variant=mug).exclude(movement_id=None).filter(delta__gt=0)
    tasks.bigcommerce_stock_push_sweep()
    assert relative_calls(bc, store)[before:] == [] and remote_level(bc, store, mug) == 7
    entry = SyncEvent.objects.get(kind=SyncEvent.Kind.STOCK_IN)
    assert entry.message == f"Online order #{placed['id']}: Mug −3"
    assert entry.sku == "MUG-1" and entry.direction == SyncEvent.Direction.FROM_BIGCOMMERCE
    assert (entry.code, entry.product_name, entry.product_id) == ("stock_in.online_order", "Mug", mug.product_id)


def test_an_online_order_of_several_products_names_each_and_is_found_by_each(bc):
    """The journal speaks of products (issue 15, item 12): an order of a tote bag and two mugs is
    "Online order #N: Tote bag −1, Mug −2", in the reader's language, and a search for either
    product's name or SKU finds it."""

    def setup(merchant):
        return stocked(merchant, "Tote bag", "TOTE-1", 10), stocked(merchant, "Mug en grès", "MUG-1", 10)

    store, merchant, client, connection, (tote, mug) = connected(bc, setup=setup)
    remote = {v: VariantLink.objects.get(variant=v).remote_variant_id for v in (tote, mug)}
    placed = api(bc, store).post(
        "/v2/orders",
        json={
            "billing_address": BILLING,
            "products": [{"variant_id": remote[tote], "quantity": 1}, {"variant_id": remote[mug], "quantity": 2}],
        },
    )
    deliver(connection, "store/order/created", {"type": "order", "id": placed["id"]})
    assert (level(tote), level(mug)) == (9, 8)
    entry = SyncEvent.objects.get(kind=SyncEvent.Kind.STOCK_IN)
    assert entry.message == f"Online order #{placed['id']}: Tote bag −1, Mug en grès −2"
    assert (entry.product_name, entry.sku) == ("Tote bag, Mug en grès", "TOTE-1, MUG-1")
    journal = reverse("integrations:bigcommerce_journal")
    for query in ("tote", "Mug en gres", "MUG-1", "tote-1"):
        page = client.get(journal, {"q": query}).content.decode()
        assert f"Online order #{placed['id']}: Tote bag −1, Mug en grès −2" in page, query
    assert f"Online order #{placed['id']}" not in client.get(journal, {"q": "Cup"}).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(journal, {"q": "tote"}).content.decode()
    assert f"Commande en ligne n°\u00a0{placed['id']}\u00a0: Tote bag −1, Mug en grès −2" in page


def test_a_cancelled_order_gives_the_stock_back_and_a_stale_event_after_it_moves_nothing(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    placed = order(bc, store, mug, 2)
    created = event(connection, "store/order/created", {"type": "order", "id": placed["id"]})
    api(bc, store).put(f"/v2/orders/{placed['id']}", json={"status_id": 5})
    assert remote_level(bc, store, mug) == 10  # BigCommerce gave it back (refund_order_stock_adjustment)
    deliver(connection, "store/order/statusUpdated", {"type": "order", "id": placed["id"]})
    assert ledger(mug)[1:] == [(StockOrigin.ONLINE_ORDER, -2), (StockOrigin.ONLINE_REFUND, 2)]
    with TestCase.captureOnCommitCallbacks(execute=True):
        webhook_event_process(event=created)  # the "created" event arrives last
    assert level(mug) == 10 and len(ledger(mug)) == 3
    (line,) = line_ids(bc, store, placed["id"])
    assert effects(connection) == [
        (placed["id"], line, "taken", StockOrigin.ONLINE_ORDER, -2),
        (placed["id"], line, "returned", StockOrigin.ONLINE_REFUND, 2),
    ]
    record = RemoteOrder.objects.get(order_id=placed["id"])
    assert (record.status_id, record.stock_taken, record.stock_returned) == (5, True, True)
    assert SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_IN).latest("pk").message == (
        f"Online order #{placed['id']} (cancelled): Mug +2 back in Comptoir's stock."
    )


def test_a_refund_through_bigcommerce_keeps_the_stock_and_a_refunded_status_set_by_hand_gives_it_back(bc):
    def setup(merchant):
        return stocked(merchant, "Mug", "MUG-1", 10), stocked(merchant, "Cup", "CUP-1", 10)

    store, merchant, _c, connection, (mug, cup) = connected(bc, setup=setup)
    refunded = order(bc, store, mug, 2)
    line = api(bc, store).get(f"/v2/orders/{refunded['id']}/products")[0]
    api(bc, store).post(
        f"/v3/orders/{refunded['id']}/payment_actions/refunds",
        json={
            "items": [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 2}],
            "payments": [{"provider_id": "custom", "amount": float(line["total_inc_tax"]), "offline": True}],
        },
    )
    deliver(connection, "store/order/refund/created", {"type": "order", "id": refunded["id"]})
    # The refunds guide: items refunded through the API do not return to stock.
    assert remote_level(bc, store, mug) == 8 and level(mug) == 8
    assert ledger(mug, StockOrigin.ONLINE_REFUND) == [(StockOrigin.ONLINE_REFUND, 0)]  # a row that says why

    by_hand = order(bc, store, cup, 1)
    api(bc, store).put(f"/v2/orders/{by_hand['id']}", json={"status_id": 4})
    deliver(connection, "store/order/statusUpdated", {"type": "order", "id": by_hand["id"]})
    assert remote_level(bc, store, cup) == 10 and level(cup) == 10
    assert ledger(cup)[1:] == [(StockOrigin.ONLINE_ORDER, -1), (StockOrigin.ONLINE_REFUND, 1)]


def test_a_channel_that_takes_stock_when_shipped_moves_comptoir_only_then(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    api(bc, store).put("/v3/settings/inventory", json={"update_stock_behavior": "order_completed_or_shipped"})
    placed = order(bc, store, mug, 4)
    deliver(connection, "store/order/created", {"type": "order", "id": placed["id"]})
    assert level(mug) == 10 and remote_level(bc, store, mug) == 10
    api(bc, store).put(f"/v2/orders/{placed['id']}", json={"status_id": 2})
    deliver(connection, "store/order/statusUpdated", {"type": "order", "id": placed["id"]})
    assert level(mug) == 6 and remote_level(bc, store, mug) == 6


def test_the_order_poll_finds_an_order_whose_webhook_never_came(bc):
    def setup(merchant):
        return product_with_options(merchant=merchant, options={"Size": ["S", "M"]})

    store, merchant, _c, connection, shirt = connected(bc, setup=setup)
    small, medium = shirt.variants.order_by("pk")
    for variant in (small, medium):
        stock_set(merchant=merchant, variant=variant, quantity=5, idempotency_key=f"count:{variant.pk}")
    tasks.bigcommerce_stock_push_sweep()
    assert remote_level(bc, store, medium) == 5
    placed = order(bc, store, medium, 2)
    tasks.bigcommerce_orders_poll(connection.pk)
    assert (level(small), level(medium)) == (5, 3)
    assert ledger(medium, StockOrigin.ONLINE_ORDER) == [(StockOrigin.ONLINE_ORDER, -2)]
    connection.refresh_from_db()
    assert connection.orders_polled_until is not None
    tasks.bigcommerce_orders_poll(connection.pk)  # the same order again, inside the margin: unchanged
    assert level(medium) == 3
    assert RemoteOrder.objects.get(order_id=placed["id"]).stock_taken


def test_an_online_order_of_a_split_variant_moves_only_bigcommerce_s_allocation(bc):
    from inventory.services import stock_split_set

    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    with TestCase.captureOnCommitCallbacks(execute=True):
        stock_split_set(merchant=merchant, variant=mug, online_quantity=4, idempotency_key="split")
    assert remote_level(bc, store, mug) == 4
    placed = order(bc, store, mug, 3)
    deliver(connection, "store/order/created", {"type": "order", "id": placed["id"]})
    stock = primary_level(mug)
    assert (stock.quantity, stock.online_quantity, stock.store_quantity) == (7, 1, 6)
    assert remote_level(bc, store, mug) == 1


def test_a_manual_edit_in_bigcommerce_reaches_comptoir_and_our_own_push_coming_back_changes_nothing(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    remote = VariantLink.objects.get(variant=mug).remote_variant_id
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 2)
    assert remote_level(bc, store, mug) == 8
    product_id = VariantLink.objects.get(variant=mug).link.remote_product_id
    echo = {
        "type": "product",
        "id": product_id,
        "inventory": {"product_id": product_id, "method": "relative", "value": -2},
    }
    deliver(connection, "store/product/inventory/updated", echo)
    assert VariantLink.objects.get(variant=mug).stock_check_requested_at is None
    assert SyncEvent.objects.filter(kind=SyncEvent.Kind.WEBHOOK).latest("pk").status == SyncEvent.Status.SKIPPED

    # The merchant counts 12 in BigCommerce's control panel.
    api(bc, store).put(
        "/v3/inventory/adjustments/absolute",
        json={"reason": "count", "items": [{"location_id": 1, "variant_id": remote, "quantity": 12}]},
    )
    edit = {
        "type": "product",
        "id": product_id,
        "inventory": {"product_id": product_id, "method": "absolute", "value": 12},
    }
    deliver(connection, "store/product/inventory/updated", edit)
    assert level(mug) == 12
    assert ledger(mug, StockOrigin.MANUAL_ONLINE) == [(StockOrigin.MANUAL_ONLINE, 4)]
    assert VariantLink.objects.get(variant=mug).stock_check_requested_at is None
    entry = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_IN).latest("pk")
    assert entry.message == "Stock of MUG-1 changed in BigCommerce (8 → 12); Comptoir's stock follows."
    deliver(connection, "store/product/inventory/updated", edit)  # again: nothing more
    assert len(ledger(mug, StockOrigin.MANUAL_ONLINE)) == 1
    assert not StockPush.objects.filter(state="pending").exists()


def test_a_reported_change_is_checked_while_a_push_is_pending_and_the_pending_change_still_goes(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    remote = VariantLink.objects.get(variant=mug).remote_variant_id
    sell(merchant, mug, 1)  # not pushed yet (no commit hook here): BigCommerce still shows 10
    api(bc, store).post(
        "/v3/inventory/adjustments/relative",
        json={"reason": "gift", "items": [{"location_id": 1, "variant_id": remote, "quantity": 5}]},
    )
    calls = len(relative_calls(bc, store))
    data = {"type": "sku", "id": 1, "inventory": {"variant_id": remote, "method": "relative", "value": 5}}
    deliver(connection, "store/sku/inventory/updated", data)
    # Not kept waiting for the push: BigCommerce shows 15 where it should show 10 (Comptoir's 9
    # less the -1 not sent yet), so the edit is +5, and the sale is still to be sent.
    assert level(mug) == 14
    assert ledger(mug, StockOrigin.MANUAL_ONLINE) == [(StockOrigin.MANUAL_ONLINE, 5)]
    assert VariantLink.objects.get(variant=mug).stock_check_requested_at is None
    assert list(StockPush.objects.filter(state="pending").values_list("delta", flat=True)) == [-1]
    assert len(relative_calls(bc, store)) == calls  # the check sent nothing
    entry = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_IN).latest("pk")
    assert entry.detail["expected"] == 10 and entry.detail["bigcommerce"] == 15
    tasks.bigcommerce_stock_push_sweep()  # the sale reaches BigCommerce (15 - 1)
    assert level(mug) == 14 and remote_level(bc, store, mug) == 14
    assert not StockPush.objects.exclude(state="sent").exists()


def test_the_stock_check_corrects_drift_journals_it_and_shows_its_run(bc):
    def setup(merchant):
        return [stocked(merchant, f"Cup {i}", f"CUP-{i}", 5) for i in range(3)]

    store, merchant, client, connection, cups = connected(bc, setup=setup)
    remote = VariantLink.objects.get(variant=cups[1]).remote_variant_id
    # A change in BigCommerce whose webhook was lost.
    api(bc, store).put(
        "/v3/inventory/adjustments/absolute",
        json={"reason": "lost", "items": [{"location_id": 1, "variant_id": remote, "quantity": 2}]},
    )
    before = len(bc.request_log(store["hash"]))
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post("/integrations/bigcommerce/stock-check/").status_code == 302
    run = SyncRun.objects.get(kind=SyncRun.Kind.RECONCILIATION)
    assert (run.status, run.total, run.done) == ("finished", 3, 3)
    assert [level(cup) for cup in cups] == [5, 2, 5]
    assert ledger(cups[1], StockOrigin.RECONCILIATION) == [(StockOrigin.RECONCILIATION, -3)]
    calls = bc.request_log(store["hash"])[before:]
    assert len(calls) <= 4  # two order polls, the settings never, one level read for the three
    summary = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_CHECK).latest("pk")
    assert summary.message == "Stock check: 3 variants compared with BigCommerce; 1 corrected (Cup 1 (CUP-1): 5 → 2)."
    assert (summary.code, summary.product_name) == ("stock_check.finished", "Cup 1")
    page = client.get("/integrations/bigcommerce/").content.decode()
    assert "Stock check finished" in page and "3 of 3 variants checked" in page
    # Nothing left to correct the second time.
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post("/integrations/bigcommerce/stock-check/")
    assert len(ledger(cups[1], StockOrigin.RECONCILIATION)) == 1
    assert SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_CHECK).latest("pk").message.endswith("both sides agree.")


def test_check_stock_now_needs_a_connection_and_a_post(bc):
    from integrations.tests.connect_helpers import merchant_with_client

    _merchant, _user, client = merchant_with_client()
    assert client.post("/integrations/bigcommerce/stock-check/").status_code == 404
    assert client.get("/integrations/bigcommerce/stock-check/").status_code == 405


def test_an_order_of_two_products_writes_one_effect_per_line(bc):
    def setup(merchant):
        return stocked(merchant, "Tote bag", "TOTE-1", 10), stocked(merchant, "Mug", "MUG-1", 10)

    store, merchant, _c, connection, (tote, mug) = connected(bc, setup=setup)
    remote = {v: VariantLink.objects.get(variant=v).remote_variant_id for v in (tote, mug)}
    placed = api(bc, store).post(
        "/v2/orders",
        json={
            "billing_address": BILLING,
            "products": [{"variant_id": remote[tote], "quantity": 1}, {"variant_id": remote[mug], "quantity": 2}],
        },
    )
    for _ in range(2):
        deliver(connection, "store/order/created", {"type": "order", "id": placed["id"]})
    first, second = line_ids(bc, store, placed["id"])
    assert effects(connection) == [
        (placed["id"], first, "taken", StockOrigin.ONLINE_ORDER, -1),
        (placed["id"], second, "taken", StockOrigin.ONLINE_ORDER, -2),
    ]
    assert {e.movement.variant_id for e in OrderLineEffect.objects.all()} == {tote.pk, mug.pk}


def test_a_line_whose_ledger_key_was_written_before_writes_no_row_and_no_effect(bc):
    """The ledger key decides, as before: a line already in the ledger (here with another quantity,
    as after an order edit) is a replay, whatever the order says now."""
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    placed = order(bc, store, mug, 3)
    (line,) = line_ids(bc, store, placed["id"])
    key = f"bigcommerce:{connection.pk}:order:{placed['id']}:line:{line}:taken"
    stock_adjust(merchant=merchant, variant=mug, delta=-1, origin=StockOrigin.ONLINE_ORDER, idempotency_key=key)
    deliver(connection, "store/order/created", {"type": "order", "id": placed["id"]})
    assert level(mug) == 9 and ledger(mug, StockOrigin.ONLINE_ORDER) == [(StockOrigin.ONLINE_ORDER, -1)]
    assert effects(connection) == []


def test_the_migration_fills_effects_for_older_order_rows_and_only_for_them(bc):
    migration = importlib.import_module("integrations.migrations.0016_item3_order_line_effects")
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    prefix = f"bigcommerce:{connection.pk}:order:501:line"

    def row(key, delta, origin):
        return stock_adjust(merchant=merchant, variant=mug, delta=delta, origin=origin, idempotency_key=key)

    taken = row(f"{prefix}:7:taken", -2, StockOrigin.ONLINE_ORDER)
    returned = row(f"{prefix}:7:returned", 2, StockOrigin.ONLINE_REFUND)
    row(f"bigcommerce:{connection.pk + 99}:order:502:line:8:taken", -1, StockOrigin.ONLINE_ORDER)  # no such store
    row(f"bigcommerce:{connection.pk}:order:503:line:9:something", -1, StockOrigin.ONLINE_ORDER)  # not a line's
    migration.effects_fill(django_apps, None)
    assert effects(connection) == [
        (501, 7, "taken", StockOrigin.ONLINE_ORDER, -2),
        (501, 7, "returned", StockOrigin.ONLINE_REFUND, 2),
    ]
    assert [e.movement_id for e in OrderLineEffect.objects.order_by("pk")] == [taken.pk, returned.pk]
    kept = OrderLineEffect.objects.get(kind="taken")
    assert kept.created_at == taken.created_at  # each keeps its ledger row's moment
