"""Cart quantities typed in the browser reach the server, which answers on the line: the
browser's own number-input checks used to drop "-1" or "abc" without a word."""

import pytest

from catalog.tests.factories import ProductFactory
from inventory.models import StockOrigin
from inventory.services import stock_set
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("typed", ["-1", "abc", "100000"])
def test_a_bad_quantity_gets_its_message_on_the_line(page, live_server, merchant, merchant_user, typed):
    variant = ProductFactory(merchant=merchant, name="Bol en grès", variant__sku="BOL-1").variants.get()
    stock_set(merchant=merchant, variant=variant, quantity=5, origin=StockOrigin.INITIAL, idempotency_key="i")
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/register/")
    page.fill("#register-q", "BOL-1")
    page.press("#register-q", "Enter")
    quantity = page.locator(f"#qty-{variant.pk}")
    quantity.wait_for()
    # The search box's own request (sent 250 ms after typing) must land before the line is edited,
    # or its answer can replace the register while the quantity's answer is on its way.
    page.wait_for_load_state("networkidle")
    quantity.fill(typed)
    quantity.dispatch_event("change")
    error = page.locator(f"#qty-{variant.pk}-error")
    error.wait_for()
    assert "Enter a whole number from 0 to 9999." in error.text_content()
    assert page.locator(f"#qty-{variant.pk}").input_value() == typed
    assert "Enter a whole number" not in page.text_content(".register-find")
    assert "€10.00" in page.text_content(".btn-sell")  # the cart still holds one bowl at €10.00
