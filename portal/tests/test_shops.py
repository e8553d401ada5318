"""Settings → Shops, the device form's shop and the Register's shop switcher."""

import pytest

from inventory.models import Sale, StockLevel
from inventory.services import stock_set
from inventory.tests.factories import stocked_variant
from portal.models import Device, Shop
from portal.services import shop_primary
from portal.shops import SESSION_KEY
from portal.tests.factories import MerchantFactory, ShopFactory

pytestmark = pytest.mark.django_db

ADDRESS = {"address_line1": "3 rue de la Gare", "postal_code": "69002", "city": "Lyon", "country": "FR"}


def test_the_list_shows_the_primary_shop_and_a_shop_is_added(merchant_client, merchant):
    response = merchant_client.get("/settings/shops/")
    assert response.status_code == 200 and shop_primary(merchant=merchant).name in response.content.decode()
    response = merchant_client.post("/settings/shops/add/", {"name": " Gare ", **ADDRESS})
    assert response.status_code == 302
    shop = Shop.objects.get(merchant=merchant, name="Gare")
    assert (shop.city, shop.is_primary, shop.is_active) == ("Lyon", False, True)


def test_a_name_taken_by_another_shop_is_refused(merchant_client, merchant):
    ShopFactory(merchant=merchant, name="Gare")
    response = merchant_client.post("/settings/shops/add/", {"name": "gare", **ADDRESS})
    assert response.status_code == 422 and "Another shop is already called" in response.content.decode()
    assert Shop.objects.filter(merchant=merchant).count() == 2


def test_a_shop_is_renamed_and_its_address_changed(merchant_client, merchant):
    shop = ShopFactory(merchant=merchant, name="Gare")
    assert merchant_client.get(f"/settings/shops/{shop.pk}/").status_code == 200
    response = merchant_client.post(f"/settings/shops/{shop.pk}/", {"name": "Gare Part-Dieu", **ADDRESS})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.name, shop.postal_code) == ("Gare Part-Dieu", "69002")


def test_a_shop_with_stock_is_deactivated_and_its_stock_stays(merchant_client, merchant):
    shop = ShopFactory(merchant=merchant, name="Gare")
    variant = stocked_variant(merchant=merchant, quantity=3)
    stock_set(merchant=merchant, variant=variant, quantity=4, idempotency_key="gare", shop=shop)
    assert "read-only" in merchant_client.get(f"/settings/shops/{shop.pk}/deactivate/").content.decode()
    assert merchant_client.post(f"/settings/shops/{shop.pk}/deactivate/").status_code == 302
    shop.refresh_from_db()
    assert not shop.is_active
    assert StockLevel.objects.get(variant=variant, shop=shop).quantity == 4
    assert merchant_client.post(f"/settings/shops/{shop.pk}/activate/").status_code == 302
    shop.refresh_from_db()
    assert shop.is_active


def test_the_primary_shop_is_not_deactivated(merchant_client, merchant):
    primary = shop_primary(merchant=merchant)
    response = merchant_client.post(f"/settings/shops/{primary.pk}/deactivate/", follow=True)
    assert "cannot be deactivated" in response.content.decode()
    primary.refresh_from_db()
    assert primary.is_active


def test_a_device_is_issued_for_the_shop_chosen(merchant_client, merchant):
    shop = ShopFactory(merchant=merchant, name="Gare")
    assert 'name="shop"' in merchant_client.get("/settings/devices/").content.decode()
    merchant_client.post("/settings/devices/issue/", {"name": "Till Gare", "shop": shop.pk})
    assert Device.objects.get(merchant=merchant, name="Till Gare").shop == shop
    stranger = ShopFactory(merchant=MerchantFactory())
    response = merchant_client.post("/settings/devices/issue/", {"name": "Other", "shop": stranger.pk})
    assert response.status_code == 422 and not Device.objects.filter(name="Other").exists()


def test_the_register_sells_in_the_shop_switched_to(merchant_client, merchant):
    shop = ShopFactory(merchant=merchant, name="Gare")
    variant = stocked_variant(merchant=merchant, quantity=5)
    response = merchant_client.post("/shop/", {"shop": shop.pk, "next": "/register/"})
    assert response.status_code == 302 and merchant_client.session[SESSION_KEY] == shop.pk
    page = merchant_client.get("/register/").content.decode()
    assert "Selling in" in page and f'value="{shop.pk}" selected' in page
    merchant_client.post("/register/cart/", {"action": "add", "variant": variant.pk, "quantity": 2})
    key = merchant_client.session["inventory_register_cart_key"]
    merchant_client.post("/register/sell/", {"idempotency_key": key, "line": f"{variant.pk}:2", "shop": shop.pk})
    sale = Sale.objects.get(merchant=merchant)
    assert sale.shop == shop
    levels = dict(StockLevel.objects.filter(variant=variant).values_list("shop__name", "quantity"))
    assert levels == {shop_primary(merchant=merchant).name: 5, "Gare": -2}


def test_switching_to_another_merchants_or_a_deactivated_shop_is_a_404(merchant_client, merchant):
    stranger = ShopFactory(merchant=MerchantFactory())
    closed = ShopFactory(merchant=merchant, is_active=False)
    for pk in (stranger.pk, closed.pk, "x"):
        assert merchant_client.post("/shop/", {"shop": pk}).status_code == 404
    assert SESSION_KEY not in merchant_client.session


def test_the_shop_pages_speak_french(merchant_client, merchant):
    shop = ShopFactory(merchant=merchant, name="Gare")
    variant = stocked_variant(merchant=merchant, quantity=2)
    pages = {
        "/settings/shops/": ["Magasins", "Ajouter un magasin", "Principal"],
        f"/settings/shops/{shop.pk}/deactivate/": ["Désactiver", "en lecture seule"],
        "/register/": ["Vente à"],
        f"/catalog/products/{variant.product_id}/stock/": ["Stock par magasin", "Total"],
        "/": ["Tous les magasins"],
    }
    for url, words in pages.items():
        html = merchant_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert all(word in html for word in words), (url, [w for w in words if w not in html])
