"""The Overview's "Needs your attention" panel in a browser, at desktop and phone width: open
incidents with their journal entry, Mark resolved where the merchant resolves, and a resolved one
saying so (``COMPTOIR_SCREENSHOTS``: a folder for a screenshot of each width)."""

import os

import pytest

from integrations.models import BigCommerceConnection, Incident, SyncEvent
from integrations.services.incidents import incident_open, incidents_resolve
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _incidents(merchant):
    facts = {"store_hash": "incidents", "store_name": "Boutique en ligne", "managed_in": "comptoir"}
    connection = BigCommerceConnection.objects.create(merchant=merchant, status="connected", **facts)

    def entry(kind, message, **fields):
        return SyncEvent.objects.create(
            merchant=merchant, connection=connection, kind=kind, status="failed", message=message, **fields
        )

    for name in ("Tasse en grès émaillé", "Bougie parfumée"):
        event = entry("product_export", f"BigCommerce refused {name}.", product_name=name)
        incident_open(
            connection=connection,
            kind=Incident.Kind.PRODUCT_REFUSED,
            event=event,
            subject=f"product:{event.pk}",
            subject_name=name,
        )
    drift = entry("stock_check", "Stock check", code="stock_check.finished")
    drift.params = {"total": 40, "count": 3, "busy": 0, "corrected": []}
    drift.save()
    incident_open(connection=connection, kind=Incident.Kind.STOCK_DRIFT, event=drift)
    incident_open(connection=connection, kind=Incident.Kind.STOCK_DRIFT, event=drift)
    hooks = entry("error", "BigCommerce deactivated 2 of Comptoir's webhooks after failed deliveries.")
    incident_open(connection=connection, kind=Incident.Kind.WEBHOOKS_DEACTIVATED, event=hooks)
    incidents_resolve(merchant_id=merchant.pk, kinds=[Incident.Kind.WEBHOOKS_DEACTIVATED])


def test_the_overview_shows_what_needs_the_merchant_on_a_desktop_and_a_phone(
    page, live_server, merchant, merchant_user
):
    _incidents(merchant)
    shots = os.environ.get("COMPTOIR_SCREENSHOTS")
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/integrations/bigcommerce/")
    panel = page.locator("section.incidents")
    assert panel.locator("li.incident").count() == 3
    assert "BigCommerce refused the product Bougie parfumée." in panel.inner_text()
    assert "A stock check found 3 variants" in panel.inner_text() and "2 times" in panel.inner_text()
    assert panel.locator("button:has-text('Mark resolved')").count() == 1
    assert "Resolved automatically on" in page.locator("section.incidents-resolved").inner_text()
    if shots:
        page.screenshot(path=os.path.join(shots, "incidents_overview.png"), full_page=True)

    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    if shots:
        page.screenshot(path=os.path.join(shots, "incidents_overview_phone.png"), full_page=True)

    panel.locator("button:has-text('Mark resolved')").click()
    page.wait_for_selector("text=Marked resolved.")
    assert page.locator("section.incidents li.incident").count() == 2
    assert "Resolved by you on" in page.locator("section.incidents-resolved").inner_text()
    drift = Incident.objects.get(kind=Incident.Kind.STOCK_DRIFT)
    assert drift.resolved_how == "merchant" and drift.resolved_by == merchant_user
