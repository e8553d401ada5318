import uuid

import pytest
from django.urls import reverse

from catalog.models import Category, Product, Variant
from catalog.tests.factories import CategoryFactory, ProductFactory, product_with_options, with_stock_history
from inventory.models import StockMovement, StockOrigin
from inventory.services import stock_set
from portal.services import shop_primary

HTMX = {"HTTP_HX_REQUEST": "true"}


def htmx(target):
    return {**HTMX, "HTTP_HX_TARGET": target}


def product_post(**overrides):
    """A complete form for a product without options."""
    data = {
        "name": "Espresso",
        "description": "Short and strong.",
        "category": "",
        "new_category": "",
        "folder": "",
        "new_folder": "",
        "vat_rate": "10",
        "track_stock": "on",
        "low_stock_level": "",
        "shipping_weight_grams": "",
        "seo_title": "",
        "seo_description": "",
        "search_keywords": "",
        "option-count": "0",
        "variant-count": "1",
        "variant-0-combination": "[]",
        "variant-0-sku": "ESP-1",
        "variant-0-barcode": "",
        "variant-0-price": "2.50",
        "variant-0-cost_price": "0.60",
    }
    data.update(overrides)
    return data


def sized_post(**overrides):
    """A complete form for a product with one option Size: S, M."""
    data = product_post(name="T-shirt")
    for key in [k for k in data if k.startswith("variant-0")]:
        del data[key]
    data.update({"option-count": "1", "option-0-name": "Size", "option-0-values": "S, M", "variant-count": "2"})
    for i, size in enumerate(["S", "M"]):
        data.update(
            {
                f"variant-{i}-combination": f'[["Size", "{size}"]]',
                f"variant-{i}-sku": f"TS-{size}",
                f"variant-{i}-barcode": "",
                f"variant-{i}-price": "25",
                f"variant-{i}-cost_price": "",
            }
        )
    data.update(overrides)
    return data


# Login and tenancy ------------------------------------------------------------------------------


def test_list_needs_login(client, db):
    response = client.get(reverse("catalog:product_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("name", "post_status"),
    [("catalog:product_detail", 405), ("catalog:product_update", 404), ("catalog:product_delete", 404)],
)
def test_another_merchants_product_is_404(merchant_client, other_merchant, name, post_status):
    foreign = ProductFactory(merchant=other_merchant)
    assert merchant_client.get(reverse(name, args=[foreign.pk])).status_code == 404
    assert merchant_client.post(reverse(name, args=[foreign.pk]), product_post()).status_code == post_status
    assert Product.objects.filter(pk=foreign.pk, name=foreign.name).exists()


# List -------------------------------------------------------------------------------------------


def test_empty_catalog_invites_to_create(merchant_client):
    response = merchant_client.get(reverse("catalog:product_list"))
    assert b"No products yet" in response.content
    assert reverse("catalog:product_create").encode() in response.content


def test_list_shows_own_products_with_price_range(merchant_client, merchant, other_merchant):
    product_with_options(merchant=merchant, name="Shirt", price=2500)
    Variant.objects.filter(sku="TS-L-RED").update(price=3000)
    ProductFactory(merchant=other_merchant, name="Foreign thing")
    content = merchant_client.get(reverse("catalog:product_list")).content.decode()
    assert "Shirt" in content and "€25.00 – €30.00" in content
    assert "Foreign thing" not in content
    assert 'name="ids"' in content and "Delete…" in content


def test_search_without_results_says_so(merchant_client, merchant):
    ProductFactory(merchant=merchant, name="Tea")
    response = merchant_client.get(reverse("catalog:product_list"), {"q": "zzz"})
    assert b"No products match your search" in response.content


def test_htmx_search_returns_only_the_results(merchant_client, merchant):
    ProductFactory(merchant=merchant, name="Tea")
    ProductFactory(merchant=merchant, name="Coffee")
    response = merchant_client.get(reverse("catalog:product_list"), {"q": "tea"}, **htmx("product-results"))
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="product-results">')
    assert "Tea" in content and "Coffee" not in content and "<html" not in content


def test_category_filter_and_pagination(merchant_client, merchant):
    category = CategoryFactory(merchant=merchant, name="Drinks")
    for i in range(55):
        ProductFactory(merchant=merchant, name=f"Drink {i:02}", category=category)
    ProductFactory(merchant=merchant, name="Zebra plush")
    first = merchant_client.get(reverse("catalog:product_list"), {"category": category.pk}).content.decode()
    assert "Page 1 of 2" in first and "Zebra plush" not in first
    assert f"category={category.pk}&amp;page=2" in first
    second = merchant_client.get(reverse("catalog:product_list"), {"category": category.pk, "page": 2})
    assert second.context["page"].object_list[0].name == "Drink 50"


def test_archived_products_have_their_own_tab(merchant_client, merchant):
    ProductFactory(merchant=merchant, name="Old stuff", is_archived=True)
    ProductFactory(merchant=merchant, name="New stuff")
    active = merchant_client.get(reverse("catalog:product_list")).content.decode()
    archived = merchant_client.get(reverse("catalog:product_list"), {"archived": "1"}).content.decode()
    assert "New stuff" in active and "Old stuff" not in active
    assert "Old stuff" in archived and "Restore…" in archived


def test_counts_say_what_is_shown(merchant_client, merchant):
    for name in ["Tea", "Green tea", "Coffee"]:
        ProductFactory(merchant=merchant, name=name)
    ProductFactory(merchant=merchant, name="Old tea", is_archived=True)
    url = reverse("catalog:product_list")
    archived = merchant_client.get(url, {"archived": "1"}).content.decode()
    assert "1 archived product<" in archived and "in the catalog" not in archived
    searched = merchant_client.get(url, {"q": "tea"}).content.decode()
    assert "2 products match" in searched
    fragment = merchant_client.get(url, {"q": "coffee"}, **htmx("product-results")).content.decode()
    assert "1 product matches" in fragment
    assert "match" not in merchant_client.get(url).content.decode()


# Create -----------------------------------------------------------------------------------------


def test_create_page_defaults_vat_to_the_merchants(merchant_client, merchant):
    response = merchant_client.get(reverse("catalog:product_create"))
    assert response.status_code == 200
    assert response.context["form"]["vat_rate"].value() == merchant.default_vat_rate


def test_create_simple_product(merchant_client, merchant):
    response = merchant_client.post(reverse("catalog:product_create"), product_post(new_category="Hot drinks"))
    product = Product.objects.get(merchant=merchant)
    assert response.status_code == 302 and response["Location"] == reverse("catalog:product_detail", args=[product.pk])
    variant = product.variants.get()
    assert (variant.sku, variant.price, variant.cost_price) == ("ESP-1", 250, 60)
    assert product.category == Category.objects.get(merchant=merchant, name="Hot drinks")
    assert str(product.vat_rate) == "10.00"


def test_create_with_options(merchant_client, merchant):
    response = merchant_client.post(reverse("catalog:product_create"), sized_post())
    assert response.status_code == 302
    product = Product.objects.get(merchant=merchant)
    assert sorted(product.variants.values_list("sku", flat=True)) == ["TS-M", "TS-S"]


def test_duplicate_sku_shows_a_clear_error_and_keeps_input(merchant_client, merchant):
    ProductFactory(merchant=merchant, name="Older espresso", variant__sku="esp-1")
    response = merchant_client.post(reverse("catalog:product_create"), product_post(description="Typed text"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "already used by “Older espresso”" in content
    assert "Typed text" in content and 'value="2.50"' in content
    assert Product.objects.filter(merchant=merchant).count() == 1


def test_bad_barcode_and_price_are_explained(merchant_client, merchant):
    data = product_post(**{"variant-0-barcode": "4006381333932", "variant-0-price": "2.505"})
    content = merchant_client.post(reverse("catalog:product_create"), data).content.decode()
    assert "the last digit should be 1, not 2" in content
    assert "no more than 2 decimal places" in content
    assert not Product.objects.exists()


def test_missing_name_keeps_everything_typed(merchant_client, merchant):
    content = merchant_client.post(reverse("catalog:product_create"), sized_post(name="")).content.decode()
    assert "This field is required" in content
    assert 'value="TS-M"' in content and 'value="S, M"' in content
    assert not Product.objects.exists()


def test_add_option_without_js_rerenders_without_saving(merchant_client, merchant):
    response = merchant_client.post(reverse("catalog:product_create"), product_post(editor="add_option"))
    content = response.content.decode()
    assert response.status_code == 200 and "<html" in content
    assert 'name="option-0-name"' in content and 'name="option-count" value="1"' in content
    assert not Product.objects.exists()


def test_htmx_add_option_returns_the_editor_fragment(merchant_client):
    response = merchant_client.post(
        reverse("catalog:product_create"), product_post(editor="add_option"), **htmx("variant-editor")
    )
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="variant-editor"') and "<html" not in content


def test_htmx_refresh_regenerates_grid_keeping_typed_values(merchant_client):
    data = sized_post(**{"option-0-values": "M, L", "editor": "refresh", "variant-1-sku": "KEEP-M"})
    response = merchant_client.post(reverse("catalog:product_create"), data, **htmx("variant-grid"))
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="variant-grid"')
    assert 'name="variant-count" value="2"' in content
    assert 'value="KEEP-M"' in content and "TS-S" not in content
    assert content.index(">M<") < content.index(">L<")
    assert 'name="variant-1-price" value="25"' in content  # a new combination starts at the first row's price


def test_remove_option_returns_to_a_single_variant(merchant_client):
    response = merchant_client.post(reverse("catalog:product_create"), sized_post(editor="remove_option-0"))
    editor = response.context["editor"]
    assert editor.option_rows == [] and len(editor.rows) == 1
    assert editor.rows[0].initial["sku"] == "TS-S"


def test_stale_grid_is_regenerated_instead_of_saved(merchant_client, merchant):
    """Without JavaScript, options edited but grid not refreshed: nothing saved, new grid shown."""
    response = merchant_client.post(reverse("catalog:product_create"), sized_post(**{"option-0-values": "S, M, L"}))
    assert "updated to match the options" in response.content.decode()
    assert len(response.context["editor"].rows) == 3
    assert not Product.objects.exists()


def test_option_errors_are_explained(merchant_client):
    data = sized_post(**{"option-count": "2", "option-1-name": "", "option-1-values": "Red"})
    content = merchant_client.post(reverse("catalog:product_create"), data).content.decode()
    assert "Give this option a name" in content


# Edit -------------------------------------------------------------------------------------------


def test_edit_page_shows_current_variants(merchant_client, merchant):
    product = product_with_options(merchant=merchant)
    response = merchant_client.get(reverse("catalog:product_update", args=[product.pk]))
    editor = response.context["editor"]
    assert [r.name for r in editor.option_rows] == ["Size", "Colour"]
    assert len(editor.rows) == 6
    assert 'value="25.00"' in response.content.decode()


def test_edit_changes_price_and_keeps_variant_ids(merchant_client, merchant):
    product = ProductFactory(merchant=merchant, name="Espresso", variant__sku="ESP-1")
    variant = product.variants.get()
    response = merchant_client.post(
        reverse("catalog:product_update", args=[product.pk]), product_post(**{"variant-0-price": "3"})
    )
    assert response.status_code == 302
    assert product.variants.get().pk == variant.pk and product.variants.get().price == 300


def test_edit_refuses_to_drop_a_variant_with_history(merchant_client, merchant):
    product = ProductFactory(merchant=merchant, variant=False, name="T-shirt")
    merchant_client.post(reverse("catalog:product_update", args=[product.pk]), sized_post())
    small = product.variants.get(sku="TS-S")
    StockMovement.objects.create(
        merchant=merchant,
        shop=shop_primary(merchant=merchant),
        variant=small,
        origin=StockOrigin.INITIAL,
        delta=1,
        level_after=1,
        idempotency_key="k",
    )
    data = sized_post(
        **{
            "option-0-values": "M",
            "variant-count": "1",
            "variant-0-combination": '[["Size", "M"]]',
            "variant-0-sku": "TS-M",
        }
    )
    response = merchant_client.post(reverse("catalog:product_update", args=[product.pk]), data)
    assert response.status_code == 200
    assert "have stock or sales history and cannot be removed: “S”" in response.content.decode()
    assert product.variants.count() == 2


# Detail, delete, archive --------------------------------------------------------------------------


def test_detail_shows_variants_and_the_stock_slot(merchant_client, merchant):
    product = product_with_options(merchant=merchant)
    content = merchant_client.get(reverse("catalog:product_detail", args=[product.pk])).content.decode()
    assert "TS-S-BLUE" in content and "S / Blue" in content
    assert 'id="images"' in content and 'id="videos"' in content
    try:
        stock_url = reverse("inventory:product_stock", args=[product.pk])
    except Exception:  # the inventory app has not published its fragment yet
        stock_url = None
    if stock_url:
        assert f'hx-get="{stock_url}"' in content and f'href="{stock_url}"' in content


def test_delete_confirmation_page_and_dialog(merchant_client, merchant):
    product = ProductFactory(merchant=merchant, name="Tea")
    url = reverse("catalog:product_delete", args=[product.pk])
    page = merchant_client.get(url).content.decode()
    assert "Delete “Tea”?" in page and "<html" in page
    dialog = merchant_client.get(url, **HTMX).content.decode()
    assert dialog.lstrip().startswith("<dialog") and "showModal" in dialog


def test_delete_removes_the_product(merchant_client, merchant):
    product = ProductFactory(merchant=merchant)
    response = merchant_client.post(reverse("catalog:product_delete", args=[product.pk]))
    assert response["Location"] == reverse("catalog:product_list")
    assert not Product.objects.exists()


def test_delete_with_history_says_archive_instead(merchant_client, merchant):
    product = ProductFactory(merchant=merchant, name="Tea")
    StockMovement.objects.create(
        merchant=merchant,
        shop=shop_primary(merchant=merchant),
        variant=product.variants.get(),
        origin=StockOrigin.INITIAL,
        delta=1,
        level_after=1,
        idempotency_key="k",
    )
    response = merchant_client.post(reverse("catalog:product_delete", args=[product.pk]), follow=True)
    assert "has stock or sales history, so it cannot be deleted. Archive it instead." in response.content.decode()
    assert Product.objects.filter(pk=product.pk).exists()


def test_delete_confirmation_says_before_confirming_that_history_means_archive(merchant_client, merchant):
    product = with_stock_history(ProductFactory(merchant=merchant, name="Tea"))
    url = reverse("catalog:product_delete", args=[product.pk])
    dialog = merchant_client.get(url, **HTMX).content.decode()
    assert "“Tea” cannot be deleted" in dialog and "stock or sales history" in dialog
    assert "This cannot be undone" not in dialog and "Delete product" not in dialog
    assert reverse("catalog:product_archive", args=[product.pk]) in dialog and "Archive product" in dialog
    product.is_archived = True
    product.save()
    page = merchant_client.get(url).content.decode()
    assert "It is archived already" in page and "Archive product" not in page


def test_archive_and_restore(merchant_client, merchant):
    product = ProductFactory(merchant=merchant)
    url = reverse("catalog:product_archive", args=[product.pk])
    assert merchant_client.get(url).status_code == 405
    merchant_client.post(url, {"archived": "1"})
    product.refresh_from_db()
    assert product.is_archived
    merchant_client.post(url, {"archived": "0"})
    product.refresh_from_db()
    assert not product.is_archived


def test_prices_typed_the_french_way(merchant_client, merchant):
    data = product_post(**{"variant-0-price": "2,50", "variant-0-cost_price": "0,6", "vat_rate": "5,5"})
    response = merchant_client.post(reverse("catalog:product_create"), data, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    product = Product.objects.get(merchant=merchant)
    assert (product.variants.get().price, product.variants.get().cost_price) == (250, 60)
    assert str(product.vat_rate) == "5.50"


def test_sku_taken_between_check_and_write_is_a_message_not_a_500(merchant_client, merchant, monkeypatch):
    """The database constraint is the last word: a concurrent save of the same SKU becomes a message."""
    ProductFactory(merchant=merchant, variant__sku="ESP-1")
    monkeypatch.setattr("catalog.forms.variant_editor.variant_skus_taken", lambda **kwargs: {})
    monkeypatch.setattr("catalog.services.products.variant_skus_taken", lambda **kwargs: {})
    response = merchant_client.post(reverse("catalog:product_create"), product_post(**{"variant-0-sku": "esp-1"}))
    assert response.status_code == 200
    assert "already used by another product" in response.content.decode()
    assert Product.objects.filter(merchant=merchant).count() == 1


def test_too_many_combinations_are_refused_before_building_them(merchant_client):
    many = ", ".join(str(i) for i in range(30))
    data = sized_post(
        **{
            "option-count": "2",
            "option-0-values": many,
            "option-1-name": "Colour",
            "option-1-values": many,
            "editor": "refresh",
        }
    )
    response = merchant_client.post(reverse("catalog:product_create"), data, **htmx("variant-editor"))
    assert "These options make 900 variants; a product has at most 600." in response.content.decode()


# Sent twice ------------------------------------------------------------------------------------


def test_the_creation_form_sent_twice_creates_one_product(merchant_client, merchant):
    key = merchant_client.get(reverse("catalog:product_create")).context["creation_key"]
    data = product_post(creation_key=key, **{"variant-0-sku": ""})
    first = merchant_client.post(reverse("catalog:product_create"), data)
    second = merchant_client.post(reverse("catalog:product_create"), {**data, "name": "Espresso (resent)"}, follow=True)
    product = Product.objects.get(merchant=merchant)
    assert product.uuid == key and product.name == "Espresso"
    assert first["Location"] == second.redirect_chain[0][0] == reverse("catalog:product_detail", args=[product.pk])
    assert "Product “Espresso” was already created from this form." in second.content.decode()


def test_back_refetches_the_form_and_the_same_fields_sent_again_create_one_product(merchant_client, merchant):
    """Back after creating: the browser fetches the form again (a new key) and refills what was typed."""
    url = reverse("catalog:product_create")
    data = product_post(**{"variant-0-sku": ""})
    merchant_client.post(url, {**data, "creation_key": merchant_client.get(url).context["creation_key"]})
    response = merchant_client.post(url, {**data, "creation_key": merchant_client.get(url).context["creation_key"]})
    product = Product.objects.get(merchant=merchant)
    assert response["Location"] == reverse("catalog:product_detail", args=[product.pk])

    other = merchant_client.post(url, {**data, "name": "Ristretto", "creation_key": str(uuid.uuid4())})
    assert other.status_code == 302 and Product.objects.filter(merchant=merchant).count() == 2


def test_another_merchants_form_key_is_not_theirs_to_reuse(merchant_client, merchant, other_merchant):
    theirs = ProductFactory(merchant=other_merchant)
    response = merchant_client.post(
        reverse("catalog:product_create"), product_post(creation_key=str(theirs.uuid), **{"variant-0-sku": ""})
    )
    assert response.status_code == 200  # refused with a message, not theirs shown, not a 500
    assert not Product.objects.filter(merchant=merchant).exists()


@pytest.mark.parametrize(
    "combination",
    [
        "[" * 5000 + "]" * 5000,
        '[["Size", ' + "[" * 500 + "]" * 500 + "]]",
        "[[" + "9" * 5000 + ', "S"]]',
        '[["Size", NaN]]',
    ],
)
def test_a_damaged_variant_row_is_a_form_error_not_a_crash(merchant_client, merchant, combination):
    for data in (
        sized_post(**{"variant-0-combination": combination}),
        product_post(**{"variant-0-combination": combination}),
    ):
        response = merchant_client.post(reverse("catalog:product_create"), data)
        assert response.status_code == 200
        html = response.content.decode()
        # Without options the row is refused; with options the grid is rebuilt for the merchant to check.
        assert "This variant row is damaged; reload the page." in html or "updated to match the options" in html
    assert not Product.objects.exists()


def test_the_list_shows_each_products_stock_summed_over_variants(merchant_client, merchant):
    shirt = product_with_options(merchant=merchant, name="T-shirt")
    for n, variant in enumerate(shirt.variants.all()):
        stock_set(
            merchant=merchant, variant=variant, quantity=n + 2, origin=StockOrigin.INITIAL, idempotency_key=f"i{n}"
        )
    expected = sum(n + 2 for n in range(shirt.variants.count()))
    ProductFactory(merchant=merchant, name="Gift card", track_stock=False)
    ProductFactory(merchant=merchant, name="Mug")  # tracked, nothing counted yet
    html = merchant_client.get(reverse("catalog:product_list")).content.decode()
    assert '<th class="num">Stock</th>' in html
    rows = {name: html.split(f">{name}</a>")[1].split("</tr>")[0] for name in ("T-shirt", "Gift card", "Mug")}
    assert f">{expected}</span></td>" in rows["T-shirt"]
    assert ">Not tracked</span></td>" in rows["Gift card"]
    assert 'class="negative">0</span></td>' in rows["Mug"]


def test_the_list_marks_and_filters_products_without_a_price(merchant_client, merchant):
    ProductFactory(merchant=merchant, name="Tote bag", variant__price=0)
    shirt = product_with_options(merchant=merchant, name="T-shirt")
    Variant.objects.filter(pk=shirt.variants.first().pk).update(price=0)  # one variant of several
    ProductFactory(merchant=merchant, name="Mug", variant__price=1200)
    html = merchant_client.get(reverse("catalog:product_list")).content.decode()
    assert html.count(">No price</span>") == 2
    assert "2 products have no price yet" in html and "?price=none" in html
    filtered = merchant_client.get(reverse("catalog:product_list"), {"price": "none"}).content.decode()
    assert "Tote bag" in filtered and "T-shirt" in filtered and "Mug" not in filtered
    assert "2 products match" in filtered


def test_the_stock_tracking_box_says_what_turning_it_off_does_on_both_sides(merchant_client, merchant):
    product = ProductFactory(merchant=merchant)
    html = merchant_client.get(reverse("catalog:product_update", args=[product.pk])).content.decode()
    assert "Comptoir stops counting this product's stock" in html
    assert "the website sells out at 0 instead of overselling" in html
