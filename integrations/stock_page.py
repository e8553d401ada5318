"""What the product's stock page (inventory) says about BigCommerce, through ``inventory.online``.

- ``stock_online_shop``: the page names BigCommerce when the merchant's store is connected, and
  knows whether this product is synced to it (its stock reaches the store).
- ``stock_movement_links``: from ledger rows to the sync journal entry that sent them to
  BigCommerce, and from online orders (cancellations, refunds) to the order in BigCommerce's
  control panel. The order a row came from is its ``OrderLineEffect`` (written with the row by
  ``bigcommerce.stock.orders``; the migration filled them in for older rows): nothing here reads
  a key, a reason or a sentence to learn what a row was.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from integrations.models import BigCommerceConnection, OrderLineEffect, ProductLink, StockPush, SyncEvent
from inventory.online import MovementLink, OnlineShop


def _connection(merchant) -> BigCommerceConnection | None:
    return (
        BigCommerceConnection.objects.filter(merchant=merchant, status__in=BigCommerceConnection.ACTIVE_STATUSES)
        .only("pk", "control_panel_url", "status")
        .first()
    )


def stock_online_shop(*, merchant, product) -> OnlineShop | None:
    connection = _connection(merchant)
    if connection is None:
        return None
    synced = (
        ProductLink.objects.live()
        .filter(connection=connection, product_id=product.pk, remote_product_id__isnull=False)
        .exists()
    )
    return OnlineShop(name="BigCommerce", connected=True, synced=synced)


def product_url(connection: BigCommerceConnection | None, remote_product_id: int) -> str:
    """The product's page in the store's control panel ("" when the store gave no control panel
    URL): ``/manage/products/edit/{id}`` in BigCommerce, ``…/products/{id}`` in the sandbox."""
    base = ((connection.control_panel_url if connection else "") or "").rstrip("/")
    if not base:
        return ""
    if "/manage/" in base + "/":
        return f"{base}/products/{remote_product_id}"
    return f"{base}/manage/products/edit/{remote_product_id}"


def order_url(connection: BigCommerceConnection, order_id: int) -> str:
    """The order's page in the store's control panel ("" when the store gave no control panel URL).

    BigCommerce's ``control_panel_base_url`` is the store's root (orders at ``/manage/orders/{id}``);
    the sandbox's already ends in its ``/manage/stores/{hash}/`` (orders at ``…/orders/{id}``)."""
    base = (connection.control_panel_url or "").rstrip("/")
    if not base:
        return ""
    return f"{base}/orders/{order_id}" if "/manage/" in base + "/" else f"{base}/manage/orders/{order_id}"


def _order_ids(movements, connection) -> dict[int, int]:
    """Per movement, the order of this store whose line wrote it (another connection's: absent)."""
    return dict(
        OrderLineEffect.objects.filter(connection=connection, movement_id__in=[m.pk for m in movements]).values_list(
            "movement_id", "order_id"
        )
    )


def _journal_links(*, merchant, movements) -> dict[int, MovementLink]:
    """Per movement, the journal entry of the push that carried it to BigCommerce."""

    batches = dict(
        StockPush.objects.filter(movement_id__in=[m.pk for m in movements], connection__merchant=merchant)
        .exclude(batch="")
        .values_list("movement_id", "batch")
    )
    if not batches:
        return {}
    events, by_movement = {}, {}
    for event in (
        SyncEvent.objects.filter(
            merchant=merchant, kind=SyncEvent.Kind.STOCK_PUSH, detail__batch__in=sorted(set(batches.values()))
        )
        .only("pk", "status", "detail")
        .order_by("created_at", "pk")
    ):
        events[event.detail.get("batch")] = event  # the newest entry of each batch wins
        # A batch sent is one entry per variant: the one that lists the movement is its entry.
        for movement_id in event.detail.get("movements") or ():
            by_movement[movement_id] = event
    links = {}
    for movement_id, batch in batches.items():
        event = by_movement.get(movement_id) or events.get(batch)
        if event is None:
            continue
        label = _("Sent to BigCommerce") if event.status == SyncEvent.Status.OK else _("Sync journal entry")
        links[movement_id] = MovementLink(label, reverse("integrations:bigcommerce_event", args=[event.pk]))
    return links


def stock_movement_links(*, merchant, movements) -> dict[int, list[MovementLink]]:
    connection = _connection(merchant)
    if connection is None:
        return {}
    links: dict[int, list[MovementLink]] = {}
    orders = _order_ids(movements, connection)
    for movement in movements:
        order_id = orders.get(movement.pk)
        url = order_url(connection, order_id) if order_id else ""
        if url:
            label = _("Order #%(id)s in BigCommerce") % {"id": order_id}
            links.setdefault(movement.pk, []).append(MovementLink(label, url, external=True))
    for movement_id, link in _journal_links(merchant=merchant, movements=movements).items():
        links.setdefault(movement_id, []).append(link)
    return links
