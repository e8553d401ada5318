"""Browser Back after htmx navigation shows the whole page, not the fragment htmx fetched for
the same URL (responses vary on HX-Request; history restores ask for the full page)."""

import pytest

from catalog.tests.factories import ProductFactory
from integrations.models import BigCommerceConnection
from inventory.models import Sale
from portal.services import shop_primary
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_full_page(page, heading: str) -> None:
    assert page.locator("aside.sidebar").count() == 1, page.content()[:500]
    assert page.locator("h1").first.text_content().strip().startswith(heading)
    assert page.title().endswith("· Comptoir")


def test_back_to_a_catalog_search_shows_the_whole_page(page, live_server, merchant, merchant_user):
    product = ProductFactory(merchant=merchant, name="Mug en grès bleu")
    ProductFactory(merchant=merchant, name="Carnet ligné")
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")

    page.goto(f"{live_server.url}/catalog/")
    page.fill("#product-search", "Mug")
    page.wait_for_url("**/catalog/?q=Mug*")
    page.wait_for_selector("#product-results >> text=Mug en grès bleu")
    page.click(f"#product-results a[href='/catalog/products/{product.pk}/']")
    page.wait_for_url(f"**/catalog/products/{product.pk}/")

    page.go_back()
    page.wait_for_url("**/catalog/?q=Mug*")
    page.wait_for_selector("#product-results")
    assert_full_page(page, "Products")
    assert "Carnet ligné" not in page.text_content("#product-results")


def test_back_to_a_bigcommerce_tab_shows_the_whole_page(page, live_server, merchant, merchant_user):
    BigCommerceConnection.objects.create(
        merchant=merchant,
        store_hash="history1",
        status=BigCommerceConnection.Status.CONNECTED,
        access_token="token",
        managed_in=BigCommerceConnection.ManagedIn.COMPTOIR,
        include_prices=False,
    )
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")

    page.goto(f"{live_server.url}/integrations/bigcommerce/")
    page.click("nav.tabs >> text=Sync journal")
    page.wait_for_url("**/integrations/bigcommerce/journal/")
    page.click("nav.tabs >> text=Products")
    page.wait_for_url("**/integrations/bigcommerce/products/")
    page.click("aside.sidebar nav >> text=Dashboard")
    page.wait_for_url(f"{live_server.url}/")

    page.go_back()
    page.wait_for_url("**/integrations/bigcommerce/products/")
    page.wait_for_selector("nav.tabs")
    assert_full_page(page, "BigCommerce")
    page.go_back()
    page.wait_for_url("**/integrations/bigcommerce/journal/")
    page.wait_for_selector("nav.tabs")
    assert_full_page(page, "BigCommerce")

    # Within one document: htmx keeps no snapshot of these live pages and asks the server.
    page.evaluate("window.sameDocument = true")
    page.click("nav.tabs >> text=Overview")
    page.wait_for_url("**/integrations/bigcommerce/")
    page.go_back()
    page.wait_for_url("**/integrations/bigcommerce/journal/")
    page.wait_for_selector("nav.tabs a.active:has-text('Sync journal')")
    assert page.evaluate("window.sameDocument")
    assert_full_page(page, "BigCommerce")


def test_back_without_htmx_snapshot_fetches_the_whole_page(page, live_server, merchant, merchant_user):
    """htmx keeps a snapshot of each page it leaves (sessionStorage); when that is gone (evicted, another tab),
    Back asks the server, which must answer with the page, not the pagination fragment."""
    shop = shop_primary(merchant=merchant)
    Sale.objects.bulk_create(
        Sale(merchant=merchant, shop=shop, idempotency_key=f"history-{n}", currency="EUR", total=100 * n)
        for n in range(30)
    )
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")

    page.goto(f"{live_server.url}/sales/")
    page.click("#sales-table a.btn:has-text('Older')")
    page.wait_for_url("**/sales/?page=2")
    page.evaluate("sessionStorage.removeItem('htmx-history-cache')")
    page.evaluate("window.sameDocument = true")

    page.go_back()
    page.wait_for_url("**/sales/")
    page.wait_for_selector("#sales-table")
    assert page.evaluate("window.sameDocument"), "Back was expected to stay in the document (htmx restores)"
    assert_full_page(page, "Sales")
