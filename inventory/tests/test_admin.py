import pytest

from inventory.models import StockMovement
from inventory.services import sale_create
from inventory.tests.factories import stocked_variant
from inventory.transfers import stock_transfer
from portal.services import shop_primary
from portal.tests.factories import ShopFactory, UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def sale(merchant):
    variant = stocked_variant(merchant=merchant, quantity=5, sku="ADM-1", barcode="2000000000099")
    return sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="s")


def test_ledger_is_read_only(admin_client, sale):
    movement = StockMovement.objects.filter(origin="pos_sale").get()
    assert admin_client.get("/admin/inventory/stockmovement/").status_code == 200
    assert admin_client.get("/admin/inventory/stockmovement/add/").status_code == 403
    assert admin_client.get(f"/admin/inventory/stockmovement/{movement.pk}/delete/").status_code == 403
    response = admin_client.post(f"/admin/inventory/stockmovement/{movement.pk}/change/", {"delta": "99"})
    assert response.status_code == 403
    movement.refresh_from_db()
    assert movement.delta == -2


@pytest.mark.parametrize("query", ["ADM-1", "2000000000099"])
def test_ledger_search_by_sku_barcode_and_merchant(admin_client, sale, query):
    response = admin_client.get("/admin/inventory/stockmovement/", {"q": query})
    assert response.context["cl"].result_count == 2
    response = admin_client.get("/admin/inventory/stockmovement/", {"q": sale.merchant.name})
    assert response.context["cl"].result_count == 2


def test_ledger_filters(admin_client, sale):
    response = admin_client.get("/admin/inventory/stockmovement/", {"origin__exact": "pos_sale"})
    assert response.context["cl"].result_count == 1


def test_sale_with_lines_inline(admin_client, sale):
    response = admin_client.get(f"/admin/inventory/sale/{sale.pk}/change/")
    assert response.status_code == 200 and "ADM-1" in response.content.decode()
    assert admin_client.get("/admin/inventory/sale/add/").status_code == 403


def test_transfers_are_read_only_with_their_rows(admin_client, merchant):
    variant = stocked_variant(merchant=merchant, quantity=5, sku="TRF-1")
    transfer = stock_transfer(
        merchant=merchant,
        from_shop=shop_primary(merchant=merchant),
        to_shop=ShopFactory(merchant=merchant, name="Gare"),
        lines=[(variant, 2)],
        idempotency_key="adm",
    )
    response = admin_client.get("/admin/inventory/transfer/", {"q": "TRF-1"})
    assert response.status_code == 200 and response.context["cl"].result_count == 1
    page = admin_client.get(f"/admin/inventory/transfer/{transfer.pk}/change/").content.decode()
    assert f"transfer:{transfer.pk}:{variant.pk}:out" in page and f"transfer:{transfer.pk}:{variant.pk}:in" in page
    assert admin_client.get("/admin/inventory/transfer/add/").status_code == 403
    assert admin_client.get(f"/admin/inventory/transfer/{transfer.pk}/delete/").status_code == 403
