"""Online orders read in batches (issue 17, item 1): webhooks make one paced poll per
connection, every order modified since a durable cursor in BigCommerce's own dates, lines inline.
Real HTTP to the sandbox; each test counts the calls made and the rows written."""

import email.utils
import time
from datetime import UTC

import pytest
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone

from integrations import tasks
from integrations.bigcommerce.api import BigCommerceClient
from integrations.bigcommerce.api.client import client_for as real_client
from integrations.bigcommerce.stock import intake, intake_run
from integrations.models import OrderIntake, OrderLineEffect, OrderStatusAnnounced, RemoteOrder, VariantLink
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import api
from integrations.tests.test_export import connected
from integrations.tests.test_stock_inbound import BILLING, deliver, effects, level
from integrations.tests.test_stock_push import stocked
from inventory.models import StockMovement, StockOrigin

pytestmark = [*connect_helpers.SANDBOX_TESTS, pytest.mark.usefixtures("no_apply_window")]


def mark(bc, store) -> int:
    log = bc.request_log(store["hash"])
    return log[-1]["id"] if log else 0


def reads(bc, store, since: int) -> dict:
    """The order reads made since ``since``: lists of orders, single orders, lines pages."""
    out = {"list": 0, "one": 0, "lines": 0}
    for r in bc.request_log(store["hash"], since=since):
        path = r["path"].split("?")[0]
        if r["method"] != "GET" or "/v2/orders" not in path:
            continue
        kind = "lines" if path.endswith("/products") else "list" if path.endswith("/v2/orders") else "one"
        out[kind] += 1
    return out


def place(bc, store, variant, quantity=1, **extra) -> dict:
    remote = VariantLink.objects.get(variant=variant).remote_variant_id
    body = {"billing_address": BILLING, "products": [{"variant_id": remote, "quantity": quantity}], **extra}
    return bc.place_order(store["hash"], body)


def created(connection, order) -> None:
    deliver(connection, "store/order/created", {"type": "order", "id": order["id"]})


def taken(connection) -> dict[int, int]:
    """Order → quantity its lines took, from the rows the intake wrote."""
    out: dict[int, int] = {}
    for order_id, _line, kind, _origin, delta in effects(connection):
        if kind == "taken":
            out[order_id] = out.get(order_id, 0) - delta
    return out


def test_duplicated_webhooks_make_one_poll_and_orders_come_with_their_lines(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 50))
    orders = [place(bc, store, mug, 1 + n % 2) for n in range(3)]
    since = mark(bc, store)
    # A poll runs elsewhere: ten webhooks (duplicates and twins) only leave the mark.
    cache.add(intake_run._lock(connection.pk), 1, 60)
    for _ in range(5):
        for order in orders[:2]:
            created(connection, order)
    assert reads(bc, store, since) == {"list": 0, "one": 0, "lines": 0}
    assert OrderIntake.objects.get(connection=connection).wanted_at is not None
    cache.delete(intake_run._lock(connection.pk))
    tasks.bigcommerce_orders_intake(connection.pk)
    # One poll, one call: every order (the third's webhook never came), lines inline.
    assert reads(bc, store, since) == {"list": 1, "one": 0, "lines": 0}
    assert taken(connection) == {orders[0]["id"]: 1, orders[1]["id"]: 2, orders[2]["id"]: 1}
    assert level(mug) == 46
    row = OrderIntake.objects.get(connection=connection)
    assert (row.polls, row.wanted_at) == (1, None)
    # The cursor is BigCommerce's date of the newest order read, not Comptoir's clock.
    dates = [api(bc, store).get(f"/v2/orders/{o['id']}")["date_modified"] for o in orders]
    newest = max(email.utils.parsedate_to_datetime(d).replace(tzinfo=UTC) for d in dates)
    assert row.modified_until == newest
    # Nothing owed: the task polls nothing.
    tasks.bigcommerce_orders_intake(connection.pk)
    assert reads(bc, store, since)["list"] == 1


def test_webhooks_during_a_poll_make_exactly_one_follow_up(bc, monkeypatch):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 50))
    first = place(bc, store, mug)
    late = []

    class WebhooksMeanwhile(BigCommerceClient):
        """The real client; while the first poll reads, three orders are placed and ten webhooks come."""

        def get(self, path, params=None, **kwargs):
            answer = super().get(path, params, **kwargs)
            if path.endswith("/v2/orders") and not late:
                late.extend(place(bc, store, mug) for _ in range(3))
                for _ in range(10):
                    created(connection, late[0])
            return answer

    monkeypatch.setattr(intake_run, "client_for", lambda c: _as(WebhooksMeanwhile, real_client(c)))
    since = mark(bc, store)
    created(connection, first)
    assert OrderIntake.objects.get(connection=connection).polls == 2  # the poll, and one follow-up
    assert reads(bc, store, since) == {"list": 2, "one": 0, "lines": 0}
    assert set(taken(connection)) == {first["id"], *(o["id"] for o in late)} and level(mug) == 46


def _as(cls, client: BigCommerceClient) -> BigCommerceClient:
    """The connection's own client (its token, pacer, retries), with a subclass's hook."""
    hooked = cls.__new__(cls)
    hooked.__dict__.update(client.__dict__)
    return hooked


def test_a_burst_across_pages_an_order_edited_meanwhile_and_overlap_read_exactly_once(bc, monkeypatch):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 400))
    burst = [place(bc, store, mug) for _ in range(260)]
    since = mark(bc, store)
    created(connection, burst[-1])
    assert reads(bc, store, since) == {"list": 2, "one": 0, "lines": 0}  # 250 + 10, lines inline
    assert len(taken(connection)) == 260 and level(mug) == 140
    rows = OrderLineEffect.objects.filter(connection=connection).count()
    # Read again a minute back (the minute poll): every order again, nothing written twice.
    since = mark(bc, store)
    tasks.bigcommerce_orders_poll(connection.pk)
    assert reads(bc, store, since)["list"] == 2
    assert OrderLineEffect.objects.filter(connection=connection).count() == rows and level(mug) == 140
    # Small pages: an order of the first page cancelled while the second is read moves to the end
    # of the list; paging by date (not by page number) skips none of the others.
    monkeypatch.setattr(intake, "PAGE_SIZE", 5)
    # The 260 orders above may share a second or two: with pages of 5, the overlap re-reads them in
    # more pages than a poll's cap (250 a page: 10,000 orders in the overlap, never in practice).
    monkeypatch.setattr(intake, "PAGES_PER_POLL", 400)
    more = [place(bc, store, mug) for _ in range(12)]
    edited = []

    class EditMeanwhile(BigCommerceClient):
        def get(self, path, params=None, **kwargs):
            answer = super().get(path, params, **kwargs)
            if path.endswith("/v2/orders") and not edited:
                edited.append(api(bc, store).put(f"/v2/orders/{more[0]['id']}", json={"status_id": 5}))
            return answer

    monkeypatch.setattr(intake_run, "client_for", lambda c: _as(EditMeanwhile, real_client(c)))
    created(connection, more[-1])
    assert {o["id"] for o in more} <= set(taken(connection))
    returned = [e for e in effects(connection) if e[0] == more[0]["id"] and e[2] == "returned"]
    assert len(returned) == 1 and level(mug) == 140 - 12 + 1


def test_same_second_orders_a_cancellation_and_a_refund_in_one_batch(bc, settings, monkeypatch):
    settings.BIGCOMMERCE_ORDER_POLL_OVERLAP_S = 0  # only the cursor's own second is read again
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 50))
    for _attempt in range(20):  # two orders modified in one second
        first, second = place(bc, store, mug), place(bc, store, mug)
        if second["date_modified"] == first["date_modified"]:
            break
    else:
        pytest.fail("never two orders in one second")

    class SecondNotVisibleYet(BigCommerceClient):
        """BigCommerce under load: the first poll sees the first order, not yet the second."""

        def get(self, path, params=None, **kwargs):
            answer = super().get(path, params, **kwargs)
            if path.endswith("/v2/orders") and not hidden:
                hidden.append(second["id"])
                answer = [o for o in answer if o["id"] != second["id"]]
            return answer

    hidden = []
    monkeypatch.setattr(intake_run, "client_for", lambda c: _as(SecondNotVisibleYet, real_client(c)))
    created(connection, first)
    assert first["id"] in taken(connection) and second["id"] not in taken(connection)
    created(connection, second)  # the cursor is at their second: it is read again
    assert set(taken(connection)) >= {first["id"], second["id"]}
    assert sum(taken(connection).values()) == 50 - level(mug)
    # A cancellation and a full refund, read by one poll.
    shop = api(bc, store)
    shop.put(f"/v2/orders/{first['id']}", json={"status_id": 5})
    (line,) = shop.get(f"/v2/orders/{second['id']}/products")
    base = f"/v3/orders/{second['id']}/payment_actions/refunds"
    refund = {"items": [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 1}]}
    paid = float(line["total_inc_tax"])
    shop.post(base, json={**refund, "payments": [{"provider_id": "custom", "amount": paid, "offline": True}]})
    before = level(mug)
    since = mark(bc, store)
    deliver(connection, "store/order/statusUpdated", {"type": "order", "id": first["id"]})
    assert reads(bc, store, since) == {"list": 1, "one": 0, "lines": 0}
    kinds = {(e[0], e[2]) for e in effects(connection)}
    assert (first["id"], "returned") in kinds  # a cancellation gives the stock back
    assert (second["id"], "kept_refund") in kinds and (second["id"], "returned") not in kinds
    assert level(mug) == before + 1


def test_an_announced_status_is_applied_by_the_poll_even_after_the_order_left_it(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 50))
    order = place(bc, store, mug, 2)
    created(connection, order)
    shop = api(bc, store)
    shop.put(f"/v2/orders/{order['id']}", json={"status_id": 5})  # cancelled: BigCommerce gives 2 back
    shop.put(f"/v2/orders/{order['id']}", json={"status_id": 11})  # reopened: it never takes them again
    cache.add(intake_run._lock(connection.pk), 1, 60)  # a poll runs elsewhere: the webhook only marks
    status = {"previous_status_id": 11, "new_status_id": 5}
    deliver(connection, "store/order/statusUpdated", {"type": "order", "id": order["id"], "status": status})
    assert list(OrderStatusAnnounced.objects.values_list("order_id", "status_id")) == [(order["id"], 5)]
    cache.delete(intake_run._lock(connection.pk))
    tasks.bigcommerce_orders_intake(connection.pk)
    assert level(mug) == 50 and not OrderStatusAnnounced.objects.exists()
    assert RemoteOrder.objects.get(order_id=order["id"]).stock_returned


def test_a_dropped_webhook_is_found_by_the_minute_poll(bc):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 50))
    seen = place(bc, store, mug)
    created(connection, seen)
    dropped = place(bc, store, mug, 3)  # its webhooks never come
    since = mark(bc, store)
    with TestCase.captureOnCommitCallbacks(execute=True):
        tasks.bigcommerce_orders_poll(connection.pk)
    assert reads(bc, store, since) == {"list": 1, "one": 0, "lines": 0}
    assert taken(connection) == {seen["id"]: 1, dropped["id"]: 3} and level(mug) == 46


def test_lines_beyond_the_include_pickups_and_downloads(bc):
    store, merchant, _c, connection, (mug, tote) = connected(
        bc, setup=lambda m: (stocked(m, "Mug", "MUG-1", 50), stocked(m, "Tote", "TOTE-1", 50))
    )
    bc.set_options(store["hash"], include_line_items_max=2)
    remote = {v: VariantLink.objects.get(variant=v).remote_variant_id for v in (mug, tote)}
    shop = api(bc, store)
    ebook = shop.post(
        "/v3/catalog/products", json={"name": "Guide", "type": "digital", "price": 5, "weight": 0, "sku": "EBOOK"}
    )["data"]
    big = bc.place_order(
        store["hash"],
        {
            "billing_address": BILLING,
            "products": [{"variant_id": remote[mug], "quantity": 1}] * 2
            + [{"variant_id": remote[tote], "quantity": 2}],
        },
    )
    pickup = {
        "pickup_method_id": 1,
        "location": {"name": "Atelier", "code": "AT-1"},
        "line_items": [{"variant_id": remote[tote], "quantity": 1}],
    }
    collected = bc.place_order(store["hash"], {"billing_address": BILLING, "consignments": {"pickups": [pickup]}})
    digital = bc.place_order(
        store["hash"],
        {
            "billing_address": BILLING,
            "products": [{"variant_id": remote[mug], "quantity": 1}, {"product_id": ebook["id"], "quantity": 1}],
        },
    )
    since = mark(bc, store)
    created(connection, digital)
    # Only the order whose lines the include did not carry in full is read again, line by line.
    assert reads(bc, store, since) == {"list": 1, "one": 0, "lines": 1}
    assert taken(connection) == {big["id"]: 4, collected["id"]: 1, digital["id"]: 1}
    assert (level(mug), level(tote)) == (47, 47)
    # The download's line is no variant of Comptoir's: only the mug's line wrote a row.
    assert OrderLineEffect.objects.filter(connection=connection, order_id=digital["id"]).count() == 1
    assert StockMovement.objects.filter(variant=mug, origin=StockOrigin.ONLINE_ORDER).count() == 3


def test_a_level_read_is_followed_by_the_intakes_poll_when_one_is_due_else_by_one_of_its_own(bc, monkeypatch):
    """A stock check or a settling compares BigCommerce's level with Comptoir's once every order
    placed before its read is in the ledger (``orders_read_after``): on a busy store the intake's
    next poll does it (no call of its own); with no poll running, one poll of its own (it used to
    make two, one before the read and one after, whatever the intake was doing)."""
    store, _merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    client = real_client(connection)
    slept = []

    # Nothing runs: one poll of its own, at once.
    monkeypatch.setattr(intake_run, "_sleep", slept.append)
    before, moment = mark(bc, store), timezone.now()
    intake_run.orders_read_after(connection=connection, client=client, moment=moment)
    assert reads(bc, store, before)["list"] == 1 and slept == []
    connection.refresh_from_db()
    assert connection.orders_polled_until >= moment

    # A drain runs with a poll owed (webhooks came): its next poll takes the order placed before the read.
    place(bc, store, mug, 2)
    cache.add(intake_run._lock(connection.pk), 1, 60)
    OrderIntake.objects.filter(connection=connection).update(wanted_at=timezone.now())
    before, moment = mark(bc, store), timezone.now()

    def the_drain_polls(seconds):
        slept.append(seconds)
        if len(slept) == 2:  # a poll gap later
            OrderIntake.objects.filter(connection=connection).update(wanted_at=None, polled_at=timezone.now())
            intake.orders_poll(connection=connection, client=client)

    monkeypatch.setattr(intake_run, "_sleep", the_drain_polls)
    intake_run.orders_read_after(connection=connection, client=client, moment=moment)
    assert reads(bc, store, before)["list"] == 1  # the intake's, none of its own
    assert len(slept) == 2 and level(mug) == 8
    assert intake_run.orders_moved_since(variant_ids=[mug.pk], since=moment) == {mug.pk}
    assert intake_run.orders_moved_since(variant_ids=[mug.pk], since=timezone.now()) == set()

    # A drain runs, but its poll began before the read and none is owed: one of its own, at once.
    slept.clear()
    monkeypatch.setattr(intake_run, "_sleep", slept.append)
    before, moment = mark(bc, store), timezone.now()
    intake_run.orders_read_after(connection=connection, client=client, moment=moment)
    assert reads(bc, store, before)["list"] == 1 and slept == []

    # A poll owed, but the drain's next poll is late: one of its own after READ_AFTER_WAIT_S.
    OrderIntake.objects.filter(connection=connection).update(wanted_at=timezone.now())
    monkeypatch.setattr(intake_run, "READ_AFTER_WAIT_S", 0.3)
    monkeypatch.setattr(intake_run, "_sleep", lambda seconds: (slept.append(seconds), time.sleep(seconds)))
    before, moment = mark(bc, store), timezone.now()
    intake_run.orders_read_after(connection=connection, client=client, moment=moment)
    assert reads(bc, store, before)["list"] == 1 and 0.3 <= sum(slept) <= 0.3 + 0.05 * 2
    cache.delete(intake_run._lock(connection.pk))


def test_before_a_level_read_orders_on_their_way_are_let_in_and_an_idle_intake_costs_no_call(bc):
    store, _merchant, _c, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    client = real_client(connection)
    before = mark(bc, store)
    intake_run.orders_read_before(connection=connection, client=client)  # nothing owed, no poll running
    assert reads(bc, store, before)["list"] == 0
    place(bc, store, mug, 3)  # its webhook came: a poll is owed (the intake has not run yet)
    OrderIntake.objects.update_or_create(connection=connection, defaults={"wanted_at": timezone.now()})
    moment = timezone.now()
    intake_run.orders_read_before(connection=connection, client=client)
    assert reads(bc, store, before)["list"] == 1 and level(mug) == 7  # in the ledger before the read
    assert intake_run.orders_moved_since(variant_ids=[mug.pk], since=moment) == {mug.pk}
