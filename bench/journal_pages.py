"""Queries and time per sync-journal page with 100 and 100,000 journal entries.

Runs in a throwaway test database. The query count must be the same at both sizes (indexes and
no N+1); the time is the figure to watch at 100,000 (a year of a busy store's journal).
"""

import os
import time

SIZES = (10, 1_000) if os.environ.get("BENCH_TINY") == "1" else (100, 100_000)
BATCH = 5000


def _fill(merchant, connection, start, count):
    from integrations.models import SyncEvent

    statuses = ("ok", "ok", "ok", "failed")
    kinds = ("product_export", "webhook", "product_import", "error")
    for first in range(start, start + count, BATCH):
        rows = [
            SyncEvent(
                merchant=merchant,
                connection=connection,
                kind=kinds[i % 4],
                status=statuses[i % 4],
                direction="to_bigcommerce",
                message=f"Product {i} sent",
                message_i18n={"en": f"Product {i} sent", "fr": f"Produit {i} envoyé"},
                product_id=i,
                product_name=f"Product {i:06}",
                sku=f"SKU-{i}",
                detail={"request": {"name": f"Product {i}"}},
            )
            for i in range(first, min(first + BATCH, start + count))
        ]
        SyncEvent.objects.bulk_create(rows)
    return SyncEvent.objects.filter(merchant=merchant).order_by("-id").first()


def _measure(client, url, repeat=3):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches (templates, sessions)
    best = None
    for _ in range(repeat):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        elapsed_ms = (time.perf_counter() - started) * 1000
        best = elapsed_ms if best is None else min(best, elapsed_ms)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries.captured_queries), best


def main() -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment

    from integrations.models import BigCommerceConnection
    from portal.tests.factories import MembershipFactory, MerchantFactory

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    figures = {}
    try:
        merchant = MerchantFactory()
        bc = BigCommerceConnection.objects.create(merchant=merchant, store_hash="bench", status="connected")
        client = Client()
        client.force_login(MembershipFactory(merchant=merchant).user)
        journal = "/integrations/bigcommerce/journal/"
        results = {}
        filled = 0
        for size in SIZES:
            newest = _fill(merchant, bc, filled, size - filled)
            filled = size
            pages = {
                "journal, first page": journal,
                "journal, failed only": f"{journal}?status=failed",
                "journal, page 2": f"{journal}?page=2",
                "journal, SKU search": f"{journal}?q=SKU-7",
                "journal entry": f"{journal}{newest.pk}/",
                "overview": "/integrations/bigcommerce/",
            }
            results[size] = {name: _measure(client, url) for name, url in pages.items()}
        small, large = results[SIZES[0]], results[SIZES[1]]
        print(f"   {'page':<24} {'queries@100':>11} {'queries@100k':>13} {'ms@100':>8} {'ms@100k':>9}  constant?")
        for name in small:
            same = "same" if small[name][0] == large[name][0] else "GROWS"
            print(
                f"   {name:<24} {small[name][0]:>11} {large[name][0]:>13} "
                f"{small[name][1]:>8.1f} {large[name][1]:>9.1f}  {same}"
            )
            figures[name] = {
                "queries_100": small[name][0],
                "queries_100k": large[name][0],
                "ms_100": small[name][1],
                "ms_100k": large[name][1],
            }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return figures


def summary(figures: dict) -> list[tuple[str, str, str, bool | None]]:
    small, large = f"{SIZES[0]:,}", f"{SIZES[1]:,}"
    grows = [name for name, f in figures.items() if f["queries_100"] != f["queries_100k"]]
    first = figures.get("journal, first page", {})
    return [
        (
            f"journal page queries, {small} vs {large} entries",
            "the same",
            f"grow: {', '.join(grows)}" if grows else "the same",
            not grows,
        ),
        (f"journal first page at {large} entries", "–", f"{first.get('ms_100k', 0):.0f} ms", None),
    ]
