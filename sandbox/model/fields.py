"""Product and variant fields: defaults and validation rules of the Catalog API."""

from __future__ import annotations

from typing import Any

from ..values import is_number

PRODUCT_DEFAULTS: dict[str, Any] = {
    "name": "",
    "type": "physical",
    "sku": "",
    "description": "",
    "weight": 0.0,
    "width": 0.0,
    "depth": 0.0,
    "height": 0.0,
    "price": 0.0,
    "cost_price": 0.0,
    "retail_price": 0.0,
    "sale_price": 0.0,
    "map_price": 0,
    "tax_class_id": 0,
    "product_tax_code": "",
    "categories": [],
    "brand_id": 0,
    "option_set_id": 0,  # products_catalog.v3.yml: an integer, never null
    "option_set_display": "right",
    "inventory_level": 0,
    "inventory_warning_level": 0,
    "inventory_tracking": "none",
    "reviews_rating_sum": 0,
    "reviews_count": 0,
    "total_sold": 0,
    "fixed_cost_shipping_price": 0.0,
    "is_free_shipping": False,
    "is_visible": True,
    "is_featured": False,
    "related_products": [-1],
    "warranty": "",
    "bin_picking_number": "",
    "layout_file": "",
    "upc": "",
    "mpn": "",
    "gtin": "",
    "date_last_imported": "",  # a string, never null; empty: never imported
    "search_keywords": "",
    "availability": "available",
    "availability_description": "",
    "gift_wrapping_options_type": "any",
    "gift_wrapping_options_list": [],
    "sort_order": 0,
    "condition": "New",
    "is_condition_shown": False,
    "order_quantity_minimum": 0,
    "order_quantity_maximum": 0,
    "page_title": "",
    "meta_keywords": [],
    "meta_description": "",
    "view_count": 0,
    "preorder_release_date": None,
    "preorder_message": "",
    "is_preorder_only": False,
    "is_price_hidden": False,
    "price_hidden_label": "",
    "custom_url": None,
    "open_graph_type": "product",
    "open_graph_title": "",
    "open_graph_description": "",
    "open_graph_use_meta_description": True,
    "open_graph_use_product_name": True,
    "open_graph_use_image": True,
}
READ_ONLY = {"id", "date_created", "date_modified", "calculated_price", "base_variant_id"}
SUB_RESOURCES = {"variants", "images", "videos", "custom_fields", "bulk_pricing_rules", "options", "modifiers"}
PRICE_FIELDS = ("price", "cost_price", "retail_price", "sale_price")
DIMENSION_FIELDS = ("weight", "width", "depth", "height")
ENUMS = {
    "type": {"physical", "digital"},
    "inventory_tracking": {"none", "product", "variant"},
    "availability": {"available", "disabled", "preorder"},
    "condition": {"New", "Used", "Refurbished"},
}
STRING_LIMITS = {
    "name": (1, 250),
    "sku": (0, 255),
    "upc": (0, 14),
    "gtin": (0, 14),
    "page_title": (0, 255),
    "search_keywords": (0, 65535),
    "meta_description": (0, 65535),
    "description": (0, 10_000_000),
}
# The integers' bounds (products_catalog.v3.yml, product_Base_POST / product_Base_PUT: minimum, maximum).
INTEGER_BOUNDS = {
    "inventory_level": (0, 2_147_483_647),
    "inventory_warning_level": (0, 2_147_483_647),
    "order_quantity_minimum": (0, 1_000_000_000),
    "order_quantity_maximum": (0, 1_000_000_000),
    "sort_order": (-2_147_483_648, 2_147_483_647),
    "brand_id": (0, 1_000_000_000),
    "view_count": (0, 1_000_000_000),
}
DIMENSION_MAX = 9_999_999_999  # weight, width, depth, height
BOOLEANS = (
    "is_visible",
    "is_featured",
    "is_free_shipping",
    "is_price_hidden",
    "is_condition_shown",
    "is_preorder_only",
)
VARIANT_DEFAULTS: dict[str, Any] = {
    "sku": "",
    "price": None,
    "sale_price": None,
    "retail_price": None,
    "map_price": None,
    "weight": None,
    "width": None,
    "height": None,
    "depth": None,
    "is_free_shipping": False,
    "fixed_cost_shipping_price": None,
    "purchasing_disabled": False,
    "purchasing_disabled_message": "",
    "image_url": "",
    # An API null cost price is stored as 0 (bigcommerce/docs#196); the other prices'
    # null means "the product's value" (product-variants_catalog.v3.yml: nullable).
    "cost_price": 0.0,
    "upc": "",
    "mpn": "",
    "gtin": "",
    "inventory_level": 0,
    "inventory_warning_level": 0,
    "bin_picking_number": "",
}


def product_errors(body: dict, *, creating: bool) -> dict[str, str]:
    """Field -> message for everything wrong in a product payload."""
    errors: dict[str, str] = {}
    if creating:
        for field, message in (
            ("name", "Please provide a name."),
            ("type", "Please provide a type."),
            ("weight", "Please provide a weight."),
            ("price", "Please provide a price."),
        ):
            if body.get(field) in (None, ""):
                errors[field] = message
    for field, (low, high) in STRING_LIMITS.items():
        value = body.get(field)
        if value is None or field in errors:
            continue
        if not isinstance(value, str):
            errors[field] = "error.expected.jsstring"
        elif not low <= len(value) <= high:
            errors[field] = f"must be between {low} and {high} characters"
    if "name" in body and isinstance(body["name"], str) and not body["name"].strip():
        errors["name"] = "Please provide a name."
    for field, choices in ENUMS.items():
        if body.get(field) is not None and field not in errors and body[field] not in choices:
            errors[field] = f"must be one of: {', '.join(sorted(choices))}"
    for field in (*PRICE_FIELDS, *DIMENSION_FIELDS, "fixed_cost_shipping_price", "map_price"):
        value = body.get(field)
        if value is None or field in errors:
            continue
        if not is_number(value):
            errors[field] = "error.expected.jsnumber"
        elif float(value) < 0:
            errors[field] = "must be greater than or equal to 0"
    for field, (low, high) in INTEGER_BOUNDS.items():
        value = body.get(field)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high):
            errors[field] = f"error.expected.jsnumber (an integer from {low} to {high})"
    for field in DIMENSION_FIELDS:
        value = body.get(field)
        if field not in errors and is_number(value) and float(value) > DIMENSION_MAX:
            errors[field] = f"must be less than or equal to {DIMENSION_MAX}"
    tax_class = body.get("tax_class_id")  # `type: number`, 0 to 255: 0.0 is a tax class id
    if tax_class is not None and not (
        is_number(tax_class) and not isinstance(tax_class, str) and 0 <= tax_class <= 255
    ):
        errors["tax_class_id"] = "error.expected.jsnumber (0 to 255)"
    for field in BOOLEANS:
        if field in body and not isinstance(body[field], bool):
            errors[field] = "error.expected.jsboolean"
    categories = body.get("categories")
    if categories is not None and (
        not isinstance(categories, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in categories)
    ):
        errors["categories"] = "error.expected.jsarray of integers"
    for field in ("images", "videos", "custom_fields", "variants", "options"):
        if field in body and not isinstance(body[field], list):
            errors[field] = "error.expected.jsarray"
    if "custom_url" in body:
        errors.update(custom_url_errors(body["custom_url"]))
    return errors


def custom_url_errors(value: Any) -> dict[str, str]:
    """customUrl_Full: an object with `url` (1-255 characters) and `is_customized`."""
    if not isinstance(value, dict):
        return {"custom_url": "error.expected.jsobject"}
    errors = {}
    url = value.get("url")
    if not isinstance(url, str) or not 1 <= len(url) <= 255:
        errors["custom_url.url"] = "must be a string of 1 to 255 characters"
    if not isinstance(value.get("is_customized"), bool):
        errors["custom_url.is_customized"] = "error.expected.jsboolean"
    if "create_redirect" in value and not isinstance(value["create_redirect"], bool):
        errors["custom_url.create_redirect"] = "error.expected.jsboolean"
    return errors


def variant_errors(body: dict, *, prefix: str = "") -> dict[str, str]:
    errors: dict[str, str] = {}
    sku = body.get("sku")
    if sku is not None and (not isinstance(sku, str) or len(sku) > 255):
        errors[prefix + "sku"] = "must be a string of at most 255 characters"
    for field in (
        "price",
        "sale_price",
        "retail_price",
        "cost_price",
        "map_price",
        "weight",
        "width",
        "height",
        "depth",
    ):
        value = body.get(field)
        if value is not None and (not is_number(value) or float(value) < 0):
            errors[prefix + field] = "must be a number >= 0 or null"
    for field in ("inventory_level", "inventory_warning_level"):
        value = body.get(field)
        low, high = INTEGER_BOUNDS[field]
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high):
            errors[prefix + field] = f"must be an integer from {low} to {high}"
    if "purchasing_disabled" in body and not isinstance(body["purchasing_disabled"], bool):
        errors[prefix + "purchasing_disabled"] = "error.expected.jsboolean"
    if "option_values" in body and not isinstance(body["option_values"], list):
        errors[prefix + "option_values"] = "error.expected.jsarray"
    return errors


def as_price(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)
