"""Helpers of the locations tests: shops with an address, locations read from the sandbox."""

from integrations.tests.connect_helpers import api
from portal.tests.factories import ShopFactory

LOCATIONS = "/v3/inventory/locations"
ADDRESS = {"address_line1": "3 rue de la Paix", "postal_code": "69002", "city": "Lyon"}


def shop_with_address(merchant, name, **fields):
    return ShopFactory(merchant=merchant, name=name, **{**ADDRESS, **fields})


def existing_location(bc, store, label="Entrepôt Lyon", code="WAREHOUSE-LY") -> dict:
    """A location the merchant made in BigCommerce before connecting."""
    body = {
        "code": code,
        "label": label,
        "type_id": "PHYSICAL",
        "managed_by_external_source": False,
        "time_zone": "Europe/Paris",
        "address": {
            "address1": "1 quai",
            "city": "Lyon",
            "state": "ARA",
            "zip": "69001",
            "email": "depot@shop.test",
            "geo_coordinates": {"latitude": 45.76, "longitude": 4.83},
            "country_code": "FR",
        },
    }
    api(bc, store).post(LOCATIONS, json=[body])
    return remote_location(bc, store, code=code)


def remote_location(bc, store, *, code=None, location_id=None) -> dict | None:
    params = {"location_code:in": code} if code else {"location_id:in": location_id}
    found = api(bc, store).get(LOCATIONS, params=params)["data"]
    return found[0] if found else None
