"""Moving a POS device to another shop (Settings → Devices → Move…): its later sales move the new
shop's stock, those it recorded before stay where they were made."""

import json

import pytest
from django.test import Client

from inventory.models import Sale, StockLevel
from inventory.services import stock_set
from inventory.tests.factories import stocked_variant
from portal.models import Device, Shop
from portal.services import ShopInactive, ShopNotTheMerchants, device_move, shop_primary
from portal.tests.factories import DeviceFactory, ShopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gare(merchant):
    return ShopFactory(merchant=merchant, name="Gare")


def _sell(client, device, variant, key):
    return client.post(
        "/api/v1/purchases",
        json.dumps({"lines": [{"variant_id": variant.pk, "quantity": 1}]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {device.token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_a_moved_device_sells_in_its_new_shop_and_its_past_sales_stay(merchant_client, client, merchant, gare):
    primary = shop_primary(merchant=merchant)
    variant = stocked_variant(merchant=merchant, quantity=7)
    stock_set(merchant=merchant, variant=variant, quantity=3, idempotency_key="gare", shop=gare)
    device = DeviceFactory(merchant=merchant, name="Front till")
    assert _sell(client, device, variant, "before").status_code == 201

    page = merchant_client.get(f"/settings/devices/{device.pk}/shop/").content.decode()
    assert "Move “Front till” to another shop" in page and f'<option value="{gare.pk}"' in page
    assert f'<option value="{primary.pk}"' not in page  # where it is already
    response = merchant_client.post(f"/settings/devices/{device.pk}/shop/", {"shop": gare.pk}, follow=True)
    html = response.content.decode()
    assert "“Front till” now sells in Gare. The sales it recorded before stay in" in html
    device.refresh_from_db()
    assert device.shop == gare

    assert _sell(client, device, variant, "after").status_code == 201
    shops = list(Sale.objects.filter(device=device).order_by("pk").values_list("shop_id", flat=True))
    assert shops == [primary.pk, gare.pk]  # the sale made before the move stays where it was made
    levels = dict(StockLevel.objects.filter(variant=variant).values_list("shop_id", "quantity"))
    assert levels == {primary.pk: 6, gare.pk: 2}


def test_the_list_shows_each_devices_shop_and_offers_the_move_with_several_shops(merchant_client, merchant, gare):
    device = DeviceFactory(merchant=merchant, name="Tablet", shop=gare)
    html = merchant_client.get("/settings/devices/").content.decode()
    assert 'data-label="Shop">Gare</td>' in html and f"/settings/devices/{device.pk}/shop/" in html
    Shop.objects.filter(pk=gare.pk).update(is_active=False)  # one active shop left: nowhere to move
    other = DeviceFactory(merchant=merchant, name="Till")
    html = merchant_client.get("/settings/devices/").content.decode()
    assert f"/settings/devices/{other.pk}/shop/" not in html


@pytest.mark.parametrize("case", ["another merchant's", "deactivated", "not a number", "missing", "its own"])
def test_a_bad_shop_changes_nothing_and_says_why(merchant_client, merchant, other_merchant, gare, case):
    device = DeviceFactory(merchant=merchant)
    closed = ShopFactory(merchant=merchant, name="Fermé", is_active=False)
    value = {
        "another merchant's": ShopFactory(merchant=other_merchant, name="Theirs").pk,
        "deactivated": closed.pk,
        "not a number": "gare",
        "missing": "",
        "its own": device.shop_id,
    }[case]
    response = merchant_client.post(f"/settings/devices/{device.pk}/shop/", {"shop": value})
    html = response.content.decode()
    assert response.status_code == 422
    assert "Choose one of your active shops." in html or "This field is required." in html
    assert Device.objects.get(pk=device.pk).shop_id == shop_primary(merchant=merchant).pk


def test_another_merchants_or_a_revoked_device_is_a_404(merchant_client, merchant, other_merchant, gare):
    theirs = DeviceFactory(merchant=other_merchant)
    revoked = DeviceFactory(merchant=merchant, name="Old")
    merchant_client.post(f"/settings/devices/{revoked.pk}/revoke/")
    for device in (theirs, revoked):
        assert merchant_client.get(f"/settings/devices/{device.pk}/shop/").status_code == 404
        assert merchant_client.post(f"/settings/devices/{device.pk}/shop/", {"shop": gare.pk}).status_code == 404
    assert Device.objects.get(pk=theirs.pk).shop == shop_primary(merchant=other_merchant)
    assert Device.objects.get(pk=revoked.pk).shop == shop_primary(merchant=merchant)


def test_the_move_needs_the_csrf_token(merchant, merchant_user, gare):
    device = DeviceFactory(merchant=merchant)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(merchant_user)
    assert strict.post(f"/settings/devices/{device.pk}/shop/", {"shop": gare.pk}).status_code == 403
    assert Device.objects.get(pk=device.pk).shop == shop_primary(merchant=merchant)


def test_with_no_other_active_shop_the_page_says_to_add_one(merchant_client, merchant):
    device = DeviceFactory(merchant=merchant)
    html = merchant_client.get(f"/settings/devices/{device.pk}/shop/").content.decode()
    assert "You have no other active shop." in html and 'name="shop"' not in html


def test_the_move_page_speaks_french(merchant_client, merchant, gare):
    device = DeviceFactory(merchant=merchant, name="Caisse")
    html = merchant_client.get(f"/settings/devices/{device.pk}/shop/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Déplacer «\xa0Caisse\xa0» vers un autre magasin" in html and "Déplacer l'appareil" in html


def test_a_device_of_a_deactivated_shop_is_moved_back_to_the_primary_shop(merchant_client, merchant, gare):
    device = DeviceFactory(merchant=merchant, name="Tablet", shop=gare)
    Shop.objects.filter(pk=gare.pk).update(is_active=False)  # its sales are refused from now on
    html = merchant_client.get("/settings/devices/").content.decode()
    assert f"/settings/devices/{device.pk}/shop/" in html and "Deactivated" in html
    primary = shop_primary(merchant=merchant)
    merchant_client.post(f"/settings/devices/{device.pk}/shop/", {"shop": primary.pk})
    assert Device.objects.get(pk=device.pk).shop == primary


def test_the_service_refuses_a_deactivated_or_another_merchants_shop(merchant, other_merchant, gare):
    device = DeviceFactory(merchant=merchant)
    closed = ShopFactory(merchant=merchant, name="Fermé", is_active=False)
    with pytest.raises(ShopInactive):
        device_move(device=device, shop=closed)
    with pytest.raises(ShopNotTheMerchants):
        device_move(device=device, shop=shop_primary(merchant=other_merchant))
    assert Device.objects.get(pk=device.pk).shop == shop_primary(merchant=merchant)
