"""Queries and time per page, for a small and a large merchant (20 vs 2,000 rows).

Runs in a throwaway test database. A page whose query count grows with the number of rows
has an N+1 somewhere: the figure to watch is "same" in the last column.
"""

import os
import time

SIZES = (5, 100) if os.environ.get("BENCH_TINY") == "1" else (20, 2000)


def _fill(merchant, start, count):
    from catalog.models import Product, Variant
    from integrations.models import SyncEvent
    from inventory.models import StockLevel, StockMovement, StockOrigin

    products = Product.objects.bulk_create(
        [
            Product(merchant=merchant, name=f"Product {i:05}", name_key=f"product {i:05}", vat_rate=20)
            for i in range(start, start + count)
        ]
    )
    variants = Variant.objects.bulk_create(
        [Variant(merchant=merchant, product=p, sku=f"SKU-{p.pk}", price=1000) for p in products]
    )
    StockLevel.objects.bulk_create([StockLevel(merchant=merchant, variant=v, quantity=5) for v in variants])
    first = variants[0]
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                merchant=merchant,
                variant=first,
                origin=StockOrigin.MANUAL_COMPTOIR,
                delta=1,
                level_after=i,
                idempotency_key=f"bench-{start}-{i}",
            )
            for i in range(count)
        ]
    )
    SyncEvent.objects.bulk_create(
        [SyncEvent(merchant=merchant, kind=SyncEvent.Kind.WEBHOOK, message=f"event {i}") for i in range(count)]
    )
    return first.product


def _measure(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches (templates, sessions)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return len(queries.captured_queries), elapsed_ms


def main() -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment, teardown_test_environment

    from integrations.models import BigCommerceConnection
    from inventory.services import sale_create
    from portal.tests.factories import MembershipFactory, MerchantFactory

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    figures = {}
    try:
        merchant = MerchantFactory()
        BigCommerceConnection.objects.create(merchant=merchant, store_hash="bench", status="connected")
        client = Client()
        client.force_login(MembershipFactory(merchant=merchant).user)
        results = {}
        filled = 0
        for size in SIZES:
            product = _fill(merchant, filled, size - filled)
            variant = product.variants.get()
            for i in range(filled, size):
                if i < 60 or i == size - 1:  # sales are slower to make; the list is paginated anyway
                    sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key=f"bench-sale-{i}")
            filled = size
            pages = {
                "catalog list": "/catalog/",
                "catalog search": "/catalog/?q=Product",
                "product stock + ledger": f"/catalog/products/{product.pk}/stock/",
                "register search": "/register/?q=SKU",
                "sales list": "/sales/",
                "sync journal": "/integrations/bigcommerce/journal/",
            }
            results[size] = {name: _measure(client, url) for name, url in pages.items()}
        small, large = results[SIZES[0]], results[SIZES[1]]
        print(f"   {'page':<24} {'queries@20':>10} {'queries@2000':>13} {'ms@2000':>9}  constant?")
        for name in small:
            same = "same" if small[name][0] == large[name][0] else "GROWS"
            print(f"   {name:<24} {small[name][0]:>10} {large[name][0]:>13} {large[name][1]:>9.1f}  {same}")
            figures[name] = {"queries_small": small[name][0], "queries_large": large[name][0], "ms": large[name][1]}
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return figures


def summary(figures: dict) -> list[tuple[str, str, str, bool | None]]:
    grows = [name for name, f in figures.items() if f["queries_small"] != f["queries_large"]]
    slowest = max(figures, key=lambda name: figures[name]["ms"])
    return [
        (
            f"page queries, small vs large merchant ({SIZES[0]:,} vs {SIZES[1]:,} rows)",
            "the same",
            f"grow: {', '.join(grows)}" if grows else "the same",
            not grows,
        ),
        (f"slowest page at {SIZES[1]:,} rows", "–", f"{slowest} {figures[slowest]['ms']:.0f} ms", None),
    ]
