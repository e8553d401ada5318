"""POST /api/v1/transfers: from the device's shop to a named shop, idempotent like purchases."""

import json

import pytest

from inventory.models import StockLevel, StockMovement, Transfer
from inventory.tests.factories import stocked_variant
from portal.models import Shop
from portal.services import shop_primary
from portal.tests.factories import DeviceFactory, ShopFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/transfers"


@pytest.fixture
def setup(merchant):
    mug = stocked_variant(merchant=merchant, quantity=5, sku="MUG-1", barcode="2000000000015")
    return mug, DeviceFactory(merchant=merchant, name="Till 1"), ShopFactory(merchant=merchant, name="Gare")


def _post(client, device, body, key="k-1"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {device.token}"}
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


def _levels(variant) -> dict[str, int]:
    return dict(StockLevel.objects.filter(variant=variant).values_list("shop__name", "quantity"))


def test_a_transfer_from_the_devices_shop_and_its_replay(client, setup):
    mug, device, gare = setup
    primary = shop_primary(merchant=mug.merchant)
    body = {"to_shop_id": gare.pk, "lines": [{"sku": "mug-1", "quantity": 2}], "note": "rush"}
    response = _post(client, device, body)
    assert response.status_code == 201
    data = response.json()
    assert (data["from_shop_id"], data["to_shop_id"], data["note"]) == (primary.pk, gare.pk, "rush")
    assert data["lines"] == [{"variant_id": mug.pk, "sku": "MUG-1", "quantity": 2}]
    assert _levels(mug) == {primary.name: 3, "Gare": 2}
    transfer = Transfer.objects.get()
    assert transfer.device == device and transfer.movements.filter(device=device).count() == 2
    again = _post(client, device, body)
    assert again.status_code == 201 and again.json() == data and _levels(mug) == {primary.name: 3, "Gare": 2}
    conflict = _post(client, device, {**body, "note": "other"})
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"lines": [{"sku": "MUG-1", "quantity": 1}]}, 422, "unknown_shop", "to_shop_id"),
        ({"to_shop_id": "x", "lines": [{"sku": "MUG-1", "quantity": 1}]}, 422, "unknown_shop", "to_shop_id"),
        ({"to_shop_id": "primary", "lines": [{"sku": "MUG-1", "quantity": 1}]}, 422, "same_shop", "to_shop_id"),
        ({"to_shop_id": "gare", "lines": []}, 422, "invalid_lines", "lines"),
        ({"to_shop_id": "gare", "lines": [{"sku": "NOPE", "quantity": 1}]}, 422, "unknown_product", "lines[0].sku"),
        (
            {"to_shop_id": "gare", "lines": [{"sku": "MUG-1", "quantity": 0}]},
            422,
            "invalid_quantity",
            "lines[0].quantity",
        ),
        (
            {"to_shop_id": "gare", "lines": [{"sku": "MUG-1", "quantity": 6}]},
            422,
            "negative_stock",
            "lines[0].quantity",
        ),
        ({"to_shop_id": "gare", "note": 3, "lines": [{"sku": "MUG-1", "quantity": 1}]}, 422, "invalid_note", "note"),
    ],
)
def test_bad_input_is_refused_with_a_code_and_changes_nothing(client, setup, body, status, code, field):
    mug, device, gare = setup
    ids = {"gare": gare.pk, "primary": shop_primary(merchant=mug.merchant).pk}
    body = {**body, **({"to_shop_id": ids.get(body["to_shop_id"], body["to_shop_id"])} if "to_shop_id" in body else {})}
    before = _levels(mug)
    response = _post(client, device, body)
    assert response.status_code == status
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (code, field)
    assert _levels(mug) == before and not Transfer.objects.exists()


def test_the_key_is_required_and_another_merchants_or_a_closed_shop_refused(client, setup, other_merchant):
    mug, device, gare = setup
    line = [{"sku": "MUG-1", "quantity": 1}]
    assert _post(client, device, {"to_shop_id": gare.pk, "lines": line}, key="").status_code == 400
    theirs = ShopFactory(merchant=other_merchant)
    response = _post(client, device, {"to_shop_id": theirs.pk, "lines": line})
    assert (response.status_code, response.json()["error"]["code"]) == (422, "unknown_shop")
    Shop.objects.filter(pk=gare.pk).update(is_active=False)
    response = _post(client, device, {"to_shop_id": gare.pk, "lines": line}, key="k-2")
    assert (response.status_code, response.json()["error"]["code"]) == (422, "shop_inactive")
    assert not StockMovement.objects.filter(origin="transfer").exists()
