"""The webhook inbox: store a verified delivery once, process it in a task."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.bigcommerce.webhooks import WebhookDelivery
from integrations.models import BigCommerceConnection, SyncEvent, WebhookEvent
from integrations.services.journal import sync_event_record
from integrations.services.queue import enqueue_on_commit

# Scope → handler(event). The sync issues register their handlers here; an event whose
# scope has none is journaled as received and marked processed. Channel scopes are registered
# with the placeholder, as BigCommerce documents them: "store/channel/{channel_id}/...".
WEBHOOK_HANDLERS: dict = {}


@dataclass(frozen=True)
class Skipped:
    """What a handler returns when the event asks nothing of Comptoir: ``why`` gives the reason in
    the active language (it is called once per language, as journal messages are)."""

    why: Callable[[], str]


def _not_used() -> str:
    return _("Comptoir does not use this event.")


def webhook_handler_for(scope: str):
    handler = WEBHOOK_HANDLERS.get(scope)
    parts = scope.split("/")
    if handler is None and len(parts) > 2 and parts[:2] == ["store", "channel"] and parts[2].isdigit():
        handler = WEBHOOK_HANDLERS.get("/".join(["store", "channel", "{channel_id}", *parts[3:]]))
    return handler


def webhook_event_receive(*, connection: BigCommerceConnection, delivery: WebhookDelivery) -> tuple[WebhookEvent, bool]:
    """Store the delivery (once per event hash) and enqueue its processing on commit.

    Returns the event and whether it is new; a repeated delivery only counts itself.
    """
    created_at = datetime.fromtimestamp(delivery.created_at, tz=UTC) if delivery.created_at is not None else None
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                merchant=connection.merchant,
                connection=connection,
                store_hash=delivery.store_hash,
                scope=delivery.scope,
                event_hash=delivery.event_hash,
                webhook_id=delivery.webhook_id,
                payload=delivery.payload,
                event_created_at=created_at,
            )
    except IntegrityError:
        event = WebhookEvent.objects.get(store_hash=delivery.store_hash, event_hash=delivery.event_hash)
        WebhookEvent.objects.filter(pk=event.pk).update(deliveries=F("deliveries") + 1)
        return event, False
    enqueue_on_commit("integrations.tasks.webhook_event_process", event.pk)
    return event, True


@transaction.atomic
def webhook_event_process(*, event: WebhookEvent) -> None:
    """Hand the event to the handler of its scope, if any, and journal what came of it.

    A handler returns ``Skipped(why)`` when the event asks nothing of Comptoir (the entry is
    "skipped" and says why), anything else when it acted. One transaction: if the handler fails,
    nothing is journaled or marked and the task's retry starts from scratch.
    """
    data = event.payload.get("data", {})
    if not isinstance(data, dict):
        _webhook_event_fail(event=event, problem=f"data is a {type(data).__name__}, not an object")
        return
    handler = webhook_handler_for(event.scope)
    outcome = handler(event=event) if handler is not None else Skipped(_not_used)
    skipped = outcome if isinstance(outcome, Skipped) else None
    subject = data.get("id") or data.get("product_id") or data.get("order_id")

    def message():
        reported = (
            _("BigCommerce reported %(scope)s for #%(id)s.") % {"scope": event.scope, "id": subject}
            if subject
            else _("BigCommerce reported %(scope)s.") % {"scope": event.scope}
        )
        return f"{reported} {skipped.why()}" if skipped else reported

    sync_event_record(
        connection=event.connection,
        merchant=event.merchant,
        kind=SyncEvent.Kind.WEBHOOK,
        direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
        status=SyncEvent.Status.SKIPPED if skipped else SyncEvent.Status.OK,
        message=message,
        detail={
            "scope": event.scope,
            "hash": event.event_hash,
            "payload": event.payload,
            "deliveries": event.deliveries,
        },
    )
    WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookEvent.Status.PROCESSED, processed_at=timezone.now())


def _webhook_event_fail(*, event: WebhookEvent, problem: str) -> None:
    """A stored event that cannot be processed, ever: journal it as failed and close it.

    Raising instead would leave it "received" (the retries meet the same payload).
    """
    sync_event_record(
        connection=event.connection,
        merchant=event.merchant,
        kind=SyncEvent.Kind.WEBHOOK,
        status=SyncEvent.Status.FAILED,
        direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
        message=lambda: (
            _("BigCommerce reported %(scope)s, but its content could not be read; it was set aside.")
            % {"scope": event.scope}
        ),
        detail={"scope": event.scope, "hash": event.event_hash, "payload": event.payload, "problem": problem},
    )
    WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookEvent.Status.FAILED, processed_at=timezone.now())
