"""Sign-up: the business's country and currency are real ISO codes."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from portal.iso import country_name, currency_name
from portal.models import Merchant, User


def signup(client, **overrides):
    data = {
        "business_name": "Shop",
        "country": "FR",
        "currency": "EUR",
        "default_vat_rate": "20",
        "email": "x@shop.test",
        "password1": "a-long-pass-phrase-9",
        "password2": "a-long-pass-phrase-9",
    }
    data.update(overrides)
    return client.post(reverse("account_signup"), data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "ZZ", "“ZZ” is not a country code"),
        ("country", "EU", "“EU” is not a country code"),
        ("currency", "XYZ", "“XYZ” is not a currency code"),
        ("currency", "XAU", "“XAU” is not a currency code"),  # gold: ISO 4217, but no shop prices in it
        ("currency", "EURO", "“EURO” is not a currency code"),
    ],
)
def test_signup_refuses_codes_that_are_not_iso(client, field, value, message):
    response = signup(client, **{field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists() and not Merchant.objects.exists()


@pytest.mark.django_db
def test_signup_takes_real_codes_in_any_letter_case(client):
    assert signup(client, country="ch", currency="chf").status_code == 302
    merchant = Merchant.objects.get()
    assert (merchant.country, merchant.currency) == ("CH", "CHF")


@pytest.mark.django_db
def test_signup_refuses_a_vat_rate_in_exponent_notation(client):
    response = signup(client, default_vat_rate="2e1")
    assert "exponent" in response.content.decode() and not Merchant.objects.exists()


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="fr")
def test_signup_lists_countries_and_currencies_by_name_in_the_readers_language(client):
    content = client.get(reverse("account_signup"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<option value="DE">Allemagne (DE)</option>' in content
    assert '<option value="FR" selected>France (FR)</option>' in content
    assert '<option value="EUR" selected>Euro (EUR)</option>' in content
    # Accents do not send a country to the end of the list.
    assert content.index("(EG)") < content.index("(ES)") < content.index("(ZW)")


def test_names_follow_the_active_language():
    with translation.override("en"):
        assert (country_name("DE"), currency_name("USD")) == ("Germany", "US Dollar")
    with translation.override("fr"):
        assert (country_name("DE"), currency_name("USD")) == ("Allemagne", "Dollar américain")
