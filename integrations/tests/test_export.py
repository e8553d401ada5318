"""Comptoir → BigCommerce over real HTTP: the initial sync, later syncs, removal, and faults."""

import functools
import http.server
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
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

pytestmark = connect_helpers.SANDBOX_TESTS


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


def connected(bc, *, setup=None, **options):
    return connected_to(bc, new_store(bc), setup=setup, **options)


def connected_to(bc, store, *, setup=None, products_of=None, **wizard):
    merchant, _user, client = merchant_with_client()
    made = setup(merchant) if setup else None
    connect_from_comptoir(client, bc, store)
    walk_wizard(client, products=products_of(made) if products_of else (), **wizard)
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
    # Stored as what happened (STYLE rule 17), rendered in the reader's language.
    created = SyncEvent.objects.get(merchant=merchant, code="export.created", product_id=shirt.pk)
    assert created.params == {"name": "T-shirt", "id": links[shirt.pk].remote_product_id}
    finished = SyncEvent.objects.get(merchant=merchant, code="export.finished")
    assert finished.params == {"done": 2, "failed": 0}
    client.cookies["django_language"] = "fr"
    french = client.get("/integrations/bigcommerce/journal/").content.decode()
    assert f"«\u00a0T-shirt\u00a0» créé dans BigCommerce (n°\u00a0{links[shirt.pk].remote_product_id})" in french
    assert "Created “T-shirt”" not in french


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
    from integrations.bigcommerce.api.errors import NotFound

    with pytest.raises(NotFound):
        remote_product(bc, store, link)
    link.refresh_from_db()
    assert link.unlinked_at is not None


def test_n_products_are_created_with_n_plus_one_call_per_fifty_and_updated_ten_to_a_call(bc, public):
    """Each create carries variants, images and category; channel assignments go 50 to a call
    (across chunks); later changes to product fields go 10 to a PUT."""
    import math

    from catalog.models import OptionValue, ProductOption, Variant

    store, merchant, _c, connection, _made = connected(bc)  # no products yet
    count = 60
    for i in range(count):
        product = Product.objects.create(merchant=merchant, name=f"Shirt {i}", vat_rate=20)
        option = ProductOption.objects.create(product=product, name="Size")
        for position, value in enumerate(("S", "M")):
            variant = Variant.objects.create(
                merchant=merchant, product=product, sku=f"SH-{i}-{value}", price=1000, position=position
            )
            variant.option_values.set([OptionValue.objects.create(option=option, value=value, position=position)])
    mark = bc.request_log(store["hash"])[-1]["id"]
    _run_export_now(connection)

    calls = bc.request_log(store["hash"], since=mark)
    assert ProductLink.objects.filter(connection=connection, state="synced").count() == count
    assert len(calls) <= count + math.ceil(count / 50)
    assert [c["items_in"] for c in calls if c["route"] == "/v3/catalog/products/channel-assignments"] == [50, 10]

    mark = calls[-1]["id"]
    Product.objects.filter(merchant=merchant).update(description="New", revision=F("revision") + 1)
    _run_export_now(connection)
    calls = bc.request_log(store["hash"], since=mark)
    assert [(c["method"], c["items_in"]) for c in calls] == [("PUT", 10)] * 6
    assert set(Product.objects.filter(merchant=merchant).values_list("revision", flat=True)) == set(
        ProductLink.objects.filter(connection=connection).values_list("synced_revision", flat=True)
    )


def test_assignments_and_links_are_made_a_slice_at_a_time_for_the_whole_catalogue(bc, public, monkeypatch):
    from integrations.bigcommerce.products import export as exporter

    monkeypatch.setattr(exporter, "INSERT_SLICE", 2)
    store, merchant, _c, connection, made = connected(
        bc, setup=lambda m: [add_product(m, f"Product {i}", sku=f"P-{i}") for i in range(5)]
    )
    links = ProductLink.objects.filter(connection=connection)
    assert sorted(links.values_list("product_id", flat=True)) == sorted(p.pk for p in made)
    assert set(links.values_list("state", flat=True)) == {"synced"}
    later = [add_product(merchant, f"Later {i}", sku=f"L-{i}") for i in range(3)]
    _run_export_now(connection)
    assert links.filter(product_id__in=[p.pk for p in later], state="synced").count() == 3


def _run_export_now(connection):
    """What the sweep does once retries are due (tests do not wait for the backoff)."""
    from integrations.tasks import bigcommerce_export_sweep

    ProductLink.objects.filter(connection=connection).update(claimed_until=None)
    with TestCase.captureOnCommitCallbacks(execute=True):
        bigcommerce_export_sweep()


def _remote_names(bc, store):
    return sorted(p["name"] for p in api(bc, store).iter_pages("/v3/catalog/products"))


def test_a_create_whose_answer_was_lost_is_found_not_duplicated(bc, public, settings):
    settings.BIGCOMMERCE_TIMEOUT = 1
    store = new_store(bc)
    bc.set_faults(
        store["hash"],
        [{"kind": "timeout_after", "method": "POST", "path": "/v3/catalog/products", "count": 1, "ms": 2500}],
    )
    _s, merchant, _c, connection, mug = connected_to(bc, store, setup=lambda m: add_product(m, "Mug", sku="MUG-1"))
    link = ProductLink.objects.get(connection=connection, product=mug)
    assert link.remote_product_id is None and link.create_sent_at is not None  # outcome unknown: not retried blindly
    _run_export_now(connection)
    link.refresh_from_db()
    assert link.state == "synced" and link.remote_product_id
    assert _remote_names(bc, store) == ["Mug"]
    posts = [
        r for r in bc.request_log(store["hash"]) if r["method"] == "POST" and r["path"].endswith("/catalog/products")
    ]
    assert len(posts) == 1


def test_server_errors_and_rate_limits_are_retried_without_duplicates(bc, public):
    store = new_store(bc)
    bc.set_faults(
        store["hash"],
        [
            {"kind": "error_before", "method": "PUT", "path": "/v3/catalog/products/channel-assignments", "count": 1},
            {"kind": "rate_limit", "path": "/v3/catalog", "count": 2},
        ],
    )
    _s, merchant, _c, connection, made = connected_to(
        bc, store, setup=lambda m: [add_product(m, f"Product {i}", sku=f"P-{i}") for i in range(3)]
    )
    _run_export_now(connection)
    assert set(ProductLink.objects.filter(connection=connection).values_list("state", flat=True)) == {"synced"}
    assert _remote_names(bc, store) == ["Product 0", "Product 1", "Product 2"]


def test_a_refused_product_is_journaled_in_a_sentence_while_the_rest_syncs_then_retried(bc, public):
    store = new_store(bc)
    api(bc, store).post(
        "/v3/catalog/products",
        json={"name": "Web scarf", "type": "physical", "weight": 1, "price": 5, "sku": "SCARF-1"},
    )

    def setup(merchant):
        return add_product(merchant, "Scarf", sku="SCARF-1"), add_product(merchant, "Hat", sku="HAT-1")

    _s, merchant, client, connection, (scarf, hat) = connected_to(bc, store, setup=setup, review="create")
    scarf_link = ProductLink.objects.get(connection=connection, product=scarf)
    assert ProductLink.objects.get(connection=connection, product=hat).state == "synced"
    assert scarf_link.state == "failed" and scarf_link.attempts == 1
    assert "another product in BigCommerce already uses SKU SCARF-1" in scarf_link.last_error
    event = SyncEvent.objects.get(merchant=merchant, status="failed", kind="product_export")
    assert (event.product_id, event.sku) == (scarf.pk, "SCARF-1")
    assert event.detail["sent"]["sku"] == "SCARF-1" and event.detail["status"] == 409  # what was sent, answered
    run = SyncRun.objects.get(connection=connection)
    assert (run.status, run.done, run.failed) == ("finished", 1, 1)

    # The merchant renames the SKU in Comptoir: the change is pushed (the retry is the edit).
    variant = scarf.variants.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        product_update(
            product=scarf, fields=ProductFields(name="Scarf", track_stock=True), variants=[VariantSpec(sku="SCARF-2")]
        )
    _run_export_now(connection)
    scarf_link.refresh_from_db()
    assert scarf_link.state == "synced" and scarf_link.last_error == "" and variant.pk
    assert "Scarf" in _remote_names(bc, store)


def test_variants_options_and_images_follow_later_edits(bc, public):
    from catalog.services.media import product_image_delete, product_images_reorder
    from catalog.variants import OptionSpec

    def setup(merchant):
        shirt = product_with_options(merchant=merchant, options={"Size": ["S", "M"]})
        product_image_add(product=shirt, image=png("a.png"), alt_text="A")
        product_image_add(product=shirt, image=png("b.png", (1, 2, 3)), alt_text="B")
        return shirt

    store, merchant, _c, connection, shirt = connected(bc, setup=setup)
    link = ProductLink.objects.get(connection=connection, product=shirt)
    skus = {v.label: v.sku for v in shirt.variants.all()}
    # A value added (L), one removed (S), the option renamed; images reordered, one deleted.
    with TestCase.captureOnCommitCallbacks(execute=True):
        product_update(
            product=shirt,
            fields=ProductFields(name="T-shirt", track_stock=True),
            options=[OptionSpec("Taille", ("M", "L"))],
            variants=[
                VariantSpec(combination=(("Taille", "M"),), sku=skus["M"], price=2500),
                VariantSpec(combination=(("Taille", "L"),), sku="TS-L", price=2500),
            ],
        )
    remote = remote_product(bc, store, link)
    assert [o["display_name"] for o in remote["options"]] == ["Taille"]
    assert sorted(v["label"] for v in remote["options"][0]["option_values"]) == ["L", "M"]
    assert sorted(v["sku"] for v in remote["variants"]) == sorted([skus["M"], "TS-L"])
    images = list(shirt.images.all())
    with TestCase.captureOnCommitCallbacks(execute=True):
        product_images_reorder(product=shirt, image_ids=[images[1].pk, images[0].pk])
    remote = remote_product(bc, store, link)
    assert [i["description"] for i in sorted(remote["images"], key=lambda i: i["sort_order"])] == ["B", "A"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        product_image_delete(image=images[0])
    assert [i["description"] for i in remote_product(bc, store, link)["images"]] == ["B"]


def test_without_prices_every_variant_sells_at_the_price_the_merchant_sets_on_the_product(bc, public):
    """Products are created at 0, hidden; the merchant sets the product's price in BigCommerce and
    makes it visible. A variant created with a price of 0 of its own would still sell at €0: without
    price sync variants carry none (BigCommerce: null, the product's price), added later too."""
    from catalog.variants import OptionSpec

    store, merchant, _c, connection, shirt = connected(
        bc, setup=lambda m: product_with_options(merchant=m, options={"Size": ["S", "M"]})
    )
    link = ProductLink.objects.get(connection=connection, product=shirt)
    api(bc, store).put(f"/v3/catalog/products/{link.remote_product_id}", json={"price": 25, "is_visible": True})
    remote = remote_product(bc, store, link)
    assert [(v["price"], v["calculated_price"]) for v in remote["variants"]] == [(None, 25.0), (None, 25.0)]
    skus = {v.label: v.sku for v in shirt.variants.all()}
    with TestCase.captureOnCommitCallbacks(execute=True):
        product_update(
            product=shirt,
            fields=ProductFields(name=shirt.name, track_stock=True),
            options=[OptionSpec("Size", ("S", "M", "L"))],
            variants=[
                *(VariantSpec(combination=(("Size", size),), sku=skus[size], price=2500) for size in ("S", "M")),
                VariantSpec(combination=(("Size", "L"),), sku="TS-L", price=2500),
            ],
        )
    remote = remote_product(bc, store, link)
    assert sorted((v["sku"], v["price"], v["calculated_price"]) for v in remote["variants"]) == sorted(
        [(skus["S"], None, 25.0), (skus["M"], None, 25.0), ("TS-L", None, 25.0)]
    )
    assert remote["price"] == 25.0  # later syncs never overwrite the merchant's price


def test_prices_included_are_sent_and_a_product_created_later_is_synced_in_selected_mode(bc, public):
    def setup(merchant):
        return add_product(merchant, "Mug", sku="MUG-1", price=1250), add_product(merchant, "Poster", sku="POS-1")

    store = new_store(bc)
    _s, merchant, _c, connection, (mug, poster) = connected_to(
        bc, store, setup=setup, include_prices="yes", sync_scope="selected", products_of=lambda made: [made[0]]
    )
    assert list(ProductLink.objects.filter(connection=connection).values_list("product_id", flat=True)) == [mug.pk]
    link = ProductLink.objects.get(connection=connection, product=mug)
    assert remote_product(bc, store, link)["price"] == 12.5
    from catalog.services.products import product_create

    with TestCase.captureOnCommitCallbacks(execute=True):
        lamp = product_create(
            merchant=merchant,
            fields=ProductFields(name="Lamp", track_stock=True),
            variants=[VariantSpec(sku="L-1", price=4000)],
        )
    lamp_link = ProductLink.objects.get(connection=connection, product=lamp)
    assert lamp_link.state == "synced" and remote_product(bc, store, lamp_link)["price"] == 40.0
    assert not ProductLink.objects.filter(product=poster).exists()


def test_the_sweep_pushes_a_change_whose_announcement_was_lost(bc, public):
    store, merchant, _c, connection, mug = connected(bc, setup=lambda m: add_product(m, "Mug", sku="MUG-1"))
    link = ProductLink.objects.get(connection=connection, product=mug)
    # The process dies between commit and the announcement: on-commit callbacks never run.
    with TestCase.captureOnCommitCallbacks(execute=False):
        product_update(
            product=mug, fields=ProductFields(name="Mug XL", track_stock=True), variants=[VariantSpec(sku="MUG-1")]
        )
    assert remote_product(bc, store, link)["name"] == "Mug"
    _run_export_now(connection)
    assert remote_product(bc, store, link)["name"] == "Mug XL"


def test_a_product_with_the_same_name_in_the_store_is_offered_for_linking_and_updated_in_place(bc, public):
    store = new_store(bc)
    remote = api(bc, store).post(
        "/v3/catalog/products", json={"name": "Plaid en laine", "type": "physical", "weight": 1, "price": 80}
    )["data"]
    merchant, _user, client = merchant_with_client()
    plaid = add_product(merchant, "Plaid  en laine", sku="PLAID-1")
    connect_from_comptoir(client, bc, store)
    # Found by its name only: linked because the merchant chose to.
    walk_wizard(client, choices={f"choice-{plaid.pk}": "link"})
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    [match] = connection.preflight["matches"]
    assert (match["matched_on"], match["remote_product_id"]) == ("name", remote["id"])
    link = ProductLink.objects.get(connection=connection, product=plaid)
    assert (link.origin, link.remote_product_id, link.state) == ("linked", remote["id"], "synced")
    assert remote_product(bc, store, link)["sku"] == "PLAID-1"
    assert _remote_names(bc, store) == ["Plaid  en laine"]


def test_a_partial_success_is_journaled_and_an_image_bigcommerce_cannot_fetch_fails_only_its_product(bc, public):
    store = new_store(bc)
    bc.set_faults(
        store["hash"], [{"kind": "partial_success", "method": "POST", "path": "/v3/catalog/products", "count": 1}]
    )

    def setup(merchant):
        first = add_product(merchant, "A lamp", sku="LAMP-1")
        broken = add_product(merchant, "B vase", sku="VASE-1")
        product_image_add(product=broken, image=png("v.png"))
        broken.images.update(image="products/missing/nowhere.png")  # the file is gone: BigCommerce gets a 404
        return first, broken, add_product(merchant, "C bowl", sku="BOWL-1")

    _s, merchant, _c, connection, (lamp, vase, bowl) = connected_to(bc, store, setup=setup)
    states = dict(ProductLink.objects.filter(connection=connection).values_list("product__name", "state"))
    assert states == {"A lamp": "synced", "B vase": "failed", "C bowl": "synced"}
    failed = SyncEvent.objects.filter(merchant=merchant, status="failed").values_list("message", flat=True)
    assert any("BigCommerce saved “A lamp” but not all of it" in m for m in failed)
    assert any("BigCommerce refused “B vase”" in m for m in failed)
