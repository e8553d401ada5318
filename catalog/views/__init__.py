"""Catalog pages. Thin: parse input with forms, call services and selectors, render."""

from catalog.views.bulk import bulk_archive, bulk_delete, bulk_restore
from catalog.views.groupings import category_delete, folder_delete, grouping_list
from catalog.views.media import (
    product_image_add,
    product_image_delete,
    product_image_move,
    product_video_add,
    product_video_delete,
)
from catalog.views.products import (
    product_archive,
    product_badges_refresh,
    product_create,
    product_delete,
    product_detail,
    product_list,
    product_update,
)

__all__ = [
    "bulk_archive",
    "bulk_delete",
    "bulk_restore",
    "category_delete",
    "folder_delete",
    "grouping_list",
    "product_archive",
    "product_badges_refresh",
    "product_create",
    "product_delete",
    "product_detail",
    "product_image_add",
    "product_image_delete",
    "product_image_move",
    "product_list",
    "product_update",
    "product_video_add",
    "product_video_delete",
]
