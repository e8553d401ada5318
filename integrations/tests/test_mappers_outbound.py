"""The outbound mapper, field by field against SPEC §2's table, without a database."""

from decimal import Decimal

import pytest

from integrations.bigcommerce.mappers import outbound
from integrations.bigcommerce.mappers.outbound import (
    ImageSnapshot,
    OptionSnapshot,
    ProductSnapshot,
    StoreSettings,
    VariantSnapshot,
    VideoSnapshot,
)


def snapshot(**overrides) -> ProductSnapshot:
    fields = dict(
        id=1,
        name="Pull marin",
        description="<p>Laine</p>",
        shipping_weight_grams=450,
        seo_title="Pull marin rayé",
        seo_description="Un pull chaud",
        search_keywords="pull, marin",
        track_stock=True,
        is_archived=False,
        currency="EUR",
        options=(
            OptionSnapshot(id=10, name="Taille", values=((100, "S"), (101, "M"))),
            OptionSnapshot(id=11, name="Couleur", values=((110, "Bleu"),)),
        ),
        variants=(
            VariantSnapshot(
                id=20,
                sku="PM-S",
                barcode="4006381333931",
                price=8900,
                combination=(("Taille", "S"), ("Couleur", "Bleu")),
                stock=4,
                value_ids=(100, 110),
            ),
            VariantSnapshot(
                id=21,
                sku="PM-M",
                barcode="036000291452",
                price=9500,
                combination=(("Taille", "M"), ("Couleur", "Bleu")),
                stock=-2,
                value_ids=(101, 110),
            ),
        ),
        images=(ImageSnapshot(id=30, url="https://c.test/media/a.png", alt_text="Face", position=0),),
        videos=(VideoSnapshot(id=40, youtube_id="dQw4w9WgXcQ", title="Porté", description="", position=0),),
        category="Vêtements",
        folder="Hiver",
        vat_rate=Decimal("20.00"),
    )
    fields.update(overrides)
    return ProductSnapshot(**fields)


WITH_PRICES = StoreSettings(include_prices=True, category_id=7, weight_units="kg")
WITHOUT_PRICES = StoreSettings(include_prices=False, category_id=7, weight_units="kg")


def test_every_synced_field_reaches_the_create_payload():
    body = outbound.create_payload(snapshot(), WITH_PRICES)
    assert body["name"] == "Pull marin"  # Product name ✓
    assert body["description"] == "<p>Laine</p>"  # Description ✓
    assert (body["page_title"], body["meta_description"], body["search_keywords"]) == (
        "Pull marin rayé",
        "Un pull chaud",
        "pull, marin",
    )  # SEO information ✓
    assert body["weight"] == 0.45  # Shipping weight ✓ (grams → the store's kg)
    assert body["price"] == 89.0  # Price ✓ (prices included): the lowest variant price
    assert [v["sku"] for v in body["variants"]] == ["PM-S", "PM-M"]  # SKU ✓, Variants ✓
    assert [v["price"] for v in body["variants"]] == [89.0, 95.0]
    assert body["variants"][0]["option_values"] == [
        {"option_display_name": "Taille", "label": "S"},
        {"option_display_name": "Couleur", "label": "Bleu"},
    ]  # Variant options ✓, in Comptoir's option order
    assert (body["variants"][0]["gtin"], body["variants"][1]["upc"]) == ("4006381333931", "036000291452")  # Barcode ✓
    assert [v["inventory_level"] for v in body["variants"]] == [4, 0]  # Stock ✓; below zero shows as 0
    assert body["inventory_tracking"] == "variant"
    assert body["images"] == [
        {"image_url": "https://c.test/media/a.png", "description": "Face", "sort_order": 0, "is_thumbnail": True}
    ]  # Product images ✓
    assert body["videos"][0]["video_id"] == "dQw4w9WgXcQ"  # Product videos ✓
    assert body["is_visible"] is False and body["categories"] == [7]  # hidden, in the Comptoir POS category


def test_fields_that_are_never_synced_reach_no_payload():
    snap = snapshot()
    payloads = [outbound.create_payload(snap, WITH_PRICES), outbound.payloads(snap, WITH_PRICES).product]
    text = repr(payloads)
    assert "Vêtements" not in text  # Comptoir category ✗
    assert "Hiver" not in text  # Comptoir folder ✗
    for payload in payloads:
        assert not {"tax_class_id", "product_tax_code", "vat"} & set(payload)  # VAT ✗


def test_without_prices_creates_at_zero_and_updates_never_send_a_price():
    snap = snapshot()
    body = outbound.create_payload(snap, WITHOUT_PRICES)
    # The product at 0 (BigCommerce requires a price); its variants at the product's, whatever it becomes.
    assert body["price"] == 0.0 and all("price" not in v for v in body["variants"])
    parts = outbound.payloads(snap, WITHOUT_PRICES)
    assert "price" not in parts.product and all("price" not in v for v in parts.variants.values())


def test_updates_never_touch_what_the_merchant_decides_in_bigcommerce():
    parts = outbound.payloads(snapshot(), WITH_PRICES)
    assert not {"categories", "is_visible", "tax_class_id"} & set(parts.product)


def test_archived_disables_purchase_and_tracking_off_leaves_bigcommerce_s_tracking_alone():
    parts = outbound.payloads(snapshot(is_archived=True, track_stock=False), WITH_PRICES).product
    # Turned off on a synced product: BigCommerce keeps tracking its level (never "none": no overselling).
    assert parts["availability"] == "disabled" and "inventory_tracking" not in parts
    # Created untracked: nothing is counted on either side.
    body = outbound.create_payload(snapshot(track_stock=False), WITH_PRICES)
    assert body["inventory_tracking"] == "none"
    assert all("inventory_level" not in v for v in body["variants"])


def test_a_product_without_options_carries_its_sku_barcode_and_stock_itself():
    snap = snapshot(
        options=(),
        variants=(VariantSnapshot(id=20, sku="MUG", barcode="4006381333931", price=1800, combination=(), stock=7),),
    )
    body = outbound.create_payload(snap, WITH_PRICES)
    assert (body["sku"], body["gtin"], body["upc"], body["inventory_level"]) == ("MUG", "4006381333931", "", 7)
    assert "variants" not in body and body["inventory_tracking"] == "product"


@pytest.mark.parametrize(
    "units, grams, expected",
    [("kg", 450, 0.45), ("KGS", 1500, 1.5), ("Grams", 450, 450.0), ("Ounces", 283, 9.9825), ("LBS", 454, 1.0009)],
)
def test_weight_in_the_stores_units(units, grams, expected):
    assert outbound.weight(grams, units) == expected


def test_the_content_hash_changes_with_the_content_only():
    a = outbound.payloads(snapshot(), WITH_PRICES).product
    b = outbound.payloads(snapshot(), WITH_PRICES).product
    c = outbound.payloads(snapshot(name="Pull"), WITH_PRICES).product
    assert outbound.content_hash(a) == outbound.content_hash(b) != outbound.content_hash(c)


def test_a_product_of_the_same_name_is_ours_only_by_our_skus_barcodes_or_category_and_time():
    from datetime import UTC, datetime

    sent = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    ours = snapshot()  # SKUs PM-S and PM-M
    made = {"sku": "", "variants": [{"sku": "pm-s"}, {"sku": "PM-M"}], "categories": [], "date_created": ""}
    assert outbound.made_by_our_create(ours, made, category_id=7, sent_at=sent)
    theirs = {**made, "variants": [{"sku": "NATIVE-1"}]}
    assert not outbound.made_by_our_create(ours, theirs, category_id=7, sent_at=sent)
    partly = {**made, "variants": [{"sku": "PM-S"}]}
    assert not outbound.made_by_our_create(ours, partly, category_id=7, sent_at=sent)

    plain = VariantSnapshot(id=1, sku="", barcode="", price=100, combination=())
    no_sku = snapshot(options=(), variants=(plain,))
    after = {"sku": "", "variants": [{"sku": ""}], "categories": [7], "date_created": "2026-12-06T20:00:01+00:00"}
    assert outbound.made_by_our_create(no_sku, after, category_id=7, sent_at=sent)
    before = {**after, "date_created": "2026-12-01T09:00:00+00:00"}  # made by someone, days before
    assert not outbound.made_by_our_create(no_sku, before, category_id=7, sent_at=sent)
    elsewhere = {**after, "categories": [3]}
    assert not outbound.made_by_our_create(no_sku, elsewhere, category_id=7, sent_at=sent)

    coded = snapshot(
        options=(), variants=(VariantSnapshot(id=1, sku="", barcode="4006381333931", price=1, combination=()),)
    )
    assert outbound.made_by_our_create(coded, {**before, "gtin": "4006381333931"}, category_id=7, sent_at=sent)
    assert not outbound.made_by_our_create(coded, before, category_id=7, sent_at=sent)
