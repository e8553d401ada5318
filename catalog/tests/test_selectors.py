import pytest

from catalog.models import Product, ProductImage, Variant
from catalog.selectors import product_detail, product_get, product_list, variant_skus_taken
from catalog.tests.factories import CategoryFactory, ProductFactory, product_with_options


def names(queryset):
    return [p.name for p in queryset]


def test_list_is_the_merchants_only(merchant, other_merchant):
    ProductFactory(merchant=merchant, name="Mine")
    ProductFactory(merchant=other_merchant, name="Theirs")
    assert names(product_list(merchant=merchant)) == ["Mine"]


def test_search_by_name_sku_and_barcode(merchant):
    ProductFactory(merchant=merchant, name="Green tea", variant__sku="TEA-01")
    ProductFactory(merchant=merchant, name="Coffee", variant__sku="CAF-01", variant__barcode="4006381333931")
    assert names(product_list(merchant=merchant, search="green")) == ["Green tea"]
    assert names(product_list(merchant=merchant, search="caf-0")) == ["Coffee"]
    assert names(product_list(merchant=merchant, search="4006381333931")) == ["Coffee"]
    assert names(product_list(merchant=merchant, search="nothing")) == []


def test_search_by_sku_does_not_duplicate_rows_or_skew_counts(merchant):
    product_with_options(merchant=merchant, name="Shirt", sku_prefix="TS")
    rows = list(product_list(merchant=merchant, search="TS-"))
    assert len(rows) == 1 and rows[0].variant_count == 6


def test_search_does_not_cross_merchants(merchant, other_merchant):
    ProductFactory(merchant=other_merchant, name="Theirs", variant__sku="SAME-1")
    assert names(product_list(merchant=merchant, search="SAME")) == []


def test_category_filter_and_archive(merchant):
    drinks = CategoryFactory(merchant=merchant)
    ProductFactory(merchant=merchant, name="Tea", category=drinks)
    ProductFactory(merchant=merchant, name="Mug")
    ProductFactory(merchant=merchant, name="Old tea", category=drinks, is_archived=True)
    assert names(product_list(merchant=merchant, category_id=drinks.pk)) == ["Tea"]
    assert names(product_list(merchant=merchant, archived=True)) == ["Old tea"]


def test_list_carries_counts_prices_and_first_image(merchant):
    product = product_with_options(merchant=merchant, price=1000)
    Variant.objects.filter(product=product).filter(sku__endswith="RED").update(price=1500)
    ProductImage.objects.create(product=product, image="b.png", position=1)
    ProductImage.objects.create(product=product, image="a.png", position=0)
    row = product_list(merchant=merchant).get()
    assert (row.variant_count, row.price_min, row.price_max) == (6, 1000, 1500)
    assert row.images.all()[0].image.name == "a.png"


def test_get_and_detail_refuse_other_merchants(merchant, other_merchant):
    product = ProductFactory(merchant=other_merchant)
    with pytest.raises(Product.DoesNotExist):
        product_get(merchant=merchant, product_id=product.pk)
    with pytest.raises(Product.DoesNotExist):
        product_detail(merchant=merchant, product_id=product.pk)
    assert product_get(merchant=other_merchant, product_id=product.pk) == product


def test_skus_taken_ignores_case_and_this_product(merchant, other_merchant):
    mine = ProductFactory(merchant=merchant, name="Mug", variant__sku="MUG-1")
    ProductFactory(merchant=other_merchant, variant__sku="CUP-1")
    assert variant_skus_taken(merchant=merchant, skus=["mug-1", "cup-1"]) == {"mug-1": "Mug"}
    assert variant_skus_taken(merchant=merchant, skus=["MUG-1"], exclude_product=mine) == {}


def test_search_ignores_accents_and_case_both_ways(merchant):
    ProductFactory(merchant=merchant, name="Vase en grès")
    ProductFactory(merchant=merchant, name="Oeuf en bois")
    ProductFactory(merchant=merchant, name="Gresil")
    assert names(product_list(merchant=merchant, search="gres ")) == ["Gresil", "Vase en grès"]
    assert names(product_list(merchant=merchant, search="GRÈS")) == ["Gresil", "Vase en grès"]
    assert names(product_list(merchant=merchant, search="œuf")) == ["Oeuf en bois"]


def test_order_is_alphabetical_as_a_reader_expects(merchant):
    for name in ["Zèbre", "écusson", "Écharpe", "Abricot", "eclair"]:
        ProductFactory(merchant=merchant, name=name)
    assert names(product_list(merchant=merchant)) == ["Abricot", "Écharpe", "eclair", "écusson", "Zèbre"]


def test_name_key_follows_renames_made_with_update_fields(merchant):
    product = ProductFactory(merchant=merchant, name="Tasse")
    product.name = "Théière"
    product.save(update_fields=["name"])
    assert names(product_list(merchant=merchant, search="theiere")) == ["Théière"]
