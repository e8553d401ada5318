"""Assign channels, unassign, the Channels card and Retry, over real HTTP to the sandbox."""

import pytest
from django.test import TestCase

from integrations.models import ProductAssignment, ProductLink, SyncEvent
from integrations.tests import connect_helpers, test_export
from integrations.tests.connect_helpers import add_product, api
from integrations.tests.test_export import connected, connected_to
from integrations.tests.test_stock_push import remote_level
from inventory.services import stock_set
from inventory.tests.factories import primary_level

media_server = test_export.media_server  # fixture
public = test_export.public  # fixture
pytestmark = connect_helpers.SANDBOX_TESTS
ASSIGN = "/integrations/channels/assign/"


def _setup(merchant):
    return [add_product(merchant, name, sku=name.upper()) for name in ("Mug", "Tote", "Poster")]


def test_assign_then_unassign_from_the_catalog_with_and_without_deleting_copies(bc, public):
    store, merchant, client, connection, (mug, tote, poster) = connected(
        bc, setup=_setup, sync_scope="selected", products_of=lambda made: [made[0]]
    )
    dialog = client.get(ASSIGN, {"ids": [tote.pk, poster.pk]}, HTTP_HX_REQUEST="true").content.decode()
    assert "<dialog" in dialog and "BigCommerce" in dialog and "Update products" in dialog
    answer = client.post(ASSIGN, {"ids": [tote.pk, poster.pk], "bigcommerce": "yes", "next": "/catalog/"})
    assert answer.status_code == 302 and answer["Location"] == "/catalog/"
    links = {link.product_id: link for link in ProductLink.objects.filter(connection=connection, unlinked_at=None)}
    assert set(links) == {mug.pk, tote.pk, poster.pk} and {link.state for link in links.values()} == {"synced"}
    listing = client.get("/catalog/").content.decode()
    assert listing.count("BigCommerce ✓") == 3
    # The journal names the products assigned, and keeps what happened as a code.
    assigned = SyncEvent.objects.get(merchant=merchant, code="export.assigned")
    assert assigned.params == {"count": 2} and assigned.product_name == ", ".join(sorted([tote.name, poster.name]))

    # Unticking asks to confirm, and offers to delete the copies Comptoir created.
    confirm = client.post(ASSIGN, {"ids": [tote.pk, poster.pk], "next": "/catalog/"}).content.decode()
    assert "Unassign products" in confirm and "Also delete the 2 copies Comptoir created" in confirm
    assert ProductAssignment.objects.filter(product=tote, unassigned_at=None).exists()  # nothing yet
    client.post(ASSIGN, {"ids": [tote.pk], "confirm": "unassign", "next": "/catalog/"})
    client.post(ASSIGN, {"ids": [poster.pk], "confirm": "unassign", "delete_copies": "yes", "next": "/catalog/"})
    names = sorted(p["name"] for p in api(bc, store).iter_pages("/v3/catalog/products"))
    assert names == ["Mug", "Tote"]  # the Tote's copy is kept, the Poster's deleted
    kept, deleted = SyncEvent.objects.filter(merchant=merchant, code="export.unassigned").order_by("pk")
    assert (kept.params["delete_copies"], kept.product_name) == (False, tote.name)
    assert (deleted.params["delete_copies"], deleted.product_name) == (True, poster.name)
    removals = SyncEvent.objects.filter(merchant=merchant, code="export.removed")
    removed = dict(removals.values_list("product_id", "params"))
    assert (removed[tote.pk]["case"], removed[poster.pk]["case"]) == ("copy_kept", "copy_deleted")
    assert set(
        ProductLink.objects.filter(connection=connection, unlinked_at=None).values_list("product_id", flat=True)
    ) == {mug.pk}
    # An unassigned product is not put back by the sweep, and its edits no longer sync.
    from integrations.tasks import bigcommerce_export_sweep

    with TestCase.captureOnCommitCallbacks(execute=True):
        bigcommerce_export_sweep()
    assert not ProductLink.objects.filter(product=tote, unlinked_at=None).exists()


def test_the_product_page_card_shows_the_state_the_reason_and_retries(bc, public):
    store = connect_helpers.new_store(bc)
    api(bc, store).post(
        "/v3/catalog/products", json={"name": "Other mug", "type": "physical", "weight": 1, "price": 1, "sku": "MUG"}
    )
    _s, merchant, client, connection, (mug, tote, poster) = connected_to(bc, store, setup=_setup, review="create")
    card = client.get(f"/integrations/channels/products/{mug.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "Failed" in card and "already uses SKU MUG" in card and "Retry" in card
    assert (
        "Synced" in client.get(f"/integrations/channels/products/{tote.pk}/", HTTP_HX_REQUEST="true").content.decode()
    )
    listing = client.get("/catalog/").content.decode()
    assert "BigCommerce ✗" in listing and "already uses SKU MUG" in listing  # the reason, as the badge's title

    for product in api(bc, store).iter_pages("/v3/catalog/products"):
        if product["name"] == "Other mug":
            api(bc, store).delete(f"/v3/catalog/products/{product['id']}")
    answer = client.post(f"/integrations/channels/products/{mug.pk}/retry/")
    assert answer.status_code == 302
    assert ProductLink.objects.get(connection=connection, product=mug).state == "synced"


def test_other_merchants_products_are_ignored_by_assign(bc, public, other_merchant):
    store, merchant, client, connection, made = connected(bc, setup=_setup)
    theirs = add_product(other_merchant, "Theirs", sku="THEIRS")
    client.post(ASSIGN, {"ids": [theirs.pk], "bigcommerce": "yes"})
    assert not ProductAssignment.objects.filter(product=theirs).exists()
    assert not ProductLink.objects.filter(product=theirs).exists()


# -- live badges (issue 15, item 15) ----------------------------------------------------------------
def _pending_row():
    from integrations.models import BigCommerceConnection
    from integrations.tests.connect_helpers import merchant_with_client

    merchant, _user, client = merchant_with_client()
    connection = BigCommerceConnection.objects.create(
        merchant=merchant, status="connected", store_hash=f"live{merchant.pk}", managed_in="comptoir", access_token="t"
    )
    mug, cup = add_product(merchant, "Mug", sku="MUG-1"), add_product(merchant, "Cup", sku="CUP-1")
    common = {
        "merchant": merchant,
        "connection": connection,
        "store_hash": connection.store_hash,
        "origin": "created_remote",
    }
    ProductAssignment.objects.create(merchant=merchant, product=mug)
    link = ProductLink.objects.create(product=mug, state="pending", **common)
    ProductLink.objects.create(product=cup, state="synced", **common)
    return merchant, client, mug, cup, link


def test_the_catalog_polls_the_badges_of_pending_products_until_none_is():
    _merchant, client, mug, cup, link = _pending_row()
    listing = client.get("/catalog/").content.decode()
    poll = f'hx-get="/catalog/products/badges/?ids={mug.pk}"'
    assert poll in listing and 'hx-trigger="every 2s"' in listing
    assert f'id="product-badges-{mug.pk}"' in listing and "BigCommerce…" in listing

    still = client.get(f"/catalog/products/badges/?ids={mug.pk},{cup.pk}", HTTP_HX_REQUEST="true")
    assert poll in still.content.decode()  # still pending: still polling (the synced Cup is not asked again)
    assert "HX-Request" in still["Vary"]

    ProductLink.objects.filter(pk=link.pk).update(state="synced")  # the worker sent it
    settled = client.get(f"/catalog/products/badges/?ids={mug.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert f'<span id="product-badges-{mug.pk}" hx-swap-oob="true">' in settled and "BigCommerce ✓" in settled
    assert "hx-trigger" not in settled and '<span id="badges-poll"></span>' in settled  # polling stops
    # Without JavaScript the address leads to the catalog.
    assert client.get(f"/catalog/products/badges/?ids={mug.pk}")["Location"] == "/catalog/"


def test_the_badges_poll_answers_only_for_the_merchants_own_products():
    _merchant, _client, mug, _cup, _link = _pending_row()
    _other, stranger, *_ = _pending_row()
    answer = stranger.get(f"/catalog/products/badges/?ids={mug.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert f"product-badges-{mug.pk}" not in answer


def test_the_product_page_channels_card_polls_itself_while_pending():
    _merchant, client, mug, _cup, link = _pending_row()
    url = f"/integrations/channels/products/{mug.pk}/"
    card = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert f'hx-get="{url}" hx-trigger="every 2s"' in card and f'href="{url}"' in card and "Pending" in card
    ProductLink.objects.filter(pk=link.pk).update(state="synced")
    card = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Synced" in card and "hx-trigger" not in card


def test_an_unassigned_product_leaves_the_comptoir_channel_whether_its_copy_is_kept_or_not(bc, public):
    """Kept in the store, it is no longer on the Comptoir-POS channel: a later connect (which
    imports the channel's products) does not bring it back into Comptoir."""
    from integrations.bigcommerce.products.importer import channel_product_ids

    store = connect_helpers.new_store(bc)
    before = api(bc, store).post(
        "/v3/catalog/products", json={"name": "Poster", "type": "physical", "weight": 1, "price": 3, "sku": "POSTER"}
    )["data"]
    store, merchant, client, connection, (mug, tote, poster) = connected_to(bc, store, setup=_setup, review="link")
    links = {link.product_id: link for link in ProductLink.objects.filter(connection=connection)}
    assert links[poster.pk].remote_product_id == before["id"] and links[poster.pk].origin == "linked"
    on_channel = set(channel_product_ids(client=api(bc, store), channel_id=connection.channel_id))
    assert on_channel == {links[p.pk].remote_product_id for p in (mug, tote, poster)}

    client.post(ASSIGN, {"ids": [tote.pk], "confirm": "unassign", "next": "/catalog/"})
    client.post(ASSIGN, {"ids": [poster.pk], "confirm": "unassign", "delete_copies": "yes", "next": "/catalog/"})
    names = sorted(p["name"] for p in api(bc, store).iter_pages("/v3/catalog/products"))
    assert names == ["Mug", "Poster", "Tote"]  # the Tote's copy kept; the Poster existed before: kept
    on_channel = set(channel_product_ids(client=api(bc, store), channel_id=connection.channel_id))
    assert on_channel == {links[mug.pk].remote_product_id}
    assert set(
        ProductLink.objects.filter(connection=connection, unlinked_at=None).values_list("product_id", flat=True)
    ) == {mug.pk}
    assert ProductLink.objects.get(pk=links[tote.pk].pk).removal_keeps_copy


def test_a_synced_product_links_to_its_page_in_the_store_control_panel(bc, public):
    import requests

    store, merchant, client, connection, (mug, tote, poster) = connected(bc, setup=_setup)
    link = ProductLink.objects.get(connection=connection, product=mug)
    card = client.get(f"/integrations/channels/products/{mug.pk}/", HTTP_HX_REQUEST="true").content.decode()
    url = f"{connection.control_panel_url.rstrip('/')}/products/{link.remote_product_id}"
    assert "View in BigCommerce" in card and f'href="{url}"' in card
    page = requests.get(url, timeout=10)  # the sandbox's control panel has that page
    assert page.status_code == 200 and "Mug" in page.text


@pytest.mark.parametrize(
    ("cp", "expected"),
    [
        ("https://store-abc.mybigcommerce.com", "https://store-abc.mybigcommerce.com/manage/products/edit/42"),
        ("http://127.0.0.1:9/manage/stores/abc/", "http://127.0.0.1:9/manage/stores/abc/products/42"),
        ("", ""),
    ],
)
def test_product_url(cp, expected):
    from integrations.models import BigCommerceConnection
    from integrations.stock_page import product_url

    assert product_url(BigCommerceConnection(control_panel_url=cp), 42) == expected


def test_a_sku_clash_offers_to_link_to_the_store_product_which_then_follows_comptoir(bc, public, other_merchant):
    from django.test import Client

    from portal.tests.factories import MembershipFactory

    store = connect_helpers.new_store(bc)
    theirs = api(bc, store).post(
        "/v3/catalog/products",
        json={
            "name": "Web mug",
            "type": "physical",
            "weight": 1,
            "price": 99,
            "sku": "MUG",
            "description": "Web",
            "inventory_tracking": "product",
            "inventory_level": 40,
        },
    )["data"]

    def setup(merchant):
        made = _setup(merchant)
        stock_set(merchant=merchant, variant=made[0].variants.get(), quantity=7, idempotency_key="start:mug")
        return made

    _s, merchant, client, connection, (mug, tote, poster) = connected_to(bc, store, setup=setup, review="create")
    card = client.get(f"/integrations/channels/products/{mug.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'Link to the store\'s product “Web mug” (SKU <span class="sku">MUG</span>)' in card
    url = f"/integrations/channels/products/{mug.pk}/link-store/"
    data = {"remote_product_id": theirs["id"]}

    # A POST without its CSRF token is refused; another merchant's session finds no such product.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(merchant.memberships.first().user)
    assert strict.post(url, data).status_code == 403
    other = connect_helpers.CommitClient()
    other.force_login(MembershipFactory(merchant=other_merchant).user)
    assert other.post(url, data).status_code == 404
    assert ProductLink.objects.get(connection=connection, product=mug).remote_product_id is None
    # Only the product the refusal named can be chosen.
    client.post(url, {"remote_product_id": theirs["id"] + 1000})
    assert ProductLink.objects.get(connection=connection, product=mug).remote_product_id is None

    answer = client.post(url, data)
    assert answer.status_code == 302
    link = ProductLink.objects.get(connection=connection, product=mug)
    assert (link.remote_product_id, link.origin, link.state) == (theirs["id"], "linked", "synced")
    remote = api(bc, store).get(f"/v3/catalog/products/{theirs['id']}")["data"]
    assert (remote["name"], remote["sku"]) == ("Mug", "MUG")  # managed in Comptoir: Comptoir's fields
    names = sorted(p["name"] for p in api(bc, store).iter_pages("/v3/catalog/products"))
    assert names == ["Mug", "Poster", "Tote"]  # linked, not created
    from integrations.bigcommerce.products.importer import channel_product_ids

    assert theirs["id"] in channel_product_ids(client=api(bc, store), channel_id=connection.channel_id)
    assert link.variant_links.get().remote_variant_id == remote["base_variant_id"]
    # From now on BigCommerce shows Comptoir's stock (as for a product linked at setup).
    assert remote_level(bc, store, mug.variants.get()) == 7
    assert primary_level(mug.variants.get()).quantity == 7
