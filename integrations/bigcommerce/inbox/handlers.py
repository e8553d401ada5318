"""Webhook handlers of the import (products managed in BigCommerce).

Scopes, as BigCommerce documents them (``docs/integrations/webhooks/events``):
``store/product/created|updated|deleted`` (``data: {type: "product", id}``),
``store/sku/created|updated|deleted`` (``data: {type: "sku", id, sku: {product_id, variant_id}}``)
and ``store/channel/{channel_id}/product/assigned|unassigned`` (``data: {product_id}``).

Every event only names a product: the handler enqueues ``bigcommerce_import_product``, which
reads the product and its channel assignment as they are now. So events that arrive late,
twice or out of order all end in the same state. Connections whose products are managed in
Comptoir are left alone here (the export handles them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from integrations.bigcommerce.products.importer import is_importing
from integrations.bigcommerce.stock.intake_run import orders_intake_request_many
from integrations.bigcommerce.stock.manual_edits import event_location, stock_checks_request, stock_events_links
from integrations.bigcommerce.stock.orders import order_id_of
from integrations.models import WebhookEvent
from integrations.selectors.locations import location_shops
from integrations.services.queue import enqueue_on_commit


@dataclass(frozen=True)
class Skipped:
    """What a handler returns when the event asks nothing of Comptoir: ``why`` gives the reason in
    the active language (it is called once per language, as journal messages are)."""

    why: Callable[[], str]
    # The reason as a code of ``integrations.journal_messages.SKIP_REASONS`` (what the journal stores).
    code: str = ""


def _remote_product_id(event: WebhookEvent) -> int | None:
    data = event.payload.get("data") if isinstance(event.payload, dict) else None
    if not isinstance(data, dict):
        return None
    if event.scope.startswith("store/sku/"):
        sku = data.get("sku")
        candidate = sku.get("product_id") if isinstance(sku, dict) else None
    elif event.scope.startswith("store/channel/"):
        candidate = data.get("product_id")
    else:
        candidate = data.get("id")
    return candidate if isinstance(candidate, int) and not isinstance(candidate, bool) and candidate > 0 else None


def _channel_of(scope: str) -> int | None:
    parts = scope.split("/")
    return int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None


def _not_connected():
    return _("The store is not connected to Comptoir any more.")


def _managed_in_comptoir():
    return _("Products are managed in Comptoir: changes made in BigCommerce are not brought in.")


def _other_channel():
    return _("It is about another channel than Comptoir's.")


def _no_product():
    return _("It names no product.")


def product_event_handle(*, event: WebhookEvent) -> Skipped | None:
    """Any product, SKU or channel-assignment event: refresh that product from BigCommerce."""
    connection = event.connection
    if not is_importing(connection):
        if connection is None or not connection.is_active:
            return Skipped(_not_connected, code="not_connected")
        return Skipped(_managed_in_comptoir, code="managed_in_comptoir")
    if event.scope.startswith("store/channel/") and _channel_of(event.scope) != connection.channel_id:
        return Skipped(_other_channel, code="other_channel")
    remote_product_id = _remote_product_id(event)
    if remote_product_id is None:
        return Skipped(_no_product, code="no_product")
    enqueue_on_commit("integrations.tasks.bigcommerce_import_product", connection.pk, remote_product_id)
    return None


def _not_linked():
    return _("This product is not synced with Comptoir.")


def _not_tracked():
    return _("Comptoir does not track this product's stock.")


def _own_change():
    return _("It is Comptoir's own stock change coming back: nothing to do.")


def _not_mapped():
    return _("No Comptoir shop is mapped to this BigCommerce location.")


def _connected(event: WebhookEvent):
    connection = event.connection
    return connection if connection is not None and connection.is_active and connection.access_token else None


def _announced(event: WebhookEvent) -> tuple[int | None, int | None]:
    """The order an order event names, and the status it announced (``statusUpdated``), if any."""
    data = event.payload.get("data") or {}
    status = data.get("status") if isinstance(data, dict) else None
    passed = status.get("new_status_id") if isinstance(status, dict) else None
    if not (isinstance(passed, int) and not isinstance(passed, bool) and 0 <= passed < 100):
        passed = None
    return order_id_of(data), passed


def order_event_handle(*, event: WebhookEvent) -> Skipped | None:
    """An order was placed, changed, cancelled or refunded: a poll of the connection's orders is
    owed (the webhooks that arrive together make one); a status it announced is kept for it."""
    return order_events_handle(events=[event])[event.pk]


def order_events_handle(*, events: list[WebhookEvent]) -> dict[int, Skipped | None]:
    """Order events of one connection, handled together (a drain of the inbox): ONE mark that a
    poll is owed, whatever their number; an order's twins (store-wide and channel scopes) and
    repeats collapse into it. The outcome of each, by event id."""
    connection = _connected(events[0]) if events else None
    if connection is None:
        return {event.pk: Skipped(_not_connected, code="not_connected") for event in events}
    outcomes: dict[int, Skipped | None] = {}
    announced: set[tuple[int, int]] = set()
    for event in events:
        order_id, passed = _announced(event)
        outcomes[event.pk] = Skipped(_no_order, code="no_order") if order_id is None else None
        if order_id is not None and passed is not None:
            announced.add((order_id, passed))
    if any(outcome is None for outcome in outcomes.values()):
        orders_intake_request_many(connection=connection, announced=announced)
    return outcomes


def stock_event_handle(*, event: WebhookEvent) -> Skipped | None:
    """A stock level changed in BigCommerce: unless it is our own change coming back, check it."""
    return stock_events_handle(events=[event])[event.pk]


def stock_events_handle(*, events: list[WebhookEvent]) -> dict[int, Skipped | None]:
    """Stock events of one connection handled together (a drain's page: most are our own pushes
    coming back, two a variant pushed), in a few queries whatever their number: the variants they
    name read at once, our own changes recognised, the others' variants marked for ONE check. The
    outcome of each, by event id."""
    connection = _connected(events[0]) if events else None
    if connection is None:
        return {event.pk: Skipped(_not_connected, code="not_connected") for event in events}
    outcomes: dict[int, Skipped | None] = {}
    ours = []
    for event in events:
        if event.scope.startswith("store/channel/") and _channel_of(event.scope) != connection.channel_id:
            outcomes[event.pk] = Skipped(_other_channel, code="other_channel")
        else:
            ours.append(event)
    mapped = location_shops(connection=connection)
    located = []
    for event in ours:
        location = event_location(event.payload.get("data") or {})
        if location is not None and location not in mapped:
            outcomes[event.pk] = Skipped(_not_mapped, code="not_mapped")
        else:
            located.append(event)
    ours = located
    datas = [event.payload.get("data") or {} for event in ours]
    found = stock_events_links(connection=connection, datas=datas)
    tracked = []
    for event, data, links in zip(ours, datas, found, strict=True):
        if not links:
            outcomes[event.pk] = Skipped(_not_linked, code="not_linked")
        elif not any(v.link.product is not None and v.link.product.track_stock for v in links):
            outcomes[event.pk] = Skipped(_not_tracked, code="not_tracked")
        else:
            tracked.append((event, data, links))
    marked = stock_checks_request(connection=connection, found=[(data, links) for _e, data, links in tracked])
    for (event, _data, _links), count in zip(tracked, marked, strict=True):
        # Linked and tracked, nothing marked: Comptoir's own push coming back (never "not linked").
        outcomes[event.pk] = None if count else Skipped(_own_change, code="own_change")
    return outcomes


def _no_order():
    return _("It names no order.")
