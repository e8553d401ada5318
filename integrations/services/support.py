"""What support staff may do from Django admin beyond the merchant's own pages (the merchant's
journal offers the same reprocessing of a failed webhook event)."""

from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Product
from integrations.bigcommerce.inbox.scopes import process_task_for
from integrations.bigcommerce.products.export import exporting
from integrations.errors import WrongStep
from integrations.models import SyncEvent, WebhookEvent
from integrations.services.assignments import product_sync_retry
from integrations.services.journal import sync_event_record
from integrations.services.queue import enqueue_on_commit


def webhook_event_retry(*, event: WebhookEvent) -> None:
    """Queue a webhook event that was not processed (its task gave up, or it failed) to be
    processed again, and journal the request.

    A failed event goes back to "received" so that the task takes it; the task is idempotent:
    it returns at once for an event processed in between.
    """
    if event.status == WebhookEvent.Status.PROCESSED:
        raise WrongStep(_("already processed."))
    with transaction.atomic():
        if event.status == WebhookEvent.Status.FAILED:
            WebhookEvent.objects.filter(pk=event.pk, status=WebhookEvent.Status.FAILED).update(
                status=WebhookEvent.Status.RECEIVED, processed_at=None
            )
            event.status = WebhookEvent.Status.RECEIVED
        sync_event_record(
            connection=event.connection,
            merchant=event.merchant,
            kind=SyncEvent.Kind.WEBHOOK,
            direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
            message=lambda: _("Processing %(scope)s from BigCommerce again was requested.") % {"scope": event.scope},
            detail={"scope": event.scope, "hash": event.event_hash},
        )
        enqueue_on_commit(process_task_for(event.scope), event.pk)


def sync_event_retry(*, event: SyncEvent) -> str:
    """Retry what a failed journal line is about; returns a sentence saying what was done.

    A failed product push is retried now (``product_sync_retry``), a failed webhook event is
    processed again. Raises ``WrongStep`` (with a sentence for the merchant) when it cannot.
    """

    if event.status != SyncEvent.Status.FAILED or event.kind not in SyncEvent.RETRYABLE_KINDS:
        raise WrongStep(_("Only a failed product sync or a failed event from BigCommerce can be retried."))
    if event.kind == SyncEvent.Kind.WEBHOOK:
        detail = event.detail if isinstance(event.detail, dict) else {}
        webhook = WebhookEvent.objects.filter(
            merchant_id=event.merchant_id, event_hash=detail.get("hash") or "", scope=detail.get("scope") or ""
        ).first()
        if webhook is None:
            raise WrongStep(_("This event from BigCommerce is no longer kept; it cannot be processed again."))
        if webhook.status == WebhookEvent.Status.PROCESSED:
            raise WrongStep(_("This event from BigCommerce was processed since."))
        webhook_event_retry(event=webhook)
        return _("The event from BigCommerce will be processed again.")
    product = Product.objects.filter(merchant_id=event.merchant_id, pk=event.product_id).first()
    if product is None:
        raise WrongStep(_("The product no longer exists in Comptoir."))
    connection = event.connection
    if connection is None or connection.merchant_id != event.merchant_id or not exporting(connection):
        raise WrongStep(_("Products are not being synced to BigCommerce now."))
    if not product_sync_retry(connection=connection, product=product):
        raise WrongStep(_("“%(name)s” has no failed sync to retry.") % {"name": product.name})
    return _("Sending “%(name)s” to BigCommerce again.") % {"name": product.name}
