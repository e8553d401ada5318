import pytest

from inventory.models import Refund, StockLevel
from inventory.services import refund_create, sale_create
from inventory.tests.factories import stocked_variant
from inventory.views import sales as sales_views
from portal.tests.factories import DeviceFactory


@pytest.fixture
def sale(merchant, merchant_user):
    a = stocked_variant(merchant=merchant, quantity=10, price=300, sku="CUP")
    b = stocked_variant(merchant=merchant, quantity=10, price=700, sku="PLATE")
    return sale_create(merchant=merchant, lines=[(a, 3), (b, 1)], idempotency_key="sale", user=merchant_user)


def level(variant):
    return StockLevel.objects.get(variant=variant).quantity


def test_empty_sales_list_points_to_the_register(merchant_client):
    html = merchant_client.get("/sales/").content.decode()
    assert "No sales yet" in html and 'href="/register/"' in html


def test_sales_list(merchant_client, merchant, sale, other_merchant):
    device = DeviceFactory(merchant=merchant, name="Front till")
    sale_create(merchant=merchant, lines=[(sale.lines.first().variant, 1)], idempotency_key="s2", device=device)
    theirs = stocked_variant(merchant=other_merchant)
    other_sale = sale_create(merchant=other_merchant, lines=[(theirs, 1)], idempotency_key="x")
    html = merchant_client.get("/sales/").content.decode()
    assert f"/sales/{sale.pk}/" in html and "Device Front till" in html
    assert f"/sales/{other_sale.pk}/" not in html


def test_sales_list_htmx_pagination_and_query_count(merchant_client, merchant, sale, django_assert_max_num_queries):
    variant = sale.lines.first().variant
    for n in range(30):
        sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key=f"s{n}")
    with django_assert_max_num_queries(10):
        response = merchant_client.get("/sales/", {"page": 2}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.strip().startswith('<div id="sales-table"') and "Page 2 of 2" in html


def test_sale_detail_is_the_receipt(merchant_client, sale):
    html = merchant_client.get(f"/sales/{sale.pk}/").content.decode()
    assert "Receipt" in html and "CUP" in html and "€16.00" in html
    assert "Refund everything" in html


def test_refund_asks_for_confirmation_first(merchant_client, sale):
    line_a, line_b = sale.lines.all()
    response = merchant_client.post(
        f"/sales/{sale.pk}/refund/", {"idempotency_key": "r" * 32, f"line_{line_a.pk}": "2"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Confirm refund" in html and "€6.00" in html
    assert not Refund.objects.exists() and level(line_a.variant) == 7


def test_partial_refund_after_confirmation(merchant_client, sale):
    line_a, line_b = sale.lines.all()
    data = {"idempotency_key": "r" * 32, f"line_{line_a.pk}": "2", "confirm": "1"}
    response = merchant_client.post(f"/sales/{sale.pk}/refund/", data, follow=True)
    refund = Refund.objects.get()
    assert refund.total == 600 and level(line_a.variant) == 9
    html = response.content.decode()
    assert f"Refund #{refund.pk} recorded." in html and "2 refunded" in html
    # A resent confirmation refunds nothing more.
    merchant_client.post(f"/sales/{sale.pk}/refund/", data)
    assert Refund.objects.count() == 1 and level(line_a.variant) == 9


def test_full_refund(merchant_client, sale):
    line_a, line_b = sale.lines.all()
    html = merchant_client.post(
        f"/sales/{sale.pk}/refund/", {"idempotency_key": "r" * 32, "full": "1"}
    ).content.decode()
    assert "€16.00" in html
    data = {"idempotency_key": "r" * 32, f"line_{line_a.pk}": "3", f"line_{line_b.pk}": "1", "confirm": "1"}
    merchant_client.post(f"/sales/{sale.pk}/refund/", data)
    assert (level(line_a.variant), level(line_b.variant)) == (10, 10)
    html = merchant_client.get(f"/sales/{sale.pk}/").content.decode()
    assert "Everything in this sale has been refunded." in html


@pytest.mark.parametrize(
    "quantity, message",
    [("4", "less than or equal to 3"), ("-1", "greater than or equal to 0"), ("x", "Enter a whole number.")],
)
def test_refund_bad_quantities_are_explained(merchant_client, sale, quantity, message):
    line_a, _ = sale.lines.all()
    response = merchant_client.post(
        f"/sales/{sale.pk}/refund/", {"idempotency_key": "r" * 32, f"line_{line_a.pk}": quantity, "confirm": "1"}
    )
    assert response.status_code == 422 and message in response.content.decode()
    assert not Refund.objects.exists()


def test_refund_nothing_selected(merchant_client, sale):
    response = merchant_client.post(f"/sales/{sale.pk}/refund/", {"idempotency_key": "r" * 32})
    assert "Enter a quantity to refund for at least one line." in response.content.decode()


def test_refund_beyond_what_is_left_after_an_earlier_refund(merchant_client, merchant, sale):
    line_a, _ = sale.lines.all()
    refund_create(merchant=merchant, sale=sale, lines=[(line_a, 2)], idempotency_key="earlier")
    # The form was rendered before the earlier refund: the service still refuses.
    response = merchant_client.post(
        f"/sales/{sale.pk}/refund/", {"idempotency_key": "r" * 32, f"line_{line_a.pk}": "2", "confirm": "1"}
    )
    assert response.status_code == 422
    assert "less than or equal to 1" in response.content.decode()
    assert Refund.objects.count() == 1


def test_refund_race_is_reported_by_the_service(merchant_client, merchant, sale, monkeypatch):
    """If another refund lands between the form's check and the service, the service's error is shown."""
    line_a, _ = sale.lines.all()

    real = sales_views.refund_create

    def racing(**kwargs):
        refund_create(merchant=merchant, sale=sale, lines=[(line_a, 3)], idempotency_key="other-till")
        return real(**kwargs)

    monkeypatch.setattr(sales_views, "refund_create", racing)
    response = merchant_client.post(
        f"/sales/{sale.pk}/refund/", {"idempotency_key": "r" * 32, f"line_{line_a.pk}": "1", "confirm": "1"}
    )
    assert response.status_code == 422 and "0 left to refund" in response.content.decode()
    assert Refund.objects.count() == 1


def test_other_merchants_sale_is_404(merchant_client, other_merchant):
    theirs = stocked_variant(merchant=other_merchant)
    sale = sale_create(merchant=other_merchant, lines=[(theirs, 1)], idempotency_key="x")
    line = sale.lines.get()
    assert merchant_client.get(f"/sales/{sale.pk}/").status_code == 404
    response = merchant_client.post(
        f"/sales/{sale.pk}/refund/", {"idempotency_key": "r" * 32, f"line_{line.pk}": "1", "confirm": "1"}
    )
    assert response.status_code == 404
    assert not Refund.objects.exists()


def test_refund_with_line_of_another_sale_is_ignored(merchant_client, merchant, sale):
    variant = sale.lines.first().variant
    other = sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="other")
    response = merchant_client.post(
        f"/sales/{sale.pk}/refund/", {"idempotency_key": "r" * 32, f"line_{other.lines.get().pk}": "1", "confirm": "1"}
    )
    assert response.status_code == 422
    assert not Refund.objects.exists()


def test_clicking_refund_twice_finds_the_first_refund(merchant_client, sale):
    """The second submit of the same confirmation page is not an error and counts nothing twice."""
    line_a, line_b = sale.lines.all()
    data = {"idempotency_key": "d" * 32, f"line_{line_a.pk}": "3", f"line_{line_b.pk}": "1", "confirm": "1"}
    first = merchant_client.post(f"/sales/{sale.pk}/refund/", data)
    second = merchant_client.post(f"/sales/{sale.pk}/refund/", data, follow=True)
    assert first.status_code == 302
    assert second.status_code == 200
    refund = Refund.objects.get(sale=sale)
    assert f"Refund #{refund.pk} was already recorded." in second.content.decode()
    assert (level(line_a.variant), level(line_b.variant)) == (10, 10)


def test_refunded_total_is_one_signed_amount_that_does_not_wrap(merchant_client, merchant, sale):
    line_a, _line_b = sale.lines.all()
    refund_create(merchant=merchant, sale=sale, lines=[(line_a, 2)], idempotency_key="r1")
    html = merchant_client.get(f"/sales/{sale.pk}/").content.decode()
    assert '<td class="num negative nowrap">-€6.00</td>' in html
    french = merchant_client.get(f"/sales/{sale.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<td class="num negative nowrap">-6,00\xa0€</td>' in french
