import pytest
from django.urls import reverse

from catalog import bulk_actions as module
from catalog.bulk_actions import BulkAction, bulk_action_register, bulk_actions
from catalog.models import Product
from catalog.tests.factories import ProductFactory, with_stock_history

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_delete_confirmation_page_names_the_count(merchant_client, merchant):
    products = [ProductFactory(merchant=merchant) for _ in range(3)]
    response = merchant_client.get(reverse("catalog:bulk_delete"), {"ids": [p.pk for p in products[:2]]})
    content = response.content.decode()
    assert "Delete 2 products?" in content and "<html" in content
    assert Product.objects.count() == 3


def test_delete_dialog_for_htmx(merchant_client, merchant):
    product = ProductFactory(merchant=merchant)
    content = merchant_client.get(reverse("catalog:bulk_delete"), {"ids": [product.pk]}, **HTMX).content.decode()
    assert content.lstrip().startswith("<dialog") and "Delete 1 product?" in content


def test_post_deletes_only_the_merchants_products(merchant_client, merchant, other_merchant):
    mine = [ProductFactory(merchant=merchant) for _ in range(2)]
    keep = ProductFactory(merchant=merchant)
    foreign = ProductFactory(merchant=other_merchant)
    response = merchant_client.post(
        reverse("catalog:bulk_delete"),
        {"ids": [mine[0].pk, mine[1].pk, foreign.pk], "next": "/catalog/?q=x"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/catalog/?q=x"
    assert "2 products deleted." in response.content.decode()
    assert set(Product.objects.values_list("pk", flat=True)) == {keep.pk, foreign.pk}


def test_confirmation_says_which_products_will_be_archived_instead_and_why(merchant_client, merchant):
    sold = ProductFactory(merchant=merchant, name="Sold mug")
    with_stock_history(sold)
    free = ProductFactory(merchant=merchant, name="Fresh mug")
    response = merchant_client.get(reverse("catalog:bulk_delete"), {"ids": [sold.pk, free.pk]}, **HTMX)
    content = response.content.decode()
    deleted_part, kept_part = content.split("archived instead of deleted")
    assert "This product and its variants will be deleted" in deleted_part and "Fresh mug" in deleted_part
    assert "Sold mug" not in deleted_part and "Sold mug" in kept_part and "stock or sales history" in deleted_part


def test_only_products_with_history_offer_to_archive(merchant_client, merchant):
    sold = ProductFactory(merchant=merchant, name="Sold mug")
    with_stock_history(sold)
    content = merchant_client.get(reverse("catalog:bulk_delete"), {"ids": [sold.pk]}).content.decode()
    assert "will be deleted" not in content and ">Archive</button>" in content


def test_products_with_history_are_archived_instead_and_named(merchant_client, merchant):
    sold = ProductFactory(merchant=merchant, name="Sold mug")
    with_stock_history(sold)
    free = ProductFactory(merchant=merchant, name="Fresh mug")
    response = merchant_client.post(reverse("catalog:bulk_delete"), {"ids": [sold.pk, free.pk]}, follow=True)
    content = response.content.decode()
    assert "1 product deleted." in content
    assert "Archived instead of deleted, because they have stock or sales history: Sold mug." in content
    assert Product.objects.get(pk=sold.pk).is_archived and not Product.objects.filter(pk=free.pk).exists()


def test_nothing_selected(merchant_client, merchant):
    response = merchant_client.get(reverse("catalog:bulk_delete"), follow=True)
    assert "Tick at least one product first." in response.content.decode()
    dialog = merchant_client.get(reverse("catalog:bulk_delete"), **HTMX).content.decode()
    assert "Tick at least one product first." in dialog


def test_foreign_ids_alone_count_as_nothing_selected(merchant_client, other_merchant):
    foreign = ProductFactory(merchant=other_merchant)
    merchant_client.post(reverse("catalog:bulk_delete"), {"ids": [foreign.pk]})
    assert Product.objects.filter(pk=foreign.pk).exists()


def test_unsafe_next_is_ignored(merchant_client, merchant):
    product = ProductFactory(merchant=merchant)
    response = merchant_client.post(
        reverse("catalog:bulk_delete"), {"ids": [product.pk], "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("catalog:product_list")


def test_bulk_archive_and_restore(merchant_client, merchant):
    products = [ProductFactory(merchant=merchant) for _ in range(2)]
    ids = [p.pk for p in products]
    assert "Archive 2 products?" in merchant_client.get(reverse("catalog:bulk_archive"), {"ids": ids}).content.decode()
    merchant_client.post(reverse("catalog:bulk_archive"), {"ids": ids})
    assert Product.objects.filter(is_archived=True).count() == 2
    merchant_client.post(reverse("catalog:bulk_restore"), {"ids": ids[:1]})
    assert Product.objects.filter(is_archived=True).count() == 1


def test_other_apps_can_register_an_action(merchant_client, merchant):
    ProductFactory(merchant=merchant)
    action = BulkAction(key="test_extra", label="Extra action…", url_name="catalog:bulk_archive", order=1)
    bulk_action_register(action)
    try:
        assert bulk_actions()[0] == action
        assert "Extra action…" in merchant_client.get(reverse("catalog:product_list")).content.decode()
        bulk_action_register(BulkAction(key="test_missing", label="Nowhere", url_name="nowhere:at_all"))
        assert "test_missing" not in [a.key for a in bulk_actions()]
    finally:
        module._registry.pop("test_extra", None)
        module._registry.pop("test_missing", None)


@pytest.mark.parametrize("bad_id", ["²", "99999999999999999999999"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_odd_or_huge_ids_are_ignored_not_a_crash(merchant_client, merchant, bad_id, method):
    product = ProductFactory(merchant=merchant)
    response = getattr(merchant_client, method)(reverse("catalog:bulk_archive"), {"ids": [bad_id, product.pk]})
    assert response.status_code in (200, 302)
    assert Product.objects.get(pk=product.pk).is_archived is (method == "post")


@pytest.mark.parametrize("category", ["²", "99999999999999999999999"])
def test_catalog_odd_or_huge_category_filter_is_not_a_crash(merchant_client, category):
    assert merchant_client.get(reverse("catalog:product_list"), {"category": category}).status_code == 200
