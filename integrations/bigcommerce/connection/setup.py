"""Setup flows run by tasks: store facts, the duplicates pre-flight, Finish setup, disconnect.

Each step is idempotent (it looks for what an earlier attempt made before making it) and
writes one journal line. A BigCommerce error stops the flow with the connection left as it
was, so the merchant can retry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.api.errors import BigCommerceError, NotFound, Unauthorized
from integrations.bigcommerce.api.webhook_signature import SECRET_HEADER
from integrations.bigcommerce.inbox import scopes
from integrations.models import BigCommerceConnection, ProductLink, SyncEvent, VariantLink
from integrations.selectors import products_for_name_match, variants_with_identifiers
from integrations.services.connection import connection_forget, connection_store_facts_record
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
        message=lambda: (
            _("Read the store settings of %(name)s: currency %(currency)s, prices entered %(tax)s.")
            % {
                "name": connection.store_name,
                "currency": connection.store_currency,
                "tax": _("with tax") if connection.is_price_entered_with_tax else _("without tax"),
            }
        ),
        detail={"answer": {k: store.get(k) for k in ("name", "currency", "is_price_entered_with_tax")}},
    )


# -- duplicates pre-flight -----------------------------------------------------------------
def preflight_run(*, connection: BigCommerceConnection) -> dict:
    """Local variants whose SKU or barcode already exists in the store: offer to link them."""
    client = client_for(connection)
    by_sku: dict[str, dict] = {}
    by_code: dict[str, dict] = {}
    by_name: dict[str, dict] = {}  # BigCommerce product names are unique: a same name would be refused
    remote_products = 0
    for product in api.products_iter(client, {"include": "variants"}):
        remote_products += 1
        remote_variants = product.get("variants") or []
        by_name.setdefault(
            " ".join((product.get("name") or "").split()).casefold(),
            {
                "remote_product_id": product["id"],
                # A product without options binds its base variant; one with options, by SKU later.
                "remote_variant_id": remote_variants[0]["id"]
                if len(remote_variants) == 1 and not remote_variants[0].get("option_values")
                else None,
                "remote_name": product.get("name", ""),
                "has_options": len(remote_variants) > 1,
                "remote_variants": len(remote_variants),
            },
        )
        for variant in product.get("variants") or []:
            entry = {
                "remote_product_id": product["id"],
                "remote_variant_id": variant.get("id"),
                "remote_name": product.get("name", ""),
                "has_options": bool(variant.get("option_values")),
            }
            if variant.get("sku"):
                by_sku.setdefault(variant["sku"].lower(), entry)
            for code_field in ("upc", "gtin", "mpn"):
                if variant.get(code_field):
                    by_code.setdefault(variant[code_field], entry)
        if product.get("sku"):
            by_sku.setdefault(
                product["sku"].lower(),
                {
                    "remote_product_id": product["id"],
                    "remote_variant_id": None,
                    "remote_name": product.get("name", ""),
                    "has_options": False,
                },
            )
    matches = []
    seen_remote: set = set()
    matched_products: set = set()
    remote_variant_counts = {m["remote_product_id"]: m["remote_variants"] for m in by_name.values()}
    for variant in variants_with_identifiers(merchant=connection.merchant, connection=connection):
        found, matched_on = None, ""
        if variant.sku and variant.sku.lower() in by_sku:
            found, matched_on = by_sku[variant.sku.lower()], "sku"
        elif variant.barcode and variant.barcode in by_code:
            found, matched_on = by_code[variant.barcode], "barcode"
        if not found:
            continue
        remote_key = (found["remote_product_id"], found["remote_variant_id"])
        if remote_key in seen_remote:
            continue
        seen_remote.add(remote_key)
        matched_products.add(variant.product_id)
        matches.append(
            {
                # One choice per product: every matched variant of a product shares its key.
                "key": str(variant.product_id),
                "product_id": variant.product_id,
                "variant_id": variant.pk,
                "product_name": variant.product.name,
                "variant_name": str(variant),
                "sku": variant.sku,
                "barcode": variant.barcode,
                "matched_on": matched_on,
                "remote_variants": remote_variant_counts.get(found["remote_product_id"], 0),
                **{k: found[k] for k in ("remote_product_id", "remote_variant_id", "remote_name")},
            }
        )
    for product in products_for_name_match(merchant=connection.merchant, connection=connection):
        found = by_name.get(" ".join(product.name.split()).casefold())
        if product.pk in matched_products or not found or product.first_variant is None:
            continue
        if any(m["remote_product_id"] == found["remote_product_id"] for m in matches):
            continue
        variant = product.first_variant
        matches.append(
            {
                "key": str(product.pk),
                "product_id": product.pk,
                "variant_id": variant.pk,
                "product_name": product.name,
                "variant_name": str(variant),
                "sku": variant.sku,
                "barcode": variant.barcode,
                # A name alone is a suggestion: the merchant must choose (never linked by default).
                "matched_on": "name",
                "local_variants": product.variant_count,
                "remote_variants": found["remote_variants"],
                **{k: found[k] for k in ("remote_product_id", "remote_variant_id", "remote_name")},
            }
        )
    result = {
        "state": "ready",
        "matches": matches,
        "remote_products": remote_products,
        "checked_at": timezone.now().isoformat(),
    }
    connection.preflight = result
    connection.save(update_fields=["preflight", "updated_at"])
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.PREFLIGHT,
        direction=Dir.FROM_BIGCOMMERCE,
        message=lambda: (
            _(
                "Checked for products on both sides: %(count)s found in BigCommerce with the same SKU or barcode, "
                "%(named)s with the same name only."
            )
            % {
                "count": len({m["product_id"] for m in matches if m["matched_on"] != "name"}),
                "named": sum(1 for m in matches if m["matched_on"] == "name"),
            }
        ),
        detail={"remote_products": remote_products, "matches": len({m["product_id"] for m in matches})},
    )
    return result


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
            message=lambda: (
                _("Connected to BigCommerce store %(name)s. Products are managed in %(where)s.")
                % {"name": connection.store_name or connection.store_hash, "where": connection.get_managed_in_display()}
            ),
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
        message = gettext_lazy("Created the sales channel %(name)s in BigCommerce.")
    elif channel.get("status") != "connected":
        channel = api.channel_status_set(client, channel["id"], "connected")
        message = gettext_lazy("Reconnected the existing sales channel %(name)s.")
    else:
        message = gettext_lazy("Reused the existing sales channel %(name)s.")
    connection.channel_id = channel["id"]
    connection.save(update_fields=["channel_id", "updated_at"])
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.SETUP_STEP,
        direction=Dir.TO_BIGCOMMERCE,
        message=lambda: message % {"name": CHANNEL_NAME},
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
        message = gettext_lazy("Created the hidden category %(name)s for products synced from Comptoir.")
    else:
        message = gettext_lazy("Reused the existing category %(name)s.")
    connection.category_id = category.get("category_id") or category.get("id")
    connection.save(update_fields=["category_id", "updated_at"])
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.SETUP_STEP,
        direction=Dir.TO_BIGCOMMERCE,
        message=lambda: message % {"name": CATEGORY_NAME},
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
        message=lambda: (
            _("Registered %(count)s webhooks so that BigCommerce tells Comptoir about changes.") % {"count": len(ids)}
        ),
        detail={"destination": destination, "scopes": webhook_scopes(connection.channel_id), "ids": ids},
    )


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
        message=lambda: (
            _("Added %(count)s linked products to the %(channel)s channel, so that they sync with Comptoir.")
            % {"count": len(ids), "channel": CHANNEL_NAME}
        ),
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
            link = ProductLink.objects.create(
                merchant=connection.merchant,
                connection=connection,
                product_id=match["product_id"],
                store_hash=connection.store_hash,
                remote_product_id=match["remote_product_id"],
                origin=ProductLink.Origin.LINKED,
            )
            created += 1
        elif link.remote_product_id != match["remote_product_id"]:
            continue
        if match["remote_variant_id"]:
            VariantLink.objects.get_or_create(
                link=link, variant_id=match["variant_id"], defaults={"remote_variant_id": match["remote_variant_id"]}
            )
    if chosen:
        sync_event_record(
            connection=connection,
            kind=SyncEvent.Kind.SETUP_STEP,
            message=lambda: (
                _("Linked %(count)s products that already existed on both sides, instead of creating copies.")
                % {"count": created}
            ),
        )


def initial_sync_queue(*, connection: BigCommerceConnection) -> None:
    """Start the initial sync in the managing platform's direction (its task runs on commit)."""
    if connection.managed_in == BigCommerceConnection.ManagedIn.COMPTOIR:
        from integrations.bigcommerce.products.export import export_initial_start

        export_initial_start(connection=connection)
    else:
        from integrations.bigcommerce.products.importer import import_initial_start

        import_initial_start(connection=connection)


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
            from integrations.bigcommerce.products.importer import products_detach

            detail["detached"] = products_detach(connection=connection)
        if client is not None:
            detail["webhooks_removed"] = _webhooks_remove(connection, client)
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
        message = gettext_lazy("Deleted %(count)s products that Comptoir had created in BigCommerce.")
        direction = Dir.TO_BIGCOMMERCE
    else:
        from catalog.services.products import products_archive
        from integrations.bigcommerce.products.import_writes import ORIGIN

        ids = sorted(set(links.filter(origin=ProductLink.Origin.IMPORTED).values_list("product_id", flat=True)))
        # Archived, not deleted: their sales and stock history stay.
        products_archive(merchant=connection.merchant, product_ids=ids, origin=ORIGIN)
        message = gettext_lazy("Removed %(count)s products that had been copied from BigCommerce into Comptoir.")
        direction = Dir.INTERNAL
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.DISCONNECT,
        direction=direction,
        message=lambda: message % {"count": len(ids)},
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
        message=lambda: _("Removed %(count)s webhooks from BigCommerce.") % {"count": len(ids)},
        detail={"ids": sorted(ids)},
    )
    return len(ids)


__all__ = [
    "BigCommerceError",
    "setup_finish_run",
    "disconnect_run",
    "disconnect_preview_run",
    "preflight_run",
    "store_facts_fetch",
]
