"""The tasks of shops' BigCommerce locations (``integrations.bigcommerce.connection.locations``).
Thin, as every task; ``integrations.tasks`` re-exports them, so that their dotted paths are
``integrations.tasks.<name>`` like every other task's."""

import logging

from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.api.errors import BigCommerceError, PacingDeferred
from integrations.bigcommerce.connection import locations as flow
from integrations.bigcommerce.stock.check import initial_sync_running
from integrations.bigcommerce.stock.start import location_stock_start
from integrations.models import BigCommerceConnection, ShopLocation, SyncState
from integrations.services import locations as services
from integrations.services.queue import enqueue

__all__ = [
    "bigcommerce_location_stock_start",
    "bigcommerce_shop_locations_sweep",
    "bigcommerce_shop_locations_sync",
    "bigcommerce_store_locations_read",
]
logger = logging.getLogger(__name__)
Status = BigCommerceConnection.Status
LIVE = (Status.SETUP_INCOMPLETE, Status.CONNECTED, Status.NEEDS_ATTENTION)


def _live(connection_id: int) -> BigCommerceConnection | None:
    connection = BigCommerceConnection.objects.select_related("merchant").filter(pk=connection_id).first()
    if connection is None or connection.status not in LIVE or not connection.access_token:
        return None
    return connection


def bigcommerce_shop_locations_sync(connection_id: int) -> dict | None:
    """Create, link or update the connection's locations (what is due; nothing when nothing is)."""
    connection = _live(connection_id)
    if connection is None:
        return None
    try:
        return flow.shop_locations_sync(connection=connection)
    except PacingDeferred:
        enqueue("integrations.tasks.bigcommerce_shop_locations_sync", connection_id)  # the quota is spent: later
        return None


def bigcommerce_store_locations_read(connection_id: int) -> None:
    """The store's locations, for the wizard's "Link an existing location" (kept in the cache)."""
    connection = _live(connection_id)
    if connection is None:
        return
    try:
        locations = api.locations_list(client_for(connection))
    except BigCommerceError as exc:
        services.store_locations_record(connection_id=connection_id, locations=None, error=flow.refusal_text(exc))
        return
    services.store_locations_record(connection_id=connection_id, locations=locations)


def bigcommerce_shop_locations_sweep() -> int:
    """Every few minutes: connected merchants' shops without a location get one, and connections
    with a location to create, read back or update get their task (a process that died after a
    commit took the fast path with it). Returns the number of tasks enqueued."""
    enqueued = 0
    for connection in BigCommerceConnection.objects.filter(status__in=LIVE):  # the task checks the token
        if connection.status != Status.SETUP_INCOMPLETE:
            for shop_id in services.shop_locations_missing(connection=connection):
                services.shop_location_ensure(connection=connection, shop_id=shop_id)
        rows = ShopLocation.objects.filter(connection=connection)
        if rows.filter(state=SyncState.PENDING).exists() or flow.shop_locations_update_due(connection=connection):
            enqueue("integrations.tasks.bigcommerce_shop_locations_sync", connection.pk)
            enqueued += 1
    return enqueued


def bigcommerce_location_stock_start(connection_id: int, shop_id: int) -> None:
    """A shop's location became synced (the wizard or the shops page mapped it): the location
    shows the shop's stock. Idempotent: a level that already matches is not set again."""
    connection = _live(connection_id)
    if connection is None or initial_sync_running(connection):  # the initial run's end sets every mapped location's
        return
    location_stock_start(connection=connection, shop_id=shop_id)
