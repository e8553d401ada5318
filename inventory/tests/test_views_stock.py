import pytest
from django.urls import reverse

from catalog.tests.factories import product_with_options
from inventory.models import StockLevel, StockMovement, StockOrigin
from inventory.services import sale_create
from inventory.tests.factories import stocked_variant
from portal.tests.html import id_problems

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "product-stock"}


@pytest.fixture
def variant(merchant):
    return stocked_variant(merchant=merchant, quantity=5, sku="MUG-1", barcode="2000000000015")


def url(product):
    return reverse("inventory:product_stock", args=[product.pk])


def level(variant):
    return StockLevel.objects.get(variant=variant).quantity


def test_page_shows_levels_and_history(merchant_client, variant):
    response = merchant_client.get(url(variant.product))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'id="product-stock"' in html
    assert "MUG-1" in html and "2000000000015" in html
    assert "Manual change in Comptoir" in html  # the initial count, in the history


def test_htmx_gets_the_fragment_only(merchant_client, variant):
    response = merchant_client.get(url(variant.product), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.strip().startswith('<section id="product-stock"')


def test_negative_level_is_flagged(merchant_client, merchant, variant):
    sale_create(merchant=merchant, lines=[(variant, 7)], idempotency_key="s")
    html = merchant_client.get(url(variant.product)).content.decode()
    assert 'class="num negative" data-label="In stock">-2<' in html
    assert "below zero" in html


def test_set_counts_records_manual_changes(merchant_client, merchant, merchant_user):
    product = product_with_options(merchant=merchant, options={"Size": ["S", "M"]})
    small, medium = product.variants.all()
    response = merchant_client.post(
        url(product),
        {
            "action": "set_counts",
            "idempotency_key": "a" * 32,
            f"count_{small.pk}": "4",
            f"count_{medium.pk}": "0",
            "reason": "Inventory day",
        },
    )
    assert response.status_code == 302
    assert level(small) == 4
    assert not StockLevel.objects.filter(variant=medium).exists()  # unchanged count (0) writes nothing
    movement = StockMovement.objects.get(variant=small)
    assert (movement.origin, movement.delta, movement.reason, movement.user) == (
        StockOrigin.MANUAL_COMPTOIR,
        4,
        "Inventory day",
        merchant_user,
    )
    # The same form sent again counts nothing twice.
    merchant_client.post(
        url(product),
        {
            "action": "set_counts",
            "idempotency_key": "a" * 32,
            f"count_{small.pk}": "4",
            f"count_{medium.pk}": "0",
        },
    )
    assert StockMovement.objects.filter(variant=small).count() == 1


def test_set_counts_htmx_returns_fresh_fragment_with_message(merchant_client, variant):
    response = merchant_client.post(
        url(variant.product),
        {"action": "set_counts", "idempotency_key": "b" * 32, f"count_{variant.pk}": "12"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Stock count saved for 1 variant." in html
    assert level(variant) == 12


@pytest.mark.parametrize("value", ["-1", "abc", "1.5"])
def test_set_counts_bad_input_changes_nothing(merchant_client, variant, value):
    response = merchant_client.post(
        url(variant.product), {"action": "set_counts", "idempotency_key": "c" * 32, f"count_{variant.pk}": value}
    )
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    assert level(variant) == 5
    assert StockMovement.objects.filter(variant=variant).count() == 1


def test_blank_count_leaves_level_alone_and_negative_is_not_prefilled(merchant_client, merchant, variant):
    sale_create(merchant=merchant, lines=[(variant, 7)], idempotency_key="s")
    html = merchant_client.get(url(variant.product)).content.decode()
    assert f'name="count_{variant.pk}" min="0"' in html and f'name="count_{variant.pk}" value' not in html
    response = merchant_client.post(
        url(variant.product),
        {"action": "set_counts", "idempotency_key": "h" * 32, f"count_{variant.pk}": ""},
        follow=True,
    )
    assert "No count changed." in response.content.decode()
    assert level(variant) == -2


def test_adjust_with_reason(merchant_client, variant):
    response = merchant_client.post(
        url(variant.product),
        {
            "action": "adjust",
            "idempotency_key": "d" * 32,
            "variant": variant.pk,
            "delta": "-2",
            "reason": "Broken",
        },
        follow=True,
    )
    assert "Stock changed by -2; new level 3." in response.content.decode()
    assert level(variant) == 3
    assert StockMovement.objects.filter(reason="Broken", delta=-2).count() == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"delta": "0", "reason": "x"}, "Enter a change other than zero."),
        ({"delta": "3"}, "This field is required."),
        ({"delta": "-9", "reason": "Lost"}, "cannot go below zero"),
        ({"delta": "x", "reason": "Lost"}, "Enter a whole number."),
    ],
)
def test_adjust_bad_input_is_explained_and_changes_nothing(merchant_client, variant, data, message):
    response = merchant_client.post(
        url(variant.product), {"action": "adjust", "idempotency_key": "e" * 32, "variant": variant.pk, **data}, **HTMX
    )
    assert message in response.content.decode()
    assert level(variant) == 5


def test_adjust_cannot_target_another_products_variant(merchant_client, merchant, variant):
    other = stocked_variant(merchant=merchant, quantity=5)
    response = merchant_client.post(
        url(variant.product),
        {
            "action": "adjust",
            "idempotency_key": "f" * 32,
            "variant": other.pk,
            "delta": "1",
            "reason": "x",
        },
    )
    assert "Select a valid choice" in response.content.decode()
    assert level(other) == 5


def test_turning_tracking_off_asks_first(merchant_client, variant):
    product = variant.product
    response = merchant_client.post(url(product), {"action": "tracking"}, **HTMX)
    assert "Turn off stock tracking?" in response.content.decode()
    product.refresh_from_db()
    assert product.track_stock is True

    merchant_client.post(url(product), {"action": "tracking", "confirm": "on"}, **HTMX)
    product.refresh_from_db()
    assert product.track_stock is False
    html = merchant_client.get(url(product)).content.decode()
    assert "Stock is not tracked for this product" in html and 'value="set_counts"' not in html

    merchant_client.post(url(product), {"action": "tracking", "track_stock": "on"})
    product.refresh_from_db()
    assert product.track_stock is True


def test_history_is_paginated(merchant_client, merchant, variant):
    for n in range(25):
        sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key=f"s{n}")
    html = merchant_client.get(url(variant.product)).content.decode()
    assert "Page 1 of 2" in html
    html = merchant_client.get(url(variant.product) + "?page=2", **HTMX).content.decode()
    assert "Page 2 of 2" in html and "<html" not in html


def test_unknown_action_is_a_bad_request(merchant_client, variant):
    assert merchant_client.post(url(variant.product), {"action": "explode"}).status_code == 400


def test_history_query_count_is_constant(merchant_client, merchant, variant, django_assert_max_num_queries):
    for n in range(10):
        sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key=f"s{n}")
    with django_assert_max_num_queries(20):
        merchant_client.get(url(variant.product))


def test_login_required(client, variant):
    response = client.get(url(variant.product))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_merchants_product_is_404(merchant_client, other_merchant):
    theirs = stocked_variant(merchant=other_merchant, quantity=5)
    assert merchant_client.get(url(theirs.product)).status_code == 404
    response = merchant_client.post(
        url(theirs.product),
        {
            "action": "adjust",
            "idempotency_key": "g" * 32,
            "variant": theirs.pk,
            "delta": "1",
            "reason": "x",
        },
    )
    assert response.status_code == 404
    assert merchant_client.post(url(theirs.product), {"action": "tracking", "confirm": "on"}).status_code == 404
    theirs.product.refresh_from_db()
    assert theirs.product.track_stock is True and level(theirs) == 5


def test_stock_page_ids_are_unique_and_every_label_finds_its_field(merchant_client, merchant, variant):
    for product in (variant.product, product_with_options(merchant=merchant)):
        html = merchant_client.get(url(product)).content.decode()
        assert id_problems(html) == {"duplicate_ids": [], "labels_without_target": []}


@pytest.mark.parametrize("typed", ["١٢", "1_2", "１２"])
def test_a_stock_change_in_other_digits_is_refused_not_read(merchant_client, variant, typed):
    # Python's int() reads "١٢" as 12: the change must be refused with a message, not applied.
    response = merchant_client.post(
        url(variant.product),
        {"action": "adjust", "idempotency_key": "f" * 32, "variant": variant.pk, "delta": typed, "reason": "Delivery"},
        **HTMX,
    )
    assert "Enter a whole number with the digits 0–9" in response.content.decode()
    response = merchant_client.post(
        url(variant.product), {"action": "set_counts", "idempotency_key": "g" * 32, f"count_{variant.pk}": typed}
    )
    assert "Enter a whole number with the digits 0–9" in response.content.decode()
    assert level(variant) == 5
    assert StockMovement.objects.filter(variant=variant).count() == 1
