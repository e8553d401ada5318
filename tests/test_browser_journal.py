"""Browser journey: BigCommerce refuses a product (its SKU is taken there); the merchant filters
the Sync journal to failed entries, opens the entry, fixes the cause and presses Retry."""

import os
import re

import pytest

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
    connect_helpers.point_at_sandbox(settings, sandbox)
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


def test_after_a_connect_and_a_sale_the_journal_names_its_products_and_finds_the_sale_by_name(
    page, live_server, sandbox, settings, merchant, merchant_user
):
    from integrations.bigcommerce.inbox.receive import webhook_event_process
    from integrations.models import VariantLink
    from integrations.tests.test_stock_inbound import event
    from integrations.tests.test_stock_push import stocked
    from inventory.models import Sale

    connect_helpers.point_at_sandbox(settings, sandbox)
    store = new_store(sandbox)
    tote = stocked(merchant, "Tote bag", "TOTE-1", 30)
    stocked(merchant, "Mug", "MUG-1", 5)
    client = connect_helpers.CommitClient()
    client.force_login(merchant_user)
    connect_from_comptoir(client, sandbox, store)
    walk_wizard(client)
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    answer = client.post("/register/sell/", {"idempotency_key": "browser-sale-1", "line": [f"{tote.pk}:2"]})
    assert answer.status_code == 302
    sale = Sale.objects.get(merchant=merchant)
    # BigCommerce's webhooks about it, as they come: the stock change coming back, the channel's echo.
    vlink = VariantLink.objects.get(variant=tote)
    remote = {"product_id": vlink.link.remote_product_id, "variant_id": vlink.remote_variant_id}
    echo = {"inventory": {**remote, "method": "relative", "value": -2}}
    for scope, data in (
        ("store/product/inventory/updated", echo),
        (f"store/channel/{connection.channel_id}/product/assigned", {"product_id": remote["product_id"]}),
    ):
        webhook_event_process(event=event(connection, scope, data))

    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/integrations/bigcommerce/journal/")
    results = page.locator("#journal-results")
    said = f"Sale #{sale.pk}: Tote bag −2 → BigCommerce 30 → 28 ✓"
    assert said in results.inner_text()
    # No row of the first page speaks of a product without naming it, and no webhook echo shows.
    texts = page.locator("#journal-results tbody tr").all_inner_texts()
    assert texts and not [t for t in texts if "reported store/" in t or re.search(r"Product #\d+", t)]
    assert "coming back" not in results.inner_text()
    for row in SyncEvent.objects.filter(merchant=merchant, background=False).exclude(product_id=None):
        assert row.product_name, row.message

    # A search by the product's name finds its sale's push.
    page.fill("#journal-q", "tote")
    page.wait_for_url(re.compile(r"q=tote"))
    page.wait_for_function("!document.querySelector('#journal-results').innerText.includes('Mug')")
    assert said in results.inner_text()

    # The background events are one tick away, named and with the real reason.
    page.check("#journal-background")
    page.wait_for_url(re.compile(r"background=1"))
    page.wait_for_selector("text=It is Comptoir's own stock change coming back")
    shown = results.inner_text()
    assert "Stock of Tote bag changed in BigCommerce." in shown
    assert "Tote bag added to a sales channel in BigCommerce." in shown
    assert "not linked" not in shown


def test_a_pending_badge_turns_synced_without_a_reload(page, live_server, merchant, merchant_user):
    from integrations.models import ProductAssignment

    mug = add_product(merchant, "Mug", sku="MUG-1")
    connection = BigCommerceConnection.objects.create(
        merchant=merchant, status="connected", store_hash="live-badge", managed_in="comptoir", access_token="t"
    )
    ProductAssignment.objects.create(merchant=merchant, product=mug)
    link = ProductLink.objects.create(
        merchant=merchant,
        connection=connection,
        product=mug,
        store_hash="live-badge",
        origin="created_remote",
        state="pending",
    )
    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/catalog/")
    badges = page.locator(f"#product-badges-{mug.pk}")
    assert "BigCommerce…" in badges.inner_text()
    page.evaluate("window.notReloaded = true")
    page.goto(f"{live_server.url}/catalog/products/{mug.pk}/")
    page.wait_for_selector("#product-channels-card .badge-warn:has-text('Pending')")
    page.evaluate("window.notReloaded = true")

    ProductLink.objects.filter(pk=link.pk).update(state="synced")  # the worker sent it
    page.wait_for_selector("#product-channels-card .badge-ok:has-text('Synced')", timeout=10_000)
    assert page.evaluate("window.notReloaded === true")

    ProductLink.objects.filter(pk=link.pk).update(state="pending")
    page.goto(f"{live_server.url}/catalog/")
    page.evaluate("window.notReloaded = true")
    ProductLink.objects.filter(pk=link.pk).update(state="synced")
    page.wait_for_selector(f"#product-badges-{mug.pk} .badge-ok", timeout=10_000)
    assert "BigCommerce ✓" in badges.inner_text() and page.evaluate("window.notReloaded === true")
    page.wait_for_selector("#badges-poll:not([hx-get])", state="attached")
