import pytest
from django.urls import reverse

from catalog.models import Product
from catalog.tests.factories import ProductFactory, product_with_options
from inventory.models import StockMovement, StockOrigin
from portal.services import shop_primary
from portal.tests.factories import UserFactory


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_search_by_sku_barcode_and_merchant_name(staff_client, merchant, other_merchant):
    ProductFactory(merchant=merchant, name="Mug", variant__sku="MUG-77", variant__barcode="96385074")
    ProductFactory(merchant=other_merchant, name="Cup")
    url = reverse("admin:catalog_product_changelist")
    assert "Mug" in staff_client.get(url, {"q": "mug-77"}).content.decode()
    assert "Mug" in staff_client.get(url, {"q": "96385074"}).content.decode()
    by_merchant = staff_client.get(url, {"q": other_merchant.name}).content.decode()
    assert "Cup" in by_merchant and "Mug" not in by_merchant
    assert "MUG-77" in staff_client.get(reverse("admin:catalog_variant_changelist"), {"q": "96385074"}).content.decode()


def test_change_page_has_inlines(staff_client, merchant):
    product = product_with_options(merchant=merchant)
    content = staff_client.get(reverse("admin:catalog_product_change", args=[product.pk])).content.decode()
    assert "TS-S-BLUE" in content and "Size" in content and "images-TOTAL_FORMS" in content


def test_admin_delete_keeps_products_with_history(staff_client, merchant):
    product = ProductFactory(merchant=merchant)
    StockMovement.objects.create(
        merchant=merchant,
        shop=shop_primary(merchant=merchant),
        variant=product.variants.get(),
        origin=StockOrigin.INITIAL,
        delta=1,
        level_after=1,
        idempotency_key="k",
    )
    staff_client.post(reverse("admin:catalog_product_delete", args=[product.pk]), {"post": "yes"})
    assert Product.objects.filter(pk=product.pk).exists()
