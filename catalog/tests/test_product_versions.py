"""Two tabs on a product's edit page (STYLE rule 18): the second save keeps what the first
changed, and a field both changed is shown as a conflict with nothing written."""

import pytest
from django.urls import reverse

from catalog.forms.product_versions import product_specs, product_stored, product_values
from catalog.models import Category, Product
from catalog.tests.factories import CategoryFactory, FolderFactory, ProductFactory, product_with_options
from portal.edits import EditBase, edit_merge
from portal.tests.form_html import form_data

FORM = "product-form"


def _open(client, product) -> dict:
    """Open the edit page as a tab would: what its form would send back untouched."""
    response = client.get(reverse("catalog:product_update", args=[product.pk]))
    assert response.status_code == 200
    return form_data(response.content, FORM)


def _save(client, product, data):
    return client.post(reverse("catalog:product_update", args=[product.pk]), data)


@pytest.fixture
def product(merchant):
    return ProductFactory(merchant=merchant, name="Tote bag", description="Canvas.", variant__price=1800)


def test_the_issue_price_in_one_tab_description_in_the_other_keeps_both(merchant_client, product):
    tab_a, tab_b = _open(merchant_client, product), _open(merchant_client, product)

    assert _save(merchant_client, product, {**tab_b, "variant-0-price": "19.50"}).status_code == 302
    response = _save(merchant_client, product, {**tab_a, "description": "Waxed canvas."})

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.description == "Waxed canvas."
    assert product.variants.get().price == 1950
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("their changes to the fields you did not change were kept" in m for m in messages)


def test_the_same_field_in_both_tabs_shows_the_conflict_and_writes_nothing(merchant_client, product):
    tab_a, tab_b = _open(merchant_client, product), _open(merchant_client, product)
    _save(merchant_client, product, {**tab_b, "variant-0-price": "19.50"})
    revision = Product.objects.get(pk=product.pk).revision

    response = _save(merchant_client, product, {**tab_a, "variant-0-price": "21.00", "description": "Waxed canvas."})

    assert response.status_code == 409
    product.refresh_from_db()
    assert product.revision == revision and product.description == "Canvas."
    assert product.variants.get().price == 1950
    html = response.content.decode()
    assert "Someone else saved a change to the same fields" in html
    assert "€19.50" in html and "€21.00" in html
    shown = form_data(html, FORM)
    assert shown["variant-0-price"] == "19.50"  # the saved value stays until the merchant chooses
    assert shown["description"] == "Waxed canvas."  # their other change is still in the form

    # Saving that form again (the merchant accepted 19.50) writes the description only.
    assert _save(merchant_client, product, shown).status_code == 302
    product.refresh_from_db()
    assert product.description == "Waxed canvas." and product.variants.get().price == 1950


def test_choosing_ones_own_value_after_a_conflict_saves_it(merchant_client, product):
    tab_a, tab_b = _open(merchant_client, product), _open(merchant_client, product)
    _save(merchant_client, product, {**tab_b, "variant-0-price": "19.50"})
    shown = form_data(_save(merchant_client, product, {**tab_a, "variant-0-price": "21.00"}).content, FORM)

    assert _save(merchant_client, product, {**shown, "variant-0-price": "21.00"}).status_code == 302
    assert product.variants.get().price == 2100


def test_variants_and_organisation_fields_merge_too(merchant_client, merchant):
    product = product_with_options(merchant=merchant, options={"Size": ["S", "M"]}, price=2500)
    drinks = CategoryFactory(merchant=merchant, name="Drinks")
    tab_a, tab_b = _open(merchant_client, product), _open(merchant_client, product)

    _save(merchant_client, product, {**tab_b, "variant-1-price": "27.00", "category": str(drinks.pk)})
    response = _save(merchant_client, product, {**tab_a, "variant-0-sku": "TS-SMALL", "name": "Tee"})

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.category) == ("Tee", drinks)
    assert [(v.sku, v.price) for v in product.variants.order_by("position")] == [("TS-SMALL", 2500), ("TS-M", 2700)]


def test_a_value_added_to_an_option_in_one_tab_survives_a_save_of_the_other(merchant_client, merchant):
    product = product_with_options(merchant=merchant, options={"Size": ["S", "M"]}, price=2500)
    tab_a, tab_b = _open(merchant_client, product), _open(merchant_client, product)
    tab_b.update({"option-0-values": "S, M, L", "variant-count": "3", "variant-2-combination": '[["Size", "L"]]'})
    tab_b.update({"variant-2-sku": "TS-L", "variant-2-barcode": "", "variant-2-price": "26"})
    tab_b["variant-2-cost_price"] = ""
    assert _save(merchant_client, product, tab_b).status_code == 302

    assert _save(merchant_client, product, {**tab_a, "variant-0-price": "24.00"}).status_code == 302

    assert [(v.sku, v.price) for v in product.variants.order_by("position")] == [
        ("TS-S", 2400),
        ("TS-M", 2500),
        ("TS-L", 2600),
    ]


def test_a_save_that_changes_nothing_after_another_writes_nothing_of_its_own(merchant_client, product):
    tab_a, tab_b = _open(merchant_client, product), _open(merchant_client, product)
    _save(merchant_client, product, {**tab_b, "variant-0-price": "19.50"})
    assert _save(merchant_client, product, tab_a).status_code == 302
    assert product.variants.get().price == 1950


def test_the_hidden_base_cannot_be_forged(merchant_client, product):
    tab = _open(merchant_client, product)
    tab["edit_base"] = tab["edit_base"][:-3] + "abc"
    assert _save(merchant_client, product, {**tab, "description": "New"}).status_code == 302
    product.refresh_from_db()
    assert product.description == "New"  # a damaged base: the form's values, as without one


def test_merge_values_of_a_stored_product_round_trip(product):
    stored = product_stored(product=product)
    fields, options, variants = product_specs(product=product, values=stored.values)
    again = product_values(fields=fields, options=options, variants=variants, default_vat_rate=None)
    assert edit_merge(opened=stored, mine=again, theirs=stored).changed == frozenset()
    assert isinstance(stored, EditBase) and stored.version == product.revision


def test_a_category_deleted_while_the_form_is_open_is_a_change_by_someone_else(merchant_client, merchant, product):
    """The category the form shows was deleted in another tab: the save does not fail on "Select a
    valid choice"; the product keeps its category as stored (none now), the form's other changes
    are saved, and the page says so."""
    bags = CategoryFactory(merchant=merchant, name="Bags")
    Product.objects.filter(pk=product.pk).update(category=bags)
    tab = _open(merchant_client, product)
    merchant_client.post(reverse("catalog:category_delete", args=[bags.pk]))
    assert not Category.objects.filter(pk=bags.pk).exists()

    response = _save(merchant_client, product, {**tab, "description": "Waxed canvas."})

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.description, product.category) == ("Waxed canvas.", None)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("The category this form showed no longer exists" in m for m in messages), messages


def test_a_category_chosen_then_deleted_before_the_save_keeps_the_stored_one(merchant_client, merchant, product):
    """Chosen in this tab, deleted in another before the save: the stored category stays and the
    page says the chosen one is gone; a deleted folder likewise."""
    kept, gone = CategoryFactory(merchant=merchant, name="Kept"), CategoryFactory(merchant=merchant, name="Gone")
    folder = FolderFactory(merchant=merchant, name="Summer")
    Product.objects.filter(pk=product.pk).update(category=kept)
    tab = _open(merchant_client, product)
    sent = {**tab, "category": str(gone.pk), "folder": str(folder.pk), "name": "Tote bag XL"}
    gone.delete()
    folder.delete()

    response = _save(merchant_client, product, sent)

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.category, product.folder) == ("Tote bag XL", kept, None)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("The category this form showed no longer exists" in m for m in messages), messages
    assert any("The folder this form showed no longer exists" in m for m in messages), messages
