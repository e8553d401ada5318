"""Fairness across merchants: one merchant's big job is taken in rounds, each a task that does a
bounded amount of work and enqueues the next at the tail of the queue, so that what another
merchant enqueued meanwhile runs before the next round. The bulk lane's worker is played in this
process (queue_helpers.Worker): the assertions are on the order tasks ran and the calls made."""

import pytest
from django.test import TestCase

from catalog.models import Product
from integrations.bigcommerce.products import export
from integrations.bigcommerce.stock import check as stock_check
from integrations.bigcommerce.stock.check import stock_reconcile_start
from integrations.models import ProductLink, SyncEvent, SyncRun
from integrations.services.sync_now import sync_now_start
from integrations.tests import connect_helpers, queue_helpers
from integrations.tests.test_export import connected
from integrations.tests.test_reconciliation import set_remote
from integrations.tests.test_stock_inbound import level
from integrations.tests.test_stock_push import stocked

worker = queue_helpers.worker  # fixture
pytestmark = [*connect_helpers.SANDBOX_TESTS, pytest.mark.usefixtures("no_apply_window")]


def test_a_stock_check_goes_in_rounds_and_another_merchants_check_runs_between_them(bc, worker, monkeypatch):
    # Scaled down: rounds of 2 variants (1,000 in production); A has 5, B has 1.
    monkeypatch.setattr(stock_check, "CHECK_CHUNK", 2)
    store_a, _, _, conn_a, cups = connected(
        bc, setup=lambda m: [stocked(m, f"Cup {i}", f"CUP-{i}", 3) for i in range(5)]
    )
    _, _, _, conn_b, mug = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 4))
    set_remote(bc, store_a, cups[0], 1)  # drift found by the first round
    set_remote(bc, store_a, cups[4], 6)  # and by the last
    queue = worker()
    with TestCase.captureOnCommitCallbacks(execute=True):
        run_a = stock_reconcile_start(connection=conn_a)
        run_b = stock_reconcile_start(connection=conn_b)

    ran = queue.drain("bulk")

    assert ran == [
        ("bigcommerce_stock_reconcile", (run_a.pk,)),  # A's first round (2 variants), then to the tail
        ("bigcommerce_stock_reconcile", (run_b.pk,)),  # B's whole check, before A's second round
        ("bigcommerce_stock_reconcile", (run_a.pk,)),
        ("bigcommerce_stock_reconcile", (run_a.pk,)),  # the fifth variant: the last round
    ]
    run_a.refresh_from_db()
    run_b.refresh_from_db()
    assert (run_a.status, run_a.done, run_a.total, run_a.corrected) == ("finished", 5, 5, 2)
    assert (run_b.status, run_b.done, run_b.corrected) == ("finished", 1, 0)
    assert (level(cups[0]), level(cups[4]), level(cups[2])) == (1, 6, 3)
    # One journal line for the whole run, naming what every round corrected.
    (line,) = SyncEvent.objects.filter(connection=conn_a, kind=SyncEvent.Kind.STOCK_CHECK, detail__run_id=run_a.pk)
    assert line.detail["corrected"] == 2 and line.sku == "CUP-0, CUP-4"


def test_a_sync_of_every_product_goes_in_rounds_and_another_merchants_work_runs_between_them(bc, worker, monkeypatch):
    # Scaled down: rounds of one chunk of 2 products (4 chunks of 50 in production); A has 6.
    monkeypatch.setattr(export, "CHUNK", 2)
    monkeypatch.setattr(export, "ROUND_CHUNKS", 1)
    store_a, merchant_a, _, conn_a, _ = connected(
        bc, setup=lambda m: [stocked(m, f"Bowl {i}", f"BOWL-{i}", 2) for i in range(6)]
    )
    _, _, _, conn_b, _ = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 4))
    before = len(bc.request_log(store_a["hash"]))
    queue = worker()
    with TestCase.captureOnCommitCallbacks(execute=True):
        run_a = sync_now_start(connection=conn_a)  # every product sent again (the nightly resync)
        run_b = stock_reconcile_start(connection=conn_b)

    ran = queue.drain("bulk")

    assert ran == [
        ("bigcommerce_export_run", (conn_a.pk, run_a.pk)),  # 2 products, then to the tail
        ("bigcommerce_stock_reconcile", (run_b.pk,)),  # B's work before A's next round
        ("bigcommerce_export_run", (conn_a.pk, run_a.pk)),
        ("bigcommerce_export_run", (conn_a.pk, run_a.pk)),  # the last 2: nothing left, no other round
    ]
    run_a.refresh_from_db()
    assert (run_a.status, run_a.done, run_a.total) == ("finished", 6, 6)
    assert set(ProductLink.objects.filter(connection=conn_a).values_list("state", flat=True)) == {"synced"}
    product_puts = [
        c for c in bc.request_log(store_a["hash"])[before:] if c["method"] == "PUT" and c["path"].endswith("/products")
    ]
    assert len(product_puts) == 3  # one batched write per round of 2
    assert SyncRun.objects.get(pk=run_b.pk).status == "finished"
    assert merchant_a.pk != conn_b.merchant_id


def test_the_hourly_resync_of_a_channel_goes_in_rounds_of_a_page(bc, worker, monkeypatch):
    from integrations.bigcommerce.products import importer
    from integrations.tests.test_importer import connect, simple

    shop, merchant_a, _, conn_a, ids = connect(bc, products=[simple(f"Tote {i}", f"TOTE-{i}") for i in range(5)])
    _, _, _, conn_b, _ = connected(bc, setup=lambda m: stocked(m, "Mug", "MUG-1", 4))
    shop.api.put(f"/v3/catalog/products/{ids[4]}", json={"name": "Tote bag"})  # a webhook that never came
    shop.unassign(ids[0])
    monkeypatch.setattr(importer, "CHUNK", 2)  # pages of 2 products (50 in production)
    queue = worker()
    with TestCase.captureOnCommitCallbacks(execute=True):
        sync_now_start(connection=conn_a)  # managed in BigCommerce: the resync of the channel
        run_b = stock_reconcile_start(connection=conn_b)

    ran = [(func, args[0]) for func, args in queue.drain("bulk")]

    assert ran == [
        ("bigcommerce_import_resync", conn_a.pk),  # page 1, then to the tail
        ("bigcommerce_stock_reconcile", run_b.pk),  # B's work before A's next page
        ("bigcommerce_import_resync", conn_a.pk),  # page 2
        ("bigcommerce_import_resync", conn_a.pk),  # page 3 (not full): what left, the journal line
    ]
    names = dict(Product.objects.filter(merchant=merchant_a).values_list("name", "is_archived"))
    assert names["Tote bag"] is False and names["Tote 0"] is True
    (line,) = SyncEvent.objects.filter(merchant=merchant_a, code="import.checked")
    assert line.detail == {"imported": 1, "unchanged": 3, "failed": 0, "left": 1}
