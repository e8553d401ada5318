"""Tenancy cases: for each URL with an object id, build that id from another merchant's data.

Each case takes the other merchant and returns a list of kwargs dicts for ``reverse``.
Apps keep their own cases next to their tests and this module gathers them.
"""

from catalog.tests.tenancy import CATALOG_PUBLIC_OR_OWN, CATALOG_URL_CASES

# URLs with no object of a merchant in them (lists, forms, the Register). Their isolation is
# covered by the tests of each app (lists only show the merchant's rows).
PUBLIC_OR_OWN = {
    "backoffice:dashboard",
    "backoffice:merchant_settings",
    "portal:device_list",
    "portal:device_issue",
    "portal:shop_list",
    "portal:shop_add",
    "portal:shop_switch",  # the shop id is in the body: another merchant's → 404 (portal/tests/test_shops.py)
    "inventory:register",
    "inventory:register_cart",
    "inventory:register_sell",
    "inventory:sale_list",
    "inventory:low_stock",
    "inventory:api_products",
    "inventory:api_purchases",
    "inventory:transfer_list",  # lists the merchant's transfers only (inventory/tests/test_views_transfers.py)
    "inventory:api_transfers",  # to_shop_id of another merchant → 422 unknown_shop (test_api_transfers.py)
    *CATALOG_PUBLIC_OR_OWN,
    # Operators' endpoints: no merchant's data in them (operations/tests: health answers no tenant
    # data; metrics are per store hash, behind METRICS_TOKEN or the allow-list).
    "health_live",
    "health_ready",
    "metrics",
    # The merchant's own connection is found from request.merchant; app callbacks are
    # authenticated by BigCommerce's signed payloads (integrations/tests/test_app_callbacks.py), the
    # webhook receiver by its signature (integrations/tests/test_webhooks.py).
    *(
        f"integrations:{name}"
        for name in (
            "index",
            "bigcommerce",
            "bigcommerce_products",
            "bigcommerce_sync_now",
            "bigcommerce_stock_check",
            "bigcommerce_journal",
            "bigcommerce_journal_export",
            "bigcommerce_journal_retry_failed",
            "bigcommerce_connect",
            "bigcommerce_disconnect",
            "setup",
            "setup_managed_in",
            "setup_prices",
            "setup_products",
            "setup_review",
            "setup_locations",  # takes shop and location ids; another merchant's are refused (test_locations_wizard)
            "setup_finish",
            "app_auth",
            "app_load",
            "app_uninstall",
            "app_remove_user",
            "app_welcome",
            "bigcommerce_webhook",
            "assign_channels",  # takes product ids; only the merchant's own are used (test_channels)
        )
    ),
}


def _product(other):
    from catalog.tests.factories import ProductFactory

    return [{"pk": ProductFactory(merchant=other).pk}]


def _product_id(other):
    return [{"product_id": _product(other)[0]["pk"]}]


def _sale(other):
    from catalog.tests.factories import ProductFactory
    from inventory.services import sale_create

    variant = ProductFactory(merchant=other).variants.get()
    sale = sale_create(merchant=other, lines=[(variant, 1)], idempotency_key="tenancy-sale")
    return sale


def _sale_kwargs(other):
    return [{"pk": _sale(other).pk}]


def _transfer_kwargs(other):
    from inventory.tests.factories import stocked_variant
    from inventory.transfers import stock_transfer
    from portal.services import shop_primary
    from portal.tests.factories import ShopFactory

    transfer = stock_transfer(
        merchant=other,
        from_shop=shop_primary(merchant=other),
        to_shop=ShopFactory(merchant=other),
        lines=[(stocked_variant(merchant=other, quantity=2), 1)],
        idempotency_key="tenancy-transfer",
    )
    return [{"pk": transfer.pk}]


def _device(other):
    from portal.tests.factories import DeviceFactory

    return [{"pk": DeviceFactory(merchant=other).pk}]


def _shop(other):
    from portal.tests.factories import ShopFactory

    return [{"pk": ShopFactory(merchant=other).pk}]


def _sync_event(other):
    from integrations.models import SyncEvent

    return [{"event_id": SyncEvent.objects.create(merchant=other, kind="connect", message="x").pk}]


def _sync_run(other):
    from integrations.models import BigCommerceConnection, SyncRun

    connection = BigCommerceConnection.objects.create(merchant=other, store_hash="tenancyrun", status="connected")
    return [{"run_id": SyncRun.objects.create(merchant=other, connection=connection, kind="export").pk}]


def _incident(other):
    from integrations.models import Incident

    return [{"incident_id": Incident.objects.create(merchant=other, kind=Incident.Kind.STOCK_DRIFT).pk}]


def _shop_location(other):
    from integrations.models import BigCommerceConnection, ShopLocation
    from portal.tests.factories import ShopFactory

    connection = BigCommerceConnection.objects.create(merchant=other, store_hash="tenancyloc", status="connected")
    row = ShopLocation.objects.create(
        connection=connection, shop=ShopFactory(merchant=other), origin="created", state="failed", last_error="x"
    )
    return [{"row_id": row.pk}]


URL_CASES = {
    "integrations:bigcommerce_location_retry": _shop_location,
    "integrations:bigcommerce_incident_resolve": _incident,
    "integrations:bigcommerce_run": _sync_run,
    "integrations:bigcommerce_event": _sync_event,
    "integrations:bigcommerce_event_retry": _sync_event,
    "integrations:product_channels": _product_id,
    "integrations:product_retry": _product_id,
    "integrations:product_link_store": _product_id,
    "inventory:product_stock": _product,
    "inventory:sale_detail": _sale_kwargs,
    "inventory:sale_refund": _sale_kwargs,
    "inventory:transfer_detail": _transfer_kwargs,
    "portal:device_revoke": _device,
    "portal:device_move": _device,
    "portal:shop_edit": _shop,
    "portal:shop_deactivate": _shop,
    "portal:shop_activate": _shop,
    **CATALOG_URL_CASES,
}

# The POS device API authenticates with a device's bearer token, not a session.
API_URL_CASES = {
    "inventory:api_purchase_detail": _sale_kwargs,
    "inventory:api_purchase_refunds": _sale_kwargs,
}
