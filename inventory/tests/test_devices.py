"""The POS devices page (portal/devices.py), tested here with the API it feeds."""

import pytest

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
