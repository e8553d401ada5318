"""Why the currency cannot change: each app that records money in it says so, in one list."""

from backoffice.refusals import currency_refusals
from catalog.tests.factories import ProductFactory
from integrations.models import BigCommerceConnection
from inventory.services import sale_create


def test_nothing_recorded_nothing_refuses(merchant):
    assert currency_refusals(merchant=merchant) == []


def test_a_connected_store_and_sales_each_give_their_reason(merchant, other_merchant):
    BigCommerceConnection.objects.create(
        merchant=merchant, status=BigCommerceConnection.Status.CONNECTED, store_hash="abc", store_name="Ma boutique"
    )
    variant = ProductFactory(merchant=merchant).variants.get()
    sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="s1")

    refusals = currency_refusals(merchant=merchant)

    assert [reason.split(" ", 2)[:2] for reason in refusals] == [["Your", "BigCommerce"], ["Sales", "are"]]
    assert currency_refusals(merchant=other_merchant) == []


def test_a_disconnected_store_refuses_nothing(merchant):
    BigCommerceConnection.objects.create(
        merchant=merchant, status=BigCommerceConnection.Status.DISCONNECTED, store_hash="abc", store_name="Old"
    )
    assert currency_refusals(merchant=merchant) == []
