"""French pages get French typography where their text is built from parts (FrenchTypographyMiddleware)."""

from django.urls import reverse

from catalog.tests.factories import product_with_options

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def test_french_pages_elide_and_space_where_text_is_built(merchant_client, merchant):
    product = product_with_options(merchant=merchant, name="Ardoise", options={"Couleur": ["Sable", "Encre"]})
    stock = merchant_client.get(reverse("inventory:product_stock", args=[product.pk]), **FRENCH).content.decode()
    assert "Stock d'Ardoise" in stock and "Stock de Ardoise" not in stock
    detail = merchant_client.get(reverse("catalog:product_detail", args=[product.pk]), **FRENCH).content.decode()
    assert "<strong>Couleur</strong>\u00a0: Sable" in detail


def test_htmx_fragments_too(merchant_client, merchant):
    product = product_with_options(merchant=merchant, name="Ardoise", options={"Couleur": ["Encre"]})
    url = reverse("inventory:product_stock", args=[product.pk])
    fragment = merchant_client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="product-stock", **FRENCH)
    assert "Stock compté d'Encre" in fragment.content.decode()  # the variant's count field label


def test_english_pages_are_left_as_they_are(merchant_client, merchant):
    product = product_with_options(merchant=merchant, name="Ardoise", options={"Colour": ["Sand"]})
    detail = merchant_client.get(reverse("catalog:product_detail", args=[product.pk])).content.decode()
    assert "<strong>Colour</strong>: Sand" in detail
