"""The driver of ``bench.fairness``: merchant A (BENCH_FAIRNESS_PRODUCTS products of three
variants, no images) and merchant B (a few products) each connected to a sandbox store of their
own at the real quota; Comptoir's web and two worker processes; A's initial sync started, and once
it is under way, B's Register sales through the POS API at BENCH_FAIRNESS_RATE a second. Prints
one ``RESULT {json}`` line.

    python -m bench._fairness_driver

Django's code is imported inside the functions: this module is imported before ``django.setup()``.
"""

from __future__ import annotations

import os
import time
import uuid

import requests

from bench import _driver as d
from bench._product_sync_worker import products_make


def merchant_a(sb, products: int):
    """A store connected with no products yet, then ``products`` products made in bulk (no signal:
    nothing is exported until the initial sync starts)."""
    runner = d.store_connect(sb, products=0, seed=2)
    started = time.monotonic()
    products_make(merchant=runner.merchant, count=products, images=0)
    d.say(f"merchant A: {products} products × 3 variants made in {time.monotonic() - started:.0f} s")
    return runner


def synced(connection_id: int) -> int:
    from integrations.models import ProductLink

    return ProductLink.objects.filter(connection_id=connection_id, state="synced").count()


def initial_sync_start(connection) -> None:
    """As Finish setup starts it: the run's task goes to the workers once this commits."""
    from django.db import transaction

    from integrations.bigcommerce.products.export import export_initial_start

    with transaction.atomic():
        export_initial_start(connection=connection)


def main() -> int:
    products = int(os.environ.get("BENCH_FAIRNESS_PRODUCTS") or 10_000)
    sales = int(os.environ.get("BENCH_FAIRNESS_SALES") or 120)
    rate = float(os.environ.get("BENCH_FAIRNESS_RATE") or 1)
    _quota, window_ms = d.quota()
    with d.driving() as (procs, figures):
        base_url = procs.web()
        sb = d.sandbox()
        b = d.store_connect(sb, products=10, seed=1)
        token = d.device_token(b.merchant)
        a = merchant_a(sb, products)
        procs.workers_ready(figures, bulk=1, urgent=1)
        d.say(f"workers: {figures['lanes']} (ready in {figures['workers_ready_s']} s)")
        since_a, since_b = d.last_request_id(sb, a.hash), d.last_request_id(sb, b.hash)
        initial_sync_start(a.connection)
        deadline = time.monotonic() + 120
        while not d.api_calls(sb, a.hash, since_a) and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(window_ms / 1000 / 2)  # well under way: A's first window of calls spent
        synced_before = synced(a.connection.pk)
        a_calls_before = len(d.api_calls(sb, a.hash, since_a))
        d.say(f"A's initial sync under way ({synced_before} products synced, {a_calls_before} calls); B sells …")
        first = d.last_movement()
        statuses: dict[int, int] = {}
        session = requests.Session()
        started = time.monotonic()
        for n in range(sales):
            time.sleep(max(0.0, started + n / rate - time.monotonic()))
            variant = b.variants[n % len(b.variants)]
            status = d.pos_sell(session, base_url, token, variant.pk, f"fair-{n}-{uuid.uuid4().hex[:6]}")
            statuses[status] = statuses.get(status, 0) + 1
        selling_s = time.monotonic() - started
        left = d.wait_pushes_done([b.connection.pk], timeout=60)
        synced_after = synced(a.connection.pk)
        a_calls = d.api_calls(sb, a.hash, since_a)
        b_calls = d.api_calls(sb, b.hash, since_b)
        figures.update(
            b_sale_to_bigcommerce=d.delays(d.push_delays([b.connection.pk], first)),
            b_sales=sales,
            b_rate_per_s=rate,
            b_selling_s=round(selling_s, 1),
            b_statuses=statuses,
            b_pushes_left=left,
            b_calls=len(b_calls),
            b_http_429=sum(1 for r in b_calls if r["status"] == 429),
            sandbox_ms_p99={"a": d.answer_ms_p99(a_calls), "b": d.answer_ms_p99(b_calls)},
            a_products=products,
            a_synced_before=synced_before,
            a_synced_after=synced_after,
            a_calls_during=len(a_calls) - a_calls_before,
            a_http_429=sum(1 for r in a_calls if r["status"] == 429),
            a_still_running=synced_after < products,
            worker_rss_mb=procs.worker_rss_mb(),
        )
        got = figures["b_sale_to_bigcommerce"]
        d.say(
            f"B: {sales} sales at {rate:g}/s in {figures['b_selling_s']} s (answers {statuses}): sale → BigCommerce "
            f"median {got.get('median_s')} s, p99 {got.get('p99_s')} s, max {got.get('max_s')} s; pushes left {left}; "
            f"A synced {synced_before} → {synced_after} of {products} meanwhile ({figures['a_calls_during']} calls), "
            f"still running: {figures['a_still_running']}; the sandbox answered in {figures['sandbox_ms_p99']} ms (p99)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
