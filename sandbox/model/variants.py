"""Variants and variant options (option values live inside their option's record)."""

from __future__ import annotations

import json

from ..web import ApiError, RawJSON, encode, invalid
from .fields import VARIANT_DEFAULTS, as_price
from .levels import level, variant_level

OPTION_TYPES = {"radio_buttons", "rectangles", "dropdown", "product_list", "product_list_with_images", "swatch"}


def variant_answers(db, store_hash: str, products: list[dict]) -> dict[int, RawJSON]:
    """The answers of these products' variants, a JSON array per product, each product's in id order:
    the answers made when the variants were written (one read, none decoded); a variant whose product
    has changed since in a field its answer shows (or written before answers were kept) is decoded
    and answered here."""
    by_id = {p["id"]: p for p in products}
    bases = {product_id: variant_basis(p) for product_id, p in by_id.items()}
    rows = db.answers(store_hash, "variant", parent_ids=list(by_id))
    stale = [r["id"] for r in rows if r["answer_basis"] != bases[r["parent_id"]]]
    remade = {}
    if stale:
        remade = {v["id"]: variant_answer(by_id[v["product_id"]], v) for v in db.find(store_hash, "variant", ids=stale)}
    texts: dict[int, list[str]] = {}
    for r in rows:
        texts.setdefault(r["parent_id"], []).append(remade.get(r["id"]) or r["answer"])
    return {product_id: RawJSON("[" + ", ".join(held) + "]") for product_id, held in texts.items()}


def option_save(db, store_hash: str, option: dict) -> dict:
    return db.put(store_hash, "option", option, parent_id=option["product_id"])


def option_errors(body: dict, *, creating: bool) -> dict[str, str]:
    errors = {}
    if creating or "display_name" in body:
        name = body.get("display_name")
        if not isinstance(name, str) or not 1 <= len(name) <= 255:
            errors["display_name"] = "Please provide a display_name (1-255 characters)."
    if creating or "type" in body:
        if body.get("type") not in OPTION_TYPES:
            errors["type"] = f"must be one of: {', '.join(sorted(OPTION_TYPES))}"
    values = body.get("option_values")
    if creating and (not isinstance(values, list) or not values):
        errors["option_values"] = "Please provide at least one option value."
    elif values is not None:
        if not isinstance(values, list):
            errors["option_values"] = "error.expected.jsarray"
        else:
            for index, value in enumerate(values):
                if not isinstance(value, dict) or not isinstance(value.get("label"), str) or not value.get("label"):
                    errors[f"option_values.{index}.label"] = "Please provide a label."
    return errors


def option_create(db, store_hash: str, product_id: int, body: dict) -> dict:
    errors = option_errors(body, creating=True)
    if errors:
        raise invalid(errors)
    existing = db.find(store_hash, "option", parent_id=product_id)
    if any(o["display_name"].lower() == body["display_name"].lower() for o in existing):
        raise ApiError(
            409, "The option display name is a duplicate", {"display_name": "An option with this display name exists"}
        )
    option = {
        "id": db.next_id(store_hash, "option"),
        "product_id": product_id,
        "name": body.get("name") or f"{body['display_name']}-{product_id}",
        "display_name": body["display_name"],
        "type": body["type"],
        "sort_order": body.get("sort_order", len(existing)),
        "config": body.get("config", {}),
        "option_values": [],
    }
    for value in body["option_values"]:
        option_value_add(db, store_hash, option, value)
    return option_save(db, store_hash, option)


def option_value_add(db, store_hash: str, option: dict, body: dict) -> dict:
    label = body.get("label")
    if not isinstance(label, str) or not label:
        raise invalid({"label": "Please provide a label."})
    if any(v["label"].lower() == label.lower() for v in option["option_values"]):
        raise ApiError(
            409, "The option value label is a duplicate", {"label": "An option value with this label exists"}
        )
    value = {
        "id": db.next_id(store_hash, "option_value"),
        "label": label,
        "sort_order": body.get("sort_order", len(option["option_values"])),
        "value_data": body.get("value_data"),
        "is_default": bool(body.get("is_default")),
    }
    option["option_values"].append(value)
    return value


def resolve_option_values(db, store_hash: str, product_id: int, wanted: list, *, create_missing: bool) -> list[dict]:
    """Variant option values -> [{id, label, option_id, option_display_name}].

    Accepts {option_display_name, label} (options and values created on the fly when
    `create_missing`, as product create does) or {id, option_id}."""
    options = db.find(store_hash, "option", parent_id=product_id)
    resolved = []
    for entry in wanted:
        if not isinstance(entry, dict):
            raise invalid({"option_values": "each option value must be an object"})
        option = value = None
        if entry.get("option_id") is not None or entry.get("id") is not None:
            option = next((o for o in options if o["id"] == entry.get("option_id")), None)
            value = option and next((v for v in option["option_values"] if v["id"] == entry.get("id")), None)
            if value is None:
                raise invalid(
                    {
                        "option_values": f"option value {entry.get('id')} of option "
                        f"{entry.get('option_id')} does not exist"
                    }
                )
        else:
            name, label = entry.get("option_display_name"), entry.get("label")
            if not name or not label:
                raise invalid({"option_values": "give option_display_name and label, or option_id and id"})
            option = next((o for o in options if o["display_name"].lower() == name.lower()), None)
            if option is None and create_missing:
                option = option_create(
                    db,
                    store_hash,
                    product_id,
                    {"display_name": name, "type": "radio_buttons", "option_values": [{"label": label}]},
                )
                options.append(option)
            if option is None:
                raise invalid({"option_values": f"no option named {name!r}"})
            value = next((v for v in option["option_values"] if v["label"].lower() == label.lower()), None)
            if value is None and create_missing:
                value = option_value_add(db, store_hash, option, {"label": label})
                option_save(db, store_hash, option)
            if value is None:
                raise invalid({"option_values": f"option {name!r} has no value {label!r}"})
        resolved.append(
            {
                "id": value["id"],
                "label": value["label"],
                "option_id": option["id"],
                "option_display_name": option["display_name"],
            }
        )
    return resolved


def variant_build(db, store_hash: str, product: dict, body: dict, option_values: list) -> dict:
    variant_id = db.next_id(store_hash, "variant")
    variant = {
        **VARIANT_DEFAULTS,
        "id": variant_id,
        "product_id": product["id"],
        # BigCommerce's SKU ids are their own sequence, distinct from variant ids
        # (store/sku/* webhooks carry it as data.id); a base variant has none.
        "sku_id": db.next_id(store_hash, "sku", start=401) if option_values else None,
        "option_values": option_values,
    }
    variant_apply(variant, body)
    return variant


def variant_apply(variant: dict, body: dict) -> None:
    for field in VARIANT_DEFAULTS:
        if field in body and field != "inventory_level":
            value = body[field]
            if field in (
                "price",
                "sale_price",
                "retail_price",
                "cost_price",
                "map_price",
                "weight",
                "width",
                "height",
                "depth",
                "fixed_cost_shipping_price",
            ):
                value = as_price(value)
            if field == "cost_price" and value is None:
                value = 0.0  # BigCommerce stores an API null cost price as 0
            variant[field] = value


def variant_out(product: dict, variant: dict) -> dict:
    out = {k: v for k, v in variant.items() if not k.startswith("_")}
    price = variant["price"] if variant.get("price") is not None else product["price"]
    sale = variant.get("sale_price") if variant.get("sale_price") is not None else product.get("sale_price")
    out["calculated_price"] = sale if sale else price
    out["calculated_weight"] = variant["weight"] if variant.get("weight") is not None else product["weight"]
    out["inventory_level"] = variant_level(product, variant)
    if not variant.get("option_values"):
        out["sku"] = product.get("sku", "")
    return out


def variant_basis(product: dict) -> str:
    """What `variant_out` reads of the product: a variant's answer made with it stands while it is the same."""
    fields = [product.get(f) for f in ("price", "sale_price", "weight", "sku", "inventory_tracking")]
    return json.dumps([*fields, level(product)])


def variant_answer(product: dict, variant: dict) -> str:
    """The variant as the API answers it, encoded."""
    return encode(variant_out(product, variant))


def option_out(option: dict) -> dict:
    return dict(option)
