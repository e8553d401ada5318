import itertools
from decimal import Decimal

import factory

from catalog.models import Category, Folder, OptionValue, Product, ProductOption, Variant
from inventory.models import StockMovement, StockOrigin
from portal.services import shop_primary
from portal.tests.factories import MerchantFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class FolderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Folder

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Folder {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    """A product without options, with its one variant (``product.variants.get()``)."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    description = "A fine product."
    vat_rate = Decimal("20.00")
    track_stock = True

    @factory.post_generation
    def variant(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        defaults = {"sku": f"SKU-{obj.pk}", "price": 1000}
        defaults.update(kwargs)
        VariantFactory(product=obj, merchant=obj.merchant, **defaults)


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory, variant=False)
    merchant = factory.SelfAttribute("product.merchant")
    sku = factory.Sequence(lambda n: f"VAR-{n:05d}")
    price = 1000


class ProductOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductOption

    product = factory.SubFactory(ProductFactory, variant=False)
    name = factory.Sequence(lambda n: f"Option {n}")


class OptionValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OptionValue

    option = factory.SubFactory(ProductOptionFactory)
    value = factory.Sequence(lambda n: f"Value {n}")


def product_with_options(*, merchant, name="T-shirt", options=None, price=2500, sku_prefix="TS"):
    """A product with options and one variant per combination, e.g. {"Size": ["S","M"], "Colour": [...]}."""
    options = options or {"Size": ["S", "M", "L"], "Colour": ["Blue", "Red"]}
    product = ProductFactory(merchant=merchant, name=name, variant=False)
    value_lists = []
    for position, (option_name, values) in enumerate(options.items()):
        option = ProductOption.objects.create(product=product, name=option_name, position=position)
        value_lists.append(
            [OptionValue.objects.create(option=option, value=v, position=i) for i, v in enumerate(values)]
        )
    for position, combo in enumerate(itertools.product(*value_lists)):
        variant = Variant.objects.create(
            merchant=merchant,
            product=product,
            sku=f"{sku_prefix}-{'-'.join(v.value.upper() for v in combo)}",
            price=price,
            position=position,
        )
        variant.option_values.set(combo)
    return product


def with_stock_history(product):
    """Give ``product`` a stock movement (history), which keeps it from being deleted."""
    variant = product.variants.first()
    StockMovement.objects.create(
        merchant=product.merchant,
        shop=shop_primary(merchant=product.merchant),
        variant=variant,
        origin=StockOrigin.INITIAL,
        delta=1,
        level_after=1,
        idempotency_key=f"history-{variant.pk}",
    )
    return product
