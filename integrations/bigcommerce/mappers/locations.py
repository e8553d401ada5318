"""A Comptoir shop as a BigCommerce inventory location (``reference/locations.v3.yml``). Pure.

What Comptoir owns in a location it created: its label, code, address, type and whether it is
enabled (the shop is active). What it never sends on an update: the map pin (Comptoir knows no
coordinates: created at 0, 0, the merchant places it in BigCommerce's control panel), opening
hours, time zone after creation, storefront visibility, description — the merchant's, there.
"""

from __future__ import annotations

from dataclasses import dataclass

from integrations.bigcommerce.mappers.outbound import content_hash

CODE_PREFIX = "COMPTOIR-SHOP-"  # codes are unique in a store: the shop's id makes it so
TIME_ZONE = "Etc/UTC"  # required on create; Comptoir has no time zone per shop


@dataclass(frozen=True)
class ShopSnapshot:
    shop_id: int
    name: str
    address_line1: str
    address_line2: str
    city: str
    postal_code: str
    country: str
    is_active: bool
    email: str  # the merchant's contact: BigCommerce requires one per location


def location_code(shop_id: int) -> str:
    return f"{CODE_PREFIX}{shop_id}"


def _address(shop: ShopSnapshot) -> dict:
    # BigCommerce requires a state; a Comptoir shop has none (no region field, and most of our
    # merchants' countries have none on a postal address): the city stands in for it. An empty
    # address line, postal code or city is sent as it is, and BigCommerce's refusal says which.
    return {
        "address1": shop.address_line1,
        "address2": shop.address_line2,
        "city": shop.city,
        "state": shop.city,
        "zip": shop.postal_code,
        "email": shop.email,
        "country_code": shop.country,
    }


def location_owned_fields(shop: ShopSnapshot) -> dict:
    """The fields Comptoir keeps in step for a location it created (and the hash of what was sent)."""
    return {
        "code": location_code(shop.shop_id),
        "label": shop.name,
        "type_id": "PHYSICAL",
        "enabled": shop.is_active,
        "managed_by_external_source": True,
        "address": _address(shop),
    }


def location_create_body(shop: ShopSnapshot) -> dict:
    """``POST /v3/inventory/locations``' item: ``managed_by_external_source`` so that stock edits
    in BigCommerce's control panel are blocked (Comptoir's ledger is the truth of a shop's stock)."""
    body = location_owned_fields(shop)
    body["time_zone"] = TIME_ZONE
    body["address"] = {**body["address"], "geo_coordinates": {"latitude": 0, "longitude": 0}}
    return body


def location_update_body(shop: ShopSnapshot, *, location_id: int) -> dict:
    """``PUT /v3/inventory/locations``' item: what Comptoir owns, the rest left as the merchant set it."""
    return {"id": location_id, **location_owned_fields(shop)}


def location_hash(shop: ShopSnapshot) -> str:
    """Changes when a field Comptoir owns changes (rename, new address, deactivated)."""
    return content_hash(location_owned_fields(shop))
