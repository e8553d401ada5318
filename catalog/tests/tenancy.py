"""The catalog's tenancy cases, for ``tests/tenancy_cases.py`` (the cross-app walk).

Merge with::

    from catalog.tests.tenancy import CATALOG_PUBLIC_OR_OWN, CATALOG_URL_CASES
    PUBLIC_OR_OWN |= CATALOG_PUBLIC_OR_OWN
    URL_CASES.update(CATALOG_URL_CASES)

Each case builds kwargs from objects of ``other`` (another merchant); GET and POST must 404.
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import ProductImage, ProductVideo
from catalog.tests.factories import CategoryFactory, FolderFactory, ProductFactory

# Lists and forms without an object id; the bulk views take ids in the query/body and only act
# on the current merchant's products (catalog/tests/test_views_bulk.py checks foreign ids).
CATALOG_PUBLIC_OR_OWN = {
    "catalog:product_list",
    "catalog:product_badges",  # ids in the query: only the merchant's own are answered
    "catalog:product_create",
    "catalog:bulk_delete",
    "catalog:bulk_archive",
    "catalog:bulk_restore",
    "catalog:grouping_list",
}


def _product(other):
    return ProductFactory(merchant=other)


def _image(other):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    product = _product(other)
    image = ProductImage.objects.create(product=product, image=SimpleUploadedFile("x.png", buffer.getvalue()))
    return {"product_id": product.pk, "image_id": image.pk}


def _video(other):
    product = _product(other)
    video = ProductVideo.objects.create(product=product, youtube_id="dQw4w9WgXcQ")
    return {"product_id": product.pk, "video_id": video.pk}


def _product_kwargs(other):
    return [{"product_id": _product(other).pk}]


def _category(other):
    return [{"category_id": CategoryFactory(merchant=other).pk}]


def _folder(other):
    return [{"folder_id": FolderFactory(merchant=other).pk}]


CATALOG_URL_CASES = {
    "catalog:product_detail": _product_kwargs,
    "catalog:product_update": _product_kwargs,
    "catalog:product_delete": _product_kwargs,
    "catalog:product_archive": _product_kwargs,
    "catalog:product_image_add": _product_kwargs,
    "catalog:product_image_delete": lambda other: [_image(other)],
    "catalog:product_image_move": lambda other: [_image(other)],
    "catalog:product_video_add": _product_kwargs,
    "catalog:product_video_delete": lambda other: [_video(other)],
    "catalog:category_delete": _category,
    "catalog:folder_delete": _folder,
}
