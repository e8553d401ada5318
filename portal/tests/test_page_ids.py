"""Every page's element ids are unique and every label finds its field (a label that focuses
another form's field is what a duplicate id looks like to a merchant)."""

import pytest
from django.urls import reverse

from catalog.tests.factories import product_with_options, with_stock_history
from inventory.services import sale_create
from portal.tests.factories import DeviceFactory
from portal.tests.html import id_problems

CLEAN = {"duplicate_ids": [], "labels_without_target": []}


@pytest.fixture
def pages(merchant, merchant_user, merchant_client):
    product = with_stock_history(product_with_options(merchant=merchant, name="Vase"))
    sale = sale_create(
        merchant=merchant, lines=[(product.variants.first(), 1)], idempotency_key="s", user=merchant_user
    )
    DeviceFactory(merchant=merchant, name="Front till")
    merchant_client.post(reverse("inventory:register_cart"), {"action": "add", "variant": product.variants.first().pk})
    return [
        reverse("backoffice:dashboard"),
        reverse("catalog:product_list"),
        reverse("catalog:product_detail", args=[product.pk]),
        reverse("catalog:product_update", args=[product.pk]),
        reverse("catalog:product_create"),
        reverse("inventory:product_stock", args=[product.pk]),
        reverse("inventory:register") + "?q=vase",
        reverse("inventory:sale_detail", args=[sale.pk]),
        reverse("portal:device_list"),
        reverse("account_email"),
        reverse("account_change_password"),
    ]


def test_ids_are_unique_and_labels_find_their_fields(merchant_client, pages):
    for path in pages:
        assert id_problems(merchant_client.get(path).content.decode()) == CLEAN, path
