"""Shops as a merchant meets them: add a second shop in Settings → Shops, switch the Register to it
and sell there, see each shop's stock and the total on the product's stock page, and the dashboard
for one shop. Screenshots (desktop and phone width) with COMPTOIR_SCREENSHOTS=<dir>."""

import pytest

from catalog.tests.factories import ProductFactory
from inventory.models import Sale, StockLevel, StockOrigin
from inventory.services import stock_set
from portal.models import Shop
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_a_shop_sell_there_and_see_stock_per_shop(page, live_server, merchant, merchant_user):
    product = ProductFactory(merchant=merchant, name="Mug en grès bleu", variant__sku="MUG-BLUE", variant__price=1800)
    variant = product.variants.get()
    stock_set(merchant=merchant, variant=variant, quantity=7, origin=StockOrigin.INITIAL, idempotency_key="init")

    def shot(name):
        screenshot(page, name)

    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/settings/shops/")
    page.fill("#id_name", "Gare Part-Dieu")
    page.fill("#id_address_line1", "5 place Charles Béraudier")
    page.fill("#id_postal_code", "69003")
    page.fill("#id_city", "Lyon")
    page.click("button:has-text('Add shop')")
    page.wait_for_selector("text=“Gare Part-Dieu” was added.")
    shot("shops-list")
    second = Shop.objects.get(merchant=merchant, name="Gare Part-Dieu")
    stock_set(merchant=merchant, variant=variant, quantity=4, idempotency_key="gare", shop=second)

    page.goto(f"{live_server.url}/register/")
    page.select_option("#register-shop", str(second.pk))
    page.wait_for_selector("#register-shop option[selected]:has-text('Gare Part-Dieu')", state="attached")
    page.fill("#register-q", "MUG-BLUE")
    page.press("#register-q", "Enter")
    page.wait_for_selector(".register-cart >> text=Mug en grès bleu")
    shot("shops-register")
    page.click("button.btn-sell")
    page.wait_for_selector("text=Sale #")
    assert Sale.objects.get(merchant=merchant).shop == second
    levels = dict(StockLevel.objects.filter(variant=variant).values_list("shop__name", "quantity"))
    assert levels == {merchant.name: 7, "Gare Part-Dieu": 3}

    page.goto(f"{live_server.url}/catalog/products/{product.pk}/stock/")
    page.wait_for_selector("text=Stock per shop")
    assert "10" in page.text_content(".stock-per-shop")  # 7 + 3
    shot("shops-stock")

    page.goto(f"{live_server.url}/?shop={second.pk}")
    page.wait_for_selector("nav.dashboard-shops [aria-current=page]:has-text('Gare Part-Dieu')")
    shot("shops-dashboard")

    page.goto(f"{live_server.url}/settings/shops/{second.pk}/deactivate/")
    page.click("button:has-text('Deactivate')")
    page.wait_for_selector("text=its stock stays visible, read-only")
    second.refresh_from_db()
    assert not second.is_active and StockLevel.objects.get(variant=variant, shop=second).quantity == 3
