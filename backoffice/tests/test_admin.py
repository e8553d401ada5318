"""Support's merchant page in the admin: ISO codes checked, the currency kept while refused."""

from django.urls import reverse

from catalog.tests.factories import ProductFactory
from inventory.services import sale_create
from portal.tests.factories import UserFactory


def test_admin_validates_codes_and_keeps_a_locked_currency(client, merchant):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:portal_merchant_change", args=[merchant.pk])
    form = {
        "name": merchant.name,
        "country": "ZZ",
        "currency": "XYZ",
        "default_vat_rate": "20",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "devices-TOTAL_FORMS": "0",
        "devices-INITIAL_FORMS": "0",
    }
    content = client.post(url, form).content.decode()
    assert "“ZZ” is not a country code" in content and "“XYZ” is not a currency code" in content
    variant = ProductFactory(merchant=merchant).variants.get()
    sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="s1")
    assert 'name="currency"' not in client.get(url).content.decode()
    client.post(url, {**form, "country": "BE", "currency": "USD"})
    merchant.refresh_from_db()
    assert (merchant.country, merchant.currency) == ("BE", "EUR")
