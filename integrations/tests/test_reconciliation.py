"""The stock check (reconciliation): every synced variant compared with BigCommerce in a few calls,
drift corrected through the ledger and journaled, busy variants left for the next round, the
schedules that run it. Real HTTP to the sandbox."""

import pytest
from django.core.management import call_command
from django.test import TestCase
from django_q.models import Schedule

from integrations import tasks
from integrations.bigcommerce.stock import check as stock_check
from integrations.bigcommerce.stock import levels as stock_levels
from integrations.models import SyncEvent, SyncRun, VariantLink
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import api
from integrations.tests.stock_helpers import stock_reconcile
from integrations.tests.test_export import connected
from integrations.tests.test_stock_inbound import ledger, level
from integrations.tests.test_stock_push import remote_level, stocked
from inventory.models import StockOrigin

pytestmark = [*connect_helpers.SANDBOX_TESTS, pytest.mark.usefixtures("no_apply_window")]


def set_remote(bc, store, variant, quantity):
    remote = VariantLink.objects.get(variant=variant).remote_variant_id
    api(bc, store).put(
        "/v3/inventory/adjustments/absolute",
        json={"reason": "lost", "items": [{"location_id": 1, "variant_id": remote, "quantity": quantity}]},
    )


def test_a_stock_check_of_many_variants_takes_a_few_calls_and_corrects_only_the_drift(bc, monkeypatch):
    # Scaled down (the real sizes are 1,000 per chunk and 250 per read): two chunks of the 60 below.
    monkeypatch.setattr(stock_check, "CHECK_CHUNK", 40)
    monkeypatch.setattr(stock_levels, "LEVELS_PER_CALL", 20)

    def setup(merchant):
        return [stocked(merchant, f"Cup {i}", f"CUP-{i}", 3) for i in range(60)]

    store, merchant, _client, connection, cups = connected(bc, setup=setup)
    set_remote(bc, store, cups[7], 1)
    set_remote(bc, store, cups[51], 9)
    before = len(bc.request_log(store["hash"]))
    run = stock_reconcile(connection=connection)
    calls = bc.request_log(store["hash"])[before:]
    # 3 level reads (20 ids each) and 2 order polls: each round (a task of its own, other merchants'
    # work in between) polls once after its read (no order intake runs to poll for it).
    assert sorted(c["path"].rsplit("/", 1)[-1] for c in calls) == ["items"] * 3 + ["orders"] * 2
    assert (run.status, run.total, run.done) == ("finished", 60, 60)
    assert (level(cups[7]), level(cups[51]), level(cups[0])) == (1, 9, 3)
    assert ledger(cups[7], StockOrigin.RECONCILIATION) == [(StockOrigin.RECONCILIATION, -2)]
    summary = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_CHECK).latest("pk")
    assert summary.message == (
        "Stock check: 60 variants compared with BigCommerce; "
        "2 corrected (Cup 7 (CUP-7): 3 → 1, Cup 51 (CUP-51): 3 → 9)."
    )
    assert summary.detail["corrected"] == 2
    # It names the products it corrected, and a search for either finds it.
    assert (summary.product_name, summary.sku) == ("Cup 7, Cup 51", "CUP-7, CUP-51")


def test_a_variant_with_a_push_not_sent_yet_is_compared_counting_it_as_not_applied(bc):
    store, merchant, client, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    from integrations.tests.test_stock_push import sell

    sell(merchant, mug, 2)  # its push not sent yet
    set_remote(bc, store, mug, 4)  # and a change in BigCommerce whose webhook was lost
    stock_reconcile(connection=connection)
    # BigCommerce should show 10 (Comptoir's 8 less the -2 not sent): it shows 4, so -6, at once.
    assert level(mug) == 2
    assert ledger(mug, StockOrigin.RECONCILIATION) == [(StockOrigin.RECONCILIATION, -6)]
    summary = SyncEvent.objects.filter(kind=SyncEvent.Kind.STOCK_CHECK).latest("pk")
    assert "was changing" not in summary.message
    tasks.bigcommerce_stock_push_sweep()  # 4 - 2
    assert remote_level(bc, store, mug) == 2
    stock_reconcile(connection=connection)  # nothing more
    assert level(mug) == 2 and len(ledger(mug, StockOrigin.RECONCILIATION)) == 1


def test_products_managed_in_bigcommerce_are_checked_too(bc):
    from integrations.tests.test_importer import connect, simple

    shop, merchant, _client, connection, _ids = connect(bc, products=[simple("Tote", "TOTE", inventory_level=6)])
    tote = VariantLink.objects.get(link__connection=connection).variant
    set_remote(bc, shop.store, tote, 11)
    with TestCase.captureOnCommitCallbacks(execute=True):
        tasks.bigcommerce_stock_reconcile_all()
    assert level(tote) == 11
    assert SyncRun.objects.get(connection=connection, kind=SyncRun.Kind.RECONCILIATION).status == "finished"


def test_the_stock_schedules_are_installed(db):
    call_command("schedules_install", verbosity=0)
    rows = {s.name: (s.func, s.minutes) for s in Schedule.objects.filter(name__contains="stock")}
    assert rows["bigcommerce-stock-sweep"] == ("integrations.tasks.bigcommerce_stock_sweep", 1)
    assert rows["bigcommerce-stock-reconcile"] == ("integrations.tasks.bigcommerce_stock_reconcile_all", 30)
    assert rows["bigcommerce-stock-push-sweep"][1] == 1


def test_the_sweep_polls_orders_and_runs_waiting_checks(bc):
    store, merchant, _client, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    set_remote(bc, store, mug, 7)
    VariantLink.objects.filter(variant=mug).update(stock_check_requested_at="2026-01-01T00:00:00Z")
    tasks.bigcommerce_stock_sweep()
    assert level(mug) == 7
    assert ledger(mug, StockOrigin.MANUAL_ONLINE) == [(StockOrigin.MANUAL_ONLINE, -3)]
    assert VariantLink.objects.get(variant=mug).stock_check_requested_at is None


def test_another_merchant_cannot_start_a_stock_check_of_this_store(bc):
    store, merchant, client, connection, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 10))
    _other, _user, other_client = connect_helpers.merchant_with_client()
    assert other_client.post("/integrations/bigcommerce/stock-check/").status_code == 404
    assert not SyncRun.objects.filter(kind=SyncRun.Kind.RECONCILIATION).exists()
