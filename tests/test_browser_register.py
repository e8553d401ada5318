"""The issue's "done when", as a merchant would do it: log in, see the catalog, sell on the
Register, and find the sale in the product's stock ledger."""

import pytest

from catalog.tests.factories import ProductFactory
from inventory.models import Sale, StockLevel, StockMovement, StockOrigin
from inventory.services import stock_set
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sale_on_the_register_moves_stock_and_reaches_the_ledger(page, live_server, merchant, merchant_user):
    product = ProductFactory(merchant=merchant, name="Mug en grès bleu", variant__sku="MUG-BLUE", variant__price=1800)
    variant = product.variants.get()
    stock_set(merchant=merchant, variant=variant, quantity=7, origin=StockOrigin.INITIAL, idempotency_key="init")

    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.click("nav >> text=Products")
    assert "Mug en grès bleu" in page.text_content("table")

    page.click("nav >> text=Register")
    page.fill("#register-q", "MUG-BLUE")
    page.press("#register-q", "Enter")
    page.wait_for_selector(".register-cart >> text=Mug en grès bleu")
    page.fill(f"#qty-{variant.pk}", "2")
    page.dispatch_event(f"#qty-{variant.pk}", "change")
    page.wait_for_selector("button.btn-sell:has-text('36.00')")
    page.click("button.btn-sell")
    page.wait_for_selector("text=Sale #")

    assert StockLevel.objects.get(variant=variant).quantity == 5
    movement = StockMovement.objects.filter(variant=variant, origin=StockOrigin.POS_SALE).get()
    assert movement.delta == -2

    page.goto(f"{live_server.url}/catalog/products/{product.pk}/")
    page.wait_for_selector("#product-stock >> text=POS sale")
    assert "5" in page.text_content("#product-stock")


def test_a_cart_open_in_two_tabs_is_sold_once(page, live_server, merchant, merchant_user):
    product = ProductFactory(merchant=merchant, name="Bol à thé", variant__sku="BOL-1", variant__price=2400)
    variant = product.variants.get()
    stock_set(merchant=merchant, variant=variant, quantity=5, origin=StockOrigin.INITIAL, idempotency_key="init")
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/register/")
    page.fill("#register-q", "BOL-1")
    page.press("#register-q", "Enter")
    page.wait_for_selector("button.btn-sell:has-text('24.00')")

    second = page.context.new_page()  # the same session, as a second tab
    second.goto(f"{live_server.url}/register/")
    second.wait_for_selector("button.btn-sell:has-text('24.00')")

    page.click("button.btn-sell")
    page.wait_for_selector("text=Sale #")
    second.click("button.btn-sell")
    second.wait_for_selector("text=already sold")

    assert Sale.objects.filter(merchant=merchant).count() == 1
    assert StockLevel.objects.get(variant=variant).quantity == 4
    sale = Sale.objects.get()
    assert second.url.endswith(f"/sales/{sale.pk}/")
