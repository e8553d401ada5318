"""Which webhook scopes reach the import, and what it reads from their payloads."""

import pytest

from integrations.bigcommerce.connection.setup import webhook_scopes
from integrations.bigcommerce.inbox.handlers import _remote_product_id, product_event_handle
from integrations.bigcommerce.inbox.scopes import SCOPES, WEBHOOK_HANDLERS
from integrations.bigcommerce.inbox.scopes import handler_for as webhook_handler_for
from integrations.models import WebhookEvent


@pytest.mark.parametrize(
    "scope",
    [
        "store/product/created",
        "store/product/updated",
        "store/product/deleted",
        "store/sku/created",
        "store/sku/updated",
        "store/sku/deleted",
        "store/channel/7/product/assigned",
        "store/channel/123/product/unassigned",
    ],
)
def test_the_import_handles_its_scopes(scope):
    handler = webhook_handler_for(scope)
    assert handler is product_event_handle or product_event_handle in getattr(handler, "handlers", ())


@pytest.mark.parametrize("scope", ["store/channel/x/product/assigned", "store/channel/7/cart/created", "store/order/x"])
def test_other_scopes_are_not_the_import_s(scope):
    assert webhook_handler_for(scope) is None


def test_one_table_what_is_subscribed_is_what_is_handled():
    subscribed = webhook_scopes(7)
    assert len(subscribed) == len(set(subscribed)) == len(SCOPES)
    handled = {scope for scope in subscribed if webhook_handler_for(scope) is not None}
    # Every subscribed scope has its handler, but the uninstall (the app's callback disconnects).
    assert set(subscribed) - handled == {"store/app/uninstalled"}
    # And no handler waits for a scope that is never subscribed.
    assert {scope.format(channel_id=7) for scope in WEBHOOK_HANDLERS} <= set(subscribed)
    assert WEBHOOK_HANDLERS["store/channel/{channel_id}/product/assigned"] is product_event_handle
    assert WEBHOOK_HANDLERS["store/sku/created"] is product_event_handle


@pytest.mark.parametrize(
    ("scope", "data", "expected"),
    [
        ("store/product/updated", {"type": "product", "id": 42}, 42),
        ("store/sku/updated", {"type": "sku", "id": 461, "sku": {"product_id": 206, "variant_id": 509}}, 206),
        ("store/channel/3/product/assigned", {"product_id": 127}, 127),
        ("store/product/updated", {"id": "42"}, None),
        ("store/product/updated", {"id": True}, None),
        ("store/sku/updated", {"id": 461, "sku": "x"}, None),
        ("store/product/updated", ["junk"], None),
        ("store/channel/3/product/assigned", {"product_id": -1}, None),
    ],
)
def test_the_product_id_of_each_payload(scope, data, expected):
    assert _remote_product_id(WebhookEvent(scope=scope, payload={"data": data})) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("managed_in", "scope", "data", "why"),
    [
        ("comptoir", "store/product/updated", {"type": "product", "id": 5}, "Products are managed in Comptoir"),
        ("bigcommerce", "store/channel/99/product/assigned", {"product_id": 5}, "another channel than Comptoir's"),
        ("bigcommerce", "store/product/updated", {"type": "product"}, "It names no product."),
        ("bigcommerce", "store/cart/created", {"id": 5}, "Comptoir does not use this event."),
    ],
)
def test_an_event_that_asks_nothing_is_journaled_skipped_with_the_reason(managed_in, scope, data, why):
    from django.utils import translation

    from integrations.bigcommerce.inbox.receive import webhook_event_process
    from integrations.models import BigCommerceConnection, SyncEvent
    from portal.tests.factories import MerchantFactory

    merchant = MerchantFactory()
    connection = BigCommerceConnection.objects.create(
        merchant=merchant, store_hash="skip", status="connected", managed_in=managed_in, channel_id=3, access_token="t"
    )
    event = WebhookEvent.objects.create(
        merchant=merchant, connection=connection, store_hash="skip", scope=scope, event_hash="h", payload={"data": data}
    )
    webhook_event_process(event=event)
    entry = SyncEvent.objects.get(kind=SyncEvent.Kind.WEBHOOK)
    assert entry.status == SyncEvent.Status.SKIPPED
    # In the merchant's words; the scope stays in the entry's detail, and the entry is background.
    assert why in entry.message and "store/" not in entry.message and entry.background
    assert entry.detail["scope"] == scope and entry.code == "webhook.received"
    with translation.override("fr"):
        assert why not in entry.text and entry.text != entry.message
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.PROCESSED


@pytest.mark.django_db
def test_an_event_the_import_acts_on_is_journaled_ok():
    from integrations.bigcommerce.inbox.receive import webhook_event_process
    from integrations.models import BigCommerceConnection, SyncEvent
    from portal.tests.factories import MerchantFactory

    merchant = MerchantFactory()
    connection = BigCommerceConnection.objects.create(
        merchant=merchant,
        store_hash="act",
        status="connected",
        managed_in="bigcommerce",
        channel_id=3,
        access_token="t",
    )
    event = WebhookEvent.objects.create(
        merchant=merchant,
        connection=connection,
        store_hash="act",
        scope="store/channel/3/product/assigned",
        event_hash="h",
        payload={"data": {"product_id": 5}},
    )
    webhook_event_process(event=event)
    assert SyncEvent.objects.get(kind=SyncEvent.Kind.WEBHOOK).status == SyncEvent.Status.OK


@pytest.mark.django_db
def test_an_event_whose_task_was_lost_is_processed_by_the_sweep():
    import datetime as dt

    from django.utils import timezone

    from integrations import tasks
    from integrations.models import BigCommerceConnection
    from portal.tests.factories import MerchantFactory

    merchant = MerchantFactory()
    connection = BigCommerceConnection.objects.create(merchant=merchant, store_hash="lost", status="connected")
    old, new = (
        WebhookEvent.objects.create(
            merchant=merchant,
            connection=connection,
            store_hash="lost",
            scope="store/cart/created",
            event_hash=name,
            payload={"data": {"id": 1}},
        )
        for name in ("old", "new")
    )
    WebhookEvent.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(minutes=5))
    tasks.bigcommerce_stock_sweep()
    assert WebhookEvent.objects.get(pk=old.pk).status == WebhookEvent.Status.PROCESSED
    # The sweep asks for a drain of the connection's inbox: it takes every pending event there.
    assert WebhookEvent.objects.get(pk=new.pk).status == WebhookEvent.Status.PROCESSED
