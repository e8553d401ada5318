"""Issue 15, item 1 in the browser: a product's edit page open in two tabs."""

import pytest

from catalog.models import Product
from catalog.tests.factories import ProductFactory
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_tabs(page, live_server, merchant, merchant_user):
    product = ProductFactory(merchant=merchant, name="Tote bag", description="Canvas.", variant__price=1800)
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    tabs = [page, page.context.new_page()]
    for tab in tabs:
        tab.goto(f"{live_server.url}/catalog/products/{product.pk}/edit/")
        assert tab.input_value("input[name=variant-0-price]") == "18.00"
    return product, tabs


def _save(tab):
    tab.click("button.btn-primary:has-text('Save product')")


def test_price_in_tab_b_then_description_in_tab_a_keeps_both(two_tabs):
    product, (tab_a, tab_b) = two_tabs

    tab_b.fill("input[name=variant-0-price]", "19.50")
    _save(tab_b)
    tab_b.wait_for_selector("text=Product “Tote bag” saved.")
    tab_a.fill("textarea[name=description]", "Waxed canvas.")
    _save(tab_a)
    tab_a.wait_for_selector("text=Product “Tote bag” saved.")

    product = Product.objects.get(pk=product.pk)
    assert (product.description, product.variants.get().price) == ("Waxed canvas.", 1950)
    assert "their changes to the fields you did not change were kept" in tab_a.text_content("main")
    assert "19.50" in tab_a.text_content("main")  # the detail page shows the price tab B saved


def test_the_same_price_in_both_tabs_shows_the_conflict_and_keeps_the_saved_one(two_tabs):
    product, (tab_a, tab_b) = two_tabs

    tab_b.fill("input[name=variant-0-price]", "19.50")
    _save(tab_b)
    tab_b.wait_for_selector("text=Product “Tote bag” saved.")
    tab_a.fill("input[name=variant-0-price]", "21.00")
    tab_a.fill("textarea[name=description]", "Waxed canvas.")
    _save(tab_a)

    conflict = tab_a.wait_for_selector("#edit-conflicts")
    assert conflict.is_visible()
    row = tab_a.locator(".conflict-table tbody tr").first
    assert row.locator(".conflict-theirs").text_content() == "€19.50"
    assert row.locator(".conflict-mine").text_content() == "€21.00"
    assert tab_a.input_value("input[name=variant-0-price]") == "19.50"
    assert tab_a.input_value("textarea[name=description]") == "Waxed canvas."
    product = Product.objects.get(pk=product.pk)
    assert (product.description, product.variants.get().price) == ("Canvas.", 1950)

    # The merchant chooses their own price and saves again.
    tab_a.fill("input[name=variant-0-price]", "21.00")
    _save(tab_a)
    tab_a.wait_for_selector("text=Product “Tote bag” saved.")
    product = Product.objects.get(pk=product.pk)
    assert (product.description, product.variants.get().price) == ("Waxed canvas.", 2100)


TRUNCATED_INPUTS = """() => [...document.querySelectorAll('.variant-table .input-sku, .variant-table .input-barcode')]
    .filter((input) => input.scrollWidth > input.clientWidth + 1).map((input) => input.value)"""


@pytest.mark.parametrize("width", [1280, 390])
def test_sku_and_barcode_inputs_show_whole_on_the_edit_form(page, live_server, merchant, merchant_user, width):
    from catalog.tests.factories import product_with_options

    product = product_with_options(
        merchant=merchant, name="Bougie parfumée", options={"Parfum": ["Fleur d'oranger", "Bois de cèdre"]}
    )
    for index, variant in enumerate(product.variants.all()):
        variant.sku = f"DEMO-BOUGIE-FLEUR-DORANGER-18{index}-G"  # 32 characters, as in the demo
        variant.barcode = f"200001600000{index}"[:13]
        variant.save()
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/catalog/products/{product.pk}/edit/")

    assert page.locator(".variant-table .input-sku").count() == 2
    assert page.evaluate(TRUNCATED_INPUTS) == []


IN_VIEW = """(selector) => { const box = document.querySelector(selector).getBoundingClientRect();
    return box.top >= 0 && box.top < window.innerHeight }"""


@pytest.mark.parametrize("width", [1280, 390])
def test_disable_stock_split_shows_its_question_where_the_merchant_looks(
    page, live_server, merchant, merchant_user, width
):
    from catalog.tests.factories import product_with_options
    from inventory.services import stock_adjust, stock_set, stock_split_set

    product = product_with_options(merchant=merchant, options={"Size": ["S", "M", "L", "XL"], "Colour": ["W", "B"]})
    for variant in product.variants.all():
        stock_set(merchant=merchant, variant=variant, quantity=10, idempotency_key=f"i:{variant.pk}")
        stock_split_set(merchant=merchant, variant=variant, online_quantity=4, idempotency_key=f"s:{variant.pk}")
        for n in range(3):  # a history below the split card, as in a shop that has been selling
            stock_adjust(
                merchant=merchant,
                variant=variant,
                delta=1,
                origin="manual_comptoir",
                idempotency_key=f"a{n}:{variant.pk}",
            )
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/catalog/products/{product.pk}/stock/")

    button = page.locator("button[form=merge-ask]")
    button.scroll_into_view_if_needed()
    button.click()
    page.wait_for_selector(".merge-confirm")

    # htmx scrolls once the swap settles: wait for the question to come into view (or fail).
    page.wait_for_function(IN_VIEW, arg="#merge-title", timeout=3000)
    assert page.evaluate(IN_VIEW, "#merge-title")
