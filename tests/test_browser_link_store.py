"""Browser journey: a new product's SKU is already the store's; its page offers to link it to
that store product instead; once linked it syncs and its page links to it in the control panel."""

import os

import pytest
from django.urls import reverse

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


def test_a_sku_clash_is_resolved_by_linking_to_the_store_product_from_the_product_page(
    page, live_server, sandbox, media_server, settings, merchant, merchant_user
):
    connect_helpers.point_at_sandbox(settings, sandbox, media_server=media_server)
    store = new_store(sandbox)
    theirs = api(sandbox, store).post(
        "/v3/catalog/products",
        json={"name": "Mug émaillé (web)", "type": "physical", "weight": 1, "price": 99, "sku": "MUG-1"},
    )["data"]
    mug = add_product(merchant, "Mug émaillé", sku="MUG-1")
    client = connect_helpers.CommitClient()
    client.force_login(merchant_user)
    connect_from_comptoir(client, sandbox, store)
    walk_wizard(client, review="create")
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert ProductLink.objects.get(connection=connection, product=mug).state == "failed"
    settings.COMPTOIR_PUBLIC_URL = live_server.url
    shots = os.environ.get("COMPTOIR_SCREENSHOTS")

    def shot(name):
        if not shots:
            return
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=os.path.join(shots, f"{name}-en-{width}.png"), full_page=True)
            french = page.context.browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
            french.add_cookies(page.context.cookies())
            other = french.new_page()
            other.goto(page.url)
            other.wait_for_selector("#product-channels-card .badge")
            other.screenshot(path=os.path.join(shots, f"{name}-fr-{width}.png"), full_page=True)
            french.close()
        page.set_viewport_size({"width": 1360, "height": 900})

    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(live_server.url + reverse("catalog:product_detail", args=[mug.pk]))
    offer = page.locator("#product-channels-card button:has-text('Link to the store')")
    offer.wait_for()
    assert "“Mug émaillé (web)” (SKU MUG-1)" in offer.inner_text()
    shot("link-store-01-offer")
    offer.click()
    page.wait_for_selector("text=is linked to the store's product")
    page.wait_for_selector("#product-channels-card >> text=Synced")
    view = page.locator("#product-channels-card a:has-text('View in BigCommerce')")
    assert view.get_attribute("href").endswith(f"/products/{theirs['id']}")
    shot("link-store-02-linked")
    remote = api(sandbox, store).get(f"/v3/catalog/products/{theirs['id']}")["data"]
    assert (remote["name"], remote["sku"]) == ("Mug émaillé", "MUG-1")
    assert sorted(p["name"] for p in api(sandbox, store).iter_pages("/v3/catalog/products")) == ["Mug émaillé"]
