"""BigCommerce → Comptoir (products managed in BigCommerce), over real HTTP against the sandbox:
the initial import, webhooks, the scheduled resync, prices on and off, bad data."""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from PIL import Image

from catalog.models import Product
from catalog.services import ProductFields, ProductManagedElsewhere, VariantSpec, product_update
from integrations.bigcommerce.products import importer
from integrations.models import BigCommerceConnection, ProductLink, SyncEvent, SyncRun
from integrations.tests.connect_helpers import (
    add_product,
    api,
    connect_from_comptoir,
    merchant_with_client,
    new_store,
    walk_wizard,
)
from integrations.tests.test_webhooks import signed
from inventory.models import StockLevel

WEBHOOKS = "/integrations/bigcommerce/webhooks/"


def _png(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, format="PNG")
    return out.getvalue()


class _Images(BaseHTTPRequestHandler):
    files = {"/red.png": _png("red"), "/blue.png": _png("blue"), "/green.png": _png("green")}

    def do_GET(self):  # noqa: N802 (http.server's name)
        body = self.files.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def images():
    """A small web server with real images, where the sandbox fetches product images from."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def mug(images, **overrides):
    body = {
        "name": "Mug",
        "type": "physical",
        "sku": "MUG",
        "description": "<p>Stoneware.</p>",
        "weight": 0.35,
        "price": 12.5,
        "cost_price": 4.2,
        "inventory_tracking": "variant",
        "inventory_warning_level": 3,
        "categories": [],
        "brand_name": "Potter",
        "page_title": "Buy our mug",
        "variants": [
            {
                "sku": "MUG-BLUE-S",
                "inventory_level": 5,
                "option_values": [
                    {"option_display_name": "Colour", "label": "Blue"},
                    {"option_display_name": "Size", "label": "S"},
                ],
            },
            {
                "sku": "MUG-BLUE-L",
                "price": 13.99,
                "inventory_level": 2,
                "option_values": [
                    {"option_display_name": "Colour", "label": "Blue"},
                    {"option_display_name": "Size", "label": "L"},
                ],
            },
            {
                "sku": "MUG-RED-S",
                "inventory_level": 0,
                "option_values": [
                    {"option_display_name": "Colour", "label": "Red"},
                    {"option_display_name": "Size", "label": "S"},
                ],
            },
            {
                "sku": "MUG-RED-L",
                "inventory_level": 7,
                "option_values": [
                    {"option_display_name": "Colour", "label": "Red"},
                    {"option_display_name": "Size", "label": "L"},
                ],
            },
        ],
        "images": [
            {"image_url": f"{images}/red.png", "is_thumbnail": True, "description": "Red mug"},
            {"image_url": f"{images}/blue.png", "sort_order": 1},
        ],
    }
    body.update(overrides)
    return body


def simple(name, sku, price=8, **overrides):
    body = {"name": name, "type": "physical", "sku": sku, "weight": 1, "price": price}
    body.update(overrides)
    body.setdefault("inventory_tracking", "product")
    body.setdefault("inventory_level", 4)
    return body


class Store:
    """The merchant's BigCommerce store, seen through its own API account."""

    def __init__(self, running, store):
        self.sandbox, self.store, self.api = running, store, api(running, store)
        self.replayed: set = set()

    def channel(self) -> int:
        """The Comptoir-POS channel, as a merchant reconnecting would already have it."""
        found = self.api.get("/v3/channels", params={"type:in": "pos"})["data"]
        for channel in found:
            if channel["name"] == "Comptoir-POS":
                return channel["id"]
        body = {"name": "Comptoir-POS", "type": "pos", "platform": "custom", "status": "connected"}
        return self.api.post("/v3/channels", json=body)["data"]["id"]

    def create(self, body) -> int:
        return self.api.post("/v3/catalog/products", json=body)["data"]["id"]

    def assign(self, *product_ids, channel_id=None):
        channel_id = channel_id or self.channel()
        self.api.put(
            "/v3/catalog/products/channel-assignments",
            json=[{"product_id": pid, "channel_id": channel_id} for pid in product_ids],
        )

    def unassign(self, product_id):
        self.api.delete(
            "/v3/catalog/products/channel-assignments",
            params={"product_id:in": product_id, "channel_id:in": self.channel()},
        )

    def replay_webhooks(self, client, connection) -> list[str]:
        """POST the sandbox's new deliveries to Comptoir's receiver, signed as BigCommerce signs them."""
        scopes = []
        for delivery in sorted(self.sandbox.deliveries(self.store["hash"]), key=lambda d: d["id"]):
            if delivery["id"] in self.replayed or delivery.get("duplicate"):
                continue
            self.replayed.add(delivery["id"])
            scopes.append(delivery["scope"])
            answer = post_webhook(client, connection, delivery["payload"])
            assert answer.status_code == 200, answer.content
        return scopes


def post_webhook(client, connection, payload):
    body = json.dumps(payload).encode()
    headers = signed(body, secret=connection.webhook_secret)
    return client.post(WEBHOOKS, body, content_type="application/json", **headers)


def connect(bc, *, include_prices="yes", products=(), review="link", local=()):  # noqa: F811
    """A merchant connects with "managed in BigCommerce"; ``products`` are created and assigned first."""
    store = new_store(bc)
    shop = Store(bc, store)
    merchant, _user, client = merchant_with_client()
    for name, sku in local:
        add_product(merchant, name, sku=sku, price=990)
    ids = [shop.create(body) for body in products]
    if ids:
        shop.assign(*ids)
    connect_from_comptoir(client, bc, store)
    walk_wizard(client, managed_in="bigcommerce", include_prices=include_prices, review=review)
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.status == BigCommerceConnection.Status.CONNECTED
    shop.replayed.update(d["id"] for d in bc.deliveries(store["hash"]))  # before we were listening
    return shop, merchant, client, connection, ids


def product_fields_of(product) -> ProductFields:
    return ProductFields(
        name=product.name,
        description=product.description,
        vat_rate=product.vat_rate,
        shipping_weight_grams=product.shipping_weight_grams,
        track_stock=product.track_stock,
        low_stock_level=product.low_stock_level,
    )


def stock(variant) -> int | None:
    level = StockLevel.objects.filter(variant=variant).first()
    return level.quantity if level else None


# -- initial import -----------------------------------------------------------------------------
def test_initial_import_brings_the_channel_products_with_variants_options_and_images(bc, images):  # noqa: F811
    store = new_store(bc)
    shop = Store(bc, store)
    mug_id = shop.create(mug(images))
    tote_id = shop.create(simple("Tote bag", "TOTE", price=15))
    shop.create(simple("Not for the shop", "WEB-ONLY"))  # only in the online store's channel
    shop.assign(mug_id, tote_id)
    merchant, _user, client = merchant_with_client()
    connect_from_comptoir(client, bc, store)
    walk_wizard(client, managed_in="bigcommerce", include_prices="yes")

    run = SyncRun.objects.get(merchant=merchant)
    assert (run.kind, run.initial, run.status) == ("import", True, "finished")
    assert (run.total, run.done, run.failed) == (2, 2, 0)
    assert sorted(Product.objects.filter(merchant=merchant).values_list("name", flat=True)) == ["Mug", "Tote bag"]

    product = Product.objects.get(merchant=merchant, name="Mug")
    assert product.managed_in == "BigCommerce"
    assert (product.description, product.shipping_weight_grams, product.low_stock_level) == (
        "<p>Stoneware.</p>",
        350,
        3,
    )
    assert (product.seo_title, product.category, product.vat_rate) == ("", None, merchant.default_vat_rate)
    assert [(o.name, [v.value for v in o.values.all()]) for o in product.options.all()] == [
        ("Colour", ["Blue", "Red"]),
        ("Size", ["S", "L"]),
    ]
    variants = {v.sku: v for v in product.variants.all()}
    assert sorted(variants) == ["MUG-BLUE-L", "MUG-BLUE-S", "MUG-RED-L", "MUG-RED-S"]
    assert (variants["MUG-BLUE-S"].price, variants["MUG-BLUE-S"].cost_price) == (1250, 420)
    assert variants["MUG-BLUE-L"].price == 1399
    assert {sku: stock(v) for sku, v in variants.items()} == {
        "MUG-BLUE-S": 5,
        "MUG-BLUE-L": 2,
        "MUG-RED-S": None,
        "MUG-RED-L": 7,
    }
    assert [i.alt_text for i in product.images.all()] == ["Red mug", ""]
    assert Image.open(product.images.first().image).getpixel((0, 0)) == (255, 0, 0)

    link = ProductLink.objects.get(product=product)
    assert (link.origin, link.state, link.remote_product_id) == ("imported", "synced", mug_id)
    assert link.variant_links.count() == 4
    assert link.refs.filter(kind="image").count() == 2 and link.refs.filter(kind="option").count() == 2
    tote = Product.objects.get(merchant=merchant, name="Tote bag")
    assert (tote.variants.get().sku, tote.variants.get().price, stock(tote.variants.get())) == ("TOTE", 1500, 4)
    journal = list(
        SyncEvent.objects.filter(merchant=merchant, direction="from_bigcommerce").values_list("message", flat=True)
    )
    assert "Imported “Mug” from BigCommerce." in journal
    imported = SyncEvent.objects.get(merchant=merchant, code="import.product", params__name="Mug")
    assert (imported.product_id, imported.product_name, imported.params["created"]) == (product.pk, "Mug", True)
    finished = SyncEvent.objects.get(merchant=merchant, code="import.finished")
    assert finished.params == {"done": 2, "total": 2, "failed": 0}
    assert "Initial import from BigCommerce finished: 2 of 2 products imported, 0 failed." in journal
    assert not SyncEvent.objects.filter(merchant=merchant, status="running").exists()


def test_initial_import_in_chunks_records_progress(bc, monkeypatch):  # noqa: F811
    monkeypatch.setattr(importer, "CHUNK", 2)
    shop, merchant, _client, _connection, ids = connect(
        bc, products=[simple(f"Candle {n}", f"CANDLE-{n}") for n in range(5)]
    )
    run = SyncRun.objects.get(merchant=merchant)
    assert (run.total, run.done, run.failed, run.status) == (5, 5, 0, "finished")
    assert Product.objects.filter(merchant=merchant, managed_in="BigCommerce").count() == 5


def test_a_product_linked_at_review_is_updated_in_place(bc):  # noqa: F811
    shop, merchant, _client, _connection, ids = connect(
        bc, products=[simple("Mug (web)", "MUG-1", price=12)], local=[("Mug", "MUG-1")]
    )
    product = Product.objects.get(merchant=merchant)  # one product, not two
    assert (product.name, product.managed_in) == ("Mug (web)", "BigCommerce")
    assert product.variants.get().price == 1200
    link = ProductLink.objects.get(product=product, unlinked_at__isnull=True)
    assert (link.origin, link.remote_product_id, link.state) == ("linked", ids[0], "synced")


def test_bad_data_fails_for_that_product_while_the_rest_imports(bc):  # noqa: F811
    too_many_options = {
        "name": "Poster",
        "type": "physical",
        "weight": 1,
        "price": 5,
        "variants": [
            {
                "sku": "POSTER-1",
                "option_values": [
                    {"option_display_name": name, "label": "A"} for name in ("Size", "Paper", "Frame", "Finish")
                ],
            }
        ],
    }
    shop, merchant, _client, connection, _ids = connect(bc, products=[too_many_options, simple("Tote", "TOTE")])
    run = SyncRun.objects.get(merchant=merchant)
    assert (run.done, run.failed, run.status) == (1, 1, "finished")
    assert list(Product.objects.filter(merchant=merchant).values_list("name", flat=True)) == ["Tote"]
    failure = SyncEvent.objects.get(merchant=merchant, kind="product_import", status="failed")
    assert failure.message == "“Poster” could not be imported from BigCommerce: A product has at most 3 options."
    assert failure.product_name == "Poster"  # named, though it never became a Comptoir product


def test_a_variant_without_sku_and_a_failing_image_are_journaled(bc, images):  # noqa: F811
    shop, merchant, _client, connection, _ids = connect(bc)
    remote_id = shop.create(mug(images))
    remote = importer.products_fetch(client=importer.client_for(connection), ids=[remote_id])[remote_id]

    no_sku = json.loads(json.dumps(remote))
    no_sku["variants"][1]["sku"] = ""
    assert importer.product_import(connection=connection, remote=no_sku).status == "failed"
    assert not Product.objects.filter(merchant=merchant).exists()
    message = SyncEvent.objects.filter(merchant=merchant, status="failed").latest("id").message
    assert "has no SKU in BigCommerce" in message and "Blue / L" in message

    broken = json.loads(json.dumps(remote))
    broken["images"][1]["url_zoom"] = f"{images}/gone.png"
    result = importer.product_import(connection=connection, remote=broken)
    product = Product.objects.get(merchant=merchant)
    assert product.variants.count() == 4 and product.images.count() == 1  # the rest of the product came in
    assert (result.status, result.link.__class__.objects.get(pk=result.link.pk).state) == ("failed", "failed")
    image_failure = SyncEvent.objects.filter(merchant=merchant, status="failed").latest("id")
    assert image_failure.message == "An image of “Mug” could not be imported from BigCommerce: the store answered 404."
    assert (image_failure.product_id, image_failure.product_name) == (product.pk, "Mug")

    # The next sync (the image is back) fetches only the missing image.
    assert importer.product_import(connection=connection, remote=remote).status == "imported"
    assert product.images.count() == 2
    assert ProductLink.objects.get(product=product).state == "synced"


# -- prices ---------------------------------------------------------------------------------------
def test_without_price_sync_a_comptoir_price_is_never_overwritten(bc):  # noqa: F811
    shop, merchant, client, connection, ids = connect(bc, include_prices="no", products=[simple("Tote", "TOTE", 15)])
    product = Product.objects.get(merchant=merchant)
    variant = product.variants.get()
    assert (variant.price, variant.cost_price) == (0, None)  # new products: price 0
    variant.price = 1890
    variant.save()

    shop.api.put(f"/v3/catalog/products/{ids[0]}", json={"name": "Tote bag", "price": 99, "cost_price": 30})
    shop.replay_webhooks(client, connection)
    product.refresh_from_db()
    variant.refresh_from_db()
    assert product.name == "Tote bag"
    assert (variant.price, variant.cost_price) == (1890, None)


def test_without_price_sync_the_merchant_sets_comptoirs_price_on_the_edit_page(bc):  # noqa: F811
    # The seed: "vous devrez ajouter les prix sur la plateforme avec laquelle vous avez effectué la
    # synchronisation". Imported at 0, priced in Comptoir through the form, kept by later imports.
    shop, merchant, client, connection, ids = connect(bc, include_prices="no", products=[simple("Tote", "TOTE", 15)])
    product = Product.objects.get(merchant=merchant)
    assert product.variants.get().price == 0
    listed = client.get(reverse("catalog:product_list")).content.decode()
    assert ">No price</span>" in listed

    url = reverse("catalog:product_update", args=[product.pk])
    page = client.get(url).content.decode()
    assert page.count("readonly") == 1  # the SKU; price and cost price are Comptoir's to set
    assert "Prices are not synced: set Comptoir's prices here." in page
    assert 'name="name"' in page and "disabled" in page.split('name="name"')[1].split(">")[0]
    form = {
        "name": "Renamed in Comptoir",  # a field BigCommerce manages: ignored (disabled)
        "description": product.description,
        "vat_rate": "20",
        "track_stock": "on",
        "low_stock_level": "",
        "shipping_weight_grams": "",
        "option-count": "0",
        "variant-count": "1",
        "variant-0-combination": "[]",
        "variant-0-sku": "TOTE",
        "variant-0-barcode": "",
        "variant-0-price": "18.90",
        "variant-0-cost_price": "7",
    }
    assert client.post(url, form).status_code == 302
    product.refresh_from_db()
    variant = product.variants.get()
    assert (product.name, variant.price, variant.cost_price) == ("Tote", 1890, 700)
    assert ">No price</span>" not in client.get(reverse("catalog:product_list")).content.decode()

    shop.api.put(f"/v3/catalog/products/{ids[0]}", json={"name": "Tote bag", "price": 99, "cost_price": 30})
    shop.replay_webhooks(client, connection)
    product.refresh_from_db()
    variant.refresh_from_db()
    assert product.name == "Tote bag"
    assert (variant.price, variant.cost_price) == (1890, 700)


def test_with_price_sync_the_bigcommerce_price_flows_in(bc):  # noqa: F811
    shop, merchant, client, connection, ids = connect(bc, include_prices="yes", products=[simple("Tote", "TOTE", 15)])
    shop.api.put(f"/v3/catalog/products/{ids[0]}", json={"price": 17.5, "cost_price": 6})
    shop.replay_webhooks(client, connection)
    product = Product.objects.get(merchant=merchant)
    variant = product.variants.get()
    assert (variant.price, variant.cost_price) == (1750, 600)

    # With price sync, the price is BigCommerce's in Comptoir too: read-only.
    page = client.get(reverse("catalog:product_update", args=[product.pk])).content.decode()
    assert page.count("readonly") == 3  # SKU, price, cost price
    spec = VariantSpec(sku="TOTE", price=999, cost_price=600)
    with pytest.raises(ProductManagedElsewhere, match="change its prices there"):
        product_update(product=product, fields=product_fields_of(product), variants=[spec])


# -- webhooks -------------------------------------------------------------------------------------
def test_webhooks_assign_update_unassign_reassign_delete(bc, images):  # noqa: F811
    shop, merchant, client, connection, _ids = connect(bc)
    remote_id = shop.create(mug(images))
    assert "store/product/created" in shop.replay_webhooks(client, connection)
    assert not Product.objects.filter(merchant=merchant).exists()  # not on our channel: ignored

    shop.assign(remote_id)
    assert f"store/channel/{connection.channel_id}/product/assigned" in shop.replay_webhooks(client, connection)
    product = Product.objects.get(merchant=merchant)
    assert (product.name, product.variants.count(), product.images.count()) == ("Mug", 4, 2)

    shop.api.put(f"/v3/catalog/products/{remote_id}", json={"name": "Big mug", "description": "Bigger."})
    shop.replay_webhooks(client, connection)
    product.refresh_from_db()
    assert (product.name, product.description) == ("Big mug", "Bigger.")

    shop.unassign(remote_id)
    shop.replay_webhooks(client, connection)
    product.refresh_from_db()
    assert product.is_archived and product.managed_in == ""
    assert not ProductLink.objects.live().filter(product=product).exists()
    left = SyncEvent.objects.get(merchant=merchant, message__contains="was removed from the Comptoir-POS channel")
    assert (left.product_id, left.product_name) == (product.pk, "Big mug")
    assert (left.code, left.params) == ("import.left", {"name": "Big mug", "deleted": False})

    shop.assign(remote_id)
    shop.replay_webhooks(client, connection)
    assert Product.objects.filter(merchant=merchant).count() == 1  # the same product came back
    product.refresh_from_db()
    assert not product.is_archived and product.managed_in == "BigCommerce"
    assert product.images.count() == 2 and product.variants.count() == 4

    shop.api.delete(f"/v3/catalog/products/{remote_id}")
    shop.replay_webhooks(client, connection)
    product.refresh_from_db()
    assert product.is_archived
    assert SyncEvent.objects.filter(merchant=merchant, message__contains="was deleted in BigCommerce").exists()


def test_a_sku_event_reimports_its_product(bc):  # noqa: F811
    shop, merchant, client, connection, ids = connect(bc, products=[simple("Tote", "TOTE")])
    variant_id = shop.api.get(f"/v3/catalog/products/{ids[0]}/variants")["data"][0]["id"]
    shop.api.put(f"/v3/catalog/products/{ids[0]}/variants/{variant_id}", json={"sku": "TOTE-2"})
    payload = {  # as BigCommerce documents store/sku/updated
        "scope": "store/sku/updated",
        "store_id": "1001",
        "data": {"type": "sku", "id": 461, "sku": {"product_id": ids[0], "variant_id": variant_id}},
        "hash": "a" * 40,
        "created_at": 1764000000,
        "producer": f"stores/{connection.store_hash}",
    }
    assert post_webhook(client, connection, payload).status_code == 200
    assert Product.objects.get(merchant=merchant).variants.get().sku == "TOTE-2"


def test_another_channel_and_comptoir_managed_connections_are_left_alone(bc):  # noqa: F811
    shop, merchant, client, connection, ids = connect(bc, products=[simple("Tote", "TOTE")])
    other = {"scope": "store/channel/1/product/unassigned", "data": {"product_id": ids[0]}}
    post_webhook(client, connection, {**other, "hash": "b" * 40, "created_at": 1764000000, "store_id": "1"})
    assert not Product.objects.get(merchant=merchant).is_archived

    BigCommerceConnection.objects.filter(pk=connection.pk).update(managed_in="comptoir")
    shop.unassign(ids[0])
    shop.replay_webhooks(client, connection)
    assert not Product.objects.get(merchant=merchant).is_archived


# -- resync ---------------------------------------------------------------------------------------
def test_resync_catches_what_webhooks_missed(bc):  # noqa: F811
    from integrations.tasks import bigcommerce_import_resync

    shop, merchant, client, connection, ids = connect(
        bc, products=[simple("Tote", "TOTE"), simple("Candle", "CANDLE"), simple("Soap", "SOAP")]
    )
    shop.api.put(f"/v3/catalog/products/{ids[0]}", json={"name": "Tote bag"})
    shop.unassign(ids[1])
    new_id = shop.create(simple("Vase", "VASE"))
    shop.assign(new_id)
    # ...and none of those webhooks arrives.
    bigcommerce_import_resync(connection.pk)

    names = dict(Product.objects.filter(merchant=merchant).values_list("name", "is_archived"))
    assert names == {"Tote bag": False, "Candle": True, "Soap": False, "Vase": False}
    summary = SyncEvent.objects.filter(merchant=merchant, message__startswith="Checked the").latest("id")
    assert summary.detail == {"imported": 2, "unchanged": 1, "failed": 0, "left": 1}

    bigcommerce_import_resync(connection.pk)  # nothing changed: nothing written
    summary = SyncEvent.objects.filter(merchant=merchant, message__startswith="Checked the").latest("id")
    assert summary.detail == {"imported": 0, "unchanged": 3, "failed": 0, "left": 0}


def test_a_failure_reads_in_each_language(bc):  # noqa: F811
    shop, merchant, _client, connection, _ids = connect(bc)
    remote_id = shop.create(simple("Tote", "TOTE"))
    remote = importer.products_fetch(client=importer.client_for(connection), ids=[remote_id])[remote_id]
    importer.product_import(connection=connection, remote={**remote, "name": " "})
    failure = SyncEvent.objects.get(merchant=merchant, status="failed")
    assert set(failure.message_i18n) == {"en", "fr"}
    assert failure.message_i18n["en"].endswith(f"Product #{remote_id} has no name in BigCommerce.")


def test_a_retried_chunk_or_import_never_duplicates(bc, monkeypatch, django_capture_on_commit_callbacks):  # noqa: F811
    monkeypatch.setattr(importer, "CHUNK", 2)
    shop, merchant, _client, connection, _ids = connect(bc)
    ids = [shop.create(simple(f"Soap {n}", f"SOAP-{n}")) for n in range(3)]
    shop.assign(*ids)
    with django_capture_on_commit_callbacks(execute=False):  # the worker dies before running the task
        run = importer.import_initial_start(connection=connection)
    assert importer.import_chunk_run(run=run) is True  # 2 of 3
    # The process dies after the first product of the next chunk was written but before the
    # run counted it; the retried task imports it again: it is updated, not duplicated.
    remote = importer.products_fetch(client=importer.client_for(connection), ids=[ids[2]])[ids[2]]
    importer.product_import(connection=connection, remote=remote)
    ProductLink.objects.filter(remote_product_id=ids[2]).update(content_hash="")
    assert importer.import_chunk_run(run=run) is False
    assert importer.import_chunk_run(run=run) is False  # a finished run does nothing more
    run.refresh_from_db()
    assert (run.done, run.failed, run.status) == (3, 0, "finished")
    assert Product.objects.filter(merchant=merchant).count() == 3
    assert ProductLink.objects.live().filter(connection=connection).count() == 3


def test_disconnecting_and_keeping_the_copies_makes_them_editable_again(bc):  # noqa: F811
    shop, merchant, client, connection, _ids = connect(bc, products=[simple("Tote", "TOTE")])
    assert client.post("/integrations/bigcommerce/disconnect/", {"delete_copies": "no"}).status_code == 302
    product = Product.objects.get(merchant=merchant)
    assert (product.managed_in, product.is_archived) == ("", False)
    assert SyncEvent.objects.filter(merchant=merchant, message__contains="can be edited in Comptoir again").exists()


def test_disconnecting_and_deleting_the_copies_archives_them_through_the_catalog(bc):  # noqa: F811
    from catalog.signals import product_saved

    shop, merchant, client, connection, _ids = connect(bc, products=[simple("Tote", "TOTE")])
    seen = []
    product_saved.connect(lambda **kw: seen.append(kw["origin"]), weak=False, dispatch_uid="archive-probe")
    try:
        answer = client.post("/integrations/bigcommerce/disconnect/", {"delete_copies": "yes", "confirm_delete": "1"})
        assert answer.status_code == 302
    finally:
        product_saved.disconnect(dispatch_uid="archive-probe")
    product = Product.objects.get(merchant=merchant)
    assert (product.managed_in, product.is_archived) == ("", True)  # history kept, editable again
    assert seen == ["bigcommerce"]  # the archive service announced it, as an import (never echoed back)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"price": 1e30}, "The price in BigCommerce (1e+30) is more than Comptoir takes (at most €100,000,000.00)."),
        ({"price": "9" * 27}, "The price in BigCommerce (" + "9" * 27 + ") is more than Comptoir takes"),
        ({"cost_price": 1e30}, "The price in BigCommerce (1e+30) is more than Comptoir takes"),
        ({"weight": 99_999_999_999.999}, "The weight in BigCommerce (99999999999.999 kg) is more than Comptoir takes"),
    ],
)
def test_a_price_or_weight_out_of_bounds_is_that_products_journaled_failure(bc, overrides, reason):  # noqa: F811
    # to_minor raised decimal.InvalidOperation on 1e30: the import task failed and was retried
    # forever, with no journal entry. It is now that product's failure; the others import.
    shop, merchant, _client, connection, ids = connect(bc, products=[simple("Tote", "TOTE")])
    remote = importer.products_fetch(client=importer.client_for(connection), ids=[ids[0]])[ids[0]]
    absurd = {**json.loads(json.dumps(remote)), "id": remote["id"] + 1000, "name": "Gold bar", **overrides}
    assert importer.product_import(connection=connection, remote=absurd).status == "failed"
    failure = SyncEvent.objects.filter(merchant=merchant, status="failed").latest("id")
    assert failure.message.startswith("“Gold bar” could not be imported from BigCommerce: " + reason)
    assert list(Product.objects.filter(merchant=merchant).values_list("name", flat=True)) == ["Tote"]
    assert importer.product_import(connection=connection, remote=remote).status in ("imported", "unchanged")
