"""BigCommerce → Comptoir mapper, field by field against SPEC §3's table, without a database."""

from decimal import Decimal

import pytest

from catalog.models import Category, Folder, Product
from integrations.bigcommerce.mappers.inbound import (
    InboundDataError,
    product_fields,
    product_from_bigcommerce,
    variant_specs,
    weight_to_grams,
)


def remote_product(**overrides):
    """A BigCommerce v3 product as read with include=variants,images,options, every field set."""
    product = {
        "id": 77,
        "name": "  Mug   Blue ",
        "type": "physical",
        "sku": "MUG",
        "description": "<p>A mug.</p>",
        "weight": 0.35,
        "width": 9,
        "depth": 9,
        "height": 11,
        "price": 12.5,
        "cost_price": 4.2,
        "retail_price": 15,
        "sale_price": 11,
        "categories": [23, 21],
        "brand_id": 5,
        "tax_class_id": 2,
        "product_tax_code": "TX1",
        "inventory_level": 9,
        "inventory_warning_level": 3,
        "inventory_tracking": "variant",
        "fixed_cost_shipping_price": 4.5,
        "is_free_shipping": True,
        "is_visible": True,
        "page_title": "SEO title",
        "meta_description": "SEO description",
        "search_keywords": "mug, blue",
        "custom_url": {"url": "/mug/", "is_customized": True},
        "upc": "012345678905",
        "date_modified": "2026-12-01T10:00:00+00:00",
        "options": [
            {
                "id": 11,
                "display_name": "Size",
                "sort_order": 1,
                "option_values": [
                    {"id": 112, "label": "L", "sort_order": 1},
                    {"id": 111, "label": "S", "sort_order": 0},
                ],
            },
            {
                "id": 10,
                "display_name": "Colour",
                "sort_order": 0,
                "option_values": [
                    {"id": 101, "label": "Blue", "sort_order": 0},
                    {"id": 102, "label": "Unused", "sort_order": 1},
                ],
            },
        ],
        "variants": [
            {
                "id": 501,
                "sku": "MUG-B-S",
                "price": None,
                "cost_price": None,
                "inventory_level": 5,
                "upc": "",
                "option_values": [
                    {"option_display_name": "Size", "label": "S", "id": 111, "option_id": 11},
                    {"option_display_name": "Colour", "label": "Blue", "id": 101, "option_id": 10},
                ],
            },
            {
                "id": 502,
                "sku": "MUG-B-L",
                "price": 13.99,
                "cost_price": 5,
                "inventory_level": -2,
                "option_values": [
                    {"option_display_name": "Colour", "label": "Blue", "id": 101, "option_id": 10},
                    {"option_display_name": "Size", "label": "L", "id": 112, "option_id": 11},
                ],
            },
        ],
        "images": [
            {"id": 2, "is_thumbnail": False, "sort_order": 0, "url_zoom": "https://cdn.test/2.jpg", "description": "b"},
            {"id": 1, "is_thumbnail": True, "sort_order": 5, "url_zoom": "https://cdn.test/1.jpg", "description": "a"},
        ],
        "videos": [{"video_id": "dQw4w9WgXcQ", "type": "youtube"}],
        "custom_fields": [{"name": "Material", "value": "Clay"}],
        "modifiers": [{"display_name": "Engraving"}],
    }
    product.update(overrides)
    return product


def mapped(remote=None, *, include_prices=True, currency="EUR", weight_units="kg"):
    return product_from_bigcommerce(
        remote or remote_product(), include_prices=include_prices, currency=currency, weight_units=weight_units
    )


# ✓ fields ------------------------------------------------------------------------------------
def test_name_is_tidied():
    assert mapped().name == "Mug Blue"


def test_description_reaches_comptoir():
    assert mapped().description == "<p>A mug.</p>"


def test_price_and_cost_price_in_minor_units_when_prices_are_included():
    variants = {v.sku: v for v in mapped().variants}
    assert (variants["MUG-B-S"].price, variants["MUG-B-S"].cost_price) == (1250, 420)  # inherits the product's
    assert (variants["MUG-B-L"].price, variants["MUG-B-L"].cost_price) == (1399, 500)


def test_price_in_a_currency_without_decimals():
    assert mapped(remote_product(options=[], variants=[], price=1200), currency="JPY").variants[0].price == 1200


@pytest.mark.parametrize(
    ("units", "weight", "grams"),
    [("kg", 0.35, 350), ("KGS", 2, 2000), ("Grams", 350, 350), ("LBS", 1, 454), ("Ounces", 2, 57), ("kg", 0, None)],
)
def test_weight_in_grams_from_the_store_units(units, weight, grams):
    assert mapped(remote_product(weight=weight), weight_units=units).weight_grams == grams
    assert weight_to_grams(weight, units) == grams


def test_unknown_weight_unit_leaves_the_weight_out_with_a_warning():
    product = mapped(weight_units="stone")
    assert product.weight_grams is None
    assert "stone" in product.warnings[0]


def test_options_in_bigcommerce_order_with_the_values_variants_use():
    options = mapped().option_specs
    assert [(o.name, o.values) for o in options] == [("Colour", ("Blue",)), ("Size", ("S", "L"))]
    assert [o.remote_id for o in mapped().options] == [10, 11]
    assert mapped().options[1].values == ((111, "S"), (112, "L"))


def test_variants_with_combinations_in_option_order_and_skus():
    variants = mapped().variants
    assert [(v.remote_id, v.combination, v.sku) for v in variants] == [
        (501, (("Colour", "Blue"), ("Size", "S")), "MUG-B-S"),
        (502, (("Colour", "Blue"), ("Size", "L")), "MUG-B-L"),
    ]


def test_options_come_from_the_variants_when_the_answer_has_none():
    product = mapped(remote_product(options=None))
    assert [(o.name, o.values) for o in product.option_specs] == [("Size", ("S", "L")), ("Colour", ("Blue",))]


def test_starting_stock_per_variant_never_negative():
    assert [v.stock for v in mapped().variants] == [5, 0]


def test_stock_of_a_product_tracked_at_product_level():
    product = mapped(remote_product(options=[], variants=[{"id": 9, "sku": ""}], inventory_tracking="product"))
    assert (product.track_stock, product.variants[0].stock, product.variants[0].sku) == (True, 9, "MUG")


def test_stock_not_tracked():
    product = mapped(remote_product(inventory_tracking="none"))
    assert product.track_stock is False
    assert {v.stock for v in product.variants} == {None}


def test_low_stock_level_from_the_warning_level():
    assert mapped().low_stock_level == 3
    assert mapped(remote_product(inventory_warning_level=0)).low_stock_level is None


def test_images_thumbnail_first_then_sort_order():
    images = mapped().images
    assert [(i.remote_id, i.url, i.description) for i in images] == [
        (1, "https://cdn.test/1.jpg", "a"),
        (2, "https://cdn.test/2.jpg", "b"),
    ]


def test_fields_of_a_new_product():
    fields = product_fields(mapped())
    assert (fields.name, fields.description, fields.shipping_weight_grams, fields.low_stock_level) == (
        "Mug Blue",
        "<p>A mug.</p>",
        350,
        3,
    )
    assert fields.track_stock is True


# ✗ fields ------------------------------------------------------------------------------------
def test_never_product_type_categories_brand_tax_seo_storefront_shipping():
    fields = product_fields(mapped())
    assert (fields.category, fields.folder, fields.vat_rate) == (None, None, None)
    assert (fields.seo_title, fields.seo_description, fields.search_keywords) == ("", "", "")
    names = set(mapped().__dataclass_fields__)
    for never in ("type", "categories", "brand_id", "tax_class_id", "videos", "custom_fields", "modifiers"):
        assert never not in names
    assert "physical" not in repr(mapped()) and "dQw4w9WgXcQ" not in repr(mapped())
    assert "SEO" not in repr(mapped()) and "Clay" not in repr(mapped()) and "Engraving" not in repr(mapped())
    assert "012345678905" not in repr(mapped())  # UPC: Comptoir's barcode stays Comptoir's


def test_dimensions_and_shipping_costs_never_change_the_weight():
    heavier = remote_product(width=90, height=90, depth=90, fixed_cost_shipping_price=99, is_free_shipping=False)
    assert mapped(heavier).weight_grams == 350
    assert mapped(heavier).content_hash == mapped().content_hash


def test_comptoir_fields_kept_on_update():
    category, folder = Category(name="Mugs"), Folder(name="Kitchen")
    existing = Product(
        name="Old",
        category=category,
        folder=folder,
        vat_rate=Decimal("5.50"),
        seo_title="Mine",
        seo_description="My text",
        search_keywords="my, words",
        track_stock=False,
    )
    fields = product_fields(mapped(), existing=existing)
    assert (fields.category, fields.folder, fields.vat_rate) == (category, folder, Decimal("5.50"))
    assert (fields.seo_title, fields.seo_description, fields.search_keywords) == ("Mine", "My text", "my, words")
    assert fields.track_stock is False  # stock tracking stays Comptoir's after the import created it
    assert fields.name == "Mug Blue"


def test_without_price_sync_no_price_reaches_comptoir():
    product = mapped(include_prices=False)
    assert {(v.price, v.cost_price) for v in product.variants} == {(None, None)}
    specs = variant_specs(product)
    assert {(s.price, s.cost_price) for s in specs} == {(0, None)}  # new variants
    kept = variant_specs(product, existing={(("colour", "blue"), ("size", "s")): (990, 300, "4006381333931")})
    assert (kept[0].price, kept[0].cost_price, kept[0].barcode) == (990, 300, "4006381333931")
    assert (kept[1].price, kept[1].barcode) == (0, "")


def test_with_price_sync_the_bigcommerce_price_wins_and_the_barcode_stays():
    specs = variant_specs(mapped(), existing={(("colour", "blue"), ("size", "s")): (990, 300, "4006381333931")})
    assert (specs[0].price, specs[0].cost_price, specs[0].barcode) == (1250, 420, "4006381333931")


def test_prices_change_the_content_hash_only_when_included():
    cheaper = remote_product(price=9)
    assert mapped(cheaper).content_hash != mapped().content_hash
    assert mapped(cheaper, include_prices=False).content_hash == mapped(include_prices=False).content_hash


def test_stock_changes_do_not_change_the_content_hash():
    other = remote_product(inventory_level=100)
    other["variants"][0]["inventory_level"] = 100
    assert mapped(other).content_hash == mapped().content_hash


# bad data ------------------------------------------------------------------------------------
def test_a_variant_without_sku_is_refused_with_a_clear_message():
    remote = remote_product()
    remote["variants"][1]["sku"] = ""
    with pytest.raises(InboundDataError, match=r"“Blue / L” of “  Mug   Blue ” has no SKU"):
        mapped(remote)


@pytest.mark.parametrize("remote", [{}, {"name": "x"}, {"id": "7"}, None])
def test_a_product_without_id_is_refused(remote):
    with pytest.raises(InboundDataError, match="without an id"):
        product_from_bigcommerce(remote, include_prices=True, currency="EUR", weight_units="kg")


def test_a_product_without_name_is_refused():
    with pytest.raises(InboundDataError, match="#77 has no name"):
        mapped(remote_product(name="  "))


def test_missing_fields_take_safe_defaults():
    product = product_from_bigcommerce({"id": 5, "name": "Bare"}, include_prices=True, currency="EUR", weight_units="")
    assert (product.description, product.weight_grams, product.low_stock_level, product.track_stock) == (
        "",
        None,
        None,
        False,
    )
    assert product.options == () and product.images == ()
    assert [(v.combination, v.sku, v.price) for v in product.variants] == [((), "", None)]


def test_garbage_numbers_are_ignored_not_crashing():
    remote = remote_product(price="abc", weight="heavy", inventory_warning_level="x", cost_price=float("nan"))
    remote["variants"][0]["inventory_level"] = "many"
    product = mapped(remote)
    assert product.weight_grams is None and product.low_stock_level is None
    assert product.variants[0].price is None and product.variants[0].stock is None


def test_images_without_url_or_id_are_left_out():
    remote = remote_product(images=[{"id": 1}, {"url_zoom": "https://cdn.test/x.jpg"}, "junk"])
    assert mapped(remote).images == ()


@pytest.mark.parametrize("price", [1e30, "1e400", "9" * 27, 100_000_000.01])
def test_a_price_beyond_comptoirs_bound_is_a_data_error_not_a_crash(price):
    # to_minor raised decimal.InvalidOperation on 1e30: the import task died and was retried forever.
    with pytest.raises(InboundDataError, match=r"The price in BigCommerce \(.*\) is more than Comptoir takes"):
        mapped(remote_product(options=[], variants=[], price=price))


def test_a_negative_price_of_any_size_is_zero():
    assert mapped(remote_product(options=[], variants=[], price=-1e30)).variants[0].price == 0


@pytest.mark.parametrize(("units", "weight"), [("kg", 99_999_999_999.999), ("kg", 10_000.001), ("Tonnes", 11)])
def test_a_weight_beyond_comptoirs_bound_is_a_data_error(units, weight):
    with pytest.raises(InboundDataError, match="The weight in BigCommerce"):
        mapped(remote_product(weight=weight), weight_units=units)
    assert weight_to_grams(10_000, "kg") == 10_000_000  # the bound itself
