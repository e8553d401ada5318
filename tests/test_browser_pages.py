"""Browser checks of the connection pages: the disconnect confirmation, the wizard's product
picker count (with and without JavaScript, English and French), and words kept whole."""

import pytest
from django.core.management import call_command

from integrations.models import BigCommerceConnection, ProductLink
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import add_product, api, new_store
from tests.conftest import browser_login

sandbox = connect_helpers.sandbox  # fixture
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


def _point_at(settings, sandbox, live_server):
    settings.BIGCOMMERCE_API_URL = sandbox.url
    settings.BIGCOMMERCE_LOGIN_URL = sandbox.url + "/login"
    settings.COMPTOIR_PUBLIC_URL = live_server.url
    call_command("createcachetable", verbosity=0)


def _setup_connection(merchant, **fields):
    return BigCommerceConnection.objects.create(
        merchant=merchant,
        store_hash=fields.pop("store_hash", "picker1"),
        access_token=fields.pop("access_token", "token"),
        **{
            "status": BigCommerceConnection.Status.SETUP_INCOMPLETE,
            "managed_in": BigCommerceConnection.ManagedIn.COMPTOIR,
            "include_prices": False,
            "store_name": "Boutique en ligne",
            **fields,
        },
    )


def test_disconnect_keeps_by_default_lists_the_products_and_deletes_only_when_confirmed(
    page, live_server, sandbox, settings, merchant, merchant_user
):
    _point_at(settings, sandbox, live_server)
    store = new_store(sandbox)
    token = sandbox.api_account(store["hash"])["access_token"]
    connection = _setup_connection(
        merchant, store_hash=store["hash"], access_token=token, status=BigCommerceConnection.Status.CONNECTED
    )
    remote_ids = {}
    for name, visible in (("Toile cirée", True), ("Beanie", False)):
        product = add_product(merchant, name, sku=name[:4].upper())
        remote = api(sandbox, store).post(
            "/v3/catalog/products",
            json={"name": name, "type": "physical", "weight": 1, "price": 0, "is_visible": visible},
        )["data"]
        remote_ids[name] = remote["id"]
        ProductLink.objects.create(
            merchant=merchant,
            connection=connection,
            product=product,
            store_hash=store["hash"],
            remote_product_id=remote["id"],
            origin=ProductLink.Origin.CREATED_REMOTE,
        )
    browser_login(page, live_server, email=merchant_user.email, password=PASSWORD)
    page.goto(live_server.url + "/integrations/bigcommerce/disconnect/")
    # Keep is the answer already chosen; the list names both, the visible one first, once the
    # background check has answered.
    assert page.is_checked("input[name=delete_copies][value=no]")
    assert not page.is_checked("input[name=delete_copies][value=yes]")
    page.wait_for_selector("text=1 of these products is visible online in your store")
    rows = page.locator("#disconnect-copies tbody tr").all_inner_texts()
    assert "Toile cirée" in rows[0] and "Visible online" in rows[0] and "Beanie" in rows[1]

    # Delete without confirming the list: refused, nothing happens.
    page.check("input[name=delete_copies][value=yes]")
    page.click("button:has-text('Disconnect')")
    page.wait_for_selector("text=tick the box that confirms the list below")
    assert BigCommerceConnection.objects.get(pk=connection.pk).status == "connected"
    assert page.is_checked("input[name=delete_copies][value=yes]")  # the choice is kept

    page.check("input[name=confirm_delete]")
    page.click("button:has-text('Disconnect')")
    page.wait_for_url(live_server.url + "/integrations/bigcommerce/")
    connection.refresh_from_db()
    assert connection.status == "disconnected"
    left = api(sandbox, store).get("/v3/catalog/products")["data"]
    assert [p["id"] for p in left] == []


def _picker(page, live_server, merchant, merchant_user, language):
    for index in range(10):
        add_product(merchant, f"Product {index:02}", sku=f"P-{index:02}")
    _setup_connection(merchant)
    browser_login(page, live_server, email=merchant_user.email, password=PASSWORD)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(live_server.url + "/integrations/bigcommerce/setup/products/")


@pytest.mark.parametrize(
    ("language", "none", "one", "ten"),
    [
        ("en", "0 products selected", "1 product selected", "10 products selected"),
        ("fr", "0 produit sélectionné", "1 produit sélectionné", "10 produits sélectionnés"),
    ],
)
def test_the_picker_count_follows_the_ticks(page, live_server, merchant, merchant_user, language, none, one, ten):
    _picker(page, live_server, merchant, merchant_user, language)
    count = page.locator(".pick-count-js")
    assert count.inner_text() == none
    boxes = page.locator("#product-list input[name=product]")
    for index in range(10):
        boxes.nth(index).check()
    assert count.inner_text() == ten
    for index in range(1, 10):
        boxes.nth(index).uncheck()
    assert count.inner_text() == one
    # A search hides the ticked product: it is still counted.
    page.fill("input[type=search]", "Product 05")
    page.wait_for_function("document.querySelectorAll('#product-list input[type=checkbox]').length === 1")
    page.locator("#product-list input[type=checkbox]").check()
    page.wait_for_function("document.querySelector('.pick-count-js').textContent.trim().startsWith('2 ')")


def _css_count(context, page) -> int:
    """The number CSS writes after "Selected products:" (generated content: read from the
    accessibility tree, where screen readers read it too)."""
    import re

    tree = context.new_cdp_session(page).send("Accessibility.getFullAXTree")
    text = "|".join(str(node.get("name", {}).get("value", "")) for node in tree["nodes"])
    return int(re.search(r"Selected products:\s*\|(\d+)", text).group(1))


def test_the_picker_count_follows_the_ticks_without_javascript(chromium, live_server, merchant, merchant_user):
    context = chromium.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        _picker(page, live_server, merchant, merchant_user, "en")
        assert _css_count(context, page) == 0
        boxes = page.locator("#product-list input[name=product]")
        for index in range(10):
            boxes.nth(index).check()
        assert _css_count(context, page) == 10
        boxes.nth(0).uncheck()
        assert _css_count(context, page) == 9
        assert not page.locator(".pick-count-js").is_visible()  # no sentence that cannot follow
    finally:
        context.close()


def test_headings_codes_and_emails_are_not_broken_mid_word_on_a_phone(page, live_server, merchant, merchant_user):
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, live_server, email=merchant_user.email, password=PASSWORD)
    _setup_connection(merchant, status=BigCommerceConnection.Status.CONNECTED)
    page.goto(live_server.url + "/integrations/bigcommerce/")
    lines = page.evaluate(
        """() => { const h = [...document.querySelectorAll('main h2')].find(e => e.textContent.trim() === 'Sync');
           const r = document.createRange(); r.selectNodeContents(h); return r.getClientRects().length; }"""
    )
    assert lines == 1  # "Sync", not "Syn / c"
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    page.goto(live_server.url + "/integrations/bigcommerce/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # long French tabs and facts fit


def test_barcodes_and_emails_stay_whole_in_tables_on_a_phone(page, live_server, merchant, merchant_user):
    from inventory.services import sale_create
    from portal.tests.factories import MembershipFactory

    seller = MembershipFactory(merchant=merchant, user__email="la.gerante.de.la.boutique@comptoir-exemple.test").user
    product = add_product(merchant, "Tote bag", sku="TOTE-1", barcode="4006381333931")
    sale_create(merchant=merchant, lines=[(product.variants.get(), 1)], idempotency_key="s1", user=seller)
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, live_server, email=merchant_user.email, password=PASSWORD)
    # Cells shown (the Stock section hides its SKU column on a phone, the SKU then stands under the name).
    lines_of = """(selector) => [...document.querySelectorAll(selector)]
        .filter((e) => e.getClientRects().length).map((e) => {
        const r = document.createRange(); r.selectNodeContents(e);
        return [e.textContent.trim(), new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size]; })"""
    for path in (f"/catalog/products/{product.pk}/", "/sales/"):
        page.goto(live_server.url + path)
        cells = page.evaluate(lines_of, "main td.mono, main .email-text")
        assert cells, path
        for text, lines in cells:
            assert lines == 1, (path, text)
    email = page.locator("main .email-text").first
    assert email.get_attribute("title") == seller.email  # the whole address, when the column cuts it
