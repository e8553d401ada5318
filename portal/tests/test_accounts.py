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
    assert "“EURO” is not a currency code" in response.content.decode()
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


def test_dashboard_figures_count_only_this_merchants_day(merchant_client, merchant, other_merchant):
    from catalog.tests.factories import ProductFactory
    from inventory.services import sale_create

    mine = ProductFactory(merchant=merchant, variant__price=1250, low_stock_level=2).variants.get()
    theirs = ProductFactory(merchant=other_merchant, variant__price=999).variants.get()
    sale_create(merchant=merchant, lines=[(mine, 2)], idempotency_key="a")
    sale_create(merchant=other_merchant, lines=[(theirs, 1)], idempotency_key="a")
    response = merchant_client.get(reverse("portal:dashboard"))
    figures = response.context["figures"]
    assert figures == {"product_count": 1, "low_stock_count": 1, "sales_today": 1, "sales_today_total": 2500}
    assert "€25.00" in response.content.decode()
