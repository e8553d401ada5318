from catalog.tests.factories import ProductFactory, product_with_options


def test_product_factory_makes_one_variant(merchant):
    product = ProductFactory(merchant=merchant)
    variant = product.variants.get()
    assert variant.merchant == merchant
    assert variant.sku == f"SKU-{product.pk}"


def test_product_with_options_makes_every_combination(merchant):
    product = product_with_options(merchant=merchant)
    assert product.variants.count() == 6
    assert sorted(v.label for v in product.variants.all())[0] == "L / Blue"
