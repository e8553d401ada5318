"""The catalog list costs the same number of queries for 20 products as for 2,000."""

import json

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


def search_queries(client, merchant) -> list[str]:
    """The SQL of the catalog page's queries that read products, for a search by SKU."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("catalog:product_list"), {"q": "SKU"})  # by the variants: EXISTS
    assert response.status_code == 200 and len(response.context["page"]) == 50
    return [q["sql"] for q in context.captured_queries if '"catalog_product"' in q["sql"]]


def relations(plan: dict) -> list[str]:
    found = [plan["Relation Name"]] if "Relation Name" in plan else []
    for child in plan.get("Plans", []):
        found += relations(child)
    return found


def test_a_search_reads_the_catalog_once_whatever_the_database_knows(merchant_client, merchant):
    """A search matches a product by its name or by one of its variants (EXISTS on the variant's
    product_id), never through a second copy of the catalog joined to its variants: a
    ``pk IN (that subquery)`` made PostgreSQL, on tables not analyzed since an import, run the
    subquery once per product (2,000 × 2,000 rows: 69 s in bench.page_queries). The tables here
    are as fresh as after an import: their plan must read catalog_product once."""
    make_products(merchant, 60)
    listing = [sql for sql in search_queries(merchant_client, merchant) if "variant_count" in sql or "COUNT(*)" in sql]
    assert len(listing) == 2  # the page's products and the paginator's count
    for sql in listing:
        assert sql.count('FROM "catalog_product"') + sql.count('JOIN "catalog_product"') == 1, sql
        assert "EXISTS" in sql, sql
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in listing:
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
                plan = plan if isinstance(plan, list) else json.loads(plan)
                assert relations(plan[0]["Plan"]).count("catalog_product") == 1, plan
