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


def test_split_stock_on_the_product_page_at_1280_clips_no_column_and_breaks_no_word(
    page, live_server, merchant, merchant_user
):
    """The product page's Stock section is a column of about 640 px at 1280: with split stock on,
    the counts table and the history keep every column in view, and a name wraps between words."""
    from catalog.models import Variant
    from catalog.tests.factories import ProductFactory

    product = ProductFactory(merchant=merchant, name="Savon de Marseille")
    variant = Variant.objects.create(merchant=merchant, product=product, sku="DEMO-SAVON-MARSEILLE", price=650)
    stock_set(merchant=merchant, variant=variant, quantity=48, origin=StockOrigin.INITIAL, idempotency_key="i")
    stock_split_set(merchant=merchant, variant=variant, online_quantity=10, idempotency_key="split")
    sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="s", user=merchant_user)
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    for language in ("en", "fr"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}/catalog/products/{product.pk}/")
        page.locator("#product-stock .history-table").wait_for()
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('#product-stock .table-wrap')]
                .filter(w => w.scrollWidth > w.clientWidth).map(w => w.querySelector('table').className)"""
        )
        assert clipped == [], language
        count = page.locator(f"#id_count_{variant.pk}, [name=count_{variant.pk}]").first.bounding_box()
        wrap = page.locator("#product-stock .counts-table").first.bounding_box()
        assert count["x"] + count["width"] <= wrap["x"] + wrap["width"] + 1, language
        # Each word of a name stays on one line (a word split across lines has two boxes).
        broken = page.evaluate(
            """() => [...document.querySelectorAll('#product-stock .variant-name, #product-stock td')]
                .flatMap(el => [...el.childNodes].filter(n => n.nodeType === 3).flatMap(node => {
                    const words = [], re = /\\S+/g; let m;
                    while ((m = re.exec(node.textContent))) {
                        const r = document.createRange();
                        r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
                        if (r.getClientRects().length > 1) words.push(m[0]);
                    }
                    return words;
                }))"""
        )
        assert [w for w in broken if "@" not in w] == [], language


def test_a_flush_card_keeps_its_headings_in_line_with_the_others_on_a_phone(
    phone, live_server, merchant, merchant_user
):
    """A card whose table runs edge to edge (Variants) pads its own heading: on a phone it lined up
    with nothing, padded twice (the phone's card padding on top of the heading's own)."""
    product = ProductFactory(merchant=merchant, name="Bougeoir", description="Laiton.")
    browser_login(phone, live_server, email=merchant_user.email, password="correct-horse-battery")
    phone.goto(f"{live_server.url}/catalog/products/{product.pk}/")
    left = phone.evaluate(
        """[...document.querySelectorAll('main section.card h2')]
            .map(h => Math.round(h.getBoundingClientRect().left))"""
    )
    assert len(left) >= 2 and len(set(left)) == 1, left
