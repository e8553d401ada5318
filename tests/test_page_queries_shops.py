"""Issue 19's figure "page queries flat with 20 shops": every page that shows shops costs the same
number of queries for a merchant with 2 shops as for one with 20 (each shop holding stock, sales,
refunds, a device and history). A page whose count grows with the shops has an N+1."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.tests.factories import ProductFactory
from inventory.services import refund_create, sale_create, stock_set
from portal.services import shop_primary
from portal.tests.factories import DeviceFactory, ShopFactory

pytestmark = pytest.mark.django_db


def shops_fill(merchant, variants, start: int, stop: int):
    """Shops number ``start`` … ``stop - 1`` (0 is the primary), each with stock of every variant,
    a device, two sales made by that device (one refunded) and their history."""
    shops = []
    for n in range(start, stop):
        shop = shop_primary(merchant=merchant) if n == 0 else ShopFactory(merchant=merchant, name=f"Shop {n:02}")
        device = DeviceFactory(merchant=merchant, shop=shop, name=f"Till {n:02}")
        for variant in variants:
            key = f"set-{n}-{variant.pk}"
            stock_set(merchant=merchant, variant=variant, quantity=10 + n, idempotency_key=key, shop=shop)
        for k in range(2):
            sale = sale_create(merchant=merchant, lines=[(variants[0], 1)], idempotency_key=f"s-{n}-{k}", device=device)
        line = sale.lines.get()
        refund_create(merchant=merchant, sale=sale, lines=[(line, 1)], idempotency_key=f"r-{n}", device=device)
        shops.append(shop)
    return shops


def pages(product, shop, variant) -> dict[str, tuple[str, dict]]:
    stock = f"/catalog/products/{product.pk}/stock/"
    return {
        "catalog list": ("/catalog/", {}),
        "catalog search": ("/catalog/?q=Mug", {}),
        "product page": (f"/catalog/products/{product.pk}/", {}),
        "product stock": (stock, {}),
        "product stock, one shop": (f"{stock}?shop={shop.pk}", {}),
        "product stock (htmx, in the product page)": (stock, {"HTTP_HX_REQUEST": "true"}),
        "dashboard, all shops": ("/", {}),
        "dashboard, one shop": (f"/?shop={shop.pk}", {}),
        "low stock": ("/stock/low/", {}),
        "register": ("/register/", {}),
        "register search": (f"/register/?q={variant.sku}", {}),
        "sales list": ("/sales/", {}),
        "sales list, one shop": (f"/sales/?shop={shop.pk}", {}),
        "sales of a day": ("/sales/?day={day}", {}),
        "sale page": ("/sales/{sale}/", {}),
        "settings, shops": ("/settings/shops/", {}),
        "settings, devices": ("/settings/devices/", {}),
        "device move": ("/settings/devices/{device}/shop/", {}),
    }


def measure(client, urls: dict, **values) -> dict[str, int]:
    counts = {}
    for name, (url, headers) in urls.items():
        url = url.format(**values)
        client.get(url, **headers)  # sessions and caches warm
        with CaptureQueriesContext(connection) as context:
            response = client.get(url, **headers)
        assert response.status_code == 200, (name, url, response.status_code)
        counts[name] = len(context.captured_queries)
    return counts


def test_pages_cost_the_same_queries_with_2_shops_as_with_20(merchant_client, merchant):
    product = ProductFactory(merchant=merchant, name="Mug", variant__sku="MUG-1")
    ProductFactory(merchant=merchant, name="Mug tall", variant__sku="MUG-2")
    variants = [product.variants.get()]
    shops = shops_fill(merchant, variants, 0, 2)
    sale = product.variants.get().sale_lines.first().sale
    device = shops[1].devices.get()
    values = {"day": timezone.localdate(sale.created_at).isoformat(), "sale": sale.pk, "device": device.pk}
    urls = pages(product, shops[1], variants[0])

    two = measure(merchant_client, urls, **values)
    shops_fill(merchant, variants, 2, 20)
    assert merchant.shops.count() == 20
    twenty = measure(merchant_client, urls, **values)

    grows = {name: (two[name], twenty[name]) for name in two if two[name] != twenty[name]}
    assert not grows, f"queries at 2 shops vs 20: {grows}"
    html = merchant_client.get(f"/catalog/products/{product.pk}/stock/").content.decode()
    assert "Shop 19" in html  # the 20 shops are on the pages measured
