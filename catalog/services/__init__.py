"""Writes to the catalog. Views, admin, tasks and importers call these; nothing else saves products.

Every write that changes a product announces it after commit (``catalog.signals``).
"""

from catalog.services.catalog_wide import prices_rescale, products_vat_rate_change
from catalog.services.groupings import category_create, category_delete, folder_create, folder_delete
from catalog.services.media import (
    product_image_add,
    product_image_delete,
    product_image_move,
    product_images_reorder,
    product_video_add,
    product_video_delete,
)
from catalog.services.products import (
    BulkDeleteResult,
    ProductAlreadyCreated,
    ProductFields,
    ProductHasHistory,
    ProductManagedElsewhere,
    VariantSpec,
    product_archive,
    product_changed_notify,
    product_create,
    product_delete,
    product_update,
    products_archive,
    products_delete,
)
from catalog.variants import OptionSpec

__all__ = [
    "BulkDeleteResult",
    "OptionSpec",
    "ProductAlreadyCreated",
    "ProductFields",
    "ProductHasHistory",
    "ProductManagedElsewhere",
    "VariantSpec",
    "category_create",
    "category_delete",
    "folder_create",
    "folder_delete",
    "product_archive",
    "product_changed_notify",
    "product_create",
    "product_delete",
    "product_image_add",
    "product_image_delete",
    "product_image_move",
    "product_images_reorder",
    "product_update",
    "product_video_add",
    "product_video_delete",
    "prices_rescale",
    "products_archive",
    "products_delete",
    "products_vat_rate_change",
]
