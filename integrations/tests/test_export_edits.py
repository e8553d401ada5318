"""The two-tab edit of issue 15, as far as BigCommerce: the price saved in one tab reaches the
store, and the other tab's save (which changed only the description) sends the description
with that price, never the old one. A save that changes nothing sends nothing."""

from django.urls import reverse

from integrations.models import ProductLink
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import add_product, api, connect_from_comptoir, merchant_with_client, new_store
from integrations.tests.connect_helpers import walk_wizard as wizard
from portal.tests.form_html import form_data

pytestmark = connect_helpers.SANDBOX_TESTS


def _writes(bc, store, since: int) -> list[tuple[str, str]]:
    return [
        (r["method"], r["route"])
        for r in bc.request_log(store["hash"])[since:]
        if r["method"] != "GET" and "/_sandbox" not in r["path"]
    ]


def test_a_description_saved_from_an_older_tab_keeps_the_new_price_in_bigcommerce(bc):
    store = new_store(bc)
    merchant, _user, client = merchant_with_client()
    tote = add_product(merchant, "Tote bag", sku="TOTE-1", price=1800)
    connect_from_comptoir(client, bc, store)
    wizard(client, include_prices="yes")
    link = ProductLink.objects.get(product=tote)
    url = reverse("catalog:product_update", args=[tote.pk])

    def remote():
        data = api(bc, store).get(f"/v3/catalog/products/{link.remote_product_id}")["data"]
        return data["price"], data["description"]

    tab_a = form_data(client.get(url).content, "product-form")
    tab_b = form_data(client.get(url).content, "product-form")
    assert client.post(url, {**tab_b, "variant-0-price": "19.50"}).status_code == 302
    assert remote()[0] == 19.5

    before = len(bc.request_log(store["hash"]))
    assert client.post(url, {**tab_a, "description": "Waxed canvas."}).status_code == 302
    assert remote() == (19.5, "Waxed canvas.")
    assert _writes(bc, store, before) == [("PUT", "/v3/catalog/products")]  # the product's fields, once

    before = len(bc.request_log(store["hash"]))
    tab_c = form_data(client.get(url).content, "product-form")
    assert client.post(url, tab_c).status_code == 302
    assert _writes(bc, store, before) == []
    assert remote() == (19.5, "Waxed canvas.")
