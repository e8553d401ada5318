"""The settings page: correct the business's name, country, currency and VAT rates."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from backoffice.services import merchant_update
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from integrations.models import BigCommerceConnection
from inventory.services import sale_create
from portal.models import Merchant

URL = "/settings/"


def details(**overrides):
    data = {"business_name": "Boutique 1", "country": "FR", "currency": "EUR", "default_vat_rate": "20"}
    data.update(overrides)
    return data


def test_url_and_navigation(merchant_client):
    assert reverse("backoffice:merchant_settings") == URL
    page = merchant_client.get(reverse("backoffice:dashboard")).content.decode()
    assert f'<a href="{URL}" class="">Settings</a>' in page
    content = merchant_client.get(URL).content.decode()
    assert f'<a href="{URL}" class="active">Settings</a>' in content


def test_page_shows_the_business_as_it_is(merchant_client, merchant):
    content = merchant_client.get(URL).content.decode()
    assert f'value="{merchant.name}"' in content
    assert '<option value="FR" selected>France (FR)</option>' in content
    assert '<option value="EUR" selected>Euro (EUR)</option>' in content


def test_the_merchant_corrects_name_country_currency_and_default_vat(merchant_client, merchant):
    response = merchant_client.post(
        URL, details(business_name="  Le Comptoir  de Lise ", country="be", currency="CHF", default_vat_rate="21")
    )
    assert response.status_code == 302
    merchant.refresh_from_db()
    assert (merchant.name, merchant.country, merchant.currency, merchant.default_vat_rate) == (
        "Le Comptoir de Lise",
        "BE",
        "CHF",
        Decimal("21.00"),
    )


@pytest.mark.parametrize(("field", "value"), [("country", "ZZ"), ("currency", "XYZ"), ("default_vat_rate", "1e1")])
def test_codes_that_are_not_iso_and_exponents_are_refused(merchant_client, merchant, field, value):
    response = merchant_client.post(URL, details(**{field: value}))
    assert response.status_code == 422
    merchant.refresh_from_db()
    assert (merchant.country, merchant.currency, merchant.default_vat_rate) == ("FR", "EUR", Decimal("20.00"))


def test_sales_lock_the_currency_and_the_page_says_why(merchant_client, merchant):
    variant = ProductFactory(merchant=merchant).variants.get()
    sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="s1")
    content = merchant_client.get(URL).content.decode()
    assert "Sales are recorded in EUR" in content
    assert 'name="currency"' not in content and "Euro (EUR)" in content
    # A forged post does not change it; the rest is saved.
    merchant_client.post(URL, details(business_name="Renamed", currency="USD"))
    merchant.refresh_from_db()
    assert (merchant.name, merchant.currency) == ("Renamed", "EUR")
    with pytest.raises(ValidationError) as caught:
        merchant_update(merchant=merchant, name="x", country="FR", currency="USD", default_vat_rate=Decimal(20))
    assert "Sales are recorded in EUR" in caught.value.message_dict["currency"][0]


def test_a_connected_store_locks_the_currency(merchant_client, merchant):
    BigCommerceConnection.objects.create(
        merchant=merchant, status=BigCommerceConnection.Status.CONNECTED, store_hash="abc", store_name="Ma boutique"
    )
    content = merchant_client.get(URL).content.decode()
    assert "Your BigCommerce store Ma boutique is connected" in content
    BigCommerceConnection.objects.filter(merchant=merchant).update(status=BigCommerceConnection.Status.DISCONNECTED)
    assert "Prices keep their figures" in merchant_client.get(URL).content.decode()
    merchant_client.post(URL, details(currency="USD"))
    merchant.refresh_from_db()
    assert merchant.currency == "USD"


def test_a_vat_rate_changes_on_every_product_that_has_it(merchant_client, merchant, other_merchant):
    for _ in range(3):
        ProductFactory(merchant=merchant, vat_rate=Decimal("19.60"))
    kept = ProductFactory(merchant=merchant, vat_rate=Decimal("5.50"))
    theirs = ProductFactory(merchant=other_merchant, vat_rate=Decimal("19.60"))
    content = merchant_client.get(URL).content.decode()
    assert "19.6&nbsp;%" in content and "5.5&nbsp;%" in content
    response = merchant_client.post(URL, {"form": "vat", "vat-old_rate": "19.60", "vat-new_rate": "20"}, follow=True)
    assert "3 products now have a VAT rate of 20%." in response.content.decode()
    assert Product.objects.filter(merchant=merchant, vat_rate=Decimal("20.00")).count() == 3
    assert Product.objects.get(pk=kept.pk).vat_rate == Decimal("5.50")
    assert Product.objects.get(pk=theirs.pk).vat_rate == Decimal("19.60")


def test_a_bad_vat_rate_is_refused_on_its_row(merchant_client, merchant):
    ProductFactory(merchant=merchant, vat_rate=Decimal("20.00"))
    response = merchant_client.post(URL, {"form": "vat", "vat-old_rate": "20.00", "vat-new_rate": "120"})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.content.decode()
    assert Product.objects.get().vat_rate == Decimal("20.00")


def test_page_renders_in_french(merchant_client):
    merchant_client.cookies["django_language"] = "fr"
    content = merchant_client.get(URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<option value="FR" selected>France (FR)</option>' in content and 'lang="fr"' in content


def test_a_code_saved_before_codes_were_checked_asks_for_a_choice(merchant_client, merchant):
    Merchant.objects.filter(pk=merchant.pk).update(country="ZZ", currency="XYZ")
    content = merchant_client.get(URL).content.decode()
    assert content.count('<option value="" selected>Choose…</option>') == 2
    response = merchant_client.post(URL, details(country="", currency=""))
    assert response.status_code == 422
    merchant_client.post(URL, details(country="FR", currency="EUR"))
    merchant.refresh_from_db()
    assert (merchant.country, merchant.currency) == ("FR", "EUR")
