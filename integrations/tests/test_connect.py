"""Connecting from Comptoir, end to end over HTTP against the sandbox."""

import pytest
from django.db import connection as db_connection

from integrations.bigcommerce.connection.setup import CATEGORY_NAME, CHANNEL_NAME, WEBHOOK_SECRET_HEADER
from integrations.models import BigCommerceConnection, ProductLink, SyncEvent
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import (
    CommitClient,
    add_product,
    api,
    connect_from_comptoir,
    merchant_with_client,
    new_store,
    walk_wizard,
)

pytestmark = connect_helpers.SANDBOX_TESTS
SETUP = "/integrations/bigcommerce/setup/"


def test_connect_from_comptoir_all_steps(bc):
    store = new_store(bc, currency="EUR")
    merchant, _user, client = merchant_with_client()
    mug = add_product(merchant, "Mug", sku="MUG-1")
    add_product(merchant, "Tote bag", sku="TOTE-1")
    add_product(merchant, "Poster", sku="POSTER-1")
    remote = api(bc, store).post(
        "/v3/catalog/products", json={"name": "Mug (web)", "type": "physical", "weight": 1, "price": 12, "sku": "mug-1"}
    )["data"]

    assert "Not connected" in client.get("/integrations/").content.decode()
    answer = connect_from_comptoir(client, bc, store)
    assert answer.status_code == 302 and answer["Location"] == SETUP
    assert client.get(SETUP)["Location"] == SETUP + "managed-in/"
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.status == "setup_incomplete"
    assert connection.store_currency == "EUR" and connection.store_name == "Boutique en ligne"

    page = client.get(SETUP + "managed-in/").content.decode()
    assert "Manage products in Comptoir" in page and "Manage products in BigCommerce" in page
    assert client.post(SETUP + "managed-in/", {"managed_in": "comptoir"})["Location"] == SETUP + "prices/"
    page = client.get(SETUP + "prices/").content.decode()
    assert "Don&#x27;t include prices (recommended)" in page or "Don't include prices (recommended)" in page
    assert client.post(SETUP + "prices/", {"include_prices": "yes"})["Location"] == SETUP + "products/"
    page = client.get(SETUP + "products/").content.decode()
    assert "Tote bag" in page and "Selected products" in page
    searched = client.get(SETUP + "products/?list=1&ticked=1&q=tote", HTTP_HX_REQUEST="true").content.decode()
    assert "Tote bag" in searched and "Poster" not in searched
    posted = client.post(SETUP + "products/", {"sync_scope": "selected", "product": [mug.pk]})
    assert posted["Location"] == SETUP + "review/"

    page = client.get(SETUP + "review/").content.decode()
    assert "Looking for products that already exist on both sides" in page  # the page polls the task's result
    page = client.get(SETUP + "review/?poll=1", HTTP_HX_REQUEST="true").content.decode()
    assert "Mug (web)" in page and "MUG-1" in page
    connection.refresh_from_db()
    [match] = connection.preflight["matches"]
    assert match["remote_product_id"] == remote["id"] and match["matched_on"] == "sku"
    assert client.post(SETUP + "review/", {f"choice-{match['key']}": "link"})["Location"] == SETUP + "finish/"
    page = client.get(SETUP + "finish/").content.decode()
    assert "stock quantities in Comptoir are up to date" in page

    assert client.post(SETUP + "finish/").status_code == 302
    connection.refresh_from_db()
    assert connection.status == "connected" and connection.operation == ""
    assert connection.include_prices is True and connection.sync_scope == "selected"

    store_api = api(bc, store)
    channel = store_api.get(f"/v3/channels/{connection.channel_id}")["data"]
    assert (channel["name"], channel["type"], channel["platform"]) == (CHANNEL_NAME, "pos", "custom")
    [category] = store_api.get("/v3/catalog/trees/categories", params={"name": CATEGORY_NAME})["data"]
    assert category["is_visible"] is False and category["category_id"] == connection.category_id
    from integrations.bigcommerce.connection.setup import client_for

    hooks = list(client_for(connection).iter_pages("/v3/hooks"))
    assert {h["id"] for h in hooks} == set(connection.webhook_ids)
    scopes = {h["scope"] for h in hooks}
    assert {
        "store/product/updated",
        "store/order/refund/created",
        "store/app/uninstalled",
        f"store/channel/{connection.channel_id}/product/assigned",
    } <= scopes
    assert all(h["headers"][WEBHOOK_SECRET_HEADER] == connection.webhook_secret for h in hooks)
    assert all(h["destination"] == "http://127.0.0.1:8000/integrations/bigcommerce/webhooks/" for h in hooks)

    link = ProductLink.objects.get(connection=connection)
    assert (link.product_id, link.remote_product_id, link.origin) == (mug.pk, remote["id"], "linked")
    remote_variants = api(bc, store).get(f"/v3/catalog/products/{remote['id']}/variants")["data"]
    assert list(link.variant_links.values_list("variant__sku", "remote_variant_id")) == [
        ("MUG-1", remote_variants[0]["id"])
    ]
    messages = list(SyncEvent.objects.filter(merchant=merchant).values_list("message", flat=True))
    assert "Initial sync started: 1 product to send to BigCommerce." in messages
    assert "Updated “Mug” in BigCommerce: name, description and other fields." in messages  # linked: in place
    assert not SyncEvent.objects.filter(merchant=merchant, status="running").exists()
    assert any("Created the sales channel" in m for m in messages)

    # Secrets are encrypted at rest.
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT access_token, webhook_secret FROM integrations_bigcommerceconnection")
        raw_token, raw_secret = cursor.fetchone()
    assert connection.access_token not in raw_token and connection.webhook_secret not in raw_secret

    overview = client.get("/integrations/bigcommerce/").content.decode()
    assert "Connected" in overview and "Boutique en ligne" in overview
    journal = client.get("/integrations/bigcommerce/journal/").content.decode()
    assert "Initial sync started" in journal
    assert "Mug" in client.get("/integrations/bigcommerce/products/").content.decode()
    # Each setup step is stored as what happened (STYLE rule 17) and read in the reader's language.
    steps = dict(SyncEvent.objects.filter(merchant=merchant, code__startswith="setup.").values_list("code", "params"))
    assert steps["setup.channel"] == {"name": "Comptoir-POS", "done": "created"}
    assert steps["setup.category"] == {"name": "Comptoir POS", "done": "created"}
    assert steps["setup.connected"]["managed_in"] == "comptoir"
    assert steps["setup.webhooks"]["count"] == len(connection.webhook_ids)
    assert SyncEvent.objects.filter(merchant=merchant, code="setup.logged_in", params__store=store["hash"]).exists()
    assert SyncEvent.objects.filter(merchant=merchant, code="setup.finishing").exists()
    client.cookies["django_language"] = "fr"
    french = client.get("/integrations/bigcommerce/journal/").content.decode()
    assert "Canal de vente Comptoir-POS créé dans BigCommerce" in french
    assert "Created the sales channel" not in french


def _connected(bc, *, currency="EUR", managed_in="comptoir", **store_fields):
    store = new_store(bc, currency=currency, **store_fields)
    merchant, user, client = merchant_with_client()
    connect_from_comptoir(client, bc, store)
    return store, merchant, client


def test_currency_mismatch_disables_include_prices(bc):
    store, merchant, client = _connected(bc, currency="USD")
    client.post(SETUP + "managed-in/", {"managed_in": "comptoir"})
    page = client.get(SETUP + "prices/").content.decode()
    assert "your BigCommerce store uses USD and Comptoir uses EUR" in page
    assert 'name="include_prices" value="yes" disabled' in page
    refused = client.post(SETUP + "prices/", {"include_prices": "yes"})
    assert refused.status_code == 200 and "same currency" in refused.content.decode()
    assert BigCommerceConnection.objects.get(merchant=merchant).include_prices is None
    assert client.post(SETUP + "prices/", {"include_prices": "no"})["Location"] == SETUP + "products/"


def test_store_without_tax_warns_about_margins_per_vat_rate(bc):
    store, merchant, client = _connected(bc, is_price_entered_with_tax=False)
    add_product(merchant, "Book", vat="5.50")
    add_product(merchant, "Lamp", vat="20.00")
    client.post(SETUP + "managed-in/", {"managed_in": "comptoir"})
    page = client.get(SETUP + "prices/").content.decode()
    assert "Your margins will be affected" in page
    # 100 incl. VAT, read as 100 excl. tax: the shopper pays 105.50 or 120.
    assert "5.5 %" in page and "+5.5 %" in page and "+20 %" in page
    assert "105.50" in page and "120.00" in page


def test_store_with_tax_shows_no_margin_warning(bc):
    store, merchant, client = _connected(bc, is_price_entered_with_tax=True)
    client.post(SETUP + "managed-in/", {"managed_in": "comptoir"})
    assert "Your margins will be affected" not in client.get(SETUP + "prices/").content.decode()


def test_wizard_left_half_way_resumes_at_first_unfinished_step(bc):
    store, merchant, client = _connected(bc)
    client.post(SETUP + "managed-in/", {"managed_in": "comptoir"})
    assert "Setup incomplete" in client.get("/integrations/").content.decode()
    assert client.get("/integrations/bigcommerce/")["Location"] == SETUP
    assert client.get(SETUP)["Location"] == SETUP + "prices/"
    # Skipping ahead goes back to the first unfinished step; going back is allowed.
    assert client.get(SETUP + "finish/")["Location"] == SETUP + "prices/"
    assert client.post(SETUP + "finish/").status_code == 302
    assert BigCommerceConnection.objects.get(merchant=merchant).operation == ""
    back = client.get(SETUP + "managed-in/")
    assert back.status_code == 200 and 'value="comptoir" checked' in back.content.decode()
    # An htmx step swap answers the partial and pushes the step's URL.
    partial = client.get(SETUP + "prices/", HTTP_HX_REQUEST="true")
    assert partial["HX-Push-Url"] == SETUP + "prices/" and "<html" not in partial.content.decode()
    # Changing an earlier answer keeps the later ones that still apply.
    client.post(SETUP + "prices/", {"include_prices": "no"})
    assert client.get(SETUP)["Location"] == SETUP + "products/"


def test_bigcommerce_outage_leaves_setup_resumable(bc):
    store, merchant, client = _connected(bc)
    walk_wizard(client, finish=False)
    bc.set_faults(store["hash"], [{"kind": "error_before", "status": 503, "path": "/v3/channels"}])
    client.post(SETUP + "finish/")
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.status == "setup_incomplete" and connection.operation == ""
    assert "Finishing setup failed" in connection.operation_error
    page = client.get(SETUP + "finish/").content.decode()
    assert "Finishing setup failed" in page and "Retry" in page
    assert SyncEvent.objects.filter(merchant=merchant, status="failed", message="Finishing setup.").exists()
    assert "Failed" in client.get("/integrations/bigcommerce/journal/?status=failed").content.decode()

    bc.set_faults(store["hash"], [])
    client.post(SETUP + "finish/")
    connection.refresh_from_db()
    assert connection.status == "connected" and connection.operation_error == ""
    # Half-made setup can also be removed: the disconnect page works at any point (covered below).


def _created_remote_copy(bc, store, connection, product, name):
    remote = api(bc, store).post(
        "/v3/catalog/products", json={"name": name, "type": "physical", "weight": 1, "price": 0}
    )["data"]
    ProductLink.objects.create(
        merchant=connection.merchant,
        connection=connection,
        product=product,
        store_hash=store["hash"],
        remote_product_id=remote["id"],
        origin=ProductLink.Origin.CREATED_REMOTE,
    )
    return remote


def test_disconnect_deleting_synced_copies_then_reconnect_managed_in_bigcommerce(bc):
    store, merchant, client = _connected(bc)
    walk_wizard(client)
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.status == "connected"
    first_channel = connection.channel_id
    product = add_product(merchant, "Scarf", sku="SCARF")
    remote = _created_remote_copy(bc, store, connection, product, "Scarf")
    from integrations.bigcommerce.connection.setup import client_for

    app_client = client_for(connection)
    assert len(list(app_client.iter_pages("/v3/hooks"))) == len(connection.webhook_ids) > 0

    page = client.get("/integrations/bigcommerce/disconnect/").content.decode()
    assert "Comptoir created 1 product in BigCommerce." in page and "Scarf" in page
    answer = client.post("/integrations/bigcommerce/disconnect/", {"delete_copies": "yes", "confirm_delete": "1"})
    assert answer.status_code == 302
    connection.refresh_from_db()
    assert connection.status == "disconnected" and connection.access_token == "" and connection.webhook_ids == []
    from integrations.bigcommerce.api.errors import NotFound

    with pytest.raises(NotFound):
        api(bc, store).get(f"/v3/catalog/products/{remote['id']}")
    assert list(app_client.iter_pages("/v3/hooks")) == []  # the old token still works in the sandbox
    assert ProductLink.objects.get(connection=connection).unlinked_at is not None  # history kept
    assert SyncEvent.objects.filter(merchant=merchant, kind="connect").exists()  # journal kept
    assert "Not connected" in client.get("/integrations/bigcommerce/").content.decode()
    assert "Initial sync" in client.get("/integrations/bigcommerce/journal/").content.decode()
    steps = SyncEvent.objects.filter(merchant=merchant, code__startswith="disconnect.")
    said = dict(steps.values_list("code", "params"))
    assert said["disconnect.started"] == {"delete_copies": True}
    assert said["disconnect.copies"] == {"count": 1, "where": "bigcommerce"}
    assert said["disconnect.webhooks"]["count"] > 0

    # Reconnect with the other choice: the wizard starts over, the channel is reused.
    connect_from_comptoir(client, bc, store)
    connection.refresh_from_db()
    assert connection.status == "setup_incomplete" and connection.managed_in == ""
    walk_wizard(client, managed_in="bigcommerce")
    connection.refresh_from_db()
    assert connection.status == "connected" and connection.managed_in == "bigcommerce"
    assert connection.channel_id == first_channel
    channels = api(bc, store).get("/v3/channels")["data"]
    assert [c["status"] for c in channels if c["name"] == "Comptoir-POS"] == ["connected"]


def test_disconnect_keeping_copies(bc):
    store, merchant, client = _connected(bc)
    walk_wizard(client)
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    remote = _created_remote_copy(bc, store, connection, add_product(merchant, "Cap"), "Cap")
    client.post("/integrations/bigcommerce/disconnect/", {"delete_copies": "no"})
    connection.refresh_from_db()
    assert connection.status == "disconnected" and not connection.access_token
    assert api(bc, store).get(f"/v3/catalog/products/{remote['id']}")["data"]["name"] == "Cap"
    channel = api(bc, store).get(f"/v3/channels/{connection.channel_id}")["data"]
    assert channel["status"] == "disconnected"


def test_disconnect_from_a_stale_second_tab_says_it_is_already_disconnected(bc):
    store, merchant, client = _connected(bc)
    walk_wizard(client)
    client.post("/integrations/bigcommerce/disconnect/", {"delete_copies": "no"})  # the first tab
    assert BigCommerceConnection.objects.get(merchant=merchant).status == "disconnected"

    stale = client.post("/integrations/bigcommerce/disconnect/", {"delete_copies": "no"}, follow=True)
    assert stale.redirect_chain == [("/integrations/bigcommerce/", 302)]
    assert "Your BigCommerce store is already disconnected." in stale.content.decode()
    htmx = client.post("/integrations/bigcommerce/disconnect/", {"delete_copies": "no"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and htmx["HX-Redirect"] == "/integrations/bigcommerce/"
    assert client.get("/integrations/bigcommerce/disconnect/").status_code == 302


def test_disconnect_keeps_by_default_and_lists_what_it_would_delete(bc):
    store, merchant, client = _connected(bc)
    walk_wizard(client)
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    shown = _created_remote_copy(bc, store, connection, add_product(merchant, "Toile cirée", sku="TOILE"), "Toile")
    hidden = _created_remote_copy(bc, store, connection, add_product(merchant, "Beanie", sku="BEANIE"), "Beanie")
    # The merchant made one of them visible in a storefront category, in BigCommerce.
    api(bc, store).put(f"/v3/catalog/products/{shown['id']}", json={"is_visible": True})
    api(bc, store).put(f"/v3/catalog/products/{hidden['id']}", json={"is_visible": False})  # as Comptoir made it

    first = client.get("/integrations/bigcommerce/disconnect/").content.decode()
    assert 'name="delete_copies" value="no" checked' in first
    assert 'name="delete_copies" value="yes" checked' not in first
    assert "Toile cirée" in first and "Beanie" in first and "Delete the 2 synced products" in first
    # The check of what is visible online runs in a task; the page polls it and shows progress.
    assert "Checking in BigCommerce which of these products are visible online" in first
    polled = client.get("/integrations/bigcommerce/disconnect/?poll=1", HTTP_HX_REQUEST="true").content.decode()
    assert "1 of these products is visible online in your store" in polled
    assert polled.index("Toile cirée") < polled.index("Beanie")  # visible ones first
    assert "Visible online" in polled and "Hidden" in polled and "every 1s" not in polled
    connection.refresh_from_db()
    assert connection.disconnect_preview["remote"][str(shown["id"])]["is_visible"] is True

    # Deleting needs the explicit confirmation of the list shown.
    refused = client.post("/integrations/bigcommerce/disconnect/", {"delete_copies": "yes"})
    assert refused.status_code == 200 and "tick the box that confirms the list" in refused.content.decode()
    stale = client.post("/integrations/bigcommerce/disconnect/", {"delete_copies": "yes", "confirm_delete": "1"})
    assert stale.status_code == 200 and "tick the box that confirms the list" in stale.content.decode()
    assert BigCommerceConnection.objects.get(merchant=merchant).status == "connected"

    # Keeping is the default answer: nothing is deleted in BigCommerce.
    assert client.post("/integrations/bigcommerce/disconnect/", {"delete_copies": "no"}).status_code == 302
    assert BigCommerceConnection.objects.get(merchant=merchant).status == "disconnected"
    for remote in (shown, hidden):
        assert api(bc, store).get(f"/v3/catalog/products/{remote['id']}")["data"]["id"] == remote["id"]


def test_disconnect_waits_for_the_visibility_check_before_deleting(bc):
    store, merchant, client = _connected(bc)
    walk_wizard(client)
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    _created_remote_copy(bc, store, connection, add_product(merchant, "Cap", sku="CAP"), "Cap")
    connection.disconnect_preview = {"state": "running", "done": 0, "total": 1, "started_at": "9999"}
    connection.save()
    page = client.get("/integrations/bigcommerce/disconnect/").content.decode()
    assert "0 of 1" in page and 'name="confirm_delete"' not in page
    answer = client.post("/integrations/bigcommerce/disconnect/", {"delete_copies": "yes", "confirm_delete": "1"})
    assert answer.status_code == 200 and "Wait until Comptoir has checked" in answer.content.decode()
    assert BigCommerceConnection.objects.get(merchant=merchant).status == "connected"


def test_disconnect_asks_for_a_choice(bc):
    store, merchant, client = _connected(bc)
    walk_wizard(client)
    answer = client.post("/integrations/bigcommerce/disconnect/", {})
    assert answer.status_code == 200 and "Choose whether to delete" in answer.content.decode()
    assert BigCommerceConnection.objects.get(merchant=merchant).status == "connected"


def test_half_made_setup_can_be_cancelled(bc):
    store, merchant, client = _connected(bc)
    client.post(SETUP + "managed-in/", {"managed_in": "comptoir"})
    client.post("/integrations/bigcommerce/disconnect/", {"delete_copies": "no"})
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.status == "disconnected" and not connection.access_token


def test_cancel_setup_does_not_offer_to_delete_what_was_never_synced(bc):
    store, merchant, client = _connected(bc)
    client.post(SETUP + "managed-in/", {"managed_in": "comptoir"})
    page = client.get("/integrations/bigcommerce/disconnect/").content.decode()
    assert "Cancel the BigCommerce setup?" in page and "Nothing was synced" in page
    assert "Delete the synced products" not in page and 'name="delete_copies" value="no"' in page
    assert ">Cancel setup</button>" in page and "Continue setup" in page


def test_a_store_held_by_another_merchant_is_refused(bc):
    store, first, first_client = _connected(bc)
    walk_wizard(first_client)
    held = BigCommerceConnection.objects.get(merchant=first)
    token = held.access_token
    other, _user, other_client = merchant_with_client()
    answer = connect_from_comptoir(other_client, bc, store)
    assert answer.status_code == 403
    assert "already connected to another Comptoir account" in answer.content.decode()
    held.refresh_from_db()
    assert held.access_token == token and held.status == "connected"
    mine = BigCommerceConnection.objects.get(merchant=other)
    assert mine.status == "not_connected" and mine.store_hash == ""


def test_a_merchant_holding_a_store_cannot_connect_another(bc):
    store, merchant, client = _connected(bc)
    walk_wizard(client)
    second = new_store(bc)
    # The Connect button is gone while connected; a callback for another store is refused.
    from integrations.tests.connect_helpers import local, sandbox_install
    from integrations.views.connect_state import connect_state_issue

    session = client.session
    state = connect_state_issue(session=session)
    session.save()
    answer = client.get(local(sandbox_install(bc, second, state=state)))
    assert answer.status_code == 403 and "already connected to the BigCommerce store" in answer.content.decode()
    assert BigCommerceConnection.objects.get(merchant=merchant).store_hash == store["hash"]
    assert not BigCommerceConnection.objects.filter(store_hash=second["hash"]).exists()


def test_database_refuses_two_active_connections_to_one_store(bc):
    from django.db import IntegrityError

    a, b = merchant_with_client()[0], merchant_with_client()[0]
    BigCommerceConnection.objects.create(merchant=a, store_hash="abc", status="connected")
    with pytest.raises(IntegrityError):
        BigCommerceConnection.objects.create(merchant=b, store_hash="abc", status="setup_incomplete")


def test_pages_need_a_connection_in_the_right_state(bc):
    merchant, _user, client = merchant_with_client()
    assert client.get("/integrations/bigcommerce/products/").status_code == 404
    assert client.get(SETUP + "prices/")["Location"] == "/integrations/bigcommerce/"
    other, _u, _c = merchant_with_client()
    event = SyncEvent.objects.create(merchant=other, kind="connect", message="theirs")
    assert client.get(f"/integrations/bigcommerce/journal/{event.pk}/").status_code == 404


def test_support_sees_connections_and_journal_in_admin(bc):
    from portal.models import User

    store, merchant, client = _connected(bc)
    walk_wizard(client)
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    staff = User.objects.create_superuser("support@comptoir.test", "pw")
    admin = CommitClient()
    admin.force_login(staff)
    listing = admin.get("/admin/integrations/bigcommerceconnection/?q=" + store["hash"]).content.decode()
    assert store["hash"] in listing
    detail = admin.get(f"/admin/integrations/bigcommerceconnection/{connection.pk}/change/").content.decode()
    assert connection.access_token not in detail and connection.webhook_secret not in detail
    assert (
        "Initial sync: no products to send to BigCommerce yet."
        in admin.get("/admin/integrations/syncevent/?q=Initial").content.decode()
    )


def _beanie_in_store(bc, store):
    colours = ["Red", "Blue", "Green", "Grey"]
    return api(bc, store).post(
        "/v3/catalog/products",
        json={
            "name": "Beanie (web)",
            "type": "physical",
            "weight": 1,
            "price": 15,
            "variants": [
                {"sku": f"BN-{c.upper()}", "option_values": [{"option_display_name": "Colour", "label": c}]}
                for c in colours
            ],
        },
    )["data"]


def test_review_counts_products_not_variants_and_asks_about_a_name_only_match(bc):
    from catalog.tests.factories import product_with_options

    store = new_store(bc)
    _beanie_in_store(bc, store)
    plaid = api(bc, store).post(
        "/v3/catalog/products", json={"name": "Plaid", "type": "physical", "weight": 1, "price": 80}
    )["data"]
    merchant, _user, client = merchant_with_client()
    beanie = product_with_options(
        merchant=merchant, name="Beanie", options={"Colour": ["Red", "Blue", "Green", "Grey"]}, sku_prefix="BN"
    )
    local_plaid = product_with_options(
        merchant=merchant, name="Plaid", options={"Size": ["S", "M", "L"]}, sku_prefix="PL"
    )
    connect_from_comptoir(client, bc, store)
    client.post(SETUP + "managed-in/", {"managed_in": "comptoir"})
    client.post(SETUP + "prices/", {"include_prices": "no"})
    client.post(SETUP + "products/", {"sync_scope": "all"})
    client.get(SETUP + "review/")
    page = client.get(SETUP + "review/?poll=1", HTTP_HX_REQUEST="true").content.decode()
    # One row per product: the beanie's four variants are one product found on both sides.
    assert page.count("<span>Beanie</span>") == 1 and page.count("<span>Plaid</span>") == 1
    assert '<div class="stat-value">2</div><div class="stat-label">On both sides' in page
    assert all(f"BN-{c}" in page for c in ("RED", "BLUE", "GREEN", "GREY"))
    # The name-only match is a question, not a default: nothing is ticked, and the variants differ.
    assert "Name only" in page and "Not the same variants: 3 in Comptoir, 1 in BigCommerce." in page
    assert f'name="choice-{local_plaid.pk}" value="link" required>' in page
    assert f'name="choice-{beanie.pk}" value="link" checked' in page
    # "Link all found by SKU or barcode" reaches the server, which names the products still undecided
    # (the browser's own check of the required choice said only "Please select one of these options").
    assert 'name="all" value="link" type="submit" formnovalidate>' in page
    # A copy of either would be refused by BigCommerce (one name, one SKU per product): it says so.
    assert "A copy needs another name first: BigCommerce refuses two products with the same name." in page
    assert "A copy needs other SKUs first: BigCommerce refuses a SKU another product has." in page

    refused = client.post(SETUP + "review/", {"all": "link"})
    assert refused.status_code == 200 and "for each product found by its name only: Plaid" in refused.content.decode()
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.review_done_at is None
    chosen = client.post(SETUP + "review/", {"all": "link", f"choice-{local_plaid.pk}": "create"})
    assert chosen["Location"] == SETUP + "finish/"
    connection.refresh_from_db()
    assert connection.preflight_choices == {str(beanie.pk): "link", str(local_plaid.pk): "create"}
    client.post(SETUP + "finish/")
    links = {link.product_id: link for link in ProductLink.objects.filter(connection=connection)}
    assert links[beanie.pk].origin == "linked" and links[beanie.pk].variant_links.count() == 4
    assert links[local_plaid.pk].origin == "created_remote" and links[local_plaid.pk].remote_product_id != plaid["id"]
    # As the review said: the copy is refused until one of the two is renamed (never bound to theirs).
    copy = links[local_plaid.pk]
    assert copy.remote_product_id is None and "already has this name" in copy.last_error


def test_a_product_linked_at_review_managed_in_bigcommerce_joins_the_channel_and_syncs(bc):
    from catalog.tests.factories import product_with_options

    store = new_store(bc)
    remote = _beanie_in_store(bc, store)
    merchant, _user, client = merchant_with_client()
    beanie = product_with_options(
        merchant=merchant, name="Beanie", options={"Colour": ["Red", "Blue", "Green", "Grey"]}, sku_prefix="BN"
    )
    connect_from_comptoir(client, bc, store)
    walk_wizard(client, managed_in="bigcommerce", review="link")
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    link = ProductLink.objects.get(connection=connection, product=beanie)
    # Not left "pending" forever: the product joined the Comptoir-POS channel and was imported.
    assert link.remote_product_id == remote["id"] and link.state == "synced"
    assigned = api(bc, store).get(
        "/v3/catalog/products/channel-assignments", params={"channel_id:in": connection.channel_id}
    )["data"]
    assert [row["product_id"] for row in assigned] == [remote["id"]]
    assert "BigCommerce…" not in client.get("/catalog/").content.decode()


@pytest.mark.parametrize(
    ("task", "state"),
    [("connection_preflight_run", "preflight"), ("connection_disconnect_preview_run", "disconnect_preview")],
)
def test_a_check_the_merchant_waits_for_fails_with_a_message_when_bigcommerce_refuses(bc, task, state):
    from integrations import tasks

    store = new_store(bc)
    merchant = merchant_with_client()[0]
    connection = BigCommerceConnection.objects.create(
        merchant=merchant,
        store_hash=store["hash"],
        status="connected",
        access_token="revoked",
        **{state: {"state": "running"}},
    )
    ProductLink.objects.create(  # a copy in the store: the disconnect check has something to read
        merchant=merchant,
        connection=connection,
        store_hash=connection.store_hash,
        product=add_product(merchant, "Mug", sku="MUG-1"),
        origin=ProductLink.Origin.CREATED_REMOTE,
        remote_product_id=1,
        state="synced",
    )
    getattr(tasks, task)(connection.pk)
    connection.refresh_from_db()
    outcome = getattr(connection, state)
    assert outcome["state"] == "failed" and outcome["error"] and outcome["error_i18n"]
    assert SyncEvent.objects.filter(connection=connection, status=SyncEvent.Status.FAILED).count() == 1
