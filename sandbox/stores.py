"""Stores: creation with the defaults every BigCommerce store starts with."""

from __future__ import annotations

import secrets
import string
import time
import uuid

from .storage import Database
from .values import iso_now

DEFAULT_INVENTORY_SETTINGS = {
    "product_out_of_stock_behavior": "do_nothing",
    "option_out_of_stock_behavior": "do_nothing",
    "update_stock_behavior": "order_placed",
    "edit_order_stock_adjustment": True,
    "refund_order_stock_adjustment": True,
    "stock_level_display": "dont_show",
    "default_out_of_stock_message": "",
    "hide_in_product_filtering": False,
    "show_out_of_stock_message": False,
    "show_pre_order_stock_levels": False,
}
INVENTORY_SETTING_CHOICES = {
    "product_out_of_stock_behavior": {
        "do_nothing",
        "hide_product",
        "hide_product_and_accessible",
        "hide_product_and_redirect",
    },
    "option_out_of_stock_behavior": {"do_nothing", "hide_option", "label_option"},
    "update_stock_behavior": {"order_placed", "order_completed_or_shipped"},
    "stock_level_display": {"dont_show", "show", "show_when_low"},
}


# Behaviours BigCommerce's sources leave to the store or describe two ways; each default is
# what the docs say (see README "Store options").
STORE_OPTIONS = {
    # Multi-storefront docs: a product is listed on a channel only once it is assigned to it.
    "assign_new_products_to_channel_1": False,
    # Refunds guide: "you cannot return items to inventory that you refunded via API".
    # True: a refund that makes the order Refunded gives the stock back (per the events docs
    # for a status change to Refunded, and only when the inventory settings say so).
    "refund_restocks": False,
    # The Inventory API applies adjustments asynchronously: answer first, apply this many ms later.
    "inventory_apply_delay_ms": 0,
    # How many lines an order's include=consignments.line_items carries (undocumented: the
    # products endpoint's default page); clients read /v2/orders/{id}/products for the rest.
    "include_line_items_max": 50,
}


def inventory_settings(store: dict, channel_id: int | None = None) -> dict:
    """The store's inventory settings, with a channel's own overrides when it has some
    (docs: an order from a channel follows that channel's settings; a manual order, the
    global ones)."""
    settings = dict(store["inventory_settings"])
    if channel_id is not None:
        settings.update(store.get("channel_inventory_settings", {}).get(str(channel_id), {}))
    return settings


def options_errors(body) -> dict[str, str]:
    if not isinstance(body, dict):
        return {"options": "error.expected.jsobject"}
    errors = {}
    for key, value in body.items():
        if key not in STORE_OPTIONS:
            errors[key] = f"unknown option; known: {sorted(STORE_OPTIONS)}"
        elif type(value) is not type(STORE_OPTIONS[key]) or (isinstance(value, int) and value < 0):
            errors[key] = f"must be a {type(STORE_OPTIONS[key]).__name__}"
    return errors


def store_options(store: dict) -> dict:
    return {**STORE_OPTIONS, **store.get("options", {})}


def new_store_hash() -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(10))


def store_create(
    db: Database,
    *,
    store_hash: str | None = None,
    name: str = "Sandbox store",
    currency: str = "EUR",
    is_price_entered_with_tax: bool = True,
    owner_email: str | None = None,
    owner_password: str = "sandbox",
    apps: dict | None = None,
    options: dict | None = None,
) -> dict:
    """Create a store with channel 1, its category tree 1, location 1 and its pickup method 1."""
    store_hash = store_hash or new_store_hash()
    store = {
        "hash": store_hash,
        "store_id": db.next_id("_global", "store_id", start=1000001),
        "name": name,
        "currency": currency.upper(),
        "is_price_entered_with_tax": bool(is_price_entered_with_tax),
        "inventory_settings": dict(DEFAULT_INVENTORY_SETTINGS),
        "owner": {
            "id": db.next_id("_global", "user_id", start=101),
            "email": owner_email or f"owner@{store_hash}.test",
            "password": owner_password,
        },
        "apps": apps or {},  # per-store overrides of app registrations, by client_id
        "installs": {},  # client_id -> installation
        "options": {**STORE_OPTIONS, **(options or {})},
        "channel_inventory_settings": {},  # channel id -> overrides of inventory_settings
        "account_uuid": str(uuid.uuid4()),
        "created_at": int(time.time()),
    }
    db.store_put(store)
    now = iso_now()
    db.put(
        store_hash,
        "channel",
        {
            "id": 1,
            "name": name,
            "type": "storefront",
            "platform": "bigcommerce",
            "status": "active",
            "is_listable_from_ui": True,
            "is_visible": True,
            "is_enabled": True,
            "external_id": "",
            "icon_url": "",
            "date_created": now,
            "date_modified": now,
        },
    )
    db.next_id(store_hash, "channel")
    db.put(store_hash, "tree", {"id": 1, "name": name, "channels": [1]})
    db.next_id(store_hash, "tree")
    db.put(
        store_hash,
        "location",
        {
            "id": 1,
            "code": "BC-LOCATION-1",
            "label": "Default location",
            "description": "",
            "managed_by_external_source": False,
            "type_id": "PHYSICAL",
            "enabled": True,
            "storefront_visibility": True,
            "is_default": True,
            "time_zone": "Europe/Paris",
            "address": default_address(store["owner"]["email"]),
            "operating_hours": default_operating_hours(),
            "special_hours": [],
            "created_at": now,
            "updated_at": now,
        },
    )
    db.next_id(store_hash, "location")
    db.put(store_hash, "pickup_method", default_pickup_method(now))
    db.next_id(store_hash, "pickup_method")
    return store


def default_address(email: str = "location@sandbox.test") -> dict:
    """locations.v3.yml: `address` is an object, never null."""
    return {
        "address1": "",
        "address2": "",
        "city": "",
        "state": "",
        "zip": "",
        "email": email,
        "phone": "",
        "geo_coordinates": {"latitude": 0, "longitude": 0},
        "country_code": "FR",
    }


def default_pickup_method(now: str) -> dict:
    """Every sandbox store has pickup method 1 at its default location, so that an order placed
    for pickup needs no setup step (assumed: a real store starts with none)."""
    return {
        "id": 1,
        "location_id": 1,
        "display_name": "In-store pickup",
        "collection_instructions": "",
        "collection_time_description": "",
        "date_created": now,
        "date_modified": now,
    }


def default_operating_hours() -> dict:
    """locations.v3.yml: `operating_hours` is an object of the seven days, never null."""
    day = {"open": False, "opening": "00:00", "closing": "00:00"}
    return {d: dict(day) for d in ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")}


def store_info(store: dict, base_url: str) -> dict:
    """The bare object of GET /v2/store."""
    symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(store["currency"], store["currency"])
    return {
        "id": store["hash"],
        "account_uuid": store["account_uuid"],
        "domain": f"{store['hash']}.sandbox.test",
        "secure_url": f"{base_url}/manage/stores/{store['hash']}/",
        "control_panel_base_url": f"{base_url}/manage/stores/{store['hash']}/",
        "status": "live",
        "name": store["name"],
        "first_name": "Sandbox",
        "last_name": "Owner",
        "address": "",
        "country": "France",
        "country_code": "FR",
        "phone": "",
        "admin_email": store["owner"]["email"],
        "order_email": store["owner"]["email"],
        "favicon_url": "",
        "infrastructure_region": "eu",
        "timezone": {
            "name": "Europe/Paris",
            "raw_offset": 3600,
            "dst_offset": 7200,
            "dst_correction": True,
            "date_format": {"display": "jS M Y", "export": "M jS Y", "extended_display": "M jS Y @ g:i A"},
        },
        "language": "fr",
        "currency": store["currency"],
        "currency_symbol": symbol,
        "decimal_separator": ",",
        "thousands_separator": " ",
        "decimal_places": 2,
        "currency_symbol_location": "right",
        "weight_units": "kg",
        "dimension_units": "Centimeters",
        "dimension_decimal_places": 2,
        "dimension_decimal_token": ",",
        "dimension_thousands_token": " ",
        "plan_name": "Sandbox",
        "plan_level": "Sandbox",
        "plan_is_trial": False,
        "industry": "",
        "logo": [],
        "is_price_entered_with_tax": store["is_price_entered_with_tax"],
        "store_id": store["store_id"],
        "default_channel_id": 1,
        "default_site_id": 1000,
        "active_comparison_modules": [],
        "features": {
            "stencil_enabled": True,
            "sitewidehttps_enabled": True,
            "facebook_catalog_id": "",
            "checkout_type": "optimized",
            "wishlists_enabled": False,
            "graphql_storefront_api_enabled": True,
            "shopper_consent_tracking_enabled": False,
            "multi_storefront_enabled": True,
            "storefront_limits": {"active": 1, "total_including_inactive": 1},
        },
    }
