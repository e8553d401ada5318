"""Setup wizard steps with odd input: refused with a message or ignored, never a server error."""

import pytest

from catalog.tests.factories import ProductFactory
from integrations.models import BigCommerceConnection, ProductAssignment

SETUP = "/integrations/bigcommerce/setup/"


@pytest.fixture
def connection(merchant):
    return BigCommerceConnection.objects.create(
        merchant=merchant,
        store_hash="wizard1",
        status=BigCommerceConnection.Status.SETUP_INCOMPLETE,
        access_token="token",
        managed_in=BigCommerceConnection.ManagedIn.COMPTOIR,
        include_prices=False,
    )


@pytest.mark.parametrize("bad_id", ["²", "99999999999999999999999"])
def test_selected_products_with_odd_or_huge_ids_are_ignored(merchant_client, merchant, connection, bad_id):
    product = ProductFactory(merchant=merchant)
    response = merchant_client.post(SETUP + "products/", {"sync_scope": "selected", "product": [bad_id, product.pk]})
    assert response.status_code == 302 and response["Location"] == SETUP + "review/"
    assert list(ProductAssignment.objects.filter(merchant=merchant).values_list("product_id", flat=True)) == [
        product.pk
    ]


def test_products_step_ticked_list_with_huge_id_is_not_a_crash(merchant_client, connection):
    response = merchant_client.get(SETUP + "products/", {"ticked": "1", "product": ["99999999999999999999999", "²"]})
    assert response.status_code == 200


def test_the_prices_step_says_products_stay_hidden_until_priced_and_made_visible(merchant_client, connection):
    # create_payload sends is_visible False and later syncs never send it (test_mappers_outbound).
    BigCommerceConnection.objects.filter(pk=connection.pk).update(store_currency="EUR")
    english = merchant_client.get(SETUP + "prices/").content.decode()
    assert "every product is synced with a price of 0" in english
    assert (
        "Products created in BigCommerce stay hidden from your storefront until you set their price and make them"
        " visible there." in english
    )
    french = merchant_client.get(SETUP + "prices/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert (
        "Les produits créés dans BigCommerce restent masqués dans votre boutique en ligne jusqu'à ce que vous"
        " définissiez leur prix et les rendiez visibles." in french
    )
    # Products managed in BigCommerce: Comptoir creates none there, so the step does not say it.
    BigCommerceConnection.objects.filter(pk=connection.pk).update(
        managed_in=BigCommerceConnection.ManagedIn.BIGCOMMERCE
    )
    assert "stay hidden from your storefront" not in merchant_client.get(SETUP + "prices/").content.decode()
