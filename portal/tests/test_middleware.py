"""Bad input the portal refuses before any view: NUL characters (PostgreSQL cannot store or
compare text that holds one), and the pages that read ids from the query string."""

import io

import pytest
from django.urls import reverse

from catalog.tests.factories import ProductFactory
from inventory.models import Sale
from inventory.tests.factories import stocked_variant
from inventory.views.register import CART_SESSION_KEY

GIANT = "9" * 5000  # beyond the 4,300 digits that int() converts


@pytest.mark.postgres_also
@pytest.mark.parametrize(
    "url",
    [
        "/catalog/?q=mu%00g",
        "/catalog/?q=%00",
        "/register/?q=MUG%00",
        "/catalog/?category=1%00",
        "/catalog/?x%00=1",
        "/sales/?q=%00",
    ],
)
def test_a_nul_in_the_query_string_is_a_clear_400_page(merchant_client, merchant, url):
    ProductFactory(merchant=merchant, name="Blue mug")
    response = merchant_client.get(url)
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" in html and "invisible control character" in html


@pytest.mark.postgres_also
def test_a_nul_in_the_cart_scan_is_refused_and_changes_nothing(merchant_client, merchant):
    mug = stocked_variant(merchant=merchant, quantity=3, sku="MUG-BLUE", barcode="2000000000015")
    for q in ("MUG-BLUE\x00", "\x00", "2000000000015\x00"):
        response = merchant_client.post(reverse("inventory:register_cart"), {"action": "scan", "q": q})
        assert response.status_code == 400, q
        assert "invisible control character" in response.content.decode()
    assert merchant_client.session.get(CART_SESSION_KEY, []) == []
    # The same scan without the NUL works.
    merchant_client.post(reverse("inventory:register_cart"), {"action": "scan", "q": "MUG-BLUE"})
    assert merchant_client.session[CART_SESSION_KEY] == [[mug.pk, 1]]
    assert not Sale.objects.exists()


@pytest.mark.postgres_also
def test_an_htmx_request_with_a_nul_gets_a_short_fragment(merchant_client):
    response = merchant_client.get("/register/?q=%00", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="register-results")
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" not in html and "invisible control character" in html


def test_a_nul_in_a_logged_out_request_is_refused_too(client, db):
    response = client.post(reverse("account_login"), {"login": "a\x00@b.test", "password": "x"})
    assert response.status_code == 400


def test_views_that_read_their_raw_body_still_get_it(client, db):
    """The webhook receiver reads its raw body to check the signature: form data is not parsed first."""
    answer = client.post("/integrations/bigcommerce/webhooks/", {"field": "value\x00", "file": io.BytesIO(b"x")})
    assert answer.status_code == 401 and answer.json() == {"error": "invalid webhook"}


@pytest.mark.parametrize(
    "url_name", ["backoffice:dashboard", "catalog:product_list", "inventory:sale_list", "integrations:bigcommerce"]
)
@pytest.mark.parametrize("htmx", [False, True])
def test_pages_and_their_fragments_vary_on_hx_request(merchant_client, url_name, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = merchant_client.get(reverse(url_name), headers=headers)
    assert response.status_code == 200
    assert "HX-Request" in [v.strip() for v in response["Vary"].split(",")]
