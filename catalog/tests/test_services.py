import io
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import Product, ProductOption, Variant
from catalog.services import (
    OptionSpec,
    ProductAlreadyCreated,
    ProductFields,
    ProductHasHistory,
    VariantSpec,
    category_create,
    product_archive,
    product_create,
    product_delete,
    product_image_add,
    product_update,
    products_delete,
)
from catalog.signals import product_deleted, product_saved
from catalog.tests.factories import CategoryFactory, ProductFactory, product_with_options
from catalog.variants import combinations
from inventory.models import StockMovement, StockOrigin
from portal.money import from_minor, to_minor
from portal.services import shop_primary

SIZES = OptionSpec("Size", ("S", "M", "L"))
COLOURS = OptionSpec("Colour", ("Blue", "Red"))


def specs_for(options, *, prefix="TS", price=2500):
    return [
        VariantSpec(combination=c, sku=f"{prefix}-{'-'.join(v for _n, v in c) or 'ONE'}", price=price)
        for c in combinations(options)
    ]


def create(merchant, *, options=(), variants=None, name="T-shirt", **fields):
    return product_create(
        merchant=merchant,
        fields=ProductFields(name=name, **fields),
        options=options,
        variants=variants if variants is not None else specs_for(options),
    )


def history(variant):
    return StockMovement.objects.create(
        merchant=variant.merchant,
        shop=shop_primary(merchant=variant.merchant),
        variant=variant,
        origin=StockOrigin.INITIAL,
        delta=5,
        level_after=5,
        idempotency_key=f"test-{variant.pk}",
    )


# Creating -------------------------------------------------------------------------------------


def test_create_with_options_makes_one_variant_per_combination(merchant):
    product = create(merchant, options=[SIZES, COLOURS])
    assert product.variants.count() == 6
    assert [o.name for o in product.options.all()] == ["Size", "Colour"]
    assert list(product.options.get(name="Size").values.values_list("value", flat=True)) == ["S", "M", "L"]
    labels = [v.label for v in product.variants.prefetch_related("option_values__option")]
    assert labels == ["S / Blue", "S / Red", "M / Blue", "M / Red", "L / Blue", "L / Red"]
    assert all(v.merchant_id == merchant.pk for v in product.variants.all())


def test_create_without_options_has_exactly_one_variant(merchant):
    product = create(merchant, variants=[VariantSpec(sku="MUG", price=1200)])
    variant = product.variants.get()
    assert (variant.sku, variant.price) == ("MUG", 1200)
    assert not product.options.exists()


@pytest.mark.parametrize("count", [0, 2])
def test_a_product_without_options_refuses_zero_or_two_variants(merchant, count):
    variants = [VariantSpec(sku=f"A{i}", price=100) for i in range(count)]
    with pytest.raises(ValidationError, match="exactly one variant"):
        create(merchant, variants=variants)
    assert not Product.objects.exists()


def test_missing_combination_is_refused(merchant):
    with pytest.raises(ValidationError, match="one variant for each combination"):
        create(merchant, options=[SIZES], variants=specs_for([SIZES])[:2])
    assert not Product.objects.exists()


def test_vat_rate_defaults_to_the_merchants(merchant):
    merchant.default_vat_rate = Decimal("5.50")
    merchant.save()
    assert create(merchant, variants=[VariantSpec(price=1)]).vat_rate == Decimal("5.50")
    assert create(merchant, variants=[VariantSpec(price=1)], vat_rate=Decimal("10")).vat_rate == Decimal("10")


def test_at_most_three_options(merchant):
    options = [OptionSpec(f"O{i}", ("a",)) for i in range(4)]
    with pytest.raises(ValidationError, match="at most 3 options"):
        create(merchant, options=options, variants=[])


def test_option_without_values_or_twice_the_same_value_is_refused(merchant):
    with pytest.raises(ValidationError, match="needs at least one value"):
        create(merchant, options=[OptionSpec("Size", ())], variants=[])
    with pytest.raises(ValidationError, match="same value twice"):
        create(merchant, options=[OptionSpec("Size", ("S", "s"))], variants=[])


# SKUs and barcodes ----------------------------------------------------------------------------


def test_sku_unique_per_merchant_ignoring_case(merchant):
    create(merchant, variants=[VariantSpec(sku="ABC-1", price=1)])
    with pytest.raises(ValidationError, match="SKU abc-1 .*already used"):
        create(merchant, name="Other", variants=[VariantSpec(sku="abc-1", price=1)])
    assert Product.objects.count() == 1


def test_same_sku_allowed_for_another_merchant(merchant, other_merchant):
    create(merchant, variants=[VariantSpec(sku="ABC-1", price=1)])
    create(other_merchant, variants=[VariantSpec(sku="ABC-1", price=1)])
    assert Variant.objects.filter(sku="ABC-1").count() == 2


def test_two_variants_of_one_product_cannot_share_a_sku(merchant):
    variants = [VariantSpec(combination=c, sku="SAME", price=1) for c in combinations([SIZES])]
    with pytest.raises(ValidationError, match="used twice"):
        create(merchant, options=[SIZES], variants=variants)


def test_variants_may_swap_skus(merchant):
    product = create(merchant, options=[OptionSpec("Size", ("S", "M"))])
    swapped = [
        VariantSpec(combination=(("Size", "S"),), sku="TS-M", price=1),
        VariantSpec(combination=(("Size", "M"),), sku="TS-S", price=1),
    ]
    product_update(
        product=product, fields=ProductFields(name="T"), options=[OptionSpec("Size", ("S", "M"))], variants=swapped
    )
    assert [v.sku for v in product.variants.all()] == ["TS-M", "TS-S"]


def test_wrong_barcode_check_digit_is_refused(merchant):
    with pytest.raises(ValidationError, match="check digit"):
        create(merchant, variants=[VariantSpec(barcode="4006381333932", price=1)])
    product = create(merchant, variants=[VariantSpec(barcode="4006381 333931", price=1)])
    assert product.variants.get().barcode == "4006381333931"


# Updating -------------------------------------------------------------------------------------


def test_update_keeps_variants_whose_combination_survives(merchant):
    product = create(merchant, options=[SIZES])
    ids = {v.label: v.pk for v in product.variants.all()}
    new_sizes = OptionSpec("Size", ("M", "L", "XL"))
    variants = [VariantSpec(combination=c, sku=f"N-{c[0][1]}", price=3000) for c in combinations([new_sizes])]
    product_update(product=product, fields=ProductFields(name="T-shirt"), options=[new_sizes], variants=variants)
    after = {v.label: v.pk for v in product.variants.all()}
    assert after["M"] == ids["M"] and after["L"] == ids["L"]
    assert "S" not in after and "XL" in after
    assert not Variant.objects.filter(pk=ids["S"]).exists()


def test_adding_options_to_a_simple_product_keeps_its_variant(merchant):
    product = create(merchant, variants=[VariantSpec(sku="MUG", price=1200)])
    original = product.variants.get()
    history(original)  # has stock: must survive
    product_update(product=product, fields=ProductFields(name="Mug"), options=[COLOURS], variants=specs_for([COLOURS]))
    assert product.variants.count() == 2
    kept = Variant.objects.get(pk=original.pk)
    assert kept.label == "Blue"


def test_removing_a_combination_with_history_is_refused_and_changes_nothing(merchant):
    product = create(merchant, options=[SIZES])
    small = product.variants.get(sku="TS-S")
    history(small)
    fewer = OptionSpec("Size", ("M", "L"))
    with pytest.raises(ValidationError, match="have stock or sales history.*“S”"):
        product_update(
            product=product, fields=ProductFields(name="Renamed"), options=[fewer], variants=specs_for([fewer])
        )
    product.refresh_from_db()
    assert product.name == "T-shirt"
    assert product.variants.count() == 3
    assert list(product.options.get().values.values_list("value", flat=True)) == ["S", "M", "L"]


def test_removing_all_options_leaves_one_variant(merchant):
    product = create(merchant, options=[SIZES])
    first = product.variants.first()
    product_update(
        product=product, fields=ProductFields(name="T"), options=[], variants=[VariantSpec(sku="ONE", price=5)]
    )
    assert list(product.variants.values_list("pk", "sku")) == [(first.pk, "ONE")]
    assert not ProductOption.objects.filter(product=product).exists()


def test_category_of_another_merchant_is_refused(merchant, other_merchant):
    foreign = CategoryFactory(merchant=other_merchant)
    with pytest.raises(ValidationError, match="another merchant"):
        create(merchant, variants=[VariantSpec(price=1)], category=foreign)


def test_category_create_reuses_the_same_name(merchant):
    first = category_create(merchant=merchant, name="Drinks")
    assert category_create(merchant=merchant, name="  drinks ") == first


# Money ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("12.5", "EUR", 1250),
        ("0.005", "EUR", 1),
        ("19.99", "USD", 1999),
        ("1500", "JPY", 1500),
        ("1.2345", "KWD", 1235),
    ],
)
def test_money_conversion(amount, currency, minor):
    assert to_minor(Decimal(amount), currency) == minor
    assert to_minor(from_minor(minor, currency), currency) == minor


# Deleting, archiving, signals -----------------------------------------------------------------


def test_delete_announces_ids_and_skus_after_commit(merchant, django_capture_on_commit_callbacks):
    product = product_with_options(merchant=merchant)
    variant_ids = sorted(product.variants.values_list("pk", flat=True))
    received = []

    def receiver(**kwargs):
        received.append(kwargs)

    product_deleted.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            product_delete(product=product)
    finally:
        product_deleted.disconnect(receiver)
    assert not Product.objects.exists()
    assert received[0]["product_id"] is not None and received[0]["merchant_id"] == merchant.pk
    assert sorted(received[0]["variant_ids"]) == variant_ids
    assert "TS-S-BLUE" in received[0]["skus"]


def test_delete_with_history_raises_and_keeps_everything(merchant):
    product = ProductFactory(merchant=merchant)
    history(product.variants.get())
    with pytest.raises(ProductHasHistory, match="Archive it instead"):
        product_delete(product=product)
    assert Product.objects.filter(pk=product.pk).exists()


def test_bulk_delete_skips_products_with_history(merchant, other_merchant):
    free = ProductFactory(merchant=merchant, name="Free")
    kept = ProductFactory(merchant=merchant, name="Sold")
    foreign = ProductFactory(merchant=other_merchant)
    history(kept.variants.get())
    result = products_delete(merchant=merchant, product_ids=[free.pk, kept.pk, foreign.pk])
    assert result.deleted == ["Free"] and result.kept == ["Sold"]
    assert set(Product.objects.values_list("pk", flat=True)) == {kept.pk, foreign.pk}


def test_saved_signal_is_sent_only_after_commit(merchant, django_capture_on_commit_callbacks):
    received = []

    def receiver(**kwargs):
        received.append(kwargs)

    product_saved.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            product = create(merchant, variants=[VariantSpec(price=1)])
        assert received == []
        for callback in callbacks:
            callback()
        with django_capture_on_commit_callbacks(execute=True):
            product_archive(product=product)
    finally:
        product_saved.disconnect(receiver)
    assert [(r["product_id"], r["created"]) for r in received] == [(product.pk, True), (product.pk, False)]
    assert received[0]["merchant_id"] == merchant.pk


def test_no_signal_when_the_write_fails(merchant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(ValidationError):
            create(merchant, variants=[])
    assert callbacks == []


def _image_file(name: str, fmt: str):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def test_image_add_names_the_file_from_its_decoded_format(merchant):
    product = ProductFactory(merchant=merchant)
    image = product_image_add(product=product, image=_image_file("invoice.pdf", "PNG"))
    assert image.image.name.endswith(".png") and "invoice" not in image.image.name
    assert image.image.storage.open(image.image.name).read(8) == b"\x89PNG\r\n\x1a\n"


def test_image_add_refuses_a_format_we_do_not_take_even_without_the_form(merchant):
    product = ProductFactory(merchant=merchant)
    with pytest.raises(ValidationError, match="this one is BMP"):
        product_image_add(product=product, image=_image_file("photo.jpg", "BMP"))
    assert not product.images.exists()


def test_create_with_the_key_of_a_product_already_created_raises_with_that_product(merchant):
    key = uuid.uuid4()
    fields = ProductFields(name="Bol")
    first = product_create(merchant=merchant, fields=fields, variants=[VariantSpec(price=900)], product_uuid=key)
    with pytest.raises(ProductAlreadyCreated) as raised:
        product_create(merchant=merchant, fields=fields, variants=[VariantSpec(price=900)], product_uuid=key)
    assert raised.value.product == first and first.uuid == key
    assert Product.objects.filter(merchant=merchant).count() == 1
