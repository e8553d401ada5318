"""Shops and BigCommerce locations in the sandbox, for the locations tests: shops with an address,
locations read from the sandbox, and (for the stock sync per location) locations created through
the sandbox's API with their mappings (``ShopLocation``) made directly."""

import uuid

from integrations import tasks
from integrations.models import ShopLocation, SyncState, VariantLink
from integrations.tests.connect_helpers import api, new_store
from integrations.tests.test_export import connected_to
from integrations.tests.test_stock_push import stocked
from inventory.models import StockLevel
from inventory.services import sale_create, stock_set
from portal.services import shop_create
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


ABSOLUTE = "/v3/inventory/adjustments/absolute"


def location_create(bc, store, code: str) -> int:
    api(bc, store).post("/v3/inventory/locations", json=[{"code": code, "label": code.title()}])
    (found,) = [loc for loc in api(bc, store).get("/v3/inventory/locations")["data"] if loc["code"] == code]
    return found["id"]


def mapped_shop(bc, store, connection, name: str, *, stock: dict | None = None, origin=ShopLocation.Origin.CREATED):
    """A second shop (with ``stock``: {variant: level} set before it is mapped: nothing pushed) and
    its own BigCommerce location, mapped and synced. (shop, location id)"""
    shop = shop_create(merchant=connection.merchant, name=name, country="FR")
    for variant, quantity in (stock or {}).items():
        stock_set(
            merchant=connection.merchant,
            variant=variant,
            quantity=quantity,
            idempotency_key=uuid.uuid4().hex,
            shop=shop,
        )
    location = location_create(bc, store, name.upper().replace(" ", "-"))
    ShopLocation.objects.create(
        connection=connection,
        shop=shop,
        remote_location_id=location,
        origin=origin,
        state=SyncState.SYNCED,
    )
    return shop, location


def in_shop(variant, shop) -> int:
    level = StockLevel.objects.filter(variant=variant, shop=shop).first()
    return level.quantity if level else 0


def primary(variant) -> int:
    return StockLevel.objects.get(variant=variant, shop__is_primary=True).quantity


def absolute_calls(bc, store) -> list[dict]:
    return [r for r in bc.request_log(store["hash"]) if r["method"] == "PUT" and r["path"].endswith(ABSOLUTE)]


def sell(merchant, variant, quantity, shop=None):
    return sale_create(merchant=merchant, lines=[(variant, quantity)], idempotency_key=uuid.uuid4().hex, shop=shop)


def two_shops(bc, *, store=None, mug_stock=10, shop_stock=4):
    store = store or new_store(bc)
    store, merchant, client, connection, mug = connected_to(
        bc, store, setup=lambda m: stocked(m, "Mug", "MUG-1", mug_stock)
    )
    shop, location = mapped_shop(bc, store, connection, "Shop two", stock={mug: shop_stock})
    tasks.bigcommerce_location_stock_start(connection.pk, shop.pk)
    return store, merchant, connection, mug, shop, location


def remote_of(variant) -> int:
    return VariantLink.objects.get(variant=variant).remote_variant_id


def at(location: int, variant, quantity: int) -> dict:
    return {"location_id": location, "variant_id": remote_of(variant), "quantity": quantity}
