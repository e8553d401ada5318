import pytest
from django.conf import settings
from django.urls import reverse

from catalog.tests.factories import ProductFactory
from inventory.models import Sale, StockLevel, StockMovement
from inventory.services import stock_split_set
from inventory.tests.factories import stocked_variant
from inventory.views.register import CART_SESSION_KEY

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "register-body"}
REGISTER = "/register/"
CART = "/register/cart/"
SELL = "/register/sell/"


@pytest.fixture
def mug(merchant):
    return stocked_variant(
        merchant=merchant,
        quantity=3,
        sku="MUG-BLUE",
        barcode="2000000000015",
        price=1800,
        product=ProductFactory(merchant=merchant, name="Blue mug", variant=False),
    )


def level(variant):
    return StockLevel.objects.get(variant=variant).quantity


def test_urls():
    assert reverse("inventory:register") == REGISTER
    assert reverse("inventory:register_cart") == CART
    assert reverse("inventory:register_sell") == SELL


def test_empty_register_explains_what_to_do(merchant_client):
    html = merchant_client.get(REGISTER).content.decode()
    assert "The cart is empty" in html and "Scan a barcode" in html


@pytest.mark.parametrize("query", ["blue", "MUG-B", "2000000000015"])
def test_search_by_name_sku_or_barcode(merchant_client, mug, query):
    html = merchant_client.get(REGISTER, {"q": query}).content.decode()
    assert "Blue mug" in html


def test_search_htmx_returns_results_fragment(merchant_client, mug, other_merchant):
    stocked_variant(
        merchant=other_merchant,
        quantity=1,
        product=ProductFactory(merchant=other_merchant, name="Blue vase", variant=False),
    )
    response = merchant_client.get(REGISTER, {"q": "blue"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="register-results")
    html = response.content.decode()
    assert html.strip().startswith('<div id="register-results">')
    assert "Blue mug" in html and "Blue vase" not in html


def test_search_without_match_says_so(merchant_client, mug):
    html = merchant_client.get(REGISTER, {"q": "teapot"}).content.decode()
    assert "Nothing matches “teapot”" in html


def test_scanning_a_barcode_adds_the_variant(merchant_client, mug):
    response = merchant_client.post(CART, {"action": "scan", "q": "2000000000015"}, **HTMX)
    assert response.status_code == 200
    assert merchant_client.session[CART_SESSION_KEY] == [[mug.pk, 1]]
    merchant_client.post(CART, {"action": "scan", "q": "mug-blue"})  # an exact SKU, any case
    assert merchant_client.session[CART_SESSION_KEY] == [[mug.pk, 2]]


def test_scanning_text_shows_matches_instead(merchant_client, mug):
    response = merchant_client.post(CART, {"action": "scan", "q": "blue"})
    assert response.status_code == 302 and response["Location"] == "/register/?q=blue"
    assert merchant_client.session.get(CART_SESSION_KEY, []) == []


def test_scanning_unknown_code_explains(merchant_client, mug):
    html = merchant_client.post(CART, {"action": "scan", "q": "999"}, **HTMX).content.decode()
    assert "No product matches “999”." in html


def test_add_set_remove_clear(merchant_client, mug):
    merchant_client.post(CART, {"action": "add", "variant": mug.pk})
    merchant_client.post(CART, {"action": "add", "variant": mug.pk, "quantity": 2})
    assert merchant_client.session[CART_SESSION_KEY] == [[mug.pk, 3]]
    html = merchant_client.post(CART, {"action": "set", "variant": mug.pk, "quantity": 5}, **HTMX).content.decode()
    assert merchant_client.session[CART_SESSION_KEY] == [[mug.pk, 5]]
    assert "More than in stock" in html  # a warning, not a block
    merchant_client.post(CART, {"action": "remove", "variant": mug.pk})
    assert merchant_client.session[CART_SESSION_KEY] == []
    merchant_client.post(CART, {"action": "add", "variant": mug.pk})
    merchant_client.post(CART, {"action": "clear"})
    assert merchant_client.session[CART_SESSION_KEY] == []


@pytest.mark.parametrize("quantity", ["-1", "abc", "100000", "", "2.5", "١٢", "1_2"])
def test_bad_quantity_is_explained_on_its_line(merchant_client, mug, quantity):
    merchant_client.post(CART, {"action": "add", "variant": mug.pk})
    html = merchant_client.post(
        CART, {"action": "set", "variant": mug.pk, "quantity": quantity, "q": "mug"}, **HTMX
    ).content.decode()
    search_card, cart = html.split('class="card register-cart"')
    assert "Enter a whole number from 0 to 9999." in cart and "Enter a whole number" not in search_card
    assert f'value="{quantity}" class="num" aria-invalid="true" aria-describedby="qty-{mug.pk}-error"' in cart
    assert f'id="qty-{mug.pk}-error"' in cart
    assert merchant_client.session[CART_SESSION_KEY] == [[mug.pk, 1]]


def test_bad_quantity_without_javascript_is_explained_on_its_line_too(merchant_client, mug):
    merchant_client.post(CART, {"action": "add", "variant": mug.pk})
    response = merchant_client.post(CART, {"action": "set", "variant": mug.pk, "quantity": "-3"})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()


def test_cart_quantity_field_lets_the_server_judge_what_was_typed(merchant_client, mug):
    merchant_client.post(CART, {"action": "add", "variant": mug.pk})
    html = merchant_client.get(reverse("inventory:register")).content.decode()
    # A number input with min/max would make the browser drop "-1" or "abc" without a word.
    assert f'id="qty-{mug.pk}" type="text" inputmode="numeric"' in html and "novalidate" in html


def test_other_merchants_variant_cannot_enter_the_cart(merchant_client, other_merchant):
    theirs = stocked_variant(merchant=other_merchant, quantity=1, barcode="123")
    html = merchant_client.post(CART, {"action": "add", "variant": theirs.pk}, **HTMX).content.decode()
    assert "This product does not exist." in html
    merchant_client.post(CART, {"action": "scan", "q": "123"})
    assert merchant_client.session.get(CART_SESSION_KEY, []) == []


def test_a_cart_keeps_one_key_until_it_is_sold_then_the_next_cart_gets_another(merchant_client, mug):
    merchant_client.post(CART, {"action": "add", "variant": mug.pk})
    first = merchant_client.get(REGISTER).context["idempotency_key"]
    assert merchant_client.get(REGISTER).context["idempotency_key"] == first and len(first) == 32
    merchant_client.post(SELL, {"idempotency_key": first, "line": [f"{mug.pk}:1"]})
    merchant_client.post(CART, {"action": "add", "variant": mug.pk})
    assert merchant_client.get(REGISTER).context["idempotency_key"] != first


def test_a_second_tab_selling_the_same_cart_is_told_it_was_already_sold(merchant_client, mug):
    merchant_client.post(CART, {"action": "add", "variant": mug.pk})
    sell_form = {"idempotency_key": merchant_client.get(REGISTER).context["idempotency_key"], "line": [f"{mug.pk}:1"]}
    first_tab = merchant_client.post(SELL, sell_form, **HTMX)
    second_tab = merchant_client.post(SELL, sell_form, **HTMX)
    sale = Sale.objects.get()
    assert first_tab["HX-Redirect"] == second_tab["HX-Redirect"] == f"/sales/{sale.pk}/"
    assert level(mug) == 2
    receipt = merchant_client.get(second_tab["HX-Redirect"]).content.decode()
    assert f"This cart was already sold: sale #{sale.pk}." in receipt


def test_selling_a_stale_tab_keeps_the_cart_built_since(merchant_client, mug):
    merchant_client.post(CART, {"action": "add", "variant": mug.pk})
    stale = {"idempotency_key": merchant_client.get(REGISTER).context["idempotency_key"], "line": [f"{mug.pk}:1"]}
    merchant_client.post(CART, {"action": "clear"})
    merchant_client.post(CART, {"action": "add", "variant": mug.pk, "quantity": 2})
    merchant_client.get(REGISTER)  # the new cart, with its own key
    merchant_client.post(SELL, stale)
    assert Sale.objects.get().lines.get().quantity == 1
    assert merchant_client.session[CART_SESSION_KEY] == [[mug.pk, 2]]


def test_sell_records_the_sale_and_shows_the_receipt(merchant_client, merchant_user, mug):
    merchant_client.post(CART, {"action": "add", "variant": mug.pk, "quantity": 5})
    response = merchant_client.post(SELL, {"idempotency_key": "k" * 32, "line": [f"{mug.pk}:5"]})
    sale = Sale.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sales/{sale.pk}/"
    assert (sale.total, sale.user) == (9000, merchant_user)
    assert level(mug) == -2  # sold beyond stock: allowed
    assert merchant_client.session[CART_SESSION_KEY] == []
    receipt = merchant_client.get(response["Location"]).content.decode()
    assert f"Sale #{sale.pk} recorded." in receipt and "Blue mug" in receipt


@pytest.mark.parametrize(("language", "waiting"), [("en", "Adding scans…"), ("fr", "Ajout des articles scannés…")])
def test_the_sell_button_carries_what_it_says_while_scans_are_on_their_way(merchant_client, mug, language, waiting):
    # static/js/comptoir.js shows it while the sale waits for scans; without JavaScript the form posts as before.
    merchant_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    merchant_client.post(CART, {"action": "add", "variant": mug.pk})
    html = merchant_client.get(REGISTER).content.decode()
    assert f'class="btn btn-primary btn-sell" data-waiting="{waiting}">' in html
    assert 'action="/register/sell/"' in html


def test_double_click_records_one_sale(merchant_client, mug):
    data = {"idempotency_key": "k" * 32, "line": [f"{mug.pk}:1"]}
    first = merchant_client.post(SELL, data)
    second = merchant_client.post(SELL, data)
    assert first["Location"] == second["Location"]
    assert Sale.objects.count() == 1 and level(mug) == 2


def test_sell_htmx_redirects_the_client(merchant_client, mug):
    response = merchant_client.post(SELL, {"idempotency_key": "k" * 32, "line": [f"{mug.pk}:1"]}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/sales/{Sale.objects.get().pk}/"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"idempotency_key": "short", "line": ["1:1"]}, "This form has expired."),
        ({"idempotency_key": "k" * 32, "line": ["garbage"]}, "The cart could not be read."),
        ({"idempotency_key": "k" * 32}, "Add at least one product to the sale."),
        ({"idempotency_key": "k" * 32, "line": ["{mug}:0"]}, "Quantity must be a whole number from 1 to 9999."),
        ({"idempotency_key": "k" * 32, "line": ["{mug}:10000"]}, "Quantity must be a whole number from 1 to 9999."),
        ({"idempotency_key": "k" * 32, "line": ["999999:1"]}, "no longer exists"),
    ],
)
def test_sell_bad_input_records_nothing(merchant_client, mug, data, message):
    data = {k: [v.format(mug=mug.pk) for v in val] if isinstance(val, list) else val for k, val in data.items()}
    html = merchant_client.post(SELL, data, **HTMX).content.decode()
    assert message in html
    assert not Sale.objects.exists() and level(mug) == 3


def test_sell_other_merchants_variant_is_refused(merchant_client, other_merchant):
    theirs = stocked_variant(merchant=other_merchant, quantity=1)
    html = merchant_client.post(
        SELL, {"idempotency_key": "k" * 32, "line": [f"{theirs.pk}:1"]}, **HTMX
    ).content.decode()
    assert "no longer exists" in html
    assert not Sale.objects.exists() and level(theirs) == 1 and not StockMovement.objects.filter(delta__lt=0).exists()


def test_get_not_allowed_on_actions(merchant_client):
    assert merchant_client.get(CART).status_code == 405
    assert merchant_client.get(SELL).status_code == 405


@pytest.mark.parametrize(
    "line",
    [
        "{mug}:²",
        "²:1",
        "99999999999999999999999:1",
        "{mug}:99999999999999999999999",
        "9" * 5000 + ":1",
        "{mug}:" + "9" * 5000,
    ],
)
def test_sell_odd_digits_or_huge_numbers_are_refused_not_a_crash(merchant_client, mug, line):
    html = merchant_client.post(
        SELL, {"idempotency_key": "k" * 32, "line": [line.format(mug=mug.pk)]}, **HTMX
    ).content.decode()
    assert "The cart could not be read." in html or "no longer exists" in html or "Quantity must be" in html
    assert not Sale.objects.exists() and level(mug) == 3


@pytest.mark.parametrize("variant", ["99999999999999999999999", "²"])
def test_cart_huge_or_odd_variant_id_is_refused_not_a_crash(merchant_client, mug, variant):
    response = merchant_client.post(CART, {"action": "add", "variant": variant, "quantity": "1"}, **HTMX)
    assert response.status_code == 200
    assert merchant_client.session.get(CART_SESSION_KEY, []) == []


def test_with_split_stock_the_register_counts_comptoirs_allocation(merchant_client, merchant, mug):
    total = StockLevel.objects.get(variant=mug).quantity
    stock_split_set(merchant=merchant, variant=mug, online_quantity=total - 1, idempotency_key="split")
    merchant_client.post(CART, {"action": "add", "variant": mug.pk, "quantity": 2})
    html = merchant_client.get("/register/").content.decode()
    assert "1 in stock" in html and "More than in stock" in html


# Products without a price ----------------------------------------------------------------------


@pytest.fixture
def tote(merchant):
    """A product without a price (0), as one managed in BigCommerce without price sync arrives."""
    product = ProductFactory(merchant=merchant, name="Tote bag", variant=False)
    return stocked_variant(merchant=merchant, product=product, quantity=30, sku="TOTE", price=0)


def test_the_cart_marks_a_product_without_a_price(merchant_client, tote):
    merchant_client.post(CART, {"action": "add", "variant": tote.pk})
    html = merchant_client.get(REGISTER).content.decode()
    assert ">No price</span>" in html and "the Register asks before selling them at zero" in html


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_selling_a_product_without_a_price_asks_first(merchant_client, mug, tote, headers):
    merchant_client.post(CART, {"action": "add", "variant": mug.pk})
    merchant_client.post(CART, {"action": "add", "variant": tote.pk})
    key = merchant_client.get(REGISTER).context["idempotency_key"]
    lines = [f"{mug.pk}:1", f"{tote.pk}:2"]
    response = merchant_client.post(SELL, {"idempotency_key": key, "line": lines}, **headers)
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Redirect" not in response
    assert "Sell at €0.00?" in html and "“Tote bag” has no price." in html
    assert 'name="allow_zero_price" value="1"' in html
    assert f'href="/catalog/products/{tote.product_id}/edit/"' in html
    assert not Sale.objects.exists() and level(tote) == 30 and level(mug) == 3

    confirmed = merchant_client.post(SELL, {"idempotency_key": key, "line": lines, "allow_zero_price": "1"}, **headers)
    sale = Sale.objects.get()
    assert (confirmed.get("HX-Redirect") or confirmed["Location"]) == f"/sales/{sale.pk}/"
    assert sale.total == 1800 and sorted(sale.lines.values_list("unit_price", flat=True)) == [0, 1800]
    assert level(tote) == 28


def test_a_priced_cart_sells_without_asking(merchant_client, mug):
    response = merchant_client.post(SELL, {"idempotency_key": "k" * 32, "line": [f"{mug.pk}:1"]})
    assert response.status_code == 302 and Sale.objects.count() == 1


def test_search_results_mark_a_product_without_a_price(merchant_client, tote):
    html = merchant_client.get(REGISTER, {"q": "tote"}).content.decode()
    results = html.split('id="register-results"')[1]
    assert ">No price</span>" in results and "€0.00" not in results
