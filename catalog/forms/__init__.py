"""Forms of the catalog pages. They check input and build service arguments; services write."""

from catalog.forms.media import IMAGE_FORMATS, MAX_IMAGE_BYTES, ProductImageForm, ProductVideoForm
from catalog.forms.products import GroupingForm, ProductForm
from catalog.forms.variant_editor import VariantEditor, VariantRowForm, combination_decode, combination_encode

__all__ = [
    "IMAGE_FORMATS",
    "MAX_IMAGE_BYTES",
    "GroupingForm",
    "ProductForm",
    "ProductImageForm",
    "ProductVideoForm",
    "VariantEditor",
    "VariantRowForm",
    "combination_decode",
    "combination_encode",
]
