"""Catalog journeys in the browser: a product form sent twice creates one product."""

import pytest

from catalog.models import Product
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_back_and_create_again_creates_one_product(page, live_server, merchant, merchant_user):
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/catalog/products/new/")
    page.fill("input[name=name]", "Tisane verveine")
    page.fill("input[name=variant-0-price]", "4.50")
    page.click("button.btn-primary:has-text('Create product')")
    page.wait_for_selector("text=Product “Tisane verveine” created.")

    page.go_back()
    page.wait_for_url("**/catalog/products/new/")
    if not page.input_value("input[name=name]"):  # the browser did not keep what was typed
        page.fill("input[name=name]", "Tisane verveine")
        page.fill("input[name=variant-0-price]", "4.50")
    page.click("button.btn-primary:has-text('Create product')")
    page.wait_for_selector("text=already created")

    product = Product.objects.get(merchant=merchant)
    assert page.url.endswith(f"/catalog/products/{product.pk}/")


def test_the_same_product_sent_from_two_tabs_is_created_once(page, live_server, merchant, merchant_user):
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    tabs = [page, page.context.new_page()]
    for tab in tabs:
        tab.goto(f"{live_server.url}/catalog/products/new/")
        tab.fill("input[name=name]", "Savon au lait d'ânesse")
        tab.fill("input[name=variant-0-price]", "6.00")
    for tab in tabs:
        tab.click("button.btn-primary:has-text('Create product')")
        tab.wait_for_url("**/catalog/products/*/")

    product = Product.objects.get(merchant=merchant)
    assert "was already created" in tabs[1].text_content("main")
    assert all(tab.url.endswith(f"/catalog/products/{product.pk}/") for tab in tabs)
