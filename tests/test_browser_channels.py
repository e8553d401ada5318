"""Browser journey: assign products to BigCommerce from the catalog, unassign one from its page."""

import os

import pytest

from integrations.models import BigCommerceConnection, ProductLink
from integrations.tests import connect_helpers, test_export
from integrations.tests.connect_helpers import add_product, api, connect_from_comptoir, new_store, walk_wizard
from tests.conftest import browser_login

sandbox = connect_helpers.sandbox  # fixture
media_server = test_export.media_server  # fixture
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]


def test_assign_from_the_catalog_and_unassign_from_the_product_page(
    page, live_server, sandbox, media_server, settings, merchant, merchant_user
):
    connect_helpers.point_at_sandbox(settings, sandbox, media_server=media_server)
    store = new_store(sandbox)
    mug = add_product(merchant, "Mug", sku="MUG-1")
    add_product(merchant, "Tote", sku="TOTE-1")
    add_product(merchant, "Poster", sku="POSTER-1")
    # Connected with "selected products": only the Mug syncs.
    client = connect_helpers.CommitClient()
    client.force_login(merchant_user)
    connect_from_comptoir(client, sandbox, store)
    walk_wizard(client, sync_scope="selected", products=[mug])
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.status == "connected"
    settings.COMPTOIR_PUBLIC_URL = live_server.url
    shots = os.environ.get("COMPTOIR_SCREENSHOTS")

    def shot(name):
        if shots:
            page.screenshot(path=os.path.join(shots, f"{name}.png"), full_page=True)

    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/catalog/")
    assert page.locator("tr:has-text('Mug') .badge-ok").count() == 1
    page.check("tr:has-text('Tote') input[name=ids]")
    page.check("tr:has-text('Poster') input[name=ids]")
    page.click("summary:has-text('Actions')")
    page.click("button:has-text('Assign channels')")
    page.wait_for_selector("#assign-channels-dialog[open]")
    shot("channels-01-dialog")
    page.check("#assign-channels-dialog input[name=bigcommerce]")
    page.click("#assign-channels-dialog button:has-text('Update products')")
    page.wait_for_url(f"{live_server.url}/catalog/")
    page.wait_for_selector("text=2 products assigned to BigCommerce")
    page.reload()
    assert page.locator(".product-table .badge-ok").count() == 3
    shot("channels-02-catalog")
    names = sorted(p["name"] for p in api(sandbox, store).iter_pages("/v3/catalog/products"))
    assert names == ["Mug", "Poster", "Tote"]

    # The Poster's page: untick, confirm "Unassign products" and delete its copy.
    page.click("text=Poster")
    page.wait_for_selector("#product-channels-card >> text=Synced")
    shot("channels-03-product")
    page.uncheck("#product-channels-card input[name=bigcommerce]")
    page.click("#product-channels-card button:has-text('Update products')")
    page.wait_for_selector("text=Also delete the 1 copy Comptoir created in BigCommerce")
    shot("channels-04-confirm")
    page.check("input[name=delete_copies]")
    page.click("button:has-text('Unassign products')")
    page.wait_for_selector("text=1 product unassigned from BigCommerce")
    page.wait_for_selector("#product-channels-card >> text=Not assigned")
    names = sorted(p["name"] for p in api(sandbox, store).iter_pages("/v3/catalog/products"))
    assert names == ["Mug", "Tote"]
    assert not ProductLink.objects.filter(connection=connection, product__name="Poster", unlinked_at=None).exists()
