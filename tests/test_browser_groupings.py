"""Deleting a category in the browser asks first; Cancel keeps it (issue 8, bug 10)."""

import pytest

from catalog.models import Category, Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_delete_asks_with_the_product_count_and_cancel_keeps_the_category(page, live_server, merchant, merchant_user):
    category = CategoryFactory(merchant=merchant, name="Arts de la table")
    for _ in range(8):
        ProductFactory(merchant=merchant, category=category)

    browser_login(page, live_server, email=merchant_user.email, password="correct-horse-battery")
    page.goto(f"{live_server.url}/catalog/categories/")
    page.click("#categories >> text=Delete…")
    dialog = page.locator(f"#delete-category-{category.pk}")
    dialog.wait_for(state="visible")
    assert "has 8 products" in dialog.text_content() and "they stay in the catalog" in dialog.text_content()
    dialog.locator("text=Cancel").click()
    dialog.wait_for(state="hidden")
    assert Category.objects.filter(pk=category.pk).exists()

    page.click("#categories >> text=Delete…")
    dialog.locator("button:has-text('Delete category')").click()
    page.wait_for_selector("text=its products have no category now")
    assert not Category.objects.filter(pk=category.pk).exists()
    assert Product.objects.filter(merchant=merchant, category__isnull=True).count() == 8
