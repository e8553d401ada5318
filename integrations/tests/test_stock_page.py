"""What the product's Stock section says about BigCommerce (integrations.stock_page through
inventory.online): the shop's name, tracking off, negative stock, links from the history."""

import pytest
from django.urls import reverse

from integrations.models import (
    BigCommerceConnection,
    OrderLineEffect,
    ProductLink,
    StockPush,
    SyncEvent,
    VariantLink,
)
from integrations.stock_page import order_url
from inventory.models import StockOrigin
from inventory.reasons import ReasonCode
from inventory.services import sale_create, stock_adjust, stock_split_set
from inventory.tests.factories import stocked_variant

pytestmark = pytest.mark.django_db


def connect(merchant, *, status=BigCommerceConnection.Status.CONNECTED, cp="https://store-abc.mybigcommerce.com"):
    return BigCommerceConnection.objects.create(
        merchant=merchant,
        store_hash=f"h{merchant.pk}",
        status=status,
        access_token="token",
        managed_in=BigCommerceConnection.ManagedIn.COMPTOIR,
        control_panel_url=cp,
    )


def link(connection, variant, remote=77):
    product_link = ProductLink.objects.create(
        merchant=connection.merchant,
        connection=connection,
        product=variant.product,
        store_hash=connection.store_hash,
        remote_product_id=remote,
        origin=ProductLink.Origin.CREATED_REMOTE,
        state=ProductLink.State.SYNCED,
    )
    return VariantLink.objects.create(link=product_link, variant=variant, remote_variant_id=remote + 1000)


def after(shop, online, store):
    """The history's allocation levels after a row, as the page writes them."""
    hidden = '<span class="visually-hidden"> · </span>'
    return f'<span class="nowrap">{shop} {online}</span>{hidden} <span class="nowrap">Comptoir {store}</span>'


def page(client, variant):
    return client.get(reverse("inventory:product_stock", args=[variant.product.pk])).content.decode()


@pytest.fixture
def variant(merchant):
    return stocked_variant(merchant=merchant, quantity=10, sku="MUG-1")


def test_without_a_store_the_page_speaks_of_the_online_shop(merchant_client, variant):
    assert "Split stock for the online shop" in page(merchant_client, variant)


def test_a_synced_product_names_bigcommerce(merchant_client, merchant, variant):
    link(connect(merchant), variant)
    html = page(merchant_client, variant)
    assert "Split stock for BigCommerce" in html
    assert "Saving sends the allocation to BigCommerce." in html
    stock_split_set(merchant=merchant, variant=variant, online_quantity=4, idempotency_key="on")
    html = page(merchant_client, variant)
    assert '<th class="num">BigCommerce</th>' in html and after("BigCommerce", 4, 6) in html


def test_the_seeds_words_in_french(merchant_client, merchant, variant):
    from django.conf import settings

    link(connect(merchant), variant)
    merchant_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = page(merchant_client, variant)
    assert "Séparer le stock pour BigCommerce" in html


def test_a_product_not_on_the_store_or_a_disconnected_store_keeps_the_neutral_wording(
    merchant_client, merchant, other_merchant, variant
):
    connection = connect(merchant)
    assert "Split stock for the online shop" in page(merchant_client, variant)
    link(connection, variant)
    connection.status = BigCommerceConnection.Status.DISCONNECTED
    connection.save(update_fields=["status"])
    assert "Split stock for the online shop" in page(merchant_client, variant)


def test_tracking_off_says_the_stock_is_not_synced_and_a_sale_pushes_nothing(merchant_client, merchant, variant):
    link(connect(merchant), variant)
    product = variant.product
    product.track_stock = False
    product.save(update_fields=["track_stock"])
    html = page(merchant_client, variant)
    assert "Its stock is not synced with BigCommerce" in html
    sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="s1")
    assert not StockPush.objects.exists()
    # Tracked again: a sale is marked for BigCommerce.
    product.track_stock = True
    product.save(update_fields=["track_stock"])
    assert "not synced with BigCommerce" not in page(merchant_client, variant)
    sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="s2")
    assert list(StockPush.objects.values_list("delta", flat=True)) == [-1]


def test_negative_stock_shows_the_true_level_and_says_bigcommerce_shows_zero(merchant_client, merchant, variant):
    sale_create(merchant=merchant, lines=[(variant, 12)], idempotency_key="s1")
    assert "shows 0" not in page(merchant_client, variant)  # no store: nothing to say about one
    link(connect(merchant), variant)
    html = page(merchant_client, variant)
    assert 'class="num negative" data-label="In stock">-2<' in html
    assert "BigCommerce shows 0 for a level below zero" in html


def test_a_split_with_a_negative_online_allocation_says_so_too(merchant_client, merchant, variant):
    link(connect(merchant), variant)
    stock_split_set(merchant=merchant, variant=variant, online_quantity=1, idempotency_key="on")
    stock_adjust(merchant=merchant, variant=variant, delta=-2, origin=StockOrigin.ONLINE_ORDER, idempotency_key="o")
    html = page(merchant_client, variant)
    assert "BigCommerce shows 0 for a level below zero" in html
    assert 'class="num alloc-online negative" data-label="BigCommerce">-1<' in html


@pytest.mark.parametrize(
    "cp, expected",
    [
        ("https://store-abc.mybigcommerce.com", "https://store-abc.mybigcommerce.com/manage/orders/105"),
        ("http://127.0.0.1:9/manage/stores/abc/", "http://127.0.0.1:9/manage/stores/abc/orders/105"),
        ("", ""),
    ],
)
def test_order_url(cp, expected):
    assert order_url(BigCommerceConnection(control_panel_url=cp), 105) == expected


def test_history_links_online_orders_from_their_line_effect_never_from_key_or_text(merchant_client, merchant, variant):
    connection = connect(merchant)

    def online(delta, key, code, params, *, line=None):
        movement = stock_adjust(
            merchant=merchant,
            variant=variant,
            delta=delta,
            origin=StockOrigin.ONLINE_ORDER if delta < 0 else StockOrigin.ONLINE_REFUND,
            idempotency_key=key,
            reason_code=code,
            reason_params={"shop": "BigCommerce", **params},
        )
        if line is not None:
            order_id, kind = line
            OrderLineEffect.objects.create(
                connection=connection, order_id=order_id, line_id=1, kind=kind, movement=movement
            )

    taken, returned = OrderLineEffect.Kind.TAKEN, OrderLineEffect.Kind.RETURNED
    online(-1, "a", ReasonCode.ONLINE_ORDER, {"order": 105, "connection": connection.pk}, line=(105, taken))
    online(
        1,
        "b",
        ReasonCode.ONLINE_ORDER_RETURNED,
        {"order": 106, "connection": connection.pk, "status": "cancelled"},
        line=(106, returned),
    )
    # A reason that names an order, with no line effect of this store: not linked.
    online(-1, "c", ReasonCode.ONLINE_ORDER, {"order": 107, "connection": connection.pk})
    # Text and keys that look like orders are not read: a row's order is its line effect.
    stock_adjust(
        merchant=merchant,
        variant=variant,
        delta=-1,
        origin=StockOrigin.ONLINE_ORDER,
        idempotency_key=f"bigcommerce:{connection.pk}:order:108:line:1:taken",
        reason="Order #109 cancelled",
    )
    html = page(merchant_client, variant)
    base = "https://store-abc.mybigcommerce.com/manage/orders"
    assert f'<a href="{base}/105" rel="noopener" target="_blank">Order #105 in BigCommerce</a>' in html
    assert f'<a href="{base}/106" rel="noopener" target="_blank">Order #106 in BigCommerce</a>' in html
    assert "Online order #106 cancelled in BigCommerce: items back in stock" in html
    assert "Order #107" not in html and "Order #108" not in html and "Order #109 in" not in html
    assert "Order #109 cancelled" in html  # an old row's text, shown as it was


def test_history_links_the_journal_entry_that_sent_a_change(merchant_client, merchant, variant):
    vlink = link(connect(merchant), variant)
    sale = sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="s1")
    push = StockPush.objects.get()
    push.state, push.batch = StockPush.State.SENT, "b1"
    push.save(update_fields=["state", "batch"])
    event = SyncEvent.objects.create(
        merchant=merchant,
        connection=vlink.link.connection,
        kind=SyncEvent.Kind.STOCK_PUSH,
        direction=SyncEvent.Direction.TO_BIGCOMMERCE,
        message="Sent 1 stock change to BigCommerce (1 variant).",
        detail={"batch": "b1", "movements": [push.movement_id]},
    )
    html = page(merchant_client, variant)
    sale_url = reverse("inventory:sale_detail", args=[sale.pk])
    event_url = reverse("integrations:bigcommerce_event", args=[event.pk])
    assert f'<a href="{sale_url}">Sale #{sale.pk}</a> · <a href="{event_url}">Sent to BigCommerce</a>' in html


def test_history_links_stay_a_constant_number_of_queries(
    merchant_client, merchant, variant, django_assert_max_num_queries
):
    link(connect(merchant), variant)
    for n in range(10):
        sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key=f"s{n}")
    with django_assert_max_num_queries(26):
        page(merchant_client, variant)
