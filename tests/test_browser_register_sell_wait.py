"""Sell pressed while scans are still on their way to the server. The sell form carries the cart
as last shown: it sold the cart without those scans and emptied it, and the scans landed in the
next cart or were lost with the page. The sale waits for every scan typed before the press, then
goes once; the scan box is disabled from the press until the page leaves for the sale.
Screenshots (desktop and phone width) with COMPTOIR_SCREENSHOTS=<dir>."""

import time

import pytest

from catalog.tests.factories import ProductFactory
from inventory.models import Sale, StockLevel, StockMovement, StockOrigin
from inventory.services import stock_set
from inventory.views import register
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRICES = {"MUG-1": 1800, "BOL-1": 2400, "TOTE": 850}
ANSWER_DELAY = 0.3  # each scan is answered slower than the scanner types and the cashier presses Sell


@pytest.fixture
def variants(merchant, monkeypatch):
    found = {}
    for sku, price in PRICES.items():
        variant = ProductFactory(merchant=merchant, name=sku, variant__sku=sku, variant__price=price).variants.get()
        stock_set(merchant=merchant, variant=variant, quantity=10, origin=StockOrigin.INITIAL, idempotency_key=sku)
        found[sku] = variant
    find = register.variant_by_code
    monkeypatch.setattr(register, "variant_by_code", lambda **kwargs: time.sleep(ANSWER_DELAY) or find(**kwargs))
    return found


def open_register_with_a_tote(page, live_server, merchant_user, tote):
    """The Sell button shows once the cart holds something: a tote, scanned and answered."""
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/register/")
    page.wait_for_selector("text=The cart is empty")
    page.focus("#register-q")
    page.keyboard.type("TOTE\n", delay=0)
    page.wait_for_selector(f"#qty-{tote.pk}")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def test_sell_pressed_while_scans_are_on_their_way_sells_them_all_once(
    page, live_server, merchant, merchant_user, variants
):
    open_register_with_a_tote(page, live_server, merchant_user, variants["TOTE"])
    page.keyboard.type("MUG-1\nBOL-1\nMUG-1\n", delay=0)  # as a scanner: no wait between
    page.click("button.btn-sell")  # at once: the first of the three is still on its way

    # The sale waits, and says so; the scan box takes nothing meanwhile; a second press sells nothing more.
    assert page.text_content("button.btn-sell").strip() == "Adding scans…"
    assert page.is_disabled("button.btn-sell") and page.is_disabled("#register-q")
    page.eval_on_selector("form:has(> button.btn-sell)", "form => form.requestSubmit()")
    page.keyboard.type("TOTE\n", delay=0)  # scanned after the press: neither in this sale nor in the next cart
    screenshot(page, "register-sell-waits-for-scans")

    page.wait_for_selector("text=Sale #")
    with_lines = Sale.objects.filter(merchant=merchant).prefetch_related("lines__variant")
    assert [{line.variant.sku: line.quantity for line in sale.lines.all()} for sale in with_lines] == [
        {"TOTE": 1, "MUG-1": 2, "BOL-1": 1}
    ]
    moved = StockMovement.objects.filter(origin=StockOrigin.POS_SALE).order_by("variant__sku")
    assert [(m.variant.sku, m.delta) for m in moved] == [("BOL-1", -1), ("MUG-1", -2), ("TOTE", -1)]
    levels = {sku: StockLevel.objects.get(variant=variant).quantity for sku, variant in variants.items()}
    assert levels == {"MUG-1": 8, "BOL-1": 9, "TOTE": 9}

    page.goto(f"{live_server.url}/register/")
    page.wait_for_selector("text=The cart is empty")
    assert Sale.objects.filter(merchant=merchant).count() == 1


def test_a_scan_that_matches_nothing_holds_the_sale(page, live_server, merchant, merchant_user, variants):
    """The page would leave for the sale with the "No product matches" notice: the cashier sees it
    and sells again, knowingly."""
    open_register_with_a_tote(page, live_server, merchant_user, variants["TOTE"])
    page.keyboard.type("MUG-1\nNO-SUCH\n", delay=0)
    page.click("button.btn-sell")
    page.wait_for_selector("text=No product matches “NO-SUCH”.")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    assert not page.is_disabled("#register-q")
    assert page.text_content("button.btn-sell").strip() == "Sell · €26.50"
    assert Sale.objects.count() == 0

    page.click("button.btn-sell")
    page.wait_for_selector("text=Sale #")
    assert [(line.variant.sku, line.quantity) for line in Sale.objects.get().lines.order_by("variant__sku")] == [
        ("MUG-1", 1),
        ("TOTE", 1),
    ]


def test_without_javascript_scan_and_sell_post_as_before(chromium, live_server, merchant, merchant_user, variants):
    context = chromium.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
        page.goto(f"{live_server.url}/register/")
        for code in ["MUG-1", "MUG-1"]:
            page.fill("#register-q", code)
            with page.expect_navigation():  # the form posts, the answer redirects to the Register
                page.press("#register-q", "Enter")
        assert page.input_value(f"#qty-{variants['MUG-1'].pk}") == "2"
        page.click("button.btn-sell")
        page.wait_for_selector("text=Sale #")
        assert [(line.variant.sku, line.quantity) for line in Sale.objects.get().lines.all()] == [("MUG-1", 2)]
    finally:
        context.close()
