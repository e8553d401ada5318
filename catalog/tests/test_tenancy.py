"""Every catalog URL, walked with another merchant's ids, answers 404 (the cross-app walk, for catalog)."""

import pytest
from django.urls import get_resolver, reverse

from catalog.models import Category, Folder, Product, ProductImage, ProductVideo
from catalog.tests.tenancy import CATALOG_PUBLIC_OR_OWN, CATALOG_URL_CASES


def test_every_catalog_url_has_a_case():
    names = {
        f"catalog:{name}" for name in get_resolver().namespace_dict["catalog"][1].reverse_dict if isinstance(name, str)
    }
    assert names == set(CATALOG_URL_CASES) | CATALOG_PUBLIC_OR_OWN


@pytest.mark.parametrize("name", sorted(CATALOG_URL_CASES))
def test_other_merchants_ids_answer_404(name, merchant_client, other_merchant):
    for kwargs in CATALOG_URL_CASES[name](other_merchant):
        url = reverse(name, kwargs=kwargs)
        get, post = merchant_client.get(url), merchant_client.post(url, {"archived": "1", "direction": "up"})
        assert get.status_code in (404, 405) and post.status_code in (404, 405), (
            url,
            get.status_code,
            post.status_code,
        )
    # Nothing of the other merchant was archived or deleted.
    assert not Product.objects.filter(merchant=other_merchant, is_archived=True).exists()
    if name in ("catalog:product_image_delete", "catalog:product_image_move"):
        assert ProductImage.objects.exists()
    if name == "catalog:product_video_delete":
        assert ProductVideo.objects.exists()
    if name in ("catalog:product_image_add", "catalog:product_video_add"):
        assert not ProductImage.objects.exists() and not ProductVideo.objects.exists()
    if name == "catalog:category_delete":
        assert Category.objects.filter(merchant=other_merchant).exists()
    if name == "catalog:folder_delete":
        assert Folder.objects.filter(merchant=other_merchant).exists()
    if name == "catalog:product_delete":
        assert Product.objects.filter(merchant=other_merchant).exists()
