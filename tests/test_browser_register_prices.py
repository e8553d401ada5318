"""The Register never rings up a product without a price unseen (issue 15, item 2): it asks
"Sell at €0.00?" first, and sells only when the cashier confirms."""

import pytest

from catalog.tests.factories import ProductFactory
from inventory.models import Sale
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_register_asks_before_selling_at_zero(page, live_server, merchant, merchant_user):
    ProductFactory(merchant=merchant, name="Tote bag", variant__sku="TOTE", variant__price=0)
    ProductFactory(merchant=merchant, name="Mug", variant__sku="MUG", variant__price=1200)
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/register/")
    for sku in ("TOTE", "MUG"):
        page.fill("#register-q", sku)
        page.press("#register-q", "Enter")
        # In the cart (the search's results show it too, before the scan's answer replaces the form).
        page.wait_for_selector(f".register-cart >> text={'Tote bag' if sku == 'TOTE' else 'Mug'}")
    assert page.is_visible(".register-cart >> text=No price")

    page.click("button.btn-sell")
    page.wait_for_selector("[role=alertdialog] >> text=Sell at €0.00?")
    assert "“Tote bag” has no price." in page.text_content("[role=alertdialog]")
    assert not Sale.objects.exists()

    page.click("text=Back to the cart")  # changed their mind: the cart is still there
    page.wait_for_selector("button.btn-sell:has-text('12.00')")
    assert not Sale.objects.exists()

    page.click("button.btn-sell")
    page.click("button.btn-sell-zero")
    page.wait_for_selector("text=Sale #")
    sale = Sale.objects.get()
    assert sale.total == 1200 and sorted(sale.lines.values_list("unit_price", flat=True)) == [0, 1200]
