"""Shops and BigCommerce locations: the wizard's step, the task that creates and links them in the
sandbox over HTTP, refusals and retries, shops added and changed later, the Overview's panel."""

import pytest
from django.test import Client, TestCase

from integrations.bigcommerce.mappers.locations import location_code
from integrations.models import BigCommerceConnection, ShopLocation, SyncEvent, SyncState
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import connect_from_comptoir, merchant_with_client, new_store, walk_wizard
from integrations.tests.location_helpers import (
    ADDRESS,
    LOCATIONS,
    existing_location,
    remote_location,
    shop_with_address,
)
from portal.models import Shop
from portal.tests.factories import ShopFactory

pytestmark = connect_helpers.SANDBOX_TESTS
SETUP = "/integrations/bigcommerce/setup/"
STEP = SETUP + "locations/"


def _to_locations_step(bc, store, client):
    connect_from_comptoir(client, bc, store)
    walk_wizard(client, finish=False, locations=False)
    page = client.get(STEP)  # starts the read of the store's locations (inline: Q sync)
    assert page.status_code == 200
    return page


def test_the_step_creates_a_location_and_links_another(bc):
    store = new_store(bc)
    warehouse = existing_location(bc, store)
    merchant, _user, client = merchant_with_client()
    lyon, atelier = shop_with_address(merchant, "Boutique Lyon"), shop_with_address(merchant, "Atelier")
    _to_locations_step(bc, store, client)
    page = client.get(STEP).content.decode()
    assert "Boutique Lyon" in page and "Atelier" in page and "default location" in page
    assert f"Entrepôt Lyon (#{warehouse['id']})" in page  # the store's locations, to link by name
    assert "managed by an external source" in page  # what it means in BigCommerce's control panel

    answer = client.post(
        STEP,
        {
            "shop": [lyon.pk, atelier.pk],
            f"choice-{lyon.pk}": "link",
            f"location-{lyon.pk}": warehouse["id"],
            f"choice-{atelier.pk}": "create",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == SETUP + "finish/"

    rows = {row.shop_id: row for row in ShopLocation.objects.all()}
    assert rows[lyon.pk].state == SyncState.SYNCED and rows[lyon.pk].remote_location_id == warehouse["id"]
    assert rows[lyon.pk].origin == ShopLocation.Origin.LINKED
    created = remote_location(bc, store, code=location_code(atelier.pk))
    assert rows[atelier.pk].state == SyncState.SYNCED and rows[atelier.pk].remote_location_id == created["id"]
    assert created["label"] == "Atelier" and created["managed_by_external_source"] is True
    assert created["type_id"] == "PHYSICAL" and created["enabled"] is True
    assert created["address"]["address1"] == "3 rue de la Paix" and created["address"]["zip"] == "69002"
    # The linked location is the merchant's: left as it was (not marked managed, not renamed).
    assert remote_location(bc, store, location_id=warehouse["id"]) == warehouse
    posts = [r for r in bc.request_log(store["hash"]) if r["method"] == "POST" and r["path"].endswith(LOCATIONS)]
    assert len(posts) == 2  # the merchant's own, and Comptoir's one
    assert SyncEvent.objects.filter(connection__merchant=merchant, code="location.created").count() == 1
    assert SyncEvent.objects.filter(connection__merchant=merchant, code="location.linked").count() == 1

    # Run again: nothing due, nothing sent.
    before = len(bc.request_log(store["hash"]))
    from integrations.tasks import bigcommerce_shop_locations_sync

    assert bigcommerce_shop_locations_sync(rows[lyon.pk].connection_id) == {
        "synced": 0,
        "updated": 0,
        "failed": 0,
        "waiting": 0,
    }
    assert all(r["method"] == "GET" for r in bc.request_log(store["hash"])[before:])
    assert client.post(SETUP + "finish/").status_code == 302
    overview = client.get("/integrations/bigcommerce/").content.decode()
    assert "Managed by Comptoir" in overview and f"#{created['id']}" in overview and "Entrepôt Lyon" in overview


@pytest.mark.parametrize(
    "case",
    ["another_merchants_shop", "unknown_location", "same_location_twice", "default_location", "unanswered"],
)
def test_bad_answers_are_refused_with_a_message_and_write_nothing(bc, case):
    store = new_store(bc)
    warehouse = existing_location(bc, store)
    merchant, _user, client = merchant_with_client()
    lyon, atelier = shop_with_address(merchant, "Boutique Lyon"), shop_with_address(merchant, "Atelier")
    stranger = shop_with_address(ShopFactory().merchant, "Someone else's")
    _to_locations_step(bc, store, client)
    data = {
        "shop": [lyon.pk, atelier.pk],
        f"choice-{lyon.pk}": "link",
        f"location-{lyon.pk}": warehouse["id"],
        f"choice-{atelier.pk}": "create",
    }
    expected = {
        "another_merchants_shop": "not yours",
        "unknown_location": "Choose one of your store",
        "same_location_twice": "chosen for two shops",
        "default_location": "default location",
        "unanswered": "Choose a location for each shop: Atelier",
    }[case]
    if case == "another_merchants_shop":
        data["shop"].append(stranger.pk)
        data[f"choice-{stranger.pk}"] = "create"
    elif case == "unknown_location":
        data[f"location-{lyon.pk}"] = 987654
    elif case == "same_location_twice":
        data.update({f"choice-{atelier.pk}": "link", f"location-{atelier.pk}": warehouse["id"]})
    elif case == "default_location":
        data[f"location-{lyon.pk}"] = 1
    else:
        data["shop"] = [lyon.pk]
    before = len(bc.request_log(store["hash"]))
    answer = client.post(STEP, data)
    assert answer.status_code == 200
    assert expected in answer.content.decode()
    assert not ShopLocation.objects.exists()
    assert not [r for r in bc.request_log(store["hash"])[before:] if r["method"] != "GET"]


def test_a_refusal_fails_the_shop_journals_it_and_completing_the_address_retries(bc):
    store = new_store(bc)
    merchant, _user, client = merchant_with_client()
    kiosk = shop_with_address(merchant, "Kiosque", city="")  # BigCommerce requires a city
    _to_locations_step(bc, store, client)
    client.post(STEP, {"shop": [kiosk.pk], f"choice-{kiosk.pk}": "create"})
    row = ShopLocation.objects.get(shop=kiosk)
    assert row.state == SyncState.FAILED and row.remote_location_id is None
    assert "city" in row.last_error  # BigCommerce's own words, the field it named
    event = SyncEvent.objects.get(code="location.refused")
    assert event.status == SyncEvent.Status.FAILED and "Kiosque" in event.message
    assert remote_location(bc, store, code=location_code(kiosk.pk)) is None
    page = client.get(STEP).content.decode()
    assert "BigCommerce refused" in page and "Complete the address" in page

    # The wizard's retry, before the address is fixed: refused again, still failed.
    assert client.post(STEP, {"retry": row.pk}).status_code == 302
    row.refresh_from_db()
    assert row.state == SyncState.FAILED
    client.post(SETUP + "finish/")
    assert BigCommerceConnection.objects.get(merchant=merchant).status == "connected"
    overview = client.get("/integrations/bigcommerce/").content.decode()
    assert "Failed" in overview and f"/integrations/bigcommerce/locations/{row.pk}/retry/" in overview

    # The merchant completes the address in Settings → Shops: tried again, created.
    edit = client.post(f"/settings/shops/{kiosk.pk}/", {"name": "Kiosque", **ADDRESS, "country": kiosk.country})
    assert edit.status_code == 302
    row.refresh_from_db()
    assert row.state == SyncState.SYNCED and row.last_error == ""
    assert remote_location(bc, store, code=location_code(kiosk.pk))["address"]["city"] == "Lyon"


def test_the_overview_retry_sends_again_after_an_outage(bc):
    store = new_store(bc)
    merchant, _user, client = merchant_with_client()
    connect_from_comptoir(client, bc, store)
    walk_wizard(client)  # one shop: no locations step
    bc.set_faults(store["hash"], [{"kind": "error_before", "method": "POST", "path": LOCATIONS, "count": 5}])
    client.post("/settings/shops/add/", {"name": "Gare", **ADDRESS, "country": "FR"})
    gare = Shop.objects.get(merchant=merchant, name="Gare")
    row = ShopLocation.objects.get(shop=gare)
    assert row.state == SyncState.FAILED
    bc.set_faults(store["hash"], [])
    answer = client.post(f"/integrations/bigcommerce/locations/{row.pk}/retry/")
    assert answer.status_code == 302
    row.refresh_from_db()
    created = remote_location(bc, store, code=location_code(gare.pk))
    assert row.state == SyncState.SYNCED and row.remote_location_id == created["id"]
    assert created["managed_by_external_source"] is True


def test_retry_urls_are_the_merchants_own_and_need_csrf(bc):
    store = new_store(bc)
    merchant, user, client = merchant_with_client()
    connect_from_comptoir(client, bc, store)
    walk_wizard(client)
    other, _other_user, _other_client = merchant_with_client()
    other_connection = BigCommerceConnection.objects.create(merchant=other, store_hash="elsewhere", status="connected")
    theirs = ShopLocation.objects.create(
        connection=other_connection,
        shop=shop_with_address(other, "Theirs"),
        origin="created",
        state="failed",
        last_error="x",
    )
    assert client.post(f"/integrations/bigcommerce/locations/{theirs.pk}/retry/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == SyncState.FAILED  # untouched

    mine = ShopLocation.objects.create(
        connection=BigCommerceConnection.objects.get(merchant=merchant),
        shop=shop_with_address(merchant, "Mine"),
        origin="created",
        state="failed",
        last_error="x",
    )
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(f"/integrations/bigcommerce/locations/{mine.pk}/retry/").status_code == 403
    mine.refresh_from_db()
    assert mine.state == SyncState.FAILED
    assert client.post("/integrations/bigcommerce/locations/abc/retry/").status_code == 404


def test_the_wizard_step_refuses_another_merchants_retry_and_needs_csrf(bc):
    store = new_store(bc)
    merchant, user, client = merchant_with_client()
    kiosk = shop_with_address(merchant, "Kiosque")
    _to_locations_step(bc, store, client)
    other, _u, _c = merchant_with_client()
    other_connection = BigCommerceConnection.objects.create(merchant=other, store_hash="elsewhere2", status="connected")
    theirs = ShopLocation.objects.create(
        connection=other_connection, shop=shop_with_address(other, "Theirs"), origin="created", state="failed"
    )
    assert client.post(STEP, {"retry": theirs.pk}).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(STEP, {"shop": [kiosk.pk], f"choice-{kiosk.pk}": "create"}).status_code == 403
    assert not ShopLocation.objects.filter(shop=kiosk).exists()


def test_a_failed_read_of_the_stores_locations_says_so_and_creating_still_works(bc):
    store = new_store(bc)
    merchant, _user, client = merchant_with_client()
    kiosk = shop_with_address(merchant, "Kiosque")
    connect_from_comptoir(client, bc, store)
    walk_wizard(client, finish=False, locations=False)
    bc.set_faults(store["hash"], [{"kind": "error_before", "method": "GET", "path": LOCATIONS, "count": 10}])
    assert "Reading your store" in client.get(STEP).content.decode()  # the read runs in a task
    page = client.get(STEP + "?poll=1", HTTP_HX_REQUEST="true").content.decode()
    assert "could not be read" in page and "Create a location" in page
    bc.set_faults(store["hash"], [])
    assert client.post(STEP, {"shop": [kiosk.pk], f"choice-{kiosk.pk}": "create"})["Location"] == SETUP + "finish/"
    assert ShopLocation.objects.get(shop=kiosk).state == SyncState.SYNCED


def test_the_step_and_panel_in_french(bc):
    store = new_store(bc)
    merchant, _user, client = merchant_with_client()
    shop_with_address(merchant, "Kiosque")
    client.cookies["django_language"] = "fr"
    _to_locations_step(bc, store, client)
    page = client.get(STEP).content.decode()
    assert "Magasins et emplacements" in page and "Créer un emplacement" in page and "Ce que vend votre site" in page
    assert "Shops and locations" not in page


def test_walking_the_wizard_with_several_shops_and_support_in_admin(bc):
    from portal.tests.factories import UserFactory

    store = new_store(bc)
    merchant, _user, client = merchant_with_client()
    atelier = shop_with_address(merchant, "Atelier")
    connect_from_comptoir(client, bc, store)
    walk_wizard(client)  # the step's default for each other shop: create a location
    assert BigCommerceConnection.objects.get(merchant=merchant).status == "connected"
    row = ShopLocation.objects.get(shop=atelier)
    assert row.state == SyncState.SYNCED

    support = Client()
    support.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = support.get("/admin/integrations/shoplocation/?q=Atelier")
    assert listing.status_code == 200 and "Atelier" in listing.content.decode()
    assert support.get(f"/admin/integrations/shoplocation/{row.pk}/change/").status_code == 200
    ShopLocation.objects.filter(pk=row.pk).update(state=SyncState.FAILED, last_error="Refused")
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = support.post("/admin/integrations/shoplocation/", {"action": "retry", "_selected_action": [row.pk]})
    assert answer.status_code == 302
    row.refresh_from_db()
    assert row.state == SyncState.SYNCED  # tried again: the location was found by its code
