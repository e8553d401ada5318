from django.urls import reverse

from catalog.models import Category, Folder, Product
from catalog.tests.factories import CategoryFactory, FolderFactory, ProductFactory


def test_page_lists_own_groupings(merchant_client, merchant, other_merchant):
    CategoryFactory(merchant=merchant, name="Drinks")
    FolderFactory(merchant=merchant, name="Summer")
    CategoryFactory(merchant=other_merchant, name="Foreign")
    content = merchant_client.get(reverse("catalog:grouping_list")).content.decode()
    assert "Drinks" in content and "Summer" in content and "Foreign" not in content


def test_add_category_and_folder(merchant_client, merchant):
    url = reverse("catalog:grouping_list")
    assert merchant_client.post(url, {"category-kind": "category", "category-name": "Food"}).status_code == 302
    assert merchant_client.post(url, {"folder-kind": "folder", "folder-name": "Winter"}).status_code == 302
    assert Category.objects.get(merchant=merchant).name == "Food"
    assert Folder.objects.get(merchant=merchant).name == "Winter"


def test_blank_name_is_refused(merchant_client, merchant):
    response = merchant_client.post(
        reverse("catalog:grouping_list"), {"category-kind": "category", "category-name": ""}
    )
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not Category.objects.exists()


def test_delete_category_keeps_its_products(merchant_client, merchant):
    category = CategoryFactory(merchant=merchant)
    product = ProductFactory(merchant=merchant, category=category)
    merchant_client.post(reverse("catalog:category_delete", args=[category.pk]))
    product.refresh_from_db()
    assert product.category is None and Product.objects.count() == 1


def test_groupings_of_another_merchant_are_404(merchant_client, other_merchant):
    category = CategoryFactory(merchant=other_merchant)
    folder = FolderFactory(merchant=other_merchant)
    assert merchant_client.post(reverse("catalog:category_delete", args=[category.pk])).status_code == 404
    assert merchant_client.post(reverse("catalog:folder_delete", args=[folder.pk])).status_code == 404
    assert Category.objects.exists() and Folder.objects.exists()


# Deleting asks first -----------------------------------------------------------------------------


def test_deleting_a_category_asks_first_saying_how_many_products_keep_existing(merchant_client, merchant):
    category = CategoryFactory(merchant=merchant, name="Mugs")
    for _ in range(8):
        ProductFactory(merchant=merchant, category=category)
    url = reverse("catalog:category_delete", args=[category.pk])
    page = merchant_client.get(url)
    assert page.status_code == 200
    question = (
        "“Mugs” has 8 products. Deleting the category does not delete them: "
        "they stay in the catalog, without a category."
    )
    assert question in page.content.decode()
    assert Category.objects.filter(pk=category.pk).exists()
    # The list asks in a dialog: its Delete control is a link to that page, not a form that deletes.
    listing = merchant_client.get(reverse("catalog:grouping_list")).content.decode()
    assert f'href="{url}" data-dialog-open="delete-category-{category.pk}"' in listing
    assert question in listing
    merchant_client.post(url)
    assert not Category.objects.filter(pk=category.pk).exists()
    assert Product.objects.filter(merchant=merchant, category__isnull=True).count() == 8


def test_deleting_a_folder_asks_first_too(merchant_client, merchant):
    folder = FolderFactory(merchant=merchant, name="Winter")
    page = merchant_client.get(reverse("catalog:folder_delete", args=[folder.pk])).content.decode()
    assert "“Winter” has 0 products. Deleting the folder does not delete them" in page
