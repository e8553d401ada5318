"""Browser journey: products managed in BigCommerce. In the sandbox's control panel the merchant
assigns a store product to the Comptoir-POS channel; BigCommerce's webhook reaches the live
server, the product is imported, and it appears read-only in the Comptoir catalog."""

import os
import time

import pytest

from catalog.models import Product
from integrations.models import BigCommerceConnection
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import CommitClient, api, connect_from_comptoir, new_store, walk_wizard
from tests.conftest import browser_login

sandbox = connect_helpers.sandbox  # fixture
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]


def test_a_product_assigned_in_bigcommerce_appears_read_only(page, live_server, sandbox, settings, merchant_user):
    connect_helpers.point_at_sandbox(settings, sandbox, public_url=live_server.url)  # where the webhooks are registered
    store = new_store(sandbox, app={"app_url": live_server.url})
    client = CommitClient()
    client.force_login(merchant_user)
    connect_from_comptoir(client, sandbox, store)
    walk_wizard(client, managed_in="bigcommerce", include_prices="yes")
    connection = BigCommerceConnection.objects.get(merchant=merchant_user.membership.merchant)
    assert connection.status == "connected"
    remote = api(sandbox, store).post(
        "/v3/catalog/products",
        json={"name": "Linen apron", "type": "physical", "sku": "APRON-1", "weight": 0.2, "price": 24},
    )["data"]
    shots = os.environ.get("COMPTOIR_SCREENSHOTS")

    def shot(name):
        if shots:
            page.screenshot(path=os.path.join(shots, f"{name}.png"), full_page=True)

    # In BigCommerce (the sandbox's control panel): tick the Comptoir-POS channel.
    page.goto(f"{sandbox.url}/manage/stores/{store['hash']}/products/{remote['id']}")
    page.check("label:has-text('Comptoir-POS') input[name=channel]")
    shot("import-01-assign")
    page.click("button:has-text('Update channels')")
    page.wait_for_selector("label:has-text('Comptoir-POS') input[name=channel]:checked")

    # The webhook arrives at the live server, which imports the product. (The test watches the
    # catalog page, not the database: SQLite's shared test database is the server thread's now.)
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    deadline = time.monotonic() + 20
    while True:
        page.goto(f"{live_server.url}/catalog/")
        if "Linen apron" in page.text_content("main") or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert "Managed in BigCommerce" in page.text_content("#product-results")
    page.click("text=Linen apron")
    page.wait_for_selector("text=Managed in BigCommerce")
    assert "€24.00" in page.text_content("main")
    shot("import-02-detail")
    page.click("a:has-text('Edit')")
    page.wait_for_selector(".managed-note")
    assert page.is_disabled("input[name=name]")
    assert page.get_attribute("input[name=variant-0-sku]", "readonly") is not None
    assert page.get_attribute("input[name=variant-0-price]", "readonly") is not None
    assert page.is_enabled("input[name=track_stock]")
    shot("import-03-form")
    assert Product.objects.get(name="Linen apron").managed_in == "BigCommerce"
