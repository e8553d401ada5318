"""The portal on a phone (390 px, the width of a common phone): no page is wider than the
screen, not even with a product name that is one long word, and the sidebar folds away."""

import pytest

from catalog.tests.factories import ProductFactory, product_with_options
from inventory.models import StockOrigin
from inventory.services import refund_create, sale_create, stock_set, stock_split_set
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LONG_NAME = "Tasse" + "x" * 120  # one unbroken word


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


def document_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_product_page_and_catalog_fit_a_phone(phone, live_server, merchant, merchant_user):
    product = product_with_options(merchant=merchant, name=LONG_NAME, sku_prefix="LONG-SKU-FOR-A-PHONE")
    for variant in product.variants.all():
        stock_set(
            merchant=merchant, variant=variant, quantity=3, origin=StockOrigin.INITIAL, idempotency_key=f"i{variant.pk}"
        )
    ProductFactory(merchant=merchant, name="Écharpe en laine")
    sale = sale_create(
        merchant=merchant, lines=[(product.variants.first(), 2)], idempotency_key="s", user=merchant_user
    )
    refund_create(merchant=merchant, sale=sale, lines=[(sale.lines.get(), 1)], idempotency_key="r")
    browser_login(phone, live_server, email=merchant_user.email, password="correct-horse-battery")
    paths = [
        "/catalog/",
        f"/catalog/products/{product.pk}/",
        f"/catalog/products/{product.pk}/stock/",
        "/register/?q=tasse",
        f"/sales/{sale.pk}/",
        "/accounts/email/",
    ]
    for language in ("en", "fr"):
        phone.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        for path in paths:
            phone.goto(live_server.url + path)
            assert document_width(phone) <= PHONE["width"], (language, path)


def test_sidebar_folds_behind_a_menu_button_on_a_phone(phone, live_server, merchant, merchant_user):
    browser_login(phone, live_server, email=merchant_user.email, password="correct-horse-battery")
    assert not phone.is_visible("nav.nav")
    heading = phone.locator("main h1").bounding_box()
    assert heading["y"] < PHONE["height"] / 3  # the page starts near the top, not below the menu
    phone.click("label.menu-toggle-button")
    assert phone.is_visible("nav.nav >> text=Products") and phone.is_visible("text=Account settings")


def test_desktop_keeps_the_sidebar_open(page, live_server, merchant, merchant_user):
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    assert page.is_visible("nav.nav >> text=Products") and not page.is_visible("label.menu-toggle-button")


def test_stock_history_shows_every_column_without_scrolling_on_a_laptop(page, live_server, merchant, merchant_user):
    page.set_viewport_size({"width": 1280, "height": 800})
    product = product_with_options(merchant=merchant, name="Bougie parfumée")
    for variant in product.variants.all():
        stock_set(
            merchant=merchant, variant=variant, quantity=4, origin=StockOrigin.INITIAL, idempotency_key=f"h{variant.pk}"
        )
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    for url in (f"/catalog/products/{product.pk}/stock/", f"/catalog/products/{product.pk}/"):
        page.goto(live_server.url + url)
        wrap = page.locator(".history-table").locator("xpath=..")
        assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), url
    # Split: the Allocation column joins in, every column still in view (the product page's narrower column too).
    for variant in product.variants.all():
        stock_split_set(merchant=merchant, variant=variant, online_quantity=1, idempotency_key=f"s{variant.pk}")
    for url in (f"/catalog/products/{product.pk}/stock/", f"/catalog/products/{product.pk}/"):
        page.goto(live_server.url + url)
        page.locator(".history-table th", has_text="Allocation").wait_for()
        for table in (".history-table", ".inv-table:not(.history-table)"):
            wrap = page.locator(table).first.locator("xpath=..")
            assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), (
                url,
                table,
                wrap.evaluate("el => [el.scrollWidth, el.clientWidth]"),
            )
    # Who made each change sits under its time (the split stock's Allocation column needs the room).
    assert page.locator(".history-table th", has_text="When").is_visible()
    assert page.locator(".history-table .when-col .by-col").first.is_visible()
    assert page.locator(".history-table th", has_text="Level after").is_visible()
