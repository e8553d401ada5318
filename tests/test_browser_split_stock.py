"""Browser journey (SPEC §4, the seed's "Séparer le stock pour BigCommerce"): on a product synced
to a sandbox store, the merchant splits its stock, sells in the shop, then disables the split.
BigCommerce's level (read over the sandbox's API) follows the online allocation throughout."""

import os

import pytest

from integrations.models import BigCommerceConnection, VariantLink
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import add_product, api, connect_from_comptoir, new_store, walk_wizard
from inventory.models import Allocation, StockLevel, StockMovement, StockOrigin
from inventory.services import stock_set
from tests.conftest import browser_login

sandbox = connect_helpers.sandbox  # fixture
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]


def remote_level(sandbox, store, variant) -> int:
    remote_id = VariantLink.objects.get(variant=variant).remote_variant_id
    items = api(sandbox, store).get("/v3/inventory/items", params={"variant_id:in": remote_id})["data"]
    (location,) = [loc for loc in items[0]["locations"] if loc["location_id"] == 1]
    return location["total_inventory_onhand"]


def allocations(variant):
    level = StockLevel.objects.get(variant=variant)
    return level.quantity, level.online_quantity, level.store_quantity


def test_split_stock_sell_in_the_shop_and_merge(page, live_server, sandbox, settings, merchant, merchant_user):
    connect_helpers.point_at_sandbox(settings, sandbox)
    store = new_store(sandbox)
    mug = add_product(merchant, "Mug", sku="MUG-1")
    variant = mug.variants.get()
    stock_set(merchant=merchant, variant=variant, quantity=10, idempotency_key="start")
    client = connect_helpers.CommitClient()
    client.force_login(merchant_user)
    connect_from_comptoir(client, sandbox, store)
    walk_wizard(client, products=[mug])
    assert BigCommerceConnection.objects.get(merchant=merchant).status == "connected"
    assert remote_level(sandbox, store, variant) == 10
    settings.COMPTOIR_PUBLIC_URL = live_server.url
    shots = os.environ.get("COMPTOIR_SCREENSHOTS")

    def shot(name):
        if shots:
            page.screenshot(path=os.path.join(shots, f"{name}.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=os.path.join(shots, f"{name}-phone.png"), full_page=True)
            page.set_viewport_size({"width": 1360, "height": 900})

    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    product_url = f"{live_server.url}/catalog/products/{mug.pk}/"
    page.goto(product_url)
    section = page.locator("#product-stock")
    section.locator("text=Split stock for BigCommerce").wait_for()

    # Tick the box: the allocations appear, prefilled with what BigCommerce shows (10 / 0).
    online, store_field = f"#split_online_{variant.pk}", f"#split_store_{variant.pk}"
    assert not page.is_visible(online)
    page.check("#split_split")
    assert page.is_visible(online)
    assert page.input_value(online) == "10" and page.input_value(store_field) == "0"
    page.fill(online, "4")  # Comptoir's follows as it is typed
    assert page.input_value(store_field) == "6"
    page.click("#split-stock button:has-text('Save')")
    section.locator("text=Stock split saved for 1 variant").wait_for()
    assert allocations(variant) == (10, 4, 6)
    assert section.locator(".alloc-online").text_content().strip() == "4"
    assert section.locator(".alloc-store").text_content().strip() == "6"
    assert section.locator("text=Counted in Comptoir").count() >= 1
    assert remote_level(sandbox, store, variant) == 4  # BigCommerce shows its allocation only
    shot("split-01-on")

    # A sale on the Register takes from Comptoir's allocation only.
    page.goto(f"{live_server.url}/register/")
    page.fill("#register-q", "MUG-1")
    page.press("#register-q", "Enter")
    page.wait_for_selector("button.btn-sell:has-text('10.00')")
    page.click("button.btn-sell")
    page.wait_for_selector("text=Sale #")
    assert allocations(variant) == (9, 4, 5)
    sale_row = StockMovement.objects.get(variant=variant, origin=StockOrigin.POS_SALE)
    assert (sale_row.allocation, sale_row.online_after) == (Allocation.STORE, 4)
    assert remote_level(sandbox, store, variant) == 4

    page.goto(product_url)
    section.locator(".history-table >> text=POS sale").wait_for()
    assert section.locator(".alloc-store").text_content().strip() == "5"
    assert section.locator(".history-table >> text=BigCommerce 4 · Comptoir 5").count() == 1
    assert section.locator(f".history-table a[href='/sales/{sale_row.sale_line.sale_id}/']").count() == 1

    # Untick and save: a confirmation shows the merged stock; nothing merges before confirming.
    page.uncheck("#split_split")
    assert not page.is_visible(online)
    page.click("#split-stock button:has-text('Save')")
    section.locator("text=Disable stock split?").wait_for()
    assert section.locator(".merge-table .merged").text_content().strip() == "9"
    assert allocations(variant) == (9, 4, 5)
    shot("split-02-confirm")
    # Cancel keeps the split; the "Disable stock split…" button asks the same question.
    section.locator(".merge-confirm >> text=Cancel").click()
    section.locator("button:has-text('Disable stock split…')").wait_for()
    assert page.is_checked("#split_split") and allocations(variant) == (9, 4, 5)
    section.locator("button:has-text('Disable stock split…')").click()
    section.locator("text=Disable stock split?").wait_for()
    assert section.locator(".merge-table .merged").text_content().strip() == "9"
    section.locator(".merge-confirm button:has-text('Disable stock split')").click()
    section.locator("text=Stock split disabled").wait_for()
    assert allocations(variant) == (9, None, 9)
    assert remote_level(sandbox, store, variant) == 9  # shared again: BigCommerce shows the whole stock
    assert not page.is_checked("#split_split")
    shot("split-03-merged")
