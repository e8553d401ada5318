"""Split stock on the product's Stock section, the disable-split confirmation, the history's
allocations and links (SPEC §4). No online shop here: the page speaks of "the online shop"."""

import pytest
from django.conf import settings
from django.urls import reverse

from catalog.tests.factories import product_with_options
from inventory.models import Allocation, StockLevel, StockMovement, StockOrigin
from inventory.services import refund_create, sale_create, stock_set, stock_split_set
from inventory.tests.factories import stocked_variant
from portal.tests.html import id_problems

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "product-stock"}
KEY = "k" * 32


@pytest.fixture
def variant(merchant):
    return stocked_variant(merchant=merchant, quantity=10, sku="MUG-1")


def after(shop, online, store):
    """The history's allocation levels after a row, as the page writes them."""
    hidden = '<span class="visually-hidden"> · </span>'
    return f'<span class="nowrap">{shop} {online}</span>{hidden} <span class="nowrap">Comptoir {store}</span>'


def url(product):
    return reverse("inventory:product_stock", args=[product.pk])


def allocations(variant):
    level = StockLevel.objects.get(variant=variant)
    return level.quantity, level.online_quantity, level.store_quantity


def split_rows():
    return StockMovement.objects.filter(origin=StockOrigin.SPLIT_CHANGE)


def post_split(client, variant, online="4", store="6", key=KEY, **extra):
    data = {"action": "split", "idempotency_key": key, "split": "on", f"online_{variant.pk}": online}
    if store is not None:
        data[f"store_{variant.pk}"] = store
    return client.post(url(variant.product), {**data, **extra}, **HTMX)


def test_a_tracked_product_offers_split_stock_with_the_current_total(merchant_client, variant):
    html = merchant_client.get(url(variant.product)).content.decode()
    assert "Split stock for the online shop" in html
    assert 'name="split"' in html and "checked" not in html.split('name="split"')[1].split(">")[0]
    # Prefilled: the online shop keeps what it shows until the merchant moves units.
    assert f'name="online_{variant.pk}" value="10"' in html and f'name="store_{variant.pk}" value="0"' in html
    assert 'data-split-total="10"' in html


def test_saving_a_split_sets_both_allocations_and_shows_them(merchant_client, variant, merchant_user):
    response = post_split(merchant_client, variant)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Stock split saved for 1 variant" in html
    assert allocations(variant) == (10, 4, 6)
    row = split_rows().get()
    assert (row.delta, row.allocation, row.online_after, row.user) == (0, Allocation.ONLINE, 4, merchant_user)
    # The page shows both allocations, the count field says what it sets, the history which side moved.
    assert 'class="num alloc-online" data-label="Online shop">4<' in html
    assert 'class="num alloc-store" data-label="Comptoir">6<' in html
    assert "Counted in Comptoir" in html and "a count sets Comptoir's allocation" in html
    assert f'name="count_{variant.pk}" value="6"' in html  # the count prefilled with the store's allocation
    assert after("Online shop", 4, 6) in html
    assert "Disable stock split…" in html


def test_a_blank_allocation_gets_the_rest(merchant_client, variant):
    post_split(merchant_client, variant, online="3", store="")
    assert allocations(variant) == (10, 3, 7)
    post_split(merchant_client, variant, online="", store="8", key="m" * 32)
    assert allocations(variant) == (10, 2, 8)


def test_the_same_form_sent_twice_changes_nothing_the_second_time(merchant_client, variant):
    post_split(merchant_client, variant, online="4", store="6")
    post_split(merchant_client, variant, online="4", store="6")
    assert split_rows().count() == 1
    # Another split with a new form, then Back to the first form and submit it again (other figures).
    post_split(merchant_client, variant, online="7", store="3", key="n" * 32)
    response = post_split(merchant_client, variant, online="1", store="9")
    assert allocations(variant) == (10, 7, 3)
    assert split_rows().count() == 2
    assert response.status_code == 200


@pytest.mark.parametrize(
    "online, store, message",
    [
        ("-1", "11", "Ensure this value is greater than or equal to 0."),
        ("abc", "6", "Enter a whole number."),
        ("1.5", "6", "Enter a whole number."),
        ("11", "-1", "The allocation for the online shop must be between 0 and the stock (10)."),
        ("4", "5", "4 + 5 = 9: the two must add up to the stock (10)."),
        ("", "", "Enter how many go to the online shop."),
    ],
)
def test_bad_allocations_are_explained_and_change_nothing(merchant_client, variant, online, store, message):
    response = post_split(merchant_client, variant, online=online, store=store)
    html = response.content.decode()
    assert message in html
    assert "Nothing was changed" in html
    assert allocations(variant) == (10, None, 10)
    assert not split_rows().exists()


def test_a_sale_between_loading_and_saving_is_caught(merchant_client, merchant, variant):
    sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="s1")  # 10 → 8 after the page loaded
    html = post_split(merchant_client, variant, online="4", store="6").content.decode()
    assert "4 + 6 = 10: the two must add up to the stock (8)." in html
    assert allocations(variant) == (8, None, 8)


def test_every_variant_is_split_in_one_go_or_none(merchant_client, merchant):
    product = product_with_options(merchant=merchant, options={"Size": ["S", "M"]})
    small, medium = product.variants.order_by("position", "id")
    stock_set(merchant=merchant, variant=small, quantity=5, idempotency_key="i-s")
    stock_set(merchant=merchant, variant=medium, quantity=3, idempotency_key="i-m")
    data = {"action": "split", "idempotency_key": KEY, "split": "on"}
    bad = {f"online_{small.pk}": "2", f"store_{small.pk}": "3", f"online_{medium.pk}": "4", f"store_{medium.pk}": ""}
    html = merchant_client.post(url(product), {**data, **bad}, **HTMX).content.decode()
    assert "The allocation for the online shop must be between 0 and the stock (3)." in html
    assert not split_rows().exists()
    good = {**bad, f"online_{medium.pk}": "1"}
    merchant_client.post(url(product), {**data, **good}, **HTMX)
    assert allocations(small) == (5, 2, 3) and allocations(medium) == (3, 1, 2)


def test_another_merchants_variant_in_the_form_is_ignored(merchant_client, variant, other_merchant):
    theirs = stocked_variant(merchant=other_merchant, quantity=10)
    post_split(merchant_client, variant, **{f"online_{theirs.pk}": "1", f"store_{theirs.pk}": "9"})
    assert allocations(theirs) == (10, None, 10)
    assert not split_rows().filter(variant=theirs).exists()


def test_split_on_a_product_with_tracking_off_is_refused(merchant_client, merchant):
    untracked = stocked_variant(merchant=merchant, quantity=10, track_stock=False)
    html = merchant_client.get(url(untracked.product)).content.decode()
    assert 'name="split"' not in html
    html = post_split(merchant_client, untracked).content.decode()
    assert "Stock is not tracked for this product. Turn stock tracking on first." in html
    assert allocations(untracked) == (10, None, 10)


def test_other_merchants_product_is_404_for_split_and_merge(merchant_client, other_merchant):
    theirs = stocked_variant(merchant=other_merchant, quantity=10)
    assert post_split(merchant_client, theirs).status_code == 404
    stock_split_set(merchant=other_merchant, variant=theirs, online_quantity=4, idempotency_key="theirs")
    response = merchant_client.post(url(theirs.product), {"action": "merge", "idempotency_key": KEY, "confirm": "on"})
    assert response.status_code == 404
    assert allocations(theirs) == (10, 4, 6)


def test_unticking_asks_first_and_shows_the_merged_stock(merchant_client, merchant, variant):
    stock_split_set(merchant=merchant, variant=variant, online_quantity=4, idempotency_key="on")
    sale_create(merchant=merchant, lines=[(variant, 1)], idempotency_key="s1")  # the store's: 4 + 5
    response = merchant_client.post(
        url(variant.product),
        {"action": "split", "idempotency_key": KEY, f"online_{variant.pk}": "4", f"store_{variant.pk}": "5"},
        **HTMX,
    )
    html = response.content.decode()
    assert "Disable stock split?" in html
    assert 'class="num merged" data-label="Merged stock"><strong>9</strong>' in html
    assert allocations(variant) == (9, 4, 5)  # nothing merged yet

    confirm_form = html.split('<input type="hidden" name="confirm" value="on">')[1].split("</form>")[0]
    confirm_key = confirm_form.split('name="idempotency_key" value="')[1].split('"')[0]
    confirm = {"action": "merge", "idempotency_key": confirm_key, "confirm": "on"}
    html = merchant_client.post(url(variant.product), confirm, **HTMX).content.decode()
    assert "Stock split disabled: the allocations are merged" in html
    assert allocations(variant) == (9, None, 9)
    merged = split_rows().latest("id")
    assert (merged.allocation, merged.online_after, merged.level_after) == (Allocation.SHARED, None, 9)
    assert "Merged" in html

    # Split again, then the confirmation sent a second time (Back, submit): it merges nothing.
    stock_split_set(merchant=merchant, variant=variant, online_quantity=2, idempotency_key="again")
    merchant_client.post(url(variant.product), confirm, **HTMX)
    assert allocations(variant) == (9, 2, 7)


def test_disable_split_works_without_javascript(merchant_client, merchant, variant):
    stock_split_set(merchant=merchant, variant=variant, online_quantity=4, idempotency_key="on")
    response = merchant_client.post(url(variant.product), {"action": "merge"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and "Disable stock split?" in html
    confirm_form = html.split('<input type="hidden" name="confirm" value="on">')[1].split("</form>")[0]
    confirm_key = confirm_form.split('name="idempotency_key" value="')[1].split('"')[0]
    response = merchant_client.post(
        url(variant.product), {"action": "merge", "idempotency_key": confirm_key, "confirm": "on"}, follow=True
    )
    assert response.redirect_chain[-1][0] == url(variant.product)
    assert "Stock split disabled: the allocations are merged" in response.content.decode()
    assert allocations(variant) == (10, None, 10)


def test_a_count_while_split_sets_comptoirs_allocation(merchant_client, merchant, variant):
    stock_split_set(merchant=merchant, variant=variant, online_quantity=4, idempotency_key="on")
    merchant_client.post(
        url(variant.product), {"action": "set_counts", "idempotency_key": KEY, f"count_{variant.pk}": "2"}, **HTMX
    )
    assert allocations(variant) == (6, 4, 2)
    row = StockMovement.objects.filter(origin=StockOrigin.MANUAL_COMPTOIR).latest("id")
    assert (row.delta, row.allocation) == (-4, Allocation.STORE)
    # A count equal to the store's allocation is no change.
    html = merchant_client.post(
        url(variant.product), {"action": "set_counts", "idempotency_key": "q" * 32, f"count_{variant.pk}": "2"}, **HTMX
    ).content.decode()
    assert "No count changed." in html


def test_history_links_sales_and_refunds_and_names_the_allocation(merchant_client, merchant, variant):
    stock_split_set(merchant=merchant, variant=variant, online_quantity=4, idempotency_key="on")
    sale = sale_create(merchant=merchant, lines=[(variant, 2)], idempotency_key="s1")
    refund = refund_create(merchant=merchant, sale=sale, lines=[(sale.lines.get(), 1)], idempotency_key="r1")
    html = merchant_client.get(url(variant.product)).content.decode()
    sale_url = reverse("inventory:sale_detail", args=[sale.pk])
    assert f'<a href="{sale_url}">Sale #{sale.pk}</a>' in html
    assert f'<a href="{sale_url}">Refund #{refund.pk} of sale #{sale.pk}</a>' in html
    # Newest first: the refund, the sale (both Comptoir's allocation), the split, the first count.
    rows = html.split('<table class="table inv-table table-stack history-table">')[1].split("<tbody>")[1]
    order = [rows.index(f"origin-{origin}") for origin in ("pos_refund", "pos_sale", "split_change", "manual_comptoir")]
    assert order == sorted(order)
    assert after("Online shop", 4, 5) in html  # after the refund: the online shop kept its 4
    assert html.count('<span class="badge badge-ok">Comptoir</span>') == 2


def test_the_history_has_no_allocation_column_for_shared_stock(merchant_client, variant):
    html = merchant_client.get(url(variant.product)).content.decode()
    assert ">Allocation<" not in html


def test_split_page_ids_are_unique_and_labels_find_their_fields(merchant_client, merchant, variant):
    product = product_with_options(merchant=merchant)
    for v in product.variants.all():
        stock_set(merchant=merchant, variant=v, quantity=3, idempotency_key=f"i{v.pk}")
        stock_split_set(merchant=merchant, variant=v, online_quantity=1, idempotency_key=f"s{v.pk}")
    for p in (variant.product, product):
        html = merchant_client.get(url(p)).content.decode()
        assert id_problems(html) == {"duplicate_ids": [], "labels_without_target": []}
    html = merchant_client.post(url(product), {"action": "merge"}).content.decode()
    assert id_problems(html) == {"duplicate_ids": [], "labels_without_target": []}


def test_split_stock_in_french(merchant_client, merchant, variant):
    merchant_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = merchant_client.get(url(variant.product)).content.decode()
    assert "Séparer le stock pour la boutique en ligne" in html
    stock_split_set(merchant=merchant, variant=variant, online_quantity=4, idempotency_key="on")
    html = merchant_client.post(url(variant.product), {"action": "merge"}).content.decode()
    assert "Désactiver la séparation des stocks" in html
    assert "Stock fusionné" in html
    html = post_split(merchant_client, variant, online="4", store="5", key="z" * 32).content.decode()
    assert "4 + 5 = 9\xa0: les deux doivent totaliser le stock (10)." in html  # French spacing before the colon


def test_an_expired_confirmation_is_explained_and_merges_nothing(merchant_client, merchant, variant):
    stock_split_set(merchant=merchant, variant=variant, online_quantity=4, idempotency_key="on")
    html = merchant_client.post(
        url(variant.product), {"action": "merge", "idempotency_key": "bad key!", "confirm": "on"}, **HTMX
    ).content.decode()
    assert "This form has expired. Reload the page and try again." in html
    assert "Disable stock split?" in html
    assert allocations(variant) == (10, 4, 6)
