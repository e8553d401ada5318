import pytest
from django.urls import reverse

from portal.models import Merchant, User


@pytest.mark.django_db
def test_signup_creates_merchant_and_membership(client):
    response = client.post(
        reverse("account_signup"),
        {
            "business_name": "La Petite Épicerie",
            "country": "fr",
            "currency": "eur",
            "default_vat_rate": "5.5",
            "email": "owner@epicerie.test",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="owner@epicerie.test")
    merchant = user.membership.merchant
    assert (merchant.name, merchant.country, merchant.currency, str(merchant.default_vat_rate)) == (
        "La Petite Épicerie",
        "FR",
        "EUR",
        "5.50",
    )


@pytest.mark.django_db
def test_signup_with_bad_currency_creates_nothing(client):
    response = client.post(
        reverse("account_signup"),
        {
            "business_name": "Shop",
            "country": "FR",
            "currency": "EURO",
            "default_vat_rate": "20",
            "email": "x@shop.test",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 200
    assert "three-letter currency code" in response.content.decode()
    assert not User.objects.exists()
    assert not Merchant.objects.exists()


def test_dashboard_requires_login(client, db):
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_dashboard_shows_merchant_name(merchant_client, merchant):
    response = merchant_client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    assert merchant.name in response.content.decode()


def test_login_page_renders_in_french(client, db):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200


def test_user_without_merchant_is_sent_away_from_merchant_pages(client, db):
    from portal.tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
