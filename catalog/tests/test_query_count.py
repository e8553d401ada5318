"""The catalog list costs the same number of queries for 20 products as for 2,000."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Product, ProductImage, Variant


def make_products(merchant, count, start=0):
    products = Product.objects.bulk_create(
        [Product(merchant=merchant, name=f"Product {i:05}", vat_rate=20) for i in range(start, start + count)]
    )
    Variant.objects.bulk_create(
        [Variant(merchant=merchant, product=p, sku=f"SKU-{p.pk}-{n}", price=100 * n) for p in products for n in (1, 2)]
    )
    ProductImage.objects.bulk_create([ProductImage(product=p, image=f"img/{p.pk}.png") for p in products])


def list_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("catalog:product_list"), params)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_list_query_count_is_constant(merchant_client, merchant):
    make_products(merchant, 20)
    small = list_queries(merchant_client)
    small_search = list_queries(merchant_client, q="Product")
    make_products(merchant, 1980, start=20)
    assert Product.objects.count() == 2000
    large = list_queries(merchant_client)
    large_search = list_queries(merchant_client, q="Product")
    assert small == large, f"{small} queries for 20 products, {large} for 2,000"
    assert small_search == large_search
    assert large <= 10
