"""Disconnect: what it would delete (the preview), then the disconnect itself (copies kept or
deleted, webhooks removed, the channel marked disconnected, the token forgotten)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.services.products import products_archive
from integrations import journal_messages
from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.api.errors import NotFound, Unauthorized
from integrations.bigcommerce.connection.locations import locations_release
from integrations.bigcommerce.connection.setup import Dir, webhook_destination
from integrations.bigcommerce.products.import_writes import ORIGIN
from integrations.bigcommerce.products.importer import products_detach
from integrations.models import BigCommerceConnection, ProductLink, SyncEvent
from integrations.services.connection import connection_forget
from integrations.services.journal import sync_event_record

# -- disconnect ----------------------------------------------------------------------------
PREVIEW_CHUNK = 50


def disconnect_preview_run(*, connection: BigCommerceConnection) -> None:
    """Read from BigCommerce which of the products Comptoir created there are visible online,
    so that the disconnect page can say so before anything is deleted. Progress is saved after
    each page so that the page can show it."""
    ids = sorted(
        set(
            ProductLink.objects.live()
            .filter(
                connection=connection,
                origin=ProductLink.Origin.CREATED_REMOTE,
                remote_product_id__isnull=False,
            )
            .values_list("remote_product_id", flat=True)
        )
    )
    client = client_for(connection)
    remote: dict[str, dict] = {}
    preview = {"state": "running", "done": 0, "total": len(ids), "remote": remote}
    for start in range(0, len(ids), PREVIEW_CHUNK):
        chunk = ids[start : start + PREVIEW_CHUNK]
        answer = api.products_list(
            client,
            {
                "id:in": ",".join(map(str, chunk)),
                "include_fields": "name,is_visible,categories",
                "limit": PREVIEW_CHUNK,
            },
        )
        for product in answer:
            remote[str(product["id"])] = {
                "name": product.get("name", ""),
                "is_visible": bool(product.get("is_visible")),
            }
        preview["done"] = min(start + PREVIEW_CHUNK, len(ids))
        connection.disconnect_preview = preview
        connection.save(update_fields=["disconnect_preview", "updated_at"])
    preview.update(state="ready", done=len(ids), checked_at=timezone.now().isoformat())
    connection.disconnect_preview = preview
    connection.save(update_fields=["disconnect_preview", "updated_at"])


def disconnect_run(*, connection: BigCommerceConnection) -> None:
    delete_copies = bool(connection.operation_options.get("delete_copies"))
    detail: dict = {"delete_copies": delete_copies}
    client = client_for(connection) if connection.access_token else None
    try:
        if delete_copies:
            detail["deleted"] = _copies_delete(connection, client)
        if connection.managed_in == BigCommerceConnection.ManagedIn.BIGCOMMERCE:
            # Kept or archived, the copies are Comptoir's to edit again once the store is gone.

            detail["detached"] = products_detach(connection=connection)
        if client is not None:
            detail["webhooks_removed"] = _webhooks_remove(connection, client)
            # Its stock is the merchant's to edit in BigCommerce again once Comptoir lets go.
            detail["locations_released"] = locations_release(connection=connection, client=client)
            if connection.channel_id:
                try:
                    api.channel_status_set(client, connection.channel_id, "disconnected")
                except NotFound:
                    pass
    except Unauthorized:
        # The token was revoked (app uninstalled): nothing more can be done remotely.
        detail["token_revoked"] = True
    connection_forget(
        connection=connection,
        message=lambda: _("Disconnected from BigCommerce. The access token was deleted; the journal is kept."),
        detail=detail,
    )


def _copies_delete(connection, client) -> int:
    links = ProductLink.objects.live().filter(connection=connection)
    if connection.managed_in == BigCommerceConnection.ManagedIn.COMPTOIR:
        ids = sorted(
            set(
                links.filter(origin=ProductLink.Origin.CREATED_REMOTE, remote_product_id__isnull=False).values_list(
                    "remote_product_id", flat=True
                )
            )
        )
        for start in range(0, len(ids), 50):
            chunk = ids[start : start + 50]
            api.products_delete(client, chunk)
        where = "bigcommerce"
        direction = Dir.TO_BIGCOMMERCE
    else:
        ids = sorted(set(links.filter(origin=ProductLink.Origin.IMPORTED).values_list("product_id", flat=True)))
        # Archived, not deleted: their sales and stock history stay.
        products_archive(merchant=connection.merchant, product_ids=ids, origin=ORIGIN)
        where = "comptoir"
        direction = Dir.INTERNAL
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.DISCONNECT,
        direction=direction,
        code=journal_messages.DISCONNECT_COPIES,
        params={"count": len(ids), "where": where},
        detail={"ids": ids},
    )
    return len(ids)


def _webhooks_remove(connection, client) -> int:
    destination = webhook_destination()
    ids = set(connection.webhook_ids or [])
    ids |= {h["id"] for h in api.hooks_iter(client) if h.get("destination") == destination}
    for hook_id in sorted(ids):
        try:
            api.hook_delete(client, hook_id)
        except NotFound:
            pass
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.DISCONNECT,
        direction=Dir.TO_BIGCOMMERCE,
        code=journal_messages.DISCONNECT_WEBHOOKS,
        params={"count": len(ids)},
        detail={"ids": sorted(ids)},
    )
    return len(ids)
