"""Queries and time per page, for a small and a large merchant (20 vs 2,000 rows).

Runs in a throwaway test database. A page whose query count grows with the number of rows
has an N+1 somewhere: the figure to watch is "same" in the last column.
"""

import os

from bench._pages import measure, signed_in_merchant, throwaway_database
from bench._rows import Row, shown

SIZES = (5, 100) if os.environ.get("BENCH_TINY") == "1" else (20, 2000)


def _fill(merchant, start, count):
    from catalog.models import Product, Variant
    from integrations.models import SyncEvent
    from inventory.models import StockLevel, StockMovement, StockOrigin
    from portal.services import shop_primary

    shop = shop_primary(merchant=merchant)
    products = Product.objects.bulk_create(
        [
            Product(merchant=merchant, name=f"Product {i:05}", name_key=f"product {i:05}", vat_rate=20)
            for i in range(start, start + count)
        ]
    )
    variants = Variant.objects.bulk_create(
        [Variant(merchant=merchant, product=p, sku=f"SKU-{p.pk}", price=1000) for p in products]
    )
    StockLevel.objects.bulk_create([StockLevel(merchant=merchant, shop=shop, variant=v, quantity=5) for v in variants])
    first = variants[0]
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                merchant=merchant,
                shop=shop,
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


def main() -> dict:
    from inventory.services import sale_create

    figures = {}
    with throwaway_database():
        merchant, _connection, client = signed_in_merchant()
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
            results[size] = {name: measure(client, url) for name, url in pages.items()}
        small, large = results[SIZES[0]], results[SIZES[1]]
        print(f"   {'page':<24} {'queries@20':>10} {'queries@2000':>13} {'ms@2000':>9}  constant?")
        for name in small:
            same = "same" if small[name][0] == large[name][0] else "GROWS"
            print(f"   {name:<24} {small[name][0]:>10} {large[name][0]:>13} {large[name][1]:>9.1f}  {same}")
            figures[name] = {"queries_small": small[name][0], "queries_large": large[name][0], "ms": large[name][1]}
    return figures


def summary(figures: dict) -> list[Row]:
    pages = {name: f for name, f in figures.items() if isinstance(f, dict)}
    grows = [name for name, f in pages.items() if f.get("queries_small") != f.get("queries_large")]
    slowest = max(pages, key=lambda name: pages[name].get("ms") or 0, default=None)
    return [
        (
            f"page queries, small vs large merchant ({SIZES[0]:,} vs {SIZES[1]:,} rows)",
            "the same",
            (f"grow: {', '.join(grows)}" if grows else "the same") if pages else "–",
            not grows if pages else None,
        ),
        (
            f"slowest page at {SIZES[1]:,} rows",
            "–",
            f"{slowest} {shown(pages[slowest].get('ms'), ' ms', spec='.0f')}" if slowest else "–",
            None,
        ),
    ]
