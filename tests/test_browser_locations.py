"""Browser journey: a merchant with three shops connects BigCommerce; the wizard's "Shops and
locations" step creates one location and links another; the Overview shows each shop's location."""

import pytest

from integrations.models import ShopLocation
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import PASSWORD, api, new_store, point_at_sandbox
from portal.tests.factories import ShopFactory
from tests.conftest import browser_login, screenshot

sandbox = connect_helpers.sandbox  # fixture
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]
ADDRESS = {"address_line1": "3 rue de la Paix", "postal_code": "69002", "city": "Lyon"}


def test_shops_and_locations_step_in_the_browser(page, live_server, sandbox, settings, merchant, merchant_user):
    point_at_sandbox(settings, sandbox, public_url=live_server.url)
    store = new_store(sandbox, app={"app_url": live_server.url})
    store_api = api(sandbox, store)
    store_api.post(
        "/v3/inventory/locations",
        json=[
            {
                "code": "WAREHOUSE",
                "label": "Entrepôt Gerland",
                "type_id": "PHYSICAL",
                "time_zone": "Europe/Paris",
                "managed_by_external_source": False,
            }
        ],
    )
    [warehouse] = store_api.get("/v3/inventory/locations", params={"location_code:in": "WAREHOUSE"})["data"]
    gare = ShopFactory(merchant=merchant, name="Gare Part-Dieu", **ADDRESS)
    croix = ShopFactory(merchant=merchant, name="Croix-Rousse", **ADDRESS)
    kiosk = ShopFactory(merchant=merchant, name="Kiosque", **{**ADDRESS, "city": ""})  # BigCommerce wants a city

    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/integrations/bigcommerce/")
    page.click("button:has-text('Connect')")
    page.wait_for_url(f"{sandbox.url}/login/app/**")
    page.fill("form:has(input[value=login]) input[name=email]", store["owner"]["email"])
    page.fill("form:has(input[value=login]) input[name=password]", PASSWORD)
    page.click("text=Log in and install")
    page.wait_for_url("**/setup/managed-in/")
    page.check("input[value=comptoir]")
    page.click("button:has-text('Continue')")
    page.wait_for_url("**/setup/prices/")
    page.wait_for_selector("text=Include prices when syncing products?")
    page.click("button:has-text('Continue')")
    page.wait_for_url("**/setup/products/")
    page.click("button:has-text('Continue')")
    page.wait_for_url("**/setup/review/")
    page.wait_for_selector("text=Products already in BigCommerce")
    page.click("button:has-text('Continue')")

    page.wait_for_url("**/setup/locations/")
    step = page.locator("#wizard-step")
    step.locator(f"select[name=location-{croix.pk}]").wait_for()  # the store's locations were read
    assert "What your website sells" in step.text_content()
    assert "BigCommerce's default location" in step.text_content()
    screenshot(page, "locations-step")
    page.check(f"input[name=choice-{croix.pk}][value=link]")
    page.select_option(f"select[name=location-{croix.pk}]", str(warehouse["id"]))
    page.check(f"input[name=choice-{gare.pk}][value=create]")
    page.click("button:has-text('Continue')")
    page.wait_for_url("**/setup/finish/")
    page.click("button:has-text('Finish setup')")
    page.wait_for_url(f"{live_server.url}/integrations/bigcommerce/", timeout=60_000)

    panel = page.locator("#shop-locations")
    panel.wait_for()
    assert "Managed by Comptoir" in panel.text_content() and "Entrepôt Gerland" in panel.text_content()
    assert "BigCommerce refused" in panel.text_content() and "city" in panel.text_content()
    screenshot(page, "locations-overview")
    panel.locator("button:has-text('Try again')").click()  # the address is still incomplete: refused again
    page.wait_for_selector("text=Trying again for Kiosque")
    assert ShopLocation.objects.get(shop=kiosk).state == "failed"
    rows = {row.shop_id: row for row in ShopLocation.objects.all()}
    assert rows[croix.pk].remote_location_id == warehouse["id"] and rows[croix.pk].state == "synced"
    [created] = store_api.get("/v3/inventory/locations", params={"location_id:in": rows[gare.pk].remote_location_id})[
        "data"
    ]
    assert created["label"] == "Gare Part-Dieu" and created["managed_by_external_source"] is True
