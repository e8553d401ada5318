import uuid

import factory

from catalog.tests.factories import ProductFactory, VariantFactory
from inventory.models import StockLevel, StockMovement, StockOrigin
from inventory.services import stock_set
from portal.services import shop_primary
from portal.tests.factories import MerchantFactory


class StockLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLevel

    variant = factory.SubFactory(VariantFactory)
    merchant = factory.SelfAttribute("variant.merchant")
    shop = factory.LazyAttribute(lambda o: shop_primary(merchant=o.merchant))
    quantity = 10


class StockMovementFactory(factory.django.DjangoModelFactory):
    """A bare ledger row (no level change): for admin and listing tests only."""

    class Meta:
        model = StockMovement

    variant = factory.SubFactory(VariantFactory)
    merchant = factory.SelfAttribute("variant.merchant")
    shop = factory.LazyAttribute(lambda o: shop_primary(merchant=o.merchant))
    origin = StockOrigin.MANUAL_COMPTOIR
    delta = 1
    level_after = 1
    idempotency_key = factory.LazyFunction(lambda: f"test:{uuid.uuid4().hex}")


def stocked_variant(*, merchant=None, quantity=10, track_stock=True, product=None, **variant_fields):
    """A product's one variant with a level of ``quantity`` (written through the ledger)."""
    merchant = merchant or MerchantFactory()
    product = product or ProductFactory(merchant=merchant, track_stock=True, variant=False)
    variant = VariantFactory(product=product, merchant=merchant, **variant_fields)
    if quantity is not None:
        stock_set(merchant=merchant, variant=variant, quantity=quantity, idempotency_key=f"init:{variant.pk}")
    if not track_stock:
        product.track_stock = False
        product.save(update_fields=["track_stock"])
    return variant


def primary_level(variant) -> StockLevel:
    """The variant's level in its merchant's primary shop (the one BigCommerce reads), read now."""
    return StockLevel.objects.get(variant=variant, shop__is_primary=True)
