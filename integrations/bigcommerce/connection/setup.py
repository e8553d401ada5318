"""Setup flows run by tasks: store facts and Finish setup (the duplicates review: ``preflight``;
disconnect: ``disconnect``).

Each step is idempotent (it looks for what an earlier attempt made before making it) and
writes one journal line. A BigCommerce error stops the flow with the connection left as it
was, so the merchant can retry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations import journal_messages
from integrations.bigcommerce import binder
from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.api.errors import NotFound
from integrations.bigcommerce.api.webhook_signature import SECRET_HEADER
from integrations.bigcommerce.inbox import scopes
from integrations.bigcommerce.products.export import export_initial_start
from integrations.bigcommerce.products.importer import import_initial_start
from integrations.models import BigCommerceConnection, Incident, ProductLink, SyncEvent
from integrations.services.connection import connection_store_facts_record
from integrations.services.incidents import incident_open, incidents_resolve
from integrations.services.journal import sync_event_record

CHANNEL_NAME = "Comptoir-POS"  # letters, digits, dashes and underscores only


CHANNEL_TYPE = "pos"


CHANNEL_PLATFORM = "custom"  # pos allows only clover/square/stripe/talech/vend; custom fits any type


CATEGORY_NAME = "Comptoir POS"


WEBHOOK_PATH = "/integrations/bigcommerce/webhooks/"


WEBHOOK_SECRET_HEADER = SECRET_HEADER


Dir = SyncEvent.Direction


def webhook_scopes(channel_id: int) -> list[str]:
    return scopes.subscribed(channel_id)


def webhook_destination() -> str:
    return settings.COMPTOIR_PUBLIC_URL + WEBHOOK_PATH


# -- store facts -------------------------------------------------------------------------
def store_facts_fetch(*, connection: BigCommerceConnection) -> None:
    store = api.store_get(client_for(connection))
    connection_store_facts_record(connection=connection, store=store)
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.SETUP_STEP,
        direction=Dir.FROM_BIGCOMMERCE,
        code=journal_messages.SETUP_STORE_READ,
        params={
            "name": connection.store_name,
            "currency": connection.store_currency,
            "with_tax": bool(connection.is_price_entered_with_tax),
        },
        detail={"answer": {k: store.get(k) for k in ("name", "currency", "is_price_entered_with_tax")}},
    )


# -- Finish setup --------------------------------------------------------------------------
def setup_finish_run(*, connection: BigCommerceConnection) -> None:
    client = client_for(connection)
    store = api.store_get(client)
    connection_store_facts_record(connection=connection, store=store)
    _channel_ensure(connection, client)
    if connection.managed_in == BigCommerceConnection.ManagedIn.COMPTOIR:
        _category_ensure(connection, client)
    _webhooks_ensure(connection, client)
    if connection.managed_in == BigCommerceConnection.ManagedIn.BIGCOMMERCE:
        _linked_assign_to_channel(connection, client)
    with transaction.atomic():
        _links_from_review(connection)
        connection.status = BigCommerceConnection.Status.CONNECTED
        connection.operation = BigCommerceConnection.Operation.NONE
        connection.operation_options = {}
        connection.operation_error = ""
        connection.connected_at = timezone.now()
        connection.save()
        sync_event_record(
            connection=connection,
            kind=SyncEvent.Kind.CONNECT,
            code=journal_messages.SETUP_CONNECTED,
            params={"name": connection.store_name or connection.store_hash, "managed_in": connection.managed_in},
            detail={
                "managed_in": connection.managed_in,
                "include_prices": connection.include_prices,
                "sync_scope": connection.sync_scope,
            },
        )
        initial_sync_queue(connection=connection)


def _channel_ensure(connection, client) -> None:
    channel = None
    if connection.channel_id:
        try:
            channel = api.channel_get(client, connection.channel_id)
        except NotFound:
            channel = None
    if channel is None:
        found = api.channels_list(client, type_=CHANNEL_TYPE, platform=CHANNEL_PLATFORM)
        channel = next((c for c in found if c.get("name") == CHANNEL_NAME), None)
        reused = channel is not None
    else:
        reused = True
    body = {"name": CHANNEL_NAME, "type": CHANNEL_TYPE, "platform": CHANNEL_PLATFORM, "status": "connected"}
    if channel is None:
        channel = api.channel_create(client, body)
        done = "created"
    elif channel.get("status") != "connected":
        channel = api.channel_status_set(client, channel["id"], "connected")
        done = "reconnected"
    else:
        done = "reused"
    connection.channel_id = channel["id"]
    connection.save(update_fields=["channel_id", "updated_at"])
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.SETUP_STEP,
        direction=Dir.TO_BIGCOMMERCE,
        code=journal_messages.SETUP_CHANNEL,
        params={"name": CHANNEL_NAME, "done": done},
        detail={"sent": body if not reused else {"channel_id": channel["id"]}, "answer": channel},
    )


def _category_ensure(connection, client) -> None:
    category = None
    if connection.category_id:
        found = api.categories_find(client, {"category_id:in": connection.category_id})
        category = next(iter(found), None)
    if category is None:
        found = api.categories_find(client, {"name": CATEGORY_NAME, "tree_id:in": 1})
        category = next(iter(found), None)
    body = [{"name": CATEGORY_NAME, "tree_id": 1, "parent_id": 0, "is_visible": False}]
    if category is None:
        category = api.categories_create(client, body)[0]
        done = "created"
    else:
        done = "reused"
    connection.category_id = category.get("category_id") or category.get("id")
    connection.save(update_fields=["category_id", "updated_at"])
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.SETUP_STEP,
        direction=Dir.TO_BIGCOMMERCE,
        code=journal_messages.SETUP_CATEGORY,
        params={"name": CATEGORY_NAME, "done": done},
        detail={"sent": body, "answer": category},
    )


def _webhooks_ensure(connection, client) -> None:
    destination = webhook_destination()
    headers = {WEBHOOK_SECRET_HEADER: connection.webhook_secret}
    existing = {h["scope"]: h for h in api.hooks_iter(client) if h.get("destination") == destination}
    ids = []
    for scope in webhook_scopes(connection.channel_id):
        body = {"scope": scope, "destination": destination, "is_active": True, "headers": headers}
        hook = existing.get(scope)
        if hook is None:
            hook = api.hook_create(client, body)
        else:
            hook = api.hook_update(client, hook["id"], {"is_active": True, "headers": headers})
        ids.append(hook["id"])
    connection.webhook_ids = ids
    connection.save(update_fields=["webhook_ids", "updated_at"])
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.SETUP_STEP,
        direction=Dir.TO_BIGCOMMERCE,
        code=journal_messages.SETUP_WEBHOOKS,
        params={"count": len(ids)},
        detail={"destination": destination, "scopes": webhook_scopes(connection.channel_id), "ids": ids},
    )
    incidents_resolve(merchant_id=connection.merchant_id, kinds=[Incident.Kind.WEBHOOKS_DEACTIVATED])


def webhooks_check(*, connection: BigCommerceConnection) -> int:
    """Hourly: BigCommerce deactivates a webhook whose deliveries kept failing (and mails the store
    owner, not us). Those it deactivated are journaled, open an incident, and are registered again
    (which resolves it; a failure leaves it open for the next hour). How many were off."""
    if not connection.channel_id or not connection.webhook_ids:
        return 0
    client = client_for(connection)
    destination = webhook_destination()
    ours = {h["scope"]: h for h in api.hooks_iter(client) if h.get("destination") == destination}
    # Inactive ones only: a scope with no hook at all is one a newer Comptoir subscribes to
    # (``webhooks_refresh_if_stale`` registers it), not something BigCommerce did.
    off = [s for s in webhook_scopes(connection.channel_id) if s in ours and not ours[s].get("is_active")]
    if not off:
        return 0
    event = sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.ERROR,
        direction=Dir.FROM_BIGCOMMERCE,
        status=SyncEvent.Status.FAILED,
        code=journal_messages.WEBHOOKS_DEACTIVATED,
        params={"count": len(off)},
        detail={"scopes": off, "destination": destination},
    )
    incident_open(connection=connection, kind=Incident.Kind.WEBHOOKS_DEACTIVATED, event=event)
    _webhooks_ensure(connection, client)
    return len(off)


def webhooks_refresh_if_stale(*, connection: BigCommerceConnection) -> bool:
    """A connection made before Comptoir subscribed to more scopes registers them (once: the ids
    it keeps then cover every scope). True when it did."""
    if not connection.channel_id or len(connection.webhook_ids or []) >= len(webhook_scopes(connection.channel_id)):
        return False
    _webhooks_ensure(connection, client_for(connection))
    return True


def _linked_assign_to_channel(connection, client) -> None:
    """Products managed in BigCommerce come into Comptoir through the Comptoir-POS channel: a
    product the merchant linked at review joins it, or its link would wait for an import that
    never comes (a PUT: idempotent, so a retried Finish setup sends it again harmlessly)."""
    ids = sorted(
        {
            m["remote_product_id"]
            for m in connection.preflight.get("matches", [])
            if connection.preflight_choices.get(m["key"]) == "link"
        }
    )
    if not ids or not connection.channel_id:
        return
    body = [{"product_id": pk, "channel_id": connection.channel_id} for pk in ids]
    api.channel_assign(client, channel_id=connection.channel_id, product_ids=ids)
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.SETUP_STEP,
        direction=Dir.TO_BIGCOMMERCE,
        code=journal_messages.SETUP_CHANNEL_ASSIGNED,
        params={"count": len(ids), "channel": CHANNEL_NAME},
        detail={"sent": body},
    )


def _links_from_review(connection) -> None:
    """Bind the products the merchant chose to link at review: one link per product, its
    matched variants below it (a product whose variants matched several remote products is
    bound to the first; the others are left to be created)."""
    chosen = {k for k, v in connection.preflight_choices.items() if v == "link"}
    created = 0
    for match in connection.preflight.get("matches", []):
        if match["key"] not in chosen:
            continue
        link = ProductLink.objects.live().filter(connection=connection, product_id=match["product_id"]).first()
        if link is None:
            link = binder.link_create(
                connection=connection,
                product_id=match["product_id"],
                remote_product_id=match["remote_product_id"],
                origin=ProductLink.Origin.LINKED,
            )
            created += 1
        elif link.remote_product_id != match["remote_product_id"]:
            continue
        if match["remote_variant_id"]:
            binder.variant_link_ensure(
                link=link, variant_id=match["variant_id"], remote_variant_id=match["remote_variant_id"]
            )
    if chosen:
        sync_event_record(
            connection=connection,
            kind=SyncEvent.Kind.SETUP_STEP,
            code=journal_messages.SETUP_LINKED,
            params={"count": created},
        )


def initial_sync_queue(*, connection: BigCommerceConnection) -> None:
    """Start the initial sync in the managing platform's direction (its task runs on commit)."""
    if connection.managed_in == BigCommerceConnection.ManagedIn.COMPTOIR:
        export_initial_start(connection=connection)
    else:
        import_initial_start(connection=connection)
