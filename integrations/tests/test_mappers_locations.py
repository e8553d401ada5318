"""A shop as a BigCommerce location: pure, no database."""

from dataclasses import replace

from integrations.bigcommerce.mappers.locations import (
    ShopSnapshot,
    location_create_body,
    location_hash,
    location_update_body,
)

SHOP = ShopSnapshot(
    shop_id=7,
    name="Gare",
    address_line1="3 rue de la Paix",
    address_line2="",
    city="Lyon",
    postal_code="69002",
    country="FR",
    is_active=True,
    email="owner@shop.test",
)


def test_create_body_has_what_locations_v3_requires_and_is_managed_by_comptoir():
    body = location_create_body(SHOP)
    assert body["code"] == "COMPTOIR-SHOP-7" and body["label"] == "Gare" and body["type_id"] == "PHYSICAL"
    assert body["managed_by_external_source"] is True and body["enabled"] is True and body["time_zone"]
    address = body["address"]
    for key in ("address1", "city", "state", "zip", "email", "geo_coordinates", "country_code"):
        assert address[key] not in (None, ""), key


def test_update_body_never_moves_the_map_pin_and_disables_a_deactivated_shop():
    body = location_update_body(replace(SHOP, is_active=False), location_id=3)
    assert body["id"] == 3 and body["enabled"] is False
    assert "geo_coordinates" not in body["address"] and "time_zone" not in body


def test_the_hash_changes_with_what_comptoir_owns_only():
    assert location_hash(SHOP) == location_hash(replace(SHOP))
    assert location_hash(SHOP) != location_hash(replace(SHOP, name="Gare Part-Dieu"))
    assert location_hash(SHOP) != location_hash(replace(SHOP, city="Villeurbanne"))
    assert location_hash(SHOP) != location_hash(replace(SHOP, is_active=False))
