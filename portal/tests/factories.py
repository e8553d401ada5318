from decimal import Decimal

import factory

from portal.models import Device, Membership, Merchant, Shop, User, device_token_hash
from portal.services import shop_primary


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Boutique {n}")
    country = "FR"
    currency = "EUR"
    default_vat_rate = Decimal("20.00")

    @factory.post_generation
    def primary_shop(obj, create, extracted, **kwargs):
        # As portal.services.merchant_create: every merchant has its primary shop from the start.
        if create:
            shop_primary(merchant=obj)


class ShopFactory(factory.django.DjangoModelFactory):
    """A second (not primary) shop of a merchant."""

    class Meta:
        model = Shop

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Shop {n}")
    country = factory.SelfAttribute("merchant.country")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    merchant = factory.SubFactory(MerchantFactory)


class DeviceFactory(factory.django.DjangoModelFactory):
    """A device whose plain token is available as ``device.token`` (tests only)."""

    class Meta:
        model = Device

    merchant = factory.SubFactory(MerchantFactory)
    shop = factory.LazyAttribute(lambda o: shop_primary(merchant=o.merchant))
    name = factory.Sequence(lambda n: f"Till {n}")
    token = factory.LazyFunction(Device.new_token)
    token_hash = factory.LazyAttribute(lambda o: device_token_hash(o.token))
    token_hint = factory.LazyAttribute(lambda o: o.token[-6:])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        token = kwargs.pop("token", None)
        obj = super()._create(model_class, *args, **kwargs)
        obj.token = token
        return obj
