"""The webhook inbox: store a verified delivery once, process it in a task."""

from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from integrations.bigcommerce.api.webhook_signature import WebhookDelivery
from integrations.bigcommerce.inbox.handlers import Skipped
from integrations.bigcommerce.inbox.scopes import drain_kick, handler_for, lane_for
from integrations.journal_messages import WEBHOOK, webhook_family
from integrations.messages import message_render
from integrations.models import BigCommerceConnection, ProductLink, SyncEvent, VariantLink, WebhookEvent
from integrations.services.journal import sync_event_record, sync_events_record_many


def _not_used() -> str:
    return _("Comptoir does not use this event.")


def webhook_event_receive(*, connection: BigCommerceConnection, delivery: WebhookDelivery) -> tuple[WebhookEvent, bool]:
    """Store the delivery (once per event hash) and, on commit, ask for a drain of the connection's
    inbox on the scope's lane (``inbox.drain``: one task takes every pending event).

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
    connection_id, lane = connection.pk, lane_for(event.scope)
    transaction.on_commit(lambda: drain_kick(connection_id=connection_id, lane=lane))
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
    handler = handler_for(event.scope)
    outcome = handler(event=event) if handler is not None else Skipped(_not_used, code="not_used")
    webhook_event_entry(event=event, outcome=outcome).save(force_insert=True)
    WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookEvent.Status.PROCESSED, processed_at=timezone.now())


def webhook_events_close(*, events: list[WebhookEvent], outcomes: dict[int, Skipped | None]) -> None:
    """A batch of events handled together (``outcomes``: by event id): their journal entries in
    one write, and all of them marked processed in one UPDATE (in the caller's transaction)."""
    known: dict = {}  # a batch names the same variants again and again (two echoes a variant pushed)
    sync_events_record_many([webhook_event_entry(event=e, outcome=outcomes.get(e.pk), known=known) for e in events])
    WebhookEvent.objects.filter(pk__in=[e.pk for e in events], status=WebhookEvent.Status.RECEIVED).update(
        status=WebhookEvent.Status.PROCESSED, processed_at=timezone.now()
    )


def webhook_event_entry(*, event: WebhookEvent, outcome, known: dict | None = None) -> SyncEvent:
    """The journal's entry for a handled event (unsaved): what it was about, and why it was skipped.
    ``known``: the products already looked up for the events of the same batch."""
    data = event.payload.get("data", {})
    skipped = outcome if isinstance(outcome, Skipped) else None
    params, product = _webhook_subject(event=event, data=data, known={} if known is None else known)
    if skipped and skipped.code:
        params["skipped"] = skipped.code

    def message():
        said = message_render(WEBHOOK, params)
        return f"{said} {skipped.why()}" if skipped and not skipped.code else said

    return sync_event_record(
        connection=event.connection,
        merchant=event.merchant,
        kind=SyncEvent.Kind.WEBHOOK,
        direction=SyncEvent.Direction.FROM_BIGCOMMERCE,
        status=SyncEvent.Status.SKIPPED if skipped else SyncEvent.Status.OK,
        message=message,
        code=WEBHOOK if not skipped or skipped.code else "",
        params=params,
        product=product,
        detail={
            "scope": event.scope,
            "hash": event.event_hash,
            "payload": event.payload,
            "deliveries": event.deliveries,
        },
        save=False,
    )


def _positive_int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _webhook_subject(*, event: WebhookEvent, data: dict, known: dict) -> tuple[dict, dict | None]:
    """What the event is about, in the merchant's terms: the message's parameters (what happened,
    the product's name or BigCommerce id, the order) and the product it names, if Comptoir has it."""
    family = webhook_family(event.scope)
    params: dict = {"family": family}
    if family.startswith("order_"):
        params["order_id"] = _positive_int(data.get("order_id", data.get("id")))
        return params, None
    if not family:
        return params, None
    inventory = data.get("inventory") if isinstance(data.get("inventory"), dict) else data
    sku = data.get("sku") if isinstance(data.get("sku"), dict) else {}
    remote_product = _positive_int(
        sku.get("product_id")
        or data.get("product_id")
        or inventory.get("product_id")
        or (data.get("id") if family.startswith("product_") else None)
    )
    remote_variant = _positive_int(sku.get("variant_id") or inventory.get("variant_id"))
    params["remote_product_id"] = remote_product
    if event.connection_id is None or not (remote_product or remote_variant):
        return params, None
    key = (event.connection_id, event.merchant_id, remote_product, remote_variant)
    if key not in known:
        known[key] = _product_named(event=event, remote_product=remote_product, remote_variant=remote_variant)
    name, product = known[key]
    if name is not None:
        params["product"] = name
    return params, product


def _product_named(*, event: WebhookEvent, remote_product, remote_variant) -> tuple[str | None, dict | None]:
    """The product (its name, and the journal's product reference) that remote ids name, if Comptoir has it."""
    link = vlink = None
    if remote_variant:
        vlink = (
            VariantLink.objects.filter(link__connection_id=event.connection_id, remote_variant_id=remote_variant)
            .select_related("link")
            .order_by("link__unlinked_at", "-pk")
            .first()
        )
        link = vlink.link if vlink is not None else None
    if link is None and remote_product:
        link = (
            ProductLink.objects.filter(connection_id=event.connection_id, remote_product_id=remote_product)
            .order_by("unlinked_at", "-pk")
            .first()
        )
    product = (
        Product.objects.filter(pk=link.product_id, merchant_id=event.merchant_id).prefetch_related("variants").first()
        if link is not None
        else None
    )
    if product is None:
        return None, None
    skus = {v.pk: v.sku for v in product.variants.all() if v.sku}
    sku = skus.get(vlink.variant_id, "") if vlink is not None else next(iter(skus.values()), "")
    return product.name, {"id": product.pk, "name": product.name, "sku": sku}


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
