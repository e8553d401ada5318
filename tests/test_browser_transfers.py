"""Transfers as a merchant meets them: on a product's stock page, move units of two variants from
the first shop to the second (HTMX), see a refusal inline, then the transfer in both shops'
history, in the list and on its page. Screenshots (desktop and phone width, English and French)
with COMPTOIR_SCREENSHOTS=<dir>."""

import pytest

from catalog.tests.factories import product_with_options
from inventory.models import StockLevel, Transfer
from inventory.services import stock_set
from portal.services import shop_primary
from portal.tests.factories import ShopFactory
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_transfer_two_variants_between_shops(page, live_server, merchant, merchant_user):
    product = product_with_options(merchant=merchant, name="T-shirt lin", options={"Size": ["S", "M"]})
    small, medium = product.variants.order_by("position")
    primary, gare = shop_primary(merchant=merchant), ShopFactory(merchant=merchant, name="Gare Part-Dieu")
    for variant, quantity in ((small, 6), (medium, 4)):
        stock_set(merchant=merchant, variant=variant, quantity=quantity, idempotency_key=f"i{variant.pk}")

    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/catalog/products/{product.pk}/stock/")
    card = page.locator("#transfer-stock")
    card.locator("text=Transfer between shops").wait_for()
    assert page.input_value("#transfer_from_shop") == str(primary.pk)
    assert page.input_value("#transfer_to_shop") == str(gare.pk)

    page.fill(f"#transfer_quantity_{small.pk}", "9")  # more than the 6 in stock: refused, inline
    page.click("#transfer-stock button:has-text('Transfer stock')")
    page.locator("#transfer-stock .errorlist:has-text('Not enough stock')").wait_for()
    assert not Transfer.objects.exists()
    screenshot(page, "transfer-refused")

    page.fill(f"#transfer_quantity_{small.pk}", "5")
    page.fill(f"#transfer_quantity_{medium.pk}", "2")
    page.fill("#transfer_note", "Pour samedi")
    page.click("#transfer-stock button:has-text('Transfer stock')")
    page.locator("text=7 units moved from").wait_for()
    transfer = Transfer.objects.get()
    rows = {(lv.variant_id, lv.shop_id): lv.quantity for lv in StockLevel.objects.filter(variant__product=product)}
    assert rows == {
        (small.pk, primary.pk): 1,
        (small.pk, gare.pk): 5,
        (medium.pk, primary.pk): 2,
        (medium.pk, gare.pk): 2,
    }
    assert "Gare Part-Dieu" in page.text_content(".stock-per-shop")
    assert page.locator(".history-table >> text=Transfer to Gare Part-Dieu").count() == 2
    assert page.input_value(f"#transfer_quantity_{small.pk}") == ""  # a fresh form for the next one
    screenshot(page, "transfer-done")

    page.click(".shop-switch a:has-text('Gare Part-Dieu')")
    page.locator("h2:has-text('Stock in Gare Part-Dieu')").wait_for()
    assert page.locator(f".history-table >> text=Transfer from {primary.name}").count() == 2
    page.click(f".history-table a:has-text('Transfer #{transfer.pk}') >> nth=0")
    page.locator(f"h1:has-text('Transfer #{transfer.pk}')").wait_for()
    assert "Pour samedi" in page.text_content("main")
    screenshot(page, "transfer-detail")
    page.click("a:has-text('Transfers')")
    page.locator("h1:has-text('Transfers between shops')").wait_for()
    screenshot(page, "transfer-list")

    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    page.goto(f"{live_server.url}/catalog/products/{product.pk}/stock/?shop={gare.pk}")
    page.locator("text=Transfert entre magasins").first.wait_for()
    assert page.locator(f".history-table >> text=Transfert depuis {primary.name}").count() == 2
    screenshot(page, "transfer-fr")
    page.goto(f"{live_server.url}/stock/transfers/")
    page.locator("h1:has-text('Transferts entre magasins')").wait_for()
    screenshot(page, "transfer-list-fr")
