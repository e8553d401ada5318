import pytest

from catalog.tests.factories import ProductFactory
from portal.ids import MAX_ID, id_parse, ids_parse

GIANT = "9" * 5000  # beyond the 4,300 digits that int() converts


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("42", 42),
        ("0042", 42),
        (str(MAX_ID), MAX_ID),
        ("0" * 30 + "7", 7),
        (str(MAX_ID + 1), None),
        (GIANT, None),
        ("1" + "0" * 4400, None),
        ("0", None),
        ("", None),
        ("²", None),
        ("-1", None),
        (42, None),
    ],
)
def test_id_parse(value, expected):
    assert id_parse(value) == expected


def test_ids_parse_drops_giant_numbers():
    assert ids_parse(["3", GIANT, "x", "5"]) == [3, 5]


# Pages that read ids from the query string or the form --------------------------------------


def test_a_giant_category_id_lists_nothing_instead_of_crashing(merchant_client, merchant):
    ProductFactory(merchant=merchant, name="Blue mug")
    response = merchant_client.get("/catalog/", {"category": GIANT})
    assert response.status_code == 200


@pytest.mark.parametrize("action", ["delete", "archive", "restore"])
def test_giant_bulk_ids_count_as_nothing_selected(merchant_client, merchant, action):
    product = ProductFactory(merchant=merchant)
    response = merchant_client.get(f"/catalog/bulk/{action}/", {"ids": [GIANT, "1" + "0" * 4400]}, follow=True)
    assert response.status_code == 200
    assert "Tick at least one product first." in response.content.decode()
    response = merchant_client.post(f"/catalog/bulk/{action}/", {"ids": [GIANT]}, follow=True)
    assert response.status_code == 200
    product.refresh_from_db()
