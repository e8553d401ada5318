"""Browser journey: connect BigCommerce from Comptoir, through the sandbox's install page and
every wizard step, to a connected integration."""

import os

import pytest
from django.core.management import call_command

from integrations.models import BigCommerceConnection, ProductLink
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import PASSWORD, add_product, api, new_store
from tests.conftest import browser_login

sandbox = connect_helpers.sandbox  # fixture
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]


def test_connect_from_comptoir_in_the_browser(page, live_server, sandbox, settings, merchant, merchant_user):
    settings.BIGCOMMERCE_API_URL = sandbox.url
    settings.BIGCOMMERCE_LOGIN_URL = sandbox.url + "/login"
    settings.COMPTOIR_PUBLIC_URL = live_server.url
    call_command("createcachetable", verbosity=0)
    # This store's app registration sends its callbacks to the live server.
    store = new_store(sandbox, app={"app_url": live_server.url}, is_price_entered_with_tax=False)
    add_product(merchant, "Mug", sku="MUG-1", vat="20.00")
    add_product(merchant, "Notebook", sku="NOTE-1", vat="5.50")
    api(sandbox, store).post(
        "/v3/catalog/products", json={"name": "Mug (web)", "type": "physical", "weight": 1, "price": 12, "sku": "MUG-1"}
    )
    shots = os.environ.get("COMPTOIR_SCREENSHOTS")

    def shot(name):
        if shots:
            page.screenshot(path=os.path.join(shots, f"{name}.png"), full_page=True)

    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.click("nav >> text=Integrations")
    page.click("text=BigCommerce")
    assert "Not connected" in page.text_content("main")
    shot("01-not-connected")
    page.click("button:has-text('Connect')")

    # BigCommerce (the sandbox): log in to the store and approve the app.
    page.wait_for_url(f"{sandbox.url}/login/app/**")
    page.fill("form:has(input[value=login]) input[name=email]", store["owner"]["email"])
    page.fill("form:has(input[value=login]) input[name=password]", PASSWORD)
    page.click("text=Log in and install")

    page.wait_for_url("**/setup/managed-in/")
    shot("02-managed-in")
    page.check("input[value=comptoir]")
    page.click("button:has-text('Continue')")

    page.wait_for_url("**/setup/prices/")
    page.wait_for_selector("text=Include prices when syncing products?")
    page.check("input[name=include_prices][value=yes]")
    assert "Your margins will be affected" in page.text_content("#wizard-step")
    shot("03-prices")
    page.click("button:has-text('Continue')")

    page.wait_for_url("**/setup/products/")
    page.check("input[value=selected]")
    page.fill("input[type=search]", "note")
    page.wait_for_function("!document.querySelector('#product-list').textContent.includes('Mug')")
    page.click("button:has-text('Select all')")
    page.wait_for_selector("#product-list input[type=checkbox]:checked")
    shot("04-products")
    page.click("button:has-text('Continue')")
    page.wait_for_url("**/setup/review/")
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.sync_scope == "selected"
    assert list(merchant.bigcommerce_assignments.values_list("product__name", flat=True)) == ["Notebook"]
    page.wait_for_selector("text=Products already in BigCommerce")
    shot("05-review")
    page.click("button:has-text('Continue')")

    # Back goes to the previous step; the wizard keeps the answers.
    page.wait_for_url("**/setup/finish/")
    page.go_back()
    page.wait_for_url("**/setup/review/")
    page.wait_for_selector("text=Products already in BigCommerce")
    page.reload()
    page.click("button:has-text('Continue')")
    page.wait_for_url("**/setup/finish/")
    assert "stock quantities in Comptoir are up to date" in page.text_content("#wizard-step")
    shot("06-finish")
    page.click("button:has-text('Finish setup')")

    # Finish setup now runs the initial sync too (inline in tests): give a loaded machine time.
    page.wait_for_url(f"{live_server.url}/integrations/bigcommerce/", timeout=60_000)
    page.wait_for_selector(".badge-ok")
    assert "Connected" in page.text_content("main")
    shot("07-connected")
    page.click(".tabs >> text=Sync journal")
    page.wait_for_selector("text=Sync to BigCommerce finished: 1 product sent.")
    shot("08-journal")
    connection.refresh_from_db()
    assert connection.status == "connected" and connection.include_prices is True
    # Only the Notebook was selected: it was created in BigCommerce; the Mug was not.
    assert list(ProductLink.objects.filter(connection=connection).values_list("product__name", flat=True)) == [
        "Notebook"
    ]


def test_connect_from_bigcommerce_in_the_browser(page, live_server, sandbox, settings, merchant, merchant_user):
    """The merchant installs the app from BigCommerce's control panel, logs in to Comptoir,
    connects, and ends with a link back to BigCommerce; opening the app shows it connected."""
    settings.BIGCOMMERCE_API_URL = sandbox.url
    settings.BIGCOMMERCE_LOGIN_URL = sandbox.url + "/login"
    settings.COMPTOIR_PUBLIC_URL = live_server.url
    call_command("createcachetable", verbosity=0)
    store = new_store(sandbox, app={"app_url": live_server.url})

    page.goto(f"{sandbox.url}/manage/stores/{store['hash']}/apps")
    page.click("a:has-text('Install')")
    page.fill("form:has(input[value=login]) input[name=email]", store["owner"]["email"])
    page.fill("form:has(input[value=login]) input[name=password]", PASSWORD)
    page.click("text=Log in and install")

    # Comptoir's welcome page: new or existing customer.
    page.wait_for_url("**/integrations/bigcommerce/app/welcome/**")
    assert "Already a Comptoir customer?" in page.text_content("main")
    page.click("a:has-text('Log in')")
    page.fill("input[name=login]", merchant_user.email)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/integrations/bigcommerce/app/welcome/**")
    # Which store, which Comptoir account: confirmed, or another account chosen.
    facts = page.text_content("main .facts")
    assert store["hash"] in facts and merchant.name in facts and merchant_user.email in facts
    assert page.locator("button:has-text('Use another account')").count() == 1
    if os.environ.get("COMPTOIR_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["COMPTOIR_SCREENSHOTS"], "welcome-confirm.png"), full_page=True)
    page.click("button:has-text('Connect')")

    page.wait_for_url("**/setup/managed-in/")
    assert page.is_checked("input[value=bigcommerce]")  # preselected when coming from BigCommerce
    page.click("button:has-text('Continue')")
    page.wait_for_url("**/setup/prices/")
    page.click("button:has-text('Continue')")
    page.wait_for_url("**/setup/review/")
    page.wait_for_selector("text=Continue")
    page.click("button:has-text('Continue')")
    page.wait_for_url("**/setup/finish/")
    assert "stock quantities in BigCommerce are up to date" in page.text_content("#wizard-step")
    page.click("button:has-text('Finish setup')")

    # Finish setup now runs the initial sync too (inline in tests): give a loaded machine time.
    page.wait_for_url(f"{live_server.url}/integrations/bigcommerce/", timeout=60_000)
    page.wait_for_selector(".badge-ok")
    back = page.locator("a:has-text('Back to BigCommerce')")
    assert back.count() == 1
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert (connection.status, connection.managed_in, connection.store_hash) == (
        "connected",
        "bigcommerce",
        store["hash"],
    )

    # Opening the app from the control panel: the signed load callback shows the connection.
    page.goto(f"{sandbox.url}/manage/stores/{store['hash']}/apps")
    page.click("a:has-text('Open')")
    page.wait_for_url("**/integrations/bigcommerce/app/load/**")
    assert "is connected to Comptoir" in page.text_content("main")
