"""Which webhook scopes reach the import, and what it reads from their payloads."""

import pytest

from integrations.bigcommerce.webhook_handlers import _remote_product_id, handlers_register, product_event_handle
from integrations.models import WebhookEvent
from integrations.services.webhooks import WEBHOOK_HANDLERS, webhook_handler_for


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


def test_registering_twice_or_after_another_handler_keeps_both_once():
    registry = {"store/product/updated": print}
    handlers_register(registry)
    handlers_register(registry)
    assert registry["store/product/updated"].handlers == (print, product_event_handle)
    assert registry["store/sku/created"] is product_event_handle
    assert WEBHOOK_HANDLERS["store/channel/{channel_id}/product/assigned"] is product_event_handle


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
