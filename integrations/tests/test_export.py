"""Comptoir → BigCommerce over real HTTP: the initial sync, later syncs, removal, and faults."""

import functools
import http.server
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from catalog.models import Product
from catalog.services.media import product_image_add, product_video_add
from catalog.services.products import ProductFields, VariantSpec, product_archive, product_delete, product_update
from catalog.tests.factories import product_with_options
from integrations.models import BigCommerceConnection, ProductLink, SyncEvent, SyncRun
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import (
    add_product,
    api,
    connect_from_comptoir,
    merchant_with_client,
    new_store,
    walk_wizard,
)

bc = connect_helpers.bc  # fixture
sandbox = connect_helpers.sandbox  # fixture
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]


@pytest.fixture(scope="session")
def media_server():
    """Serves MEDIA_ROOT at /media/ as the public site does, so the sandbox can fetch images."""
    root = Path(django_settings.MEDIA_ROOT)
    site = root.parent / f"{root.name}-site"
    site.mkdir(exist_ok=True)
    if not (site / "media").exists():
        (site / "media").symlink_to(root)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def public(settings, bc, media_server):
    settings.COMPTOIR_MEDIA_PUBLIC_URL = media_server + "/media/"
    return media_server


def png(name="p.png", colour=(200, 30, 30)):
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def connected(bc, *, include_prices="no", sync_scope="all", products=(), setup=None, **store_fields):
    store = new_store(bc, **store_fields)
    merchant, _user, client = merchant_with_client()
    made = setup(merchant) if setup else None
    connect_from_comptoir(client, bc, store)
    walk_wizard(client, include_prices=include_prices, sync_scope=sync_scope, products=products or ())
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.status == "connected"
    return store, merchant, client, connection, made


def remote_product(bc, store, link):
    return api(bc, store).get(
        f"/v3/catalog/products/{link.remote_product_id}", params={"include": "variants,images,videos,options"}
    )["data"]


def test_initial_sync_creates_every_product_hidden_in_the_category_with_variants_images_and_videos(bc, public):
    def setup(merchant):
        shirt = product_with_options(merchant=merchant, options={"Size": ["S", "M"], "Colour": ["Blue", "Red"]})
        product_image_add(product=shirt, image=png("front.png"), alt_text="Front")
        product_image_add(product=shirt, image=png("back.png", (0, 0, 200)), alt_text="Back")
        product_video_add(product=shirt, url="https://youtu.be/dQw4w9WgXcQ", title="On a model")
        mug = add_product(merchant, "Mug", sku="MUG-1", barcode="4006381333931")
        return shirt, mug

    store, merchant, client, connection, (shirt, mug) = connected(bc, setup=setup)

    run = SyncRun.objects.get(connection=connection)
    assert (run.status, run.total, run.done, run.failed, run.initial) == ("finished", 2, 2, 0, True)
    links = {link.product_id: link for link in ProductLink.objects.filter(connection=connection)}
    assert set(links) == {shirt.pk, mug.pk}
    assert all(link.state == "synced" and link.synced_revision for link in links.values())

    remote = remote_product(bc, store, links[shirt.pk])
    assert remote["name"] == "T-shirt" and remote["is_visible"] is False
    assert remote["categories"] == [connection.category_id]
    assert remote["price"] == 0  # prices are not included
    assert [o["display_name"] for o in sorted(remote["options"], key=lambda o: o["sort_order"])] == ["Size", "Colour"]
    assert sorted(v["sku"] for v in remote["variants"]) == sorted(shirt.variants.values_list("sku", flat=True))
    assert all(v["price"] in (0, None) or v["price"] == 0 for v in remote["variants"])
    assert [i["description"] for i in sorted(remote["images"], key=lambda i: i["sort_order"])] == ["Front", "Back"]
    assert [v["video_id"] for v in remote["videos"]] == ["dQw4w9WgXcQ"]
    assert links[shirt.pk].variant_links.count() == 4

    remote_mug = remote_product(bc, store, links[mug.pk])
    assert (remote_mug["sku"], remote_mug["gtin"]) == ("MUG-1", "4006381333931")
    channels = api(bc, store).get(
        "/v3/catalog/products/channel-assignments", params={"channel_id:in": connection.channel_id}
    )["data"]
    assert {c["product_id"] for c in channels} == {links[shirt.pk].remote_product_id, links[mug.pk].remote_product_id}
    messages = list(SyncEvent.objects.filter(merchant=merchant).values_list("message", flat=True))
    assert any("Created “T-shirt” in BigCommerce" in m for m in messages)
    assert any("Sync to BigCommerce finished: 2 products sent." in m for m in messages)


def test_later_edits_send_only_what_changed_and_keep_the_merchants_choices_in_bigcommerce(bc, public):
    store, merchant, client, connection, mug = connected(
        bc, setup=lambda m: add_product(m, "Mug", sku="MUG-1", price=1200)
    )
    link = ProductLink.objects.get(connection=connection, product=mug)
    store_api = api(bc, store)
    # The merchant makes the product visible, moves it to a real category and sets a price there.
    [tree_category] = store_api.post(
        "/v3/catalog/trees/categories", json=[{"name": "Kitchen", "tree_id": 1, "parent_id": 0}]
    )["data"]
    store_api.put(
        f"/v3/catalog/products/{link.remote_product_id}",
        json={"is_visible": True, "categories": [tree_category["category_id"]], "price": 14.5},
    )
    before = len(bc.request_log(store["hash"]))

    variant = mug.variants.get()

    with TestCase.captureOnCommitCallbacks(execute=True):
        product_update(
            product=mug,
            fields=ProductFields(name="Big mug", description="Holds more.", track_stock=True),
            variants=[VariantSpec(sku=variant.sku, price=1500)],
        )
    remote = remote_product(bc, store, link)
    assert (remote["name"], remote["description"]) == ("Big mug", "Holds more.")
    assert remote["is_visible"] is True and remote["categories"] == [tree_category["category_id"]]
    assert remote["price"] == 14.5  # no price sync: the price set in BigCommerce stays
    writes = [
        r for r in bc.request_log(store["hash"])[before:] if r["method"] != "GET" and "/_sandbox" not in r["path"]
    ]
    assert [(r["method"], r["path"].split("/v3/")[-1]) for r in writes] == [("PUT", "catalog/products")]

    # Nothing changed: nothing is sent.
    with TestCase.captureOnCommitCallbacks(execute=True):
        product_update(
            product=Product.objects.get(pk=mug.pk),
            fields=ProductFields(name="Big mug", description="Holds more.", track_stock=True),
            variants=[VariantSpec(sku=variant.sku, price=1500)],
        )
    after = [r for r in bc.request_log(store["hash"])[before + len(writes) :] if r["method"] != "GET"]
    assert after == []


def test_archive_disables_and_delete_removes_the_copy(bc, public):
    store, merchant, client, connection, mug = connected(bc, setup=lambda m: add_product(m, "Mug", sku="MUG-1"))
    link = ProductLink.objects.get(connection=connection, product=mug)
    with TestCase.captureOnCommitCallbacks(execute=True):
        product_archive(product=mug)
    assert remote_product(bc, store, link)["availability"] == "disabled"
    with TestCase.captureOnCommitCallbacks(execute=True):
        product_archive(product=Product.objects.get(pk=mug.pk), archived=False)
    assert remote_product(bc, store, link)["availability"] == "available"
    with TestCase.captureOnCommitCallbacks(execute=True):
        product_delete(product=Product.objects.get(pk=mug.pk))
    from integrations.bigcommerce.errors import NotFound

    with pytest.raises(NotFound):
        remote_product(bc, store, link)
    link.refresh_from_db()
    assert link.unlinked_at is not None and link.local_deleted_at is not None
