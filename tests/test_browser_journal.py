"""Browser journey: BigCommerce refuses a product (its SKU is taken there); the merchant filters
the Sync journal to failed entries, opens the entry, fixes the cause and presses Retry."""

import os
import re

import pytest
from django.core.management import call_command

from integrations.models import BigCommerceConnection, ProductLink, SyncEvent
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import add_product, api, connect_from_comptoir, new_store, walk_wizard
from tests.conftest import browser_login

sandbox = connect_helpers.sandbox  # fixture
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]


def test_filter_the_journal_to_failures_open_one_and_retry(
    page, live_server, sandbox, settings, merchant, merchant_user
):
    settings.BIGCOMMERCE_API_URL = sandbox.url
    settings.BIGCOMMERCE_LOGIN_URL = sandbox.url + "/login"
    settings.BIGCOMMERCE_CLIENT_ID = connect_helpers.CLIENT_ID
    settings.BIGCOMMERCE_CLIENT_SECRET = connect_helpers.CLIENT_SECRET
    settings.COMPTOIR_PUBLIC_URL = connect_helpers.PUBLIC_URL
    call_command("createcachetable", verbosity=0)
    store = new_store(sandbox)
    remote = api(sandbox, store).post(
        "/v3/catalog/products",
        json={"name": "Web scarf", "type": "physical", "weight": 1, "price": 5, "sku": "SCARF-1"},
    )
    scarf = add_product(merchant, "Écharpe", sku="SCARF-1")
    add_product(merchant, "Hat", sku="HAT-1")
    client = connect_helpers.CommitClient()
    client.force_login(merchant_user)
    connect_from_comptoir(client, sandbox, store)
    walk_wizard(client, review="create")
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    link = ProductLink.objects.get(connection=connection, product=scarf)
    assert link.state == "failed"
    failed = SyncEvent.objects.get(merchant=merchant, status="failed", kind="product_export")
    shots = os.environ.get("COMPTOIR_SCREENSHOTS")

    def shot(name):
        if shots:
            for width, height in ((1280, 900), (390, 844)):
                page.set_viewport_size({"width": width, "height": height})
                page.screenshot(path=os.path.join(shots, f"journal-{name}-{width}.png"), full_page=True)
            page.set_viewport_size({"width": 1360, "height": 900})

    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/integrations/bigcommerce/journal/")
    page.select_option("#journal-status", "failed")
    page.wait_for_url(re.compile(r"status=failed"))
    rows = page.locator("#journal-results tbody tr")
    rows.first.wait_for()
    expected = SyncEvent.objects.filter(merchant=merchant, status="failed").count()
    page.wait_for_function(f"document.querySelectorAll('#journal-results tbody tr').length === {expected}")
    assert "Écharpe" in page.inner_text("#journal-results") and "Hat" not in page.inner_text("#journal-results")
    page.fill("#journal-q", "echarpe")
    page.wait_for_url(re.compile(r"q=echarpe"))
    assert page.locator("#journal-results tbody tr").count() == 1
    shot("failed")

    # The cause is fixed in BigCommerce (the other product's SKU renamed), then Retry on the entry.
    api(sandbox, store).put(f"/v3/catalog/products/{remote['data']['id']}", json={"sku": "WEB-SCARF-1"})
    page.click(f"#journal-results a[href$='/journal/{failed.pk}/']")
    page.wait_for_url(re.compile(rf"/journal/{failed.pk}/$"))
    assert "SCARF-1" in page.inner_text("#bc-panel")
    shot("entry")
    page.click("#bc-panel button:has-text('Retry')")
    page.wait_for_selector("text=Sending “Écharpe” to BigCommerce again.")
    link.refresh_from_db()
    assert link.state == "synced"
    # The entry stays in the journal as it was, but offers no Retry now that the product synced.
    assert page.locator("#bc-panel button:has-text('Retry')").count() == 0
