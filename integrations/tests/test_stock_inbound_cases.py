"""Stock from BigCommerce, case by case: refunds with and without restocking, per-channel inventory
settings, the Comptoir-POS channel's scopes, both management modes, products with variants,
replayed and stale events, our own pushes coming back. Real HTTP to the sandbox."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from catalog.tests.factories import product_with_options
from integrations import tasks
from integrations.bigcommerce.connection.setup import webhook_scopes
from integrations.bigcommerce.inbox.receive import webhook_event_process
from integrations.bigcommerce.stock import intake as stock_intake
from integrations.models import BigCommerceConnection, StockPush, SyncEvent, VariantLink
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import api, merchant_with_client, new_store, walk_wizard
from integrations.tests.stock_helpers import stock_reconcile
from integrations.tests.test_export import connected
from integrations.tests.test_importer import Store, simple
from integrations.tests.test_stock_inbound import BILLING, deliver, effects, event, ledger, level, order
from integrations.tests.test_stock_push import relative_calls, remote_level, sell, stocked
from inventory.models import StockMovement, StockOrigin
from inventory.reasons import ReasonCode
from inventory.services import stock_set

pytestmark = [*connect_helpers.SANDBOX_TESTS, pytest.mark.usefixtures("no_apply_window")]


def refund_lines(bc, store, order_id, lines):
    """A refund through the API of ``[(line, quantity)]``."""
    amount = sum(float(line["price_inc_tax"]) * quantity for line, quantity in lines)
    return api(bc, store).post(
        f"/v3/orders/{order_id}/payment_actions/refunds",
        json={
            "items": [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": q} for line, q in lines],
            "payments": [{"provider_id": "custom", "amount": round(amount, 2), "offline": True}],
        },
    )


def order_lines(bc, store, order_id):
    return api(bc, store).get(f"/v2/orders/{order_id}/products")


def test_a_refund_that_restocks_in_this_store_gives_the_stock_back_on_both_sides(bc, settings):
    settings.BIGCOMMERCE_API_REFUNDS_RESTOCK = True
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    bc.set_options(store["hash"], refund_restocks=True)
    placed = order(bc, store, mug, 3)
    deliver(connection, "store/order/created", {"type": "order", "id": placed["id"]})
    (line,) = order_lines(bc, store, placed["id"])
    refund_lines(bc, store, placed["id"], [(line, 3)])
    assert remote_level(bc, store, mug) == 10
    deliver(connection, "store/order/refund/created", {"type": "order", "id": placed["id"]})
    assert level(mug) == 10
    assert ledger(mug)[1:] == [(StockOrigin.ONLINE_ORDER, -3), (StockOrigin.ONLINE_REFUND, 3)]
    assert "back in Comptoir's stock" in SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_IN).latest("pk").message


def history(client, product) -> str:
    return client.get(reverse("inventory:product_stock", args=[product.pk])).content.decode()


def test_a_full_refund_that_does_not_restock_moves_nothing_and_says_why_on_the_history_and_in_the_journal(bc):
    store, merchant, client, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    placed = order(bc, store, mug, 3)
    deliver(connection, "store/order/created", {"type": "order", "id": placed["id"]})
    (line,) = order_lines(bc, store, placed["id"])
    refund_lines(bc, store, placed["id"], [(line, 3)])  # the store's default: the refunds guide's rule
    assert api(bc, store).get(f"/v2/orders/{placed['id']}")["status_id"] == 4
    assert remote_level(bc, store, mug) == 7  # BigCommerce kept the items out of stock
    for _ in range(2):
        deliver(connection, "store/order/refund/created", {"type": "order", "id": placed["id"]})
        deliver(connection, "store/order/statusUpdated", {"type": "order", "id": placed["id"]})
    assert level(mug) == 7
    assert ledger(mug)[1:] == [(StockOrigin.ONLINE_ORDER, -3), (StockOrigin.ONLINE_REFUND, 0)]
    assert effects(connection) == [  # each delivered twice: one effect per line and kind
        (placed["id"], line["id"], "taken", StockOrigin.ONLINE_ORDER, -3),
        (placed["id"], line["id"], "kept_refund", StockOrigin.ONLINE_REFUND, 0),
    ]
    note = StockMovement.objects.filter(variant=mug).latest("pk")
    assert (note.reason_code, note.reason_params["order"], note.reason_params["why"]) == (
        ReasonCode.ONLINE_ORDER_KEPT,
        placed["id"],
        "refund",
    )
    said = (
        f"Online order #{placed['id']} refunded in BigCommerce; the store did not return the items to stock, "
        "so neither did Comptoir."
    )
    assert said in history(client, mug.product)
    entry = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_IN).latest("pk")
    assert entry.message == f"{said} Items: Mug ×3." and entry.product_name == "Mug"
    assert not StockPush.objects.filter(movement_id=note.pk).exists()  # nothing to send: nothing moved
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "la boutique n’a pas remis les articles en stock, Comptoir non plus" in history(client, mug.product)


def test_a_store_that_restocks_refunds_moves_comptoir_the_same_way_and_writes_no_note(bc, settings):
    settings.BIGCOMMERCE_API_REFUNDS_RESTOCK = True
    store, merchant, client, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    bc.set_options(store["hash"], refund_restocks=True)
    placed = order(bc, store, mug, 2)
    (line,) = order_lines(bc, store, placed["id"])
    refund_lines(bc, store, placed["id"], [(line, 2)])
    assert remote_level(bc, store, mug) == 10
    deliver(connection, "store/order/refund/created", {"type": "order", "id": placed["id"]})
    assert level(mug) == 10 == remote_level(bc, store, mug)
    assert not StockMovement.objects.filter(reason_code=ReasonCode.ONLINE_ORDER_KEPT).exists()
    html = history(client, mug.product)
    assert f"Online order #{placed['id']} refunded in BigCommerce: items back in stock" in html
    entry = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_IN).latest("pk")
    assert "(refunded)" in entry.message_i18n["en"]
    assert "(remboursée)" in entry.message_i18n["fr"] and "Refunded" not in entry.message_i18n["fr"]


def test_a_partial_refund_and_a_store_that_keeps_cancelled_stock_say_why_nothing_came_back(bc):
    store, merchant, client, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    placed = order(bc, store, mug, 4)
    (line,) = order_lines(bc, store, placed["id"])
    refund_lines(bc, store, placed["id"], [(line, 1)])
    deliver(connection, "store/order/refund/created", {"type": "order", "id": placed["id"]})
    assert level(mug) == 6 == remote_level(bc, store, mug)
    api(bc, store).put("/v3/settings/inventory", json={"refund_order_stock_adjustment": False})
    cache.clear()  # the settings are cached a few minutes
    cancelled = order(bc, store, mug, 2)
    api(bc, store).put(f"/v2/orders/{cancelled['id']}", json={"status_id": 5})
    deliver(connection, "store/order/statusUpdated", {"type": "order", "id": cancelled["id"]})
    assert level(mug) == 4 == remote_level(bc, store, mug)
    html = history(client, mug.product)
    assert f"Online order #{placed['id']} partly refunded in BigCommerce; a partial refund does not" in html
    assert f"Online order #{cancelled['id']} cancelled in BigCommerce; the store's settings keep the stock" in (
        html.replace("&#x27;", "'")
    )


def test_a_partial_refund_keeps_the_stock_and_refunded_set_by_hand_afterwards_gives_it_back(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    placed = order(bc, store, mug, 4)
    (line,) = order_lines(bc, store, placed["id"])
    refund_lines(bc, store, placed["id"], [(line, 1)])  # Partially Refunded: never restocks
    deliver(connection, "store/order/refund/created", {"type": "order", "id": placed["id"]})
    assert remote_level(bc, store, mug) == 6 and level(mug) == 6
    api(bc, store).put(f"/v2/orders/{placed['id']}", json={"status_id": 4})  # the merchant sets Refunded
    assert remote_level(bc, store, mug) == 10
    deliver(connection, "store/order/statusUpdated", {"type": "order", "id": placed["id"]})
    assert level(mug) == 10
    # The partial refund's row moved nothing and says why; the status set by hand gave the stock back.
    assert ledger(mug)[1:] == [
        (StockOrigin.ONLINE_ORDER, -4),
        (StockOrigin.ONLINE_REFUND, 0),
        (StockOrigin.ONLINE_REFUND, 4),
    ]


def test_a_store_that_keeps_cancelled_stock_keeps_it_in_comptoir_too(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    api(bc, store).put("/v3/settings/inventory", json={"refund_order_stock_adjustment": False})
    placed = order(bc, store, mug, 2)
    api(bc, store).put(f"/v2/orders/{placed['id']}", json={"status_id": 5})
    assert remote_level(bc, store, mug) == 8
    # Seen for the first time already cancelled (the creation's webhooks were lost).
    deliver(connection, "store/order/statusUpdated", {"type": "order", "id": placed["id"]})
    assert level(mug) == 8
    assert ledger(mug)[1:] == [(StockOrigin.ONLINE_ORDER, -2), (StockOrigin.ONLINE_REFUND, 0)]  # says why


def test_each_channel_s_inventory_settings_apply_to_its_orders_and_are_read_once(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    channel = connection.channel_id
    api(bc, store).put(
        "/v3/settings/inventory",
        params={"channel_id": channel},
        json={"update_stock_behavior": "order_completed_or_shipped"},
    )
    ours = order(bc, store, mug, 2, channel_id=channel)  # our channel: taken when shipped
    storefront = order(bc, store, mug, 1)  # channel 1 (global settings): taken when placed
    assert remote_level(bc, store, mug) == 9
    before = len(bc.request_log(store["hash"]))
    for placed in (ours, storefront):
        deliver(connection, "store/order/created", {"type": "order", "id": placed["id"]})
    deliver(connection, "store/order/created", {"type": "order", "id": order(bc, store, mug, 1)["id"]})
    assert level(mug) == 8  # the storefront's two orders
    settings_reads = [r for r in bc.request_log(store["hash"])[before:] if r["path"].endswith("/settings/inventory")]
    assert len(settings_reads) == 2  # one per channel, then cached
    api(bc, store).put(f"/v2/orders/{ours['id']}", json={"status_id": 2})
    # The channel twin of the event (orders of the Comptoir-POS channel) is enough.
    deliver(connection, f"store/channel/{channel}/order/statusUpdated", {"order_id": ours["id"]})
    assert level(mug) == 6 and remote_level(bc, store, mug) == 6


def test_the_same_event_processed_twice_and_an_old_one_after_a_new_one_move_nothing_more(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    placed = order(bc, store, mug, 2)
    created = event(connection, "store/order/created", {"type": "order", "id": placed["id"]})
    for _ in range(2):  # a retried task, or two workers taking the same event
        with TestCase.captureOnCommitCallbacks(execute=True):
            webhook_event_process(event=created)
    assert ledger(mug)[1:] == [(StockOrigin.ONLINE_ORDER, -2)]
    api(bc, store).put(f"/v2/orders/{placed['id']}", json={"status_id": 5})
    api(bc, store).put(f"/v2/orders/{placed['id']}", json={"status_id": 11})  # reopened: awaiting fulfillment
    assert remote_level(bc, store, mug) == 10  # BigCommerce gives a line back once, never takes it again
    reopened, cancelled = (
        {"type": "order", "id": placed["id"], "status": {"previous_status_id": old, "new_status_id": new}}
        for old, new in ((5, 11), (1, 5))
    )
    deliver(connection, "store/order/statusUpdated", reopened)  # the later event first
    assert level(mug) == 8
    deliver(connection, "store/order/statusUpdated", cancelled)  # the order has left Cancelled since
    assert level(mug) == 10
    deliver(connection, "store/order/statusUpdated", cancelled)
    with TestCase.captureOnCommitCallbacks(execute=True):
        webhook_event_process(event=created)  # stale
    stock_intake.orders_poll(connection=connection)
    assert level(mug) == 10
    assert ledger(mug)[1:] == [(StockOrigin.ONLINE_ORDER, -2), (StockOrigin.ONLINE_REFUND, 2)]
    assert [kind for _o, _l, kind, _origin, _d in effects(connection)] == ["taken", "returned"]


def test_an_order_of_a_product_with_variants_and_a_manual_edit_of_one_variant(bc):
    def setup(merchant):
        return product_with_options(merchant=merchant, options={"Size": ["S", "M"]})

    store, merchant, _c, connection, shirt = connected(bc, setup=setup)
    small, medium = shirt.variants.order_by("pk")
    with TestCase.captureOnCommitCallbacks(execute=True):
        for variant in (small, medium):
            stock_set(merchant=merchant, variant=variant, quantity=6, idempotency_key=f"count:{variant.pk}")
    assert remote_level(bc, store, small) == 6
    placed = order(bc, store, small, 2)
    deliver(connection, "store/order/updated", {"type": "order", "id": placed["id"]})
    assert (level(small), level(medium)) == (4, 6)
    remote_medium = VariantLink.objects.get(variant=medium).remote_variant_id
    api(bc, store).put(
        "/v3/inventory/adjustments/absolute",
        json={"reason": "count", "items": [{"location_id": 1, "variant_id": remote_medium, "quantity": 9}]},
    )
    data = {"type": "sku", "id": 77, "inventory": {"variant_id": remote_medium, "method": "absolute", "value": 9}}
    deliver(connection, "store/sku/inventory/updated", data)
    assert (level(small), level(medium)) == (4, 9)
    assert ledger(medium, StockOrigin.MANUAL_ONLINE) == [(StockOrigin.MANUAL_ONLINE, 3)]
    assert not StockPush.objects.filter(state=StockPush.State.PENDING).exists()  # nothing to send back


def test_the_channel_stock_changed_event_marks_an_edit_but_not_our_own_push(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    vlink = VariantLink.objects.get(variant=mug)
    scope = f"store/channel/{connection.channel_id}/inventory/product/stock_changed"
    data = {"variant_id": vlink.remote_variant_id, "product_id": vlink.link.remote_product_id, "location_id": 1}
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, mug, 1)
    deliver(connection, scope, data)  # our push coming back
    assert VariantLink.objects.get(pk=vlink.pk).stock_check_requested_at is None
    assert level(mug) == 9
    StockPush.objects.update(sent_at=None)  # long ago
    api(bc, store).put(
        "/v3/inventory/adjustments/absolute",
        json={"items": [{"location_id": 1, "variant_id": vlink.remote_variant_id, "quantity": 4}]},
    )
    deliver(connection, scope, data)
    assert level(mug) == 4
    assert ledger(mug, StockOrigin.MANUAL_ONLINE) == [(StockOrigin.MANUAL_ONLINE, -5)]
    deliver(connection, "store/channel/999/inventory/product/stock_changed", data)  # not our channel
    assert SyncEvent.objects.filter(kind=SyncEvent.Kind.WEBHOOK).latest("pk").status == SyncEvent.Status.SKIPPED


def _connect_bigcommerce_managed(bc, *, products, local_stock=None):
    """Managed in BigCommerce; ``local_stock``: a Comptoir product of the same SKU, counted first."""
    store = new_store(bc)
    shop = Store(bc, store)
    merchant, _user, client = merchant_with_client()
    if local_stock is not None:
        sku, quantity = local_stock
        variant = connect_helpers.add_product(merchant, "Local " + sku, sku=sku).variants.get()
        stock_set(merchant=merchant, variant=variant, quantity=quantity, idempotency_key="before-connecting")
    ids = [shop.create(body) for body in products]
    shop.assign(*ids)
    with TestCase.captureOnCommitCallbacks(execute=True):
        connect_helpers.connect_from_comptoir(client, bc, store)
        walk_wizard(client, managed_in="bigcommerce", include_prices="yes", review="link")
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.status == "connected"
    return shop, merchant, connection


def test_products_managed_in_bigcommerce_follow_orders_cancellations_and_manual_edits(bc):
    shop, merchant, connection = _connect_bigcommerce_managed(bc, products=[simple("Tote", "TOTE", inventory_level=8)])
    tote = VariantLink.objects.get(link__connection=connection).variant
    assert level(tote) == 8
    store = shop.store
    placed = order(bc, store, tote, 3)
    deliver(connection, f"store/channel/{connection.channel_id}/order/created", {"order_id": placed["id"]})
    tasks.bigcommerce_orders_poll(connection.pk)
    assert level(tote) == 5
    api(bc, store).put(f"/v2/orders/{placed['id']}", json={"status_id": 5})
    tasks.bigcommerce_orders_poll(connection.pk)  # its webhooks were dropped: the poll finds it
    assert level(tote) == 8
    vlink = VariantLink.objects.get(variant=tote)
    api(bc, store).put(
        "/v3/inventory/adjustments/absolute",
        json={"items": [{"location_id": 1, "variant_id": vlink.remote_variant_id, "quantity": 2}]},
    )
    product_id = vlink.link.remote_product_id
    deliver(
        connection,
        "store/product/inventory/updated",
        {
            "type": "product",
            "id": product_id,
            "inventory": {"product_id": product_id, "method": "absolute", "value": 2},
        },
    )
    assert level(tote) == 2
    assert [origin for origin, _delta in ledger(tote)] == [
        StockOrigin.INITIAL,
        StockOrigin.ONLINE_ORDER,
        StockOrigin.ONLINE_REFUND,
        StockOrigin.MANUAL_ONLINE,
    ]
    with TestCase.captureOnCommitCallbacks(execute=True):
        sell(merchant, tote, 1)  # and an in-store sale still reaches BigCommerce
    assert remote_level(bc, store, tote) == 1


def test_starting_stock_managed_in_bigcommerce_is_bigcommerce_s_also_for_a_linked_product(bc):
    shop, merchant, connection = _connect_bigcommerce_managed(
        bc, products=[simple("Mug", "MUG-9", inventory_level=3)], local_stock=("MUG-9", 10)
    )
    mug = VariantLink.objects.get(link__connection=connection).variant
    assert mug.product.name == "Mug" and level(mug) == 3
    assert ledger(mug) == [(StockOrigin.MANUAL_COMPTOIR, 10), (StockOrigin.INITIAL, -7)]
    journal = SyncEvent.objects.filter(kind=SyncEvent.Kind.INITIAL_SYNC, message__startswith="Set Comptoir")
    assert journal.get().message == "Set Comptoir's starting stock from BigCommerce for 1 variant."
    tasks.bigcommerce_import_resync(connection.pk)  # read again later: set once only
    assert len(ledger(mug, StockOrigin.INITIAL)) == 1


def test_starting_stock_managed_in_comptoir_is_comptoir_s_also_for_a_linked_product(bc):
    store = new_store(bc)
    remote_id = api(bc, store).post(
        "/v3/catalog/products",
        json={
            "name": "Mug",
            "type": "physical",
            "sku": "MUG-1",
            "weight": 1,
            "price": 5,
            "inventory_tracking": "product",
            "inventory_level": 3,
        },
    )["data"]["id"]

    def setup(merchant):
        return stocked(merchant, "Mug", "MUG-1", 10), stocked(merchant, "Cup", "CUP-1", 4)

    from integrations.tests.test_export import connected_to

    _s, merchant, _c, connection, (mug, cup) = connected_to(bc, store, setup=setup)
    assert VariantLink.objects.get(variant=mug).link.remote_product_id == remote_id  # linked, not copied
    assert remote_level(bc, store, mug) == 10 and remote_level(bc, store, cup) == 4
    journal = SyncEvent.objects.get(kind=SyncEvent.Kind.INITIAL_SYNC, message__startswith="Starting stock")
    expected = "Starting stock: BigCommerce now shows Comptoir's stock for 1 variant (1 already matched)."
    assert journal.message == expected
    assert level(mug) == 10  # Comptoir's stock is untouched
    before = len(relative_calls(bc, store))
    stock_reconcile(connection=connection)
    assert level(mug) == 10 and relative_calls(bc, store)[before:] == []


def test_stock_checks_wait_while_the_initial_sync_runs(bc):
    from integrations.models import SyncRun

    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    remote = VariantLink.objects.get(variant=mug).remote_variant_id
    api(bc, store).put(
        "/v3/inventory/adjustments/absolute",
        json={"items": [{"location_id": 1, "variant_id": remote, "quantity": 1}]},
    )
    SyncRun.objects.filter(connection=connection).update(status=SyncRun.Status.RUNNING)
    run = stock_reconcile(connection=connection)
    assert level(mug) == 10 and run.status == "finished"
    SyncRun.objects.filter(connection=connection, initial=True).update(status=SyncRun.Status.FINISHED)
    stock_reconcile(connection=connection)
    assert level(mug) == 1


def test_a_connection_made_before_the_stock_scopes_subscribes_to_them_at_its_next_poll(bc):
    store, merchant, _c, connection, _mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 1))
    from integrations.bigcommerce.api.client import client_for

    ours = client_for(connection)  # hooks are seen only by the account that made them
    hooks = ours.get("/v3/hooks")["data"]
    old = [h for h in hooks if "/order/" in h["scope"] and h["scope"].startswith("store/channel/")]
    assert len(old) == 4
    for hook in old:
        ours.delete(f"/v3/hooks/{hook['id']}")
    BigCommerceConnection.objects.filter(pk=connection.pk).update(webhook_ids=[h["id"] for h in hooks if h not in old])
    tasks.bigcommerce_orders_poll(connection.pk)
    scopes = {h["scope"] for h in ours.get("/v3/hooks")["data"]}
    assert set(webhook_scopes(connection.channel_id)) <= scopes
    assert f"store/channel/{connection.channel_id}/order/created" in scopes
    connection.refresh_from_db()
    assert len(connection.webhook_ids) == len(webhook_scopes(connection.channel_id))


def test_an_order_whose_webhooks_were_all_dropped_is_an_online_order_in_the_stock_check(bc):
    store, merchant, client, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    api(bc, store).post(
        "/v2/orders",
        json={
            "billing_address": BILLING,
            "products": [{"variant_id": VariantLink.objects.get(variant=mug).remote_variant_id, "quantity": 2}],
        },
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post("/integrations/bigcommerce/stock-check/").status_code == 302
    assert level(mug) == 8
    assert ledger(mug)[1:] == [(StockOrigin.ONLINE_ORDER, -2)]  # found by the check's order poll, not a correction
