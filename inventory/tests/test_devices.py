"""The POS devices page (portal/devices.py), tested here with the API it feeds."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import Device, device_token_hash
from portal.tests.factories import DeviceFactory


def test_empty_state(merchant_client):
    html = merchant_client.get("/settings/devices/").content.decode()
    assert "No devices yet" in html and "Issue token" in html


def test_issue_shows_the_token_once(merchant_client, merchant):
    response = merchant_client.post("/settings/devices/issue/", {"name": "  Front till "})
    device = Device.objects.get()
    token = response.context["token"]
    assert (device.name, device.merchant) == ("Front till", merchant)
    assert device.token_hash == device_token_hash(token)
    html = response.content.decode()
    assert token in html and "shown only once" in html
    assert response["Cache-Control"] == "no-store"
    assert token not in merchant_client.get("/settings/devices/").content.decode()


def test_issue_htmx_returns_the_list_fragment(merchant_client):
    response = merchant_client.post("/settings/devices/issue/", {"name": "Tablet"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.strip().startswith('<div id="device-list">') and response.context["token"] in html


def test_issue_requires_a_name(merchant_client):
    response = merchant_client.post("/settings/devices/issue/", {"name": "   "})
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    assert not Device.objects.exists()


def test_a_second_active_device_with_the_same_name_is_refused(merchant_client, merchant, other_merchant):
    DeviceFactory(merchant=merchant, name="Caisse Entrée")
    DeviceFactory(merchant=other_merchant, name="Tablet")
    response = merchant_client.post("/settings/devices/issue/", {"name": " caisse entree "})
    assert response.status_code == 422 and "Another device is already called" in response.content.decode()
    assert Device.objects.filter(merchant=merchant).count() == 1
    assert merchant_client.post("/settings/devices/issue/", {"name": "Tablet"}).status_code == 200  # theirs


def test_a_revoked_devices_name_can_be_given_again(merchant_client, merchant):
    old = DeviceFactory(merchant=merchant, name="Front till")
    merchant_client.post(f"/settings/devices/{old.pk}/revoke/")
    assert merchant_client.post("/settings/devices/issue/", {"name": "Front till"}).status_code == 200
    assert Device.objects.filter(merchant=merchant, name="Front till").count() == 2


def test_last_used_reads_just_now_then_how_long_ago(merchant_client, merchant):
    DeviceFactory(merchant=merchant, name="Fresh", last_used_at=timezone.now())
    DeviceFactory(merchant=merchant, name="Older", last_used_at=timezone.now() - timedelta(hours=3, minutes=5))
    html = merchant_client.get("/settings/devices/").content.decode()
    assert "just now" in html and "3\xa0hours ago" in html and "0\xa0minutes" not in html


def test_revoke_confirms_then_revokes(merchant_client, merchant):
    device = DeviceFactory(merchant=merchant, name="Old till")
    html = merchant_client.get(f"/settings/devices/{device.pk}/revoke/").content.decode()
    assert "Revoke “Old till”?" in html
    device.refresh_from_db()
    assert device.is_active
    response = merchant_client.post(f"/settings/devices/{device.pk}/revoke/", follow=True)
    device.refresh_from_db()
    assert not device.is_active
    assert "was revoked" in response.content.decode()


def test_other_merchants_device_is_404(merchant_client, other_merchant):
    device = DeviceFactory(merchant=other_merchant)
    assert merchant_client.get(f"/settings/devices/{device.pk}/revoke/").status_code == 404
    assert merchant_client.post(f"/settings/devices/{device.pk}/revoke/").status_code == 404
    device.refresh_from_db()
    assert device.is_active
    assert device.name not in merchant_client.get("/settings/devices/").content.decode()


@pytest.mark.parametrize("path", ["/settings/devices/", "/register/", "/sales/"])
def test_pages_need_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
