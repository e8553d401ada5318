"""A barcode scanner types a code and Enter in a few milliseconds, faster than the server answers.
Each answer replaced the Register, scan box and all: a second scan sent while the first was on its
way was dropped with the form that sent it, and what was typed meanwhile went into a box the swap
replaced. Every scan must reach the cart, once. Screenshots (desktop and phone width) with
COMPTOIR_SCREENSHOTS=<dir>."""

import time
from collections import Counter

import pytest

from catalog.tests.factories import ProductFactory
from inventory.models import Sale, StockLevel, StockMovement, StockOrigin
from inventory.services import stock_set
from inventory.views import register
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


PRICES = {"MUG-1": 1800, "BOL-1": 2400, "TOTE": 850}


@pytest.mark.parametrize("answer_delay", [0, 0.3], ids=["quick-answers", "slow-answers"])
@pytest.mark.parametrize(
    "codes", [["MUG-1", "MUG-1"], ["MUG-1", "BOL-1", "MUG-1", "TOTE", "MUG-1"]], ids=["two", "five"]
)
def test_fast_scans_all_reach_the_cart_once(
    page, live_server, merchant, merchant_user, monkeypatch, codes, answer_delay
):
    variants = {}
    for sku, price in PRICES.items():
        variant = ProductFactory(merchant=merchant, name=sku, variant__sku=sku, variant__price=price).variants.get()
        stock_set(merchant=merchant, variant=variant, quantity=10, origin=StockOrigin.INITIAL, idempotency_key=sku)
        variants[sku] = variant
    if answer_delay:
        # The server answers each scan slower than the scanner types the next one.
        find = register.variant_by_code
        monkeypatch.setattr(register, "variant_by_code", lambda **kwargs: time.sleep(answer_delay) or find(**kwargs))
    scanned = Counter(codes)

    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/register/")
    page.wait_for_selector("text=The cart is empty")
    page.focus("#register-q")
    page.keyboard.type("".join(f"{code}\n" for code in codes), delay=0)  # as a scanner: no wait between

    page.wait_for_function("() => !document.querySelector('.htmx-request')")  # every answer is in
    in_cart = page.eval_on_selector_all(".cart-table input[name=quantity]", "els => els.map(e => [e.id, e.value])")
    assert dict(in_cart) == {f"qty-{variants[sku].pk}": str(n) for sku, n in scanned.items()}
    total = sum(PRICES[sku] * n for sku, n in scanned.items())
    assert page.text_content(".cart-total").strip() == f"€{total / 100:.2f}"
    assert page.input_value("#register-q") == ""
    screenshot(page, f"register-{len(codes)}-scans")

    page.click("button.btn-sell")
    page.wait_for_selector("text=Sale #")
    assert Sale.objects.filter(merchant=merchant).count() == 1
    sales = StockMovement.objects.filter(origin=StockOrigin.POS_SALE)
    moved = {sku: [m.delta for m in sales.filter(variant=variant)] for sku, variant in variants.items()}
    assert moved == {sku: [-scanned[sku]] if sku in scanned else [] for sku in PRICES}
    levels = {sku: StockLevel.objects.get(variant=variant).quantity for sku, variant in variants.items()}
    assert levels == {sku: 10 - scanned[sku] for sku in PRICES}


def test_a_code_half_typed_when_an_answer_lands_stays_in_the_box(page, live_server, merchant, merchant_user):
    mug = ProductFactory(merchant=merchant, name="Mug", variant__sku="MUG-1", variant__price=1800).variants.get()
    bowl = ProductFactory(merchant=merchant, name="Bowl", variant__sku="BOL-1", variant__price=2400).variants.get()
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/register/")
    page.wait_for_selector("text=The cart is empty")
    page.focus("#register-q")
    page.keyboard.type("MUG-1\nBO", delay=0)
    page.wait_for_selector(f"#qty-{mug.pk}")  # the answer replaced the register while "BO" was typed
    page.keyboard.type("L-1\n", delay=0)
    page.wait_for_selector(f"#qty-{bowl.pk}")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    assert page.text_content(".cart-total").strip() == "€42.00"
    assert page.evaluate("document.activeElement.id") == "register-q"
