"""Pages with several shops: the stock page per shop (and the total), the dashboard for one shop or all."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import StockLevel, StockMovement
from inventory.services import refund_create, sale_create, stock_set
from inventory.tests.factories import stocked_variant
from portal.models import Shop
from portal.services import device_move, shop_primary
from portal.tests.factories import DeviceFactory, ShopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_shops(merchant):
    variant = stocked_variant(merchant=merchant, quantity=7)
    second = ShopFactory(merchant=merchant, name="Gare")
    stock_set(merchant=merchant, variant=variant, quantity=3, idempotency_key="gare", shop=second)
    return variant, shop_primary(merchant=merchant), second


def test_one_shop_shows_no_shop_table(merchant_client, merchant):
    variant = stocked_variant(merchant=merchant, quantity=7)
    page = merchant_client.get(f"/catalog/products/{variant.product_id}/stock/").content.decode()
    assert "Stock per shop" not in page and "?shop=" not in page


def test_the_stock_page_shows_each_shop_and_the_total_and_counts_in_the_shop_shown(merchant_client, two_shops):
    variant, primary, second = two_shops
    url = f"/catalog/products/{variant.product_id}/stock/"
    page = merchant_client.get(url).content.decode()
    assert "Stock per shop" in page and "<strong>10</strong>" in page  # 7 + 3
    page = merchant_client.get(f"{url}?shop={second.pk}").content.decode()
    assert "Stock in Gare" in page and f'action="{url}?shop={second.pk}"' in page
    response = merchant_client.post(
        f"{url}?shop={second.pk}",
        {"action": "set_counts", f"count_{variant.pk}": "5", "idempotency_key": "a" * 32, "reason": ""},
    )
    assert response.status_code == 302 and response["Location"] == f"{url}?shop={second.pk}"
    levels = dict(StockLevel.objects.filter(variant=variant).values_list("shop_id", "quantity"))
    assert levels == {primary.pk: 7, second.pk: 5}


def test_a_deactivated_shops_stock_is_shown_and_not_changed(merchant_client, two_shops):
    variant, _primary, second = two_shops
    Shop.objects.filter(pk=second.pk).update(is_active=False)
    url = f"/catalog/products/{variant.product_id}/stock/?shop={second.pk}"
    assert "its stock is read-only" in merchant_client.get(url).content.decode()
    before = StockMovement.objects.count()
    merchant_client.post(url, {"action": "adjust", "variant": variant.pk, "delta": "1", "idempotency_key": "b" * 32})
    assert StockMovement.objects.count() == before


def test_the_dashboard_shows_all_shops_or_one(merchant_client, merchant, two_shops):
    variant, _primary, second = two_shops
    sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="p")
    sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="g", shop=second)
    everything = merchant_client.get("/")
    assert everything.context["figures"]["sales_today"] == 2 and "All shops" in everything.content.decode()
    one = merchant_client.get(f"/?shop={second.pk}")
    assert one.context["figures"]["sales_today"] == 1 and f"shop={second.pk}" in one.content.decode()
    sales = merchant_client.get(f"/sales/?day={one.context['today'].isoformat()}&shop={second.pk}")
    assert [sale.shop_id for sale in sales.context["page"]] == [second.pk]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_catalog_shows_each_shops_stock_and_pages_cost_the_same_with_20_shops(merchant_client, merchant, two_shops):
    variant, _primary, _second = two_shops
    page = merchant_client.get("/catalog/").content.decode()
    assert f"{merchant.name}: 7 · Gare: 3" in page
    stock_url = f"/catalog/products/{variant.product_id}/stock/"
    before = {url: _queries(merchant_client, url) for url in ("/catalog/", stock_url, "/")}
    for n in range(18):
        shop = ShopFactory(merchant=merchant, name=f"Shop {n:02}")
        stock_set(merchant=merchant, variant=variant, quantity=n, idempotency_key=f"s{n}", shop=shop)
    after = {url: _queries(merchant_client, url) for url in ("/catalog/", stock_url, "/")}
    assert after == before
    assert "Shop 17: 17" in merchant_client.get("/catalog/").content.decode()


def test_a_device_of_the_second_shop_sees_and_sells_that_shops_stock(client, merchant, two_shops):
    variant, primary, second = two_shops
    device = DeviceFactory(merchant=merchant, shop=second)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {device.token}"}
    found = client.get(f"/api/v1/products?sku={variant.sku}", **auth).json()["products"]
    assert [p["stock"] for p in found] == [3]
    body = json.dumps({"lines": [{"variant_id": variant.pk, "quantity": 1}]})
    response = client.post(
        "/api/v1/purchases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1", **auth
    )
    assert response.status_code == 201
    levels = dict(StockLevel.objects.filter(variant=variant).values_list("shop_id", "quantity"))
    assert levels == {primary.pk: 7, second.pk: 2}
    Shop.objects.filter(pk=second.pk).update(is_active=False)
    response = client.post(
        "/api/v1/purchases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k2", **auth
    )
    assert (response.status_code, response.json()["error"]["code"]) == (422, "shop_inactive")


def test_the_sales_list_shows_each_sales_shop_and_filters_by_shop(merchant_client, merchant, two_shops):
    variant, primary, second = two_shops
    here = sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="p")
    there = sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="g", shop=second)
    html = merchant_client.get("/sales/").content.decode()
    assert "<th>Shop</th>" in html and 'data-label="Shop">Gare</td>' in html
    assert f'data-label="Shop">{primary.name}</td>' in html and 'aria-current="page">All shops</a>' in html
    response = merchant_client.get(f"/sales/?shop={second.pk}")
    assert [sale.pk for sale in response.context["page"]] == [there.pk]
    assert response.context["page_query"] == f"shop={second.pk}"  # the pages keep the filter
    html = response.content.decode()
    assert 'aria-current="page">Gare</a>' in html and "<th>Shop</th>" not in html  # one shop: no column
    day = timezone.localdate(here.created_at).isoformat()
    html = merchant_client.get(f"/sales/?day={day}").content.decode()
    assert f'href="?day={day}&amp;shop={second.pk}"' in html  # the filter keeps the day


def test_the_days_refunds_show_their_shop_and_the_sale_page_where_items_went_back(merchant_client, merchant, two_shops):
    variant, _primary, second = two_shops
    sale = sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="p")
    line = sale.lines.get()
    refund_create(merchant=merchant, sale=sale, lines=[(line, 1)], idempotency_key="r1")
    refund_create(merchant=merchant, sale=sale, lines=[(line, 1)], idempotency_key="r2", shop=second)
    html = merchant_client.get(f"/sales/?day={timezone.localdate(sale.created_at).isoformat()}").content.decode()
    refunds = html[html.index('id="refunds"') :]
    assert "<th>Shop</th>" in refunds and 'data-label="Shop">Gare</td>' in refunds
    html = merchant_client.get(f"/sales/{sale.pk}/").content.decode()
    assert f"· {sale.shop.name}" in html and html.count("items returned to Gare") == 1
    html = merchant_client.get(f"/sales/{sale.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "articles remis en stock à Gare" in html


def test_one_shop_shows_no_shop_column_or_filter(merchant_client, merchant):
    variant = stocked_variant(merchant=merchant, quantity=7)
    sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="p")
    html = merchant_client.get("/sales/").content.decode()
    assert "<th>Shop</th>" not in html and "All shops" not in html


def test_the_stock_history_says_whose_it_is_with_several_shops(merchant_client, two_shops):
    variant, _primary, second = two_shops
    url = f"/catalog/products/{variant.product_id}/stock/?shop={second.pk}"
    assert "History in Gare" in merchant_client.get(url).content.decode()
    assert "Historique de Gare" in merchant_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()


def test_the_device_api_says_which_shop_a_purchase_and_a_refund_were_made_in(client, merchant, two_shops):
    variant, primary, second = two_shops
    device = DeviceFactory(merchant=merchant, shop=second)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {device.token}", "content_type": "application/json"}
    body = json.dumps({"lines": [{"variant_id": variant.pk, "quantity": 2}]})
    created = client.post("/api/v1/purchases", body, HTTP_IDEMPOTENCY_KEY="k1", **auth).json()
    assert created["shop"] == {"id": second.pk, "name": "Gare"}
    replayed = client.post("/api/v1/purchases", body, HTTP_IDEMPOTENCY_KEY="k1", **auth).json()
    assert replayed == created
    device_move(device=device, shop=primary)  # the till moves: the purchase stays where it was made
    url = f"/api/v1/purchases/{created['id']}"
    refund = json.dumps({"lines": [{"line_id": created["lines"][0]["id"], "quantity": 1}]})
    refunded = client.post(f"{url}/refunds", refund, HTTP_IDEMPOTENCY_KEY="r1", **auth).json()
    assert refunded["shop"] == {"id": primary.pk, "name": primary.name}  # the items went back here
    read = client.get(url, HTTP_AUTHORIZATION=f"Bearer {device.token}").json()
    assert read["shop"] == {"id": second.pk, "name": "Gare"} and read["refunds"][0]["shop"]["id"] == primary.pk
