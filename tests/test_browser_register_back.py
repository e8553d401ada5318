"""Back to the Register shows the cart the server holds (issue 15, item 3).

Scan three items, open Sales, press Back: the browser showed the Register as first loaded
(an empty cart, from its cache) while the session still held the three, and the next scan
brought them back into the sale."""

import pytest

from catalog.tests.factories import ProductFactory
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_back_on_the_register_shows_the_cart_it_holds(page, live_server, merchant, merchant_user):
    ProductFactory(merchant=merchant, name="Tote bag", variant__sku="TOTE", variant__price=850)
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/register/")
    page.wait_for_selector("text=The cart is empty")
    for count in range(3):
        page.fill("#register-q", "TOTE")
        page.press("#register-q", "Enter")
        page.wait_for_selector(f"button.btn-sell:has-text('{8.5 * (count + 1):.2f}')")

    page.click("header >> text=Sales")
    page.wait_for_url(f"{live_server.url}/sales/")
    page.go_back()
    page.wait_for_url(f"{live_server.url}/register/")
    page.wait_for_selector("button.btn-sell:has-text('25.50')")
    assert page.input_value("input[name=quantity]") == "3"
    assert not page.is_visible("text=The cart is empty")

    # And Back after the cart was emptied in another tab shows it empty, not the old three.
    page.click("header >> text=Sales")
    page.wait_for_url(f"{live_server.url}/sales/")
    other = page.context.new_page()
    other.goto(f"{live_server.url}/register/")
    other.click("text=Empty cart")
    other.wait_for_selector("text=The cart is empty")
    page.go_back()
    page.wait_for_url(f"{live_server.url}/register/")
    page.wait_for_selector("text=The cart is empty")
    assert not page.is_visible("button.btn-sell")
