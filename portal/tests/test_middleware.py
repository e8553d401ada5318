import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    "url_name", ["portal:dashboard", "catalog:product_list", "inventory:sale_list", "integrations:bigcommerce"]
)
@pytest.mark.parametrize("htmx", [False, True])
def test_pages_and_their_fragments_vary_on_hx_request(merchant_client, url_name, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = merchant_client.get(reverse(url_name), headers=headers)
    assert response.status_code == 200
    assert "HX-Request" in [v.strip() for v in response["Vary"].split(",")]
