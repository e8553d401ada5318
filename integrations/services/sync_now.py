"""Sync now (the Overview's button): send everything again, or check the channel again."""

from django.db import transaction

from integrations import journal_messages
from integrations.bigcommerce.products import export as exporter
from integrations.models import BigCommerceConnection, ProductLink, SyncEvent, SyncRun, VariantLink
from integrations.services.journal import sync_event_record
from integrations.services.queue import enqueue_on_commit

ManagedIn = BigCommerceConnection.ManagedIn


def sync_now_start(*, connection: BigCommerceConnection) -> SyncRun | None:
    """Managed in Comptoir: an export run over every assigned product (their hashes are forgotten,
    so each is sent in full). Managed in BigCommerce: a resync of the channel's products."""

    with transaction.atomic():
        if connection.managed_in == ManagedIn.BIGCOMMERCE:
            enqueue_on_commit("integrations.tasks.bigcommerce_import_resync", connection.pk)
            sync_event_record(
                connection=connection,
                kind=SyncEvent.Kind.PRODUCT_IMPORT,
                direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
                code=journal_messages.SYNC_NOW,
                params={"direction": "from_bigcommerce", "total": None},
            )
            return None
        exporter.assignments_ensure(connection=connection)
        exporter.links_ensure(connection=connection)
        links = ProductLink.objects.live().filter(connection=connection)
        VariantLink.objects.filter(link__in=links).update(content_hash="")
        links.update(content_hash="", synced_revision=0)
        run = exporter.export_start(connection=connection)
        total = run.total if run else 0
        sync_event_record(
            connection=connection,
            kind=SyncEvent.Kind.PRODUCT_EXPORT,
            direction=SyncEvent.Direction.TO_BIGCOMMERCE,
            code=journal_messages.SYNC_NOW,
            params={"direction": "to_bigcommerce", "total": total},
            detail={"run_id": run.pk if run else None, "total": total},
        )
    return run
