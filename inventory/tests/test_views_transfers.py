"""The transfer form on a product's stock page, the transfers list and a transfer's page."""

import pytest
from django.test import Client

from catalog.tests.factories import ProductFactory
from inventory.models import StockLevel, StockMovement, StockOrigin, Transfer
from inventory.services import stock_set
from inventory.tests.factories import stocked_variant
from inventory.transfers import stock_transfer
from portal.models import Shop
from portal.services import shop_primary
from portal.tests.factories import ShopFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "product-stock"}
KEY = "k" * 32


@pytest.fixture
def shops(merchant):
    """A product with two variants, 7 and 4 in the primary shop, 3 and 0 in "Gare"."""
    product = ProductFactory(merchant=merchant, track_stock=True, variant=False, name="Mug")
    small = stocked_variant(merchant=merchant, quantity=7, product=product, sku="MUG-S")
    large = stocked_variant(merchant=merchant, quantity=4, product=product, sku="MUG-L")
    gare = ShopFactory(merchant=merchant, name="Gare")
    stock_set(merchant=merchant, variant=small, quantity=3, idempotency_key="gare", shop=gare)
    return product, small, large, shop_primary(merchant=merchant), gare


def _levels(variant) -> dict[str, int]:
    return dict(StockLevel.objects.filter(variant=variant).values_list("shop__name", "quantity"))


def _form(primary, gare, quantities: dict) -> dict:
    return {
        "action": "transfer",
        "idempotency_key": KEY,
        "from_shop": primary.pk,
        "to_shop": gare.pk,
        "note": "weekend",
        **{f"quantity_{pk}": q for pk, q in quantities.items()},
    }


def test_the_form_shows_only_with_two_active_shops(merchant_client, merchant):
    variant = stocked_variant(merchant=merchant, quantity=5)
    url = f"/catalog/products/{variant.product_id}/stock/"
    assert "Transfer between shops" not in merchant_client.get(url).content.decode()
    gare = ShopFactory(merchant=merchant, name="Gare")
    assert "Transfer between shops" in merchant_client.get(url).content.decode()
    Shop.objects.filter(pk=gare.pk).update(is_active=False)
    assert "Transfer between shops" not in merchant_client.get(url).content.decode()
    response = merchant_client.post(url, {"action": "transfer", "idempotency_key": KEY})
    assert response.status_code == 400 and not Transfer.objects.exists()


def test_a_transfer_of_several_variants_moves_both_shops_and_redirects(merchant_client, shops):
    product, small, large, primary, gare = shops
    url = f"/catalog/products/{product.pk}/stock/"
    response = merchant_client.post(url, _form(primary, gare, {small.pk: "2", large.pk: "4"}))
    assert response.status_code == 302 and response["Location"] == f"{url}?shop={primary.pk}"
    assert _levels(small) == {primary.name: 5, "Gare": 5}
    assert _levels(large) == {primary.name: 0, "Gare": 4}
    transfer = Transfer.objects.get()
    assert transfer.note == "weekend" and transfer.movements.count() == 4
    page = merchant_client.get(response["Location"]).content.decode()
    assert f"Transfer #{transfer.pk}: 6 units moved from {primary.name} to Gare." in page
    # sent again (Back, submit): the same transfer, nothing more moves
    merchant_client.post(url, _form(primary, gare, {small.pk: "2", large.pk: "4"}))
    assert Transfer.objects.count() == 1 and _levels(small) == {primary.name: 5, "Gare": 5}


def test_htmx_answers_the_section_with_both_levels_and_the_message(merchant_client, shops):
    product, small, _large, primary, gare = shops
    url = f"/catalog/products/{product.pk}/stock/?shop={primary.pk}"
    response = merchant_client.post(url, _form(primary, gare, {small.pk: "3"}), **HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "3 units moved from" in page
    assert 'data-label="Gare">6</td>' in page and f'data-label="{primary.name}">4</td>' in page


@pytest.mark.parametrize(
    "bad",
    [
        {"quantities": {}},  # nothing to move
        {"quantities": {"small": "-1"}},
        {"quantities": {"small": "1.5"}},
        {"quantities": {"small": "abc"}},
        {"quantities": {"small": "8"}},  # more than the 7 in stock
        {"quantities": {"small": "1"}, "same_shop": True},
        {"quantities": {"small": "1"}, "key": "x"},  # an expired form
    ],
)
def test_bad_input_shows_an_error_in_the_form_and_changes_nothing(merchant_client, shops, bad):
    product, small, large, primary, gare = shops
    quantities = {small.pk if k == "small" else large.pk: v for k, v in bad["quantities"].items()}
    data = _form(primary, primary if bad.get("same_shop") else gare, quantities)
    data["idempotency_key"] = bad.get("key", KEY)
    before = (_levels(small), _levels(large), StockMovement.objects.count())
    response = merchant_client.post(f"/catalog/products/{product.pk}/stock/", data, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "errorlist" in page or "callout-danger" in page
    assert (_levels(small), _levels(large), StockMovement.objects.count()) == before
    assert not Transfer.objects.exists()


def test_not_enough_stock_is_said_beside_the_variant(merchant_client, shops):
    product, small, _large, primary, gare = shops
    page = merchant_client.post(
        f"/catalog/products/{product.pk}/stock/", _form(primary, gare, {small.pk: "8"}), **HTMX
    ).content.decode()
    assert "Not enough stock of" in page and "(in stock: 7)" in page


def test_the_form_needs_its_csrf_token(merchant_user, shops):
    product, small, _large, primary, gare = shops
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(merchant_user)
    response = strict.post(f"/catalog/products/{product.pk}/stock/", _form(primary, gare, {small.pk: "1"}))
    assert response.status_code == 403 and not Transfer.objects.exists()


def test_another_merchants_product_shop_or_transfer_is_not_reachable(merchant_client, shops, other_merchant):
    product, small, _large, primary, gare = shops
    theirs = stocked_variant(merchant=other_merchant, quantity=5)
    their_shop = ShopFactory(merchant=other_merchant, name="Theirs")
    response = merchant_client.post(
        f"/catalog/products/{theirs.product_id}/stock/",
        _form(shop_primary(merchant=other_merchant), their_shop, {theirs.pk: "1"}),
    )
    assert response.status_code == 404
    # their shop's id in our product's form: refused in the form, nothing written
    response = merchant_client.post(
        f"/catalog/products/{product.pk}/stock/", _form(primary, their_shop, {small.pk: "1"})
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Transfer.objects.exists() and not StockLevel.objects.filter(shop=their_shop).exists()
    their_transfer = stock_transfer(
        merchant=other_merchant,
        from_shop=shop_primary(merchant=other_merchant),
        to_shop=their_shop,
        lines=[(theirs, 1)],
        idempotency_key="theirs",
    )
    assert merchant_client.get(f"/stock/transfers/{their_transfer.pk}/").status_code == 404
    assert f"#{their_transfer.pk}" not in merchant_client.get("/stock/transfers/").content.decode()


def test_both_shops_histories_show_their_row_with_a_link_to_the_transfer(merchant_client, shops):
    product, small, _large, primary, gare = shops
    transfer = stock_transfer(
        merchant=product.merchant, from_shop=primary, to_shop=gare, lines=[(small, 2)], idempotency_key="h", note="n1"
    )
    url = f"/catalog/products/{product.pk}/stock/"
    source = merchant_client.get(f"{url}?shop={primary.pk}").content.decode()
    destination = merchant_client.get(f"{url}?shop={gare.pk}").content.decode()
    assert "Transfer to Gare" in source and f"Transfer from {primary.name}" not in source
    assert f"Transfer from {primary.name}" in destination and "Transfer to Gare" not in destination
    link = f'href="/stock/transfers/{transfer.pk}/"'
    assert link in source and link in destination
    assert StockMovement.objects.filter(transfer=transfer, origin=StockOrigin.TRANSFER).count() == 2


def test_the_history_speaks_french(merchant_client, shops):
    product, small, _large, primary, gare = shops
    stock_transfer(merchant=product.merchant, from_shop=primary, to_shop=gare, lines=[(small, 2)], idempotency_key="f")
    page = merchant_client.get(
        f"/catalog/products/{product.pk}/stock/?shop={gare.pk}", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert f"Transfert depuis {primary.name}" in page and "Transfert entre magasins" in page


def test_the_list_and_the_detail(merchant_client, shops, django_assert_max_num_queries):
    product, small, large, primary, gare = shops
    transfer = stock_transfer(
        merchant=product.merchant,
        from_shop=primary,
        to_shop=gare,
        lines=[(small, 2), (large, 1)],
        idempotency_key="l",
        note="restock",
    )
    for n in range(5):
        stock_transfer(
            merchant=product.merchant, from_shop=gare, to_shop=primary, lines=[(small, 1)], idempotency_key=f"b{n}"
        )
    with django_assert_max_num_queries(12):
        page = merchant_client.get("/stock/transfers/").content.decode()
    assert f'href="/stock/transfers/{transfer.pk}/"' in page and "restock" in page and "(2 variants)" in page
    only_gare = merchant_client.get(f"/stock/transfers/?shop={gare.pk}").content.decode()
    assert "Stock moved to or from Gare" in only_gare
    detail = merchant_client.get(f"/stock/transfers/{transfer.pk}/").content.decode()
    assert f"From {primary.name} to Gare" in detail and "MUG-S" in detail and "MUG-L" in detail and "restock" in detail
