"""A barcode belongs to one variant of a merchant: the product form, services and admin refuse a
second one, naming the product that has it (the POS API refuses a shared barcode as ambiguous)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog.models import Product, Variant
from catalog.services import OptionSpec, ProductFields, VariantSpec, product_create, product_update
from catalog.tests.factories import ProductFactory
from catalog.tests.test_views_products import product_post, sized_post
from portal.tests.factories import DeviceFactory, UserFactory

EAN = "4006381333931"
OTHER_EAN = "96385074"


@pytest.fixture
def pencil(merchant):
    return ProductFactory(merchant=merchant, name="Pencil", variant__sku="PEN-1", variant__barcode=EAN)


def test_form_refuses_a_barcode_another_product_has_naming_it(merchant_client, pencil):
    response = merchant_client.post(reverse("catalog:product_create"), product_post(**{"variant-0-barcode": EAN}))
    assert "This barcode is already used by “Pencil”." in response.content.decode()
    assert not Product.objects.exclude(pk=pencil.pk).exists()


def test_form_refuses_a_barcode_an_archived_product_has(merchant_client, pencil):
    Product.objects.filter(pk=pencil.pk).update(is_archived=True)
    response = merchant_client.post(reverse("catalog:product_create"), product_post(**{"variant-0-barcode": EAN}))
    assert "This barcode is already used by “Pencil” (archived)." in response.content.decode()


def test_form_refuses_two_variants_of_one_product_with_the_same_barcode(merchant_client, merchant):
    data = sized_post(**{"variant-0-barcode": EAN, "variant-1-barcode": EAN})
    response = merchant_client.post(reverse("catalog:product_create"), data)
    assert response.content.decode().count("Two variants have this barcode; each needs its own.") == 2
    assert not Product.objects.exists()


def test_form_keeps_a_products_own_barcode_and_allows_another_merchants(merchant_client, pencil, other_merchant):
    ProductFactory(merchant=other_merchant, name="Their pencil", variant__barcode=OTHER_EAN)
    url = reverse("catalog:product_update", args=[pencil.pk])
    response = merchant_client.post(
        url, product_post(name="Pencil", **{"variant-0-sku": "PEN-1", "variant-0-barcode": EAN})
    )
    assert response.status_code == 302
    response = merchant_client.post(reverse("catalog:product_create"), product_post(**{"variant-0-barcode": OTHER_EAN}))
    assert response.status_code == 302
    assert Variant.objects.filter(merchant=pencil.merchant, barcode=OTHER_EAN).count() == 1


def test_services_refuse_duplicate_barcodes(merchant, pencil):
    with pytest.raises(ValidationError) as caught:
        product_create(merchant=merchant, fields=ProductFields(name="Pen"), variants=[VariantSpec(barcode=EAN)])
    assert caught.value.messages == [
        f"{EAN}: This barcode is already used by “Pencil”. Each product needs its own barcode."
    ]
    sizes = OptionSpec("Size", ("S", "M"))
    with pytest.raises(ValidationError) as caught:
        product_create(
            merchant=merchant,
            fields=ProductFields(name="Shirt"),
            options=[sizes],
            variants=[
                VariantSpec(combination=(("Size", "S"),), barcode=OTHER_EAN),
                VariantSpec(combination=(("Size", "M"),), barcode=OTHER_EAN),
            ],
        )
    assert "Each variant needs its own barcode: 96385074 is used twice." in caught.value.messages
    product_update(
        product=pencil, fields=ProductFields(name="Pencil"), variants=[VariantSpec(sku="PEN-1", barcode=EAN)]
    )


def test_admin_refuses_a_barcode_another_product_has(client, merchant, pencil):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    variant = ProductFactory(merchant=merchant, name="Pen").variants.get()
    response = client.post(
        reverse("admin:catalog_variant_change", args=[variant.pk]),
        {"merchant": merchant.pk, "product": variant.product_id, "sku": variant.sku, "barcode": EAN, "price": "100",
         "cost_price": "", "position": "0"},
    )  # fmt: skip
    assert "This barcode is already used by “Pencil”." in response.content.decode()
    variant.refresh_from_db()
    assert variant.barcode == ""


def test_pos_api_finds_the_one_product_after_the_form_refused_a_second(client, merchant_client, merchant, pencil):
    merchant_client.post(reverse("catalog:product_create"), product_post(**{"variant-0-barcode": EAN}))
    device = DeviceFactory(merchant=merchant)
    response = client.get(f"/api/v1/products?barcode={EAN}", HTTP_AUTHORIZATION=f"Bearer {device.token}")
    assert [p["sku"] for p in response.json()["products"]] == ["PEN-1"]
