"""Queries and time per page, for a small and a large merchant (20 rows in 2 shops vs 2,000 rows
in 20 shops, each shop with a level of every variant, a device and sales: issue 19's "page
queries flat with 20 shops").

Runs in a throwaway test database. A page whose query count grows with the number of rows or
of shops has an N+1 somewhere: the figure to watch is "same" in the last column.
"""

import os

from bench._pages import measure, signed_in_merchant, throwaway_database
from bench._rows import Row, shown

SIZES = (5, 100) if os.environ.get("BENCH_TINY") == "1" else (20, 2000)
SHOPS = (2, 20)  # at the small size, at the large one (two: the pages show their shop columns)


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
    # The history and the sales go to the merchant's first product at every size: the pages
    # measured at each size are of the same product, with more rows.
    first = Variant.objects.filter(merchant=merchant).order_by("pk").first()
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


def _shops_fill(merchant, count: int) -> list:
    """The merchant's shops up to ``count`` (the primary first), each with a device that has sold
    once there and a level of every variant (rows the earlier sizes lacked are added)."""
    from catalog.models import Variant
    from inventory.models import StockLevel
    from inventory.services import sale_create
    from portal.models import Shop
    from portal.services import device_issue, shop_create

    shops = list(Shop.objects.filter(merchant=merchant))
    for n in range(len(shops), count):
        shop = shop_create(merchant=merchant, name=f"Shop {n:02}", city="Lyon")
        device, _token = device_issue(merchant=merchant, name=f"Till {n:02}", shop=shop)
        variant = Variant.objects.filter(merchant=merchant).order_by("pk").first()
        sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key=f"bench-shop-{n}", device=device)
        shops.append(shop)
    variants = Variant.objects.filter(merchant=merchant).values_list("pk", flat=True)
    StockLevel.objects.bulk_create(
        [StockLevel(merchant=merchant, shop=shop, variant_id=pk, quantity=3) for shop in shops for pk in variants],
        ignore_conflicts=True,  # the levels of the earlier sizes stay
        batch_size=2000,
    )
    return shops


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
            shop = _shops_fill(merchant, SHOPS[SIZES.index(size)])[1]  # pages "of one shop": the second
            pages = {
                "catalog list": "/catalog/",
                "catalog search": "/catalog/?q=Product",
                "product page": f"/catalog/products/{product.pk}/",
                "product stock + ledger": f"/catalog/products/{product.pk}/stock/",
                "product stock, one shop": f"/catalog/products/{product.pk}/stock/?shop={shop.pk}",
                "dashboard, all shops": "/",
                "dashboard, one shop": f"/?shop={shop.pk}",
                "register": "/register/",
                "register search": "/register/?q=SKU",
                "sales list": "/sales/",
                "sales list, one shop": f"/sales/?shop={shop.pk}",
                "settings: shops": "/settings/shops/",
                "settings: devices": "/settings/devices/",
                "sync journal": "/integrations/bigcommerce/journal/",
            }
            results[size] = {name: measure(client, url) for name, url in pages.items()}
        small, large = results[SIZES[0]], results[SIZES[1]]
        at_small, at_large = f"queries@{SIZES[0]}/{SHOPS[0]}", f"queries@{SIZES[1]}/{SHOPS[1]}"
        print(f"   rows/shops: {SIZES[0]:,}/{SHOPS[0]} vs {SIZES[1]:,}/{SHOPS[1]}")
        print(f"   {'page':<24} {at_small:>13} {at_large:>16} {'ms@large':>9}  constant?")
        for name in small:
            same = "same" if small[name][0] == large[name][0] else "GROWS"
            print(f"   {name:<24} {small[name][0]:>13} {large[name][0]:>16} {large[name][1]:>9.1f}  {same}")
            figures[name] = {"queries_small": small[name][0], "queries_large": large[name][0], "ms": large[name][1]}
    return figures


def summary(figures: dict) -> list[Row]:
    pages = {name: f for name, f in figures.items() if isinstance(f, dict)}
    grows = [name for name, f in pages.items() if f.get("queries_small") != f.get("queries_large")]
    slowest = max(pages, key=lambda name: pages[name].get("ms") or 0, default=None)
    return [
        (
            f"page queries, small vs large merchant ({SIZES[0]:,} rows, {SHOPS[0]} shops vs "
            f"{SIZES[1]:,} rows, {SHOPS[1]} shops)",
            "the same",
            (f"grow: {', '.join(grows)}" if grows else "the same") if pages else "–",
            not grows if pages else None,
        ),
        (
            f"slowest page at {SIZES[1]:,} rows, {SHOPS[1]} shops",
            "–",
            f"{slowest} {shown(pages[slowest].get('ms'), ' ms', spec='.0f')}" if slowest else "–",
            None,
        ),
    ]
