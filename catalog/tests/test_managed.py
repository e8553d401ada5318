"""Products managed in another system (``managed_in``): read-only in forms, services and bulk
actions, except stock, stock tracking and (without price sync) prices."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog import services
from catalog.models import Product
from catalog.services import OptionSpec, ProductFields, ProductManagedElsewhere, VariantSpec
from catalog.tests.factories import ProductFactory
from catalog.tests.test_views_products import product_post


@pytest.fixture
def managed(merchant):
    product = ProductFactory(
        merchant=merchant, name="Mug", description="Stoneware", managed_in="BigCommerce", variant__sku="MUG-1"
    )
    return product


def fields(product, **overrides):
    values = {
        "name": product.name,
        "description": product.description,
        "vat_rate": product.vat_rate,
        "shipping_weight_grams": product.shipping_weight_grams,
        "track_stock": product.track_stock,
        "low_stock_level": product.low_stock_level,
    }
    values.update(overrides)
    return ProductFields(**values)


def same_variant(product, **overrides):
    variant = product.variants.get()
    values = {"sku": variant.sku, "price": variant.price, "cost_price": variant.cost_price}
    values.update(overrides)
    return [VariantSpec(**values)]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "Cup"}, "name"),
        ({"description": "Porcelain"}, "description"),
        ({"shipping_weight_grams": 300}, "weight"),
        ({"low_stock_level": 2}, "low stock level"),
    ],
)
def test_services_refuse_changes_to_managed_fields(managed, change, field):
    with pytest.raises(ProductManagedElsewhere, match=f"“Mug” is managed in BigCommerce: change its {field} there."):
        services.product_update(product=managed, fields=fields(managed, **change), variants=same_variant(managed))
    managed.refresh_from_db()
    assert (managed.name, managed.description) == ("Mug", "Stoneware")


def test_services_refuse_sku_and_option_changes(managed):
    with pytest.raises(ProductManagedElsewhere, match="options, variants and SKUs"):
        services.product_update(product=managed, fields=fields(managed), variants=same_variant(managed, sku="MUG-2"))
    with pytest.raises(ProductManagedElsewhere, match="options, variants and SKUs"):
        services.product_update(
            product=managed,
            fields=fields(managed),
            options=[OptionSpec("Size", ("S",))],
            variants=[VariantSpec((("Size", "S"),), "MUG-1", "", 1000)],
        )


def test_the_managing_system_may_change_them(managed):
    services.product_update(
        product=managed,
        fields=fields(managed, name="Cup"),
        variants=same_variant(managed, sku="CUP"),
        origin="bigcommerce",
    )
    managed.refresh_from_db()
    assert (managed.name, managed.variants.get().sku) == ("Cup", "CUP")


def test_stock_tracking_category_vat_and_prices_without_price_sync_stay_editable(managed, merchant):
    category = services.category_create(merchant=merchant, name="Kitchen")
    services.product_update(
        product=managed,
        fields=fields(managed, track_stock=False, category=category, vat_rate=5),
        variants=same_variant(managed, price=1450, cost_price=500),
    )
    managed.refresh_from_db()
    assert (managed.track_stock, managed.category, managed.variants.get().price) == (False, category, 1450)


def test_delete_is_refused_and_bulk_delete_skips_managed_products(managed, merchant):
    with pytest.raises(ProductManagedElsewhere, match="cannot be deleted here"):
        services.product_delete(product=managed)
    other = ProductFactory(merchant=merchant, name="Tea")
    result = services.products_delete(merchant=merchant, product_ids=[managed.pk, other.pk])
    assert (result.deleted, result.managed) == (["Tea"], ["Mug"])
    assert Product.objects.filter(pk=managed.pk).exists()


def test_bulk_delete_says_which_were_kept(merchant_client, managed):
    response = merchant_client.post(reverse("catalog:bulk_delete"), {"ids": [managed.pk]}, follow=True)
    assert "Not deleted, because they are managed in BigCommerce" in response.content.decode()
    assert Product.objects.filter(pk=managed.pk).exists()


def test_delete_view_refuses_with_a_message(merchant_client, managed):
    response = merchant_client.post(reverse("catalog:product_delete", args=[managed.pk]), follow=True)
    assert "“Mug” is managed in BigCommerce, so it cannot be deleted here." in response.content.decode()
    assert Product.objects.filter(pk=managed.pk).exists()


def test_form_shows_managed_fields_read_only_with_a_note(merchant_client, managed):
    page = merchant_client.get(reverse("catalog:product_update", args=[managed.pk])).content.decode()
    assert "Managed in BigCommerce" in page
    assert 'name="name"' in page and 'id="id_name"' in page
    assert page.count("disabled") >= 4  # name, description, low stock level, weight
    assert "readonly" in page  # the SKU; prices stay editable without price sync
    assert "Add option" not in page


def test_form_post_cannot_change_managed_fields_but_saves_the_rest(merchant_client, managed):
    data = product_post(
        name="Hacked",
        description="Hacked",
        track_stock="",
        **{"variant-0-sku": "MUG-1", "variant-0-price": "14.50", "variant-0-cost_price": ""},
    )
    response = merchant_client.post(reverse("catalog:product_update", args=[managed.pk]), data)
    assert response.status_code == 302
    managed.refresh_from_db()
    assert (managed.name, managed.description) == ("Mug", "Stoneware")  # disabled fields keep their value
    assert (managed.track_stock, managed.variants.get().price) == (False, 1450)

    data["variant-0-sku"] = "NEW-SKU"
    response = merchant_client.post(reverse("catalog:product_update", args=[managed.pk]), data)
    assert response.status_code == 200
    assert "change its options, variants and SKUs there" in response.content.decode()


def test_detail_page_has_the_note_and_no_image_or_delete_controls(merchant_client, managed):
    page = merchant_client.get(reverse("catalog:product_detail", args=[managed.pk])).content.decode()
    assert "Managed in BigCommerce" in page
    assert reverse("catalog:product_delete", args=[managed.pk]) not in page
    assert reverse("catalog:product_image_add", args=[managed.pk]) not in page


def test_image_upload_is_refused(merchant_client, managed):
    upload = SimpleUploadedFile("x.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", content_type="image/gif")
    response = merchant_client.post(
        reverse("catalog:product_image_add", args=[managed.pk]), {"image": upload}, follow=True
    )
    assert "change its images there" in response.content.decode()
    assert not managed.images.exists()


def test_pos_api_has_no_way_to_change_products(client, managed):
    for method in (client.post, client.put, client.patch, client.delete):
        assert method("/api/v1/products").status_code == 405
