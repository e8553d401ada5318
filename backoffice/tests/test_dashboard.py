"""The dashboard's figures are right, each card opens the list behind it, and it knows the
BigCommerce connection's state."""

import re

import pytest
from django.urls import reverse

from catalog.tests.factories import ProductFactory
from integrations.models import BigCommerceConnection
from inventory.models import StockOrigin
from inventory.services import refund_create, sale_create, stock_adjust, stock_set

DASHBOARD = "/"


def stocked(merchant, name, *, quantity=None, low=None, track=True, archived=False):
    variant = ProductFactory(
        merchant=merchant, name=name, low_stock_level=low, track_stock=track, is_archived=archived
    ).variants.get()
    if quantity is not None:
        stock_set(
            merchant=merchant, variant=variant, quantity=quantity, origin=StockOrigin.INITIAL, idempotency_key=name
        )
    return variant


def test_low_stock_counts_variants_never_stocked_and_out_of_stock(merchant_client, merchant, other_merchant):
    counted = [
        stocked(merchant, "Never stocked, low level 2", low=2),
        stocked(merchant, "At its low level", quantity=2, low=2),
        stocked(merchant, "Out of stock, no low level", quantity=0),
        stocked(merchant, "Never stocked, no low level"),
        stocked(merchant, "Below zero", quantity=0),
    ]
    below = counted[-1]
    stock_adjust(merchant=merchant, variant=below, delta=-1, origin=StockOrigin.POS_SALE, idempotency_key="below")
    stocked(merchant, "Above its low level", quantity=3, low=2)
    stocked(merchant, "In stock, no low level", quantity=1)
    stocked(merchant, "Not tracked", low=2, track=False)
    stocked(merchant, "Archived", low=2, archived=True)
    stocked(other_merchant, "Theirs", low=2)

    assert merchant_client.get(DASHBOARD).context["figures"]["low_stock_count"] == len(counted)
    listed = merchant_client.get(reverse("inventory:low_stock")).content.decode()
    for variant in counted:
        assert variant.product.name in listed
    assert "Above its low level" not in listed and "Theirs" not in listed


def test_takings_today_net_the_refunds_made_today(merchant_client, merchant):
    variant = stocked(merchant, "Mug", quantity=5)
    variant.price = 1800
    variant.save()
    sale = sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="sale")
    refund_create(merchant=merchant, sale=sale, lines=[(sale.lines.get(), 1)], idempotency_key="refund")

    response = merchant_client.get(DASHBOARD)
    assert response.context["figures"]["sales_today_total"] == 1800
    assert "€18.00" in response.content.decode()
    day = response.context["today"].isoformat()
    listed = merchant_client.get(reverse("inventory:sale_list"), {"day": day}).content.decode()
    assert "€36.00" in listed and "-€18.00" in listed and "€18.00" in listed


def test_every_card_links_to_the_list_behind_it(merchant_client, merchant):
    html = merchant_client.get(DASHBOARD).content.decode()
    cards = re.findall(r'<(\w+) class="stat(?: stat-[\w-]+)*"(?: href="([^"]*)")?', html)
    assert len(cards) == 4
    for tag, href in cards:
        assert tag == "a" and href, cards
        assert merchant_client.get(href.replace("&amp;", "&")).status_code == 200


@pytest.mark.parametrize(
    ("status", "text", "link"),
    [
        (None, "Connect your BigCommerce store", "/integrations/bigcommerce/"),
        (BigCommerceConnection.Status.SETUP_INCOMPLETE, "Finish setting up", "/integrations/bigcommerce/setup/"),
        (BigCommerceConnection.Status.CONNECTED, "Connected to Boutique en ligne", "/integrations/bigcommerce/"),
        (BigCommerceConnection.Status.NEEDS_ATTENTION, "needs your attention", "/integrations/bigcommerce/"),
        (BigCommerceConnection.Status.DISCONNECTED, "Connect your BigCommerce store", "/integrations/bigcommerce/"),
    ],
)
def test_the_dashboard_shows_the_bigcommerce_connection(merchant_client, merchant, status, text, link):
    if status:
        BigCommerceConnection.objects.create(
            merchant=merchant, store_hash="dash1", store_name="Boutique en ligne", status=status, access_token="t"
        )
    html = merchant_client.get(DASHBOARD).content.decode()
    card = html[html.index('id="bigcommerce-card"') :]
    card = card[: card.index("</section>")]
    assert text in card and f'href="{link}"' in card
    if status not in (None, BigCommerceConnection.Status.DISCONNECTED):
        assert "Connect your BigCommerce store" not in html


def test_dashboard_figures_count_only_this_merchants_day(merchant_client, merchant, other_merchant):
    mine = ProductFactory(merchant=merchant, variant__price=1250, low_stock_level=2).variants.get()
    theirs = ProductFactory(merchant=other_merchant, variant__price=999).variants.get()
    sale_create(merchant=merchant, lines=[(mine, 2)], idempotency_key="a")
    sale_create(merchant=other_merchant, lines=[(theirs, 1)], idempotency_key="a")
    response = merchant_client.get(reverse("backoffice:dashboard"))
    figures = response.context["figures"]
    assert figures == {"product_count": 1, "low_stock_count": 1, "sales_today": 1, "sales_today_total": 2500}
    assert "€25.00" in response.content.decode()
