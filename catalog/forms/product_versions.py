"""The product form's values for ``portal.edits``: what it was opened with, what it sends, what is stored.

One flat dict per state: the product's own fields by name, ``options`` (a list of [name,
[values]]), and per variant ``variant:<combination>:<field>`` (money in minor units), the
combination compared as the services compare it (without case or extra spaces). Two saves of
the same product merge key by key; a variant removed on one side is a missing key.
"""

import json
from decimal import Decimal

from django.db import transaction
from django.http import QueryDict
from django.utils import formats
from django.utils.translation import gettext as _

from catalog.forms.products import ProductForm
from catalog.forms.variant_editor import combination_encode
from catalog.models import Category, Folder, Product
from catalog.services import ProductFields, VariantSpec, product_update
from catalog.variants import Combination, OptionSpec, combination_key, combinations
from portal.edits import EDIT_BASE_FIELD, EditBase, EditConflicts, EditMerge, edit_base_dumps, edit_merge
from portal.money import format_money, from_minor

TEXT_FIELDS = ("name", "description", "seo_title", "seo_description", "search_keywords")
VARIANT_FIELDS = ("sku", "barcode", "price", "cost_price")
OPTIONS = "options"


def _variant_key(combination: Combination, name: str) -> str:
    return f"variant:{json.dumps(combination_key(combination), ensure_ascii=False)}:{name}"


def _variant_key_parse(key: str) -> tuple[Combination, str] | None:
    if not key.startswith("variant:"):
        return None
    encoded, _sep, name = key[len("variant:") :].rpartition(":")
    return tuple(tuple(pair) for pair in json.loads(encoded)), name


def product_values(
    *, fields: ProductFields, options: list[OptionSpec], variants: list[VariantSpec], default_vat_rate: Decimal
) -> dict:
    """The values of a product as the services take them (the form's and the stored ones alike)."""
    values = {name: getattr(fields, name).strip() for name in TEXT_FIELDS}
    values.update(
        category=fields.category.pk if fields.category else None,
        folder=fields.folder.pk if fields.folder else None,
        vat_rate=f"{fields.vat_rate if fields.vat_rate is not None else default_vat_rate:.2f}",
        track_stock=fields.track_stock,
        low_stock_level=fields.low_stock_level,
        shipping_weight_grams=fields.shipping_weight_grams,
    )
    values[OPTIONS] = [[option.name, list(option.values)] for option in options]
    for spec in variants:
        for name in VARIANT_FIELDS:
            values[_variant_key(spec.combination, name)] = getattr(spec, name)
    return values


def product_stored(*, product: Product) -> EditBase:
    """The product as stored now, at its revision (``product`` is read again from the database)."""
    product = (
        Product.objects.select_related("category", "folder", "merchant")
        .prefetch_related("options__values", "variants__option_values__option")
        .get(pk=product.pk)
    )
    fields = ProductFields(
        **{name: getattr(product, name) for name in TEXT_FIELDS},
        category=product.category,
        folder=product.folder,
        vat_rate=product.vat_rate,
        shipping_weight_grams=product.shipping_weight_grams,
        track_stock=product.track_stock,
        low_stock_level=product.low_stock_level,
    )
    options = [OptionSpec(name=o.name, values=tuple(v.value for v in o.values.all())) for o in product.options.all()]
    variants = []
    for variant in product.variants.all():
        values = sorted(variant.option_values.all(), key=lambda v: (v.option.position, v.option_id))
        variants.append(
            VariantSpec(
                combination=tuple((v.option.name, v.value) for v in values),
                sku=variant.sku,
                barcode=variant.barcode,
                price=variant.price,
                cost_price=variant.cost_price,
            )
        )
    values = product_values(
        fields=fields, options=options, variants=variants, default_vat_rate=product.merchant.default_vat_rate
    )
    return EditBase(version=product.revision, values=values)


def product_specs(*, product: Product, values: dict) -> tuple[ProductFields, list[OptionSpec], list[VariantSpec]]:
    """The services' arguments for merged ``values`` (every variant's values present: a merge
    without conflicts leaves them consistent with the options)."""
    merchant_id = product.merchant_id
    fields = ProductFields(
        **{name: values[name] for name in TEXT_FIELDS},
        category=Category.objects.filter(merchant_id=merchant_id, pk=values["category"]).first()
        if values["category"]
        else None,
        folder=Folder.objects.filter(merchant_id=merchant_id, pk=values["folder"]).first()
        if values["folder"]
        else None,
        vat_rate=Decimal(values["vat_rate"]),
        shipping_weight_grams=values["shipping_weight_grams"],
        track_stock=values["track_stock"],
        low_stock_level=values["low_stock_level"],
    )
    options = [OptionSpec(name=name, values=tuple(option_values)) for name, option_values in values[OPTIONS]]
    variants = [
        VariantSpec(
            combination=combination,
            sku=values.get(_variant_key(combination, "sku")) or "",
            barcode=values.get(_variant_key(combination, "barcode")) or "",
            price=values.get(_variant_key(combination, "price")) or 0,
            cost_price=values.get(_variant_key(combination, "cost_price")),
        )
        for combination in combinations(options)
    ]
    return fields, options, variants


def product_edit_save(
    *,
    product: Product,
    opened: EditBase | None,
    fields: ProductFields,
    options: list[OptionSpec],
    variants: list[VariantSpec],
) -> tuple[Product, EditMerge]:
    """Save what the form changed since it was ``opened``, keeping what others saved meanwhile;
    raise EditConflicts, writing nothing, where both changed the same thing. Call it inside
    the request's transaction (the conflict rolls back what the form created inline)."""
    with transaction.atomic():
        Product.objects.select_for_update().filter(pk=product.pk).first()  # one merge at a time
        stored = product_stored(product=product)
        mine = product_values(
            fields=fields, options=options, variants=variants, default_vat_rate=product.merchant.default_vat_rate
        )
        merge = edit_merge(opened=opened, mine=mine, theirs=stored)
        if merge.conflicts:
            raise EditConflicts(merge, stored)
        fields, options, variants = product_specs(product=product, values=merge.values)
        fresh = Product.objects.select_related("merchant").get(pk=product.pk)  # not the form's copy
        return product_update(product=fresh, fields=fields, options=options, variants=variants), merge


def product_form_data(*, values: dict, base: EditBase, currency: str) -> QueryDict:
    """What the product form would send with ``values`` in it, opened at ``base``: the form is
    shown again with them after a conflict."""
    data = QueryDict(mutable=True)
    for name in TEXT_FIELDS:
        data[name] = values.get(name) or ""
    for name in ("category", "folder", "low_stock_level", "shipping_weight_grams"):
        data[name] = "" if values.get(name) is None else str(values[name])
    data["vat_rate"] = formats.localize_input(Decimal(values.get("vat_rate") or "0"))
    if values.get("track_stock"):
        data["track_stock"] = "on"
    options = [OptionSpec(name=name, values=tuple(vals)) for name, vals in values.get(OPTIONS, [])]
    data["option-count"] = str(len(options))
    for index, option in enumerate(options):
        data[f"option-{index}-name"] = option.name
        data[f"option-{index}-values"] = ", ".join(option.values)
    rows = list(combinations(options))
    data["variant-count"] = str(len(rows))
    for index, combination in enumerate(rows):
        prefix = f"variant-{index}-"
        data[prefix + "combination"] = combination_encode(combination)
        for name in ("sku", "barcode"):
            data[prefix + name] = values.get(_variant_key(combination, name)) or ""
        for name in ("price", "cost_price"):
            amount = values.get(_variant_key(combination, name))
            data[prefix + name] = "" if amount is None else formats.localize_input(from_minor(amount, currency))
    data[EDIT_BASE_FIELD] = edit_base_dumps(base)
    return data


def product_value_label(key: str) -> str:
    """How the page names a key: the field's label, or the variant and its column."""
    if key == OPTIONS:
        return _("Options")
    parsed = _variant_key_parse(key)
    if parsed is None:
        return str(ProductForm.base_fields[key].label) if key in ProductForm.base_fields else _("VAT rate (%)")
    combination, name = parsed
    column = {"sku": _("SKU"), "barcode": _("Barcode"), "price": _("Price incl. VAT"), "cost_price": _("Cost price")}
    variant = " / ".join(value for _name, value in combination)
    return f"{variant} — {column[name]}" if variant else column[name]


def product_value_display(*, merchant, key: str, value) -> str:
    """A value as the merchant reads it (a price as money, a category by name)."""
    parsed = _variant_key_parse(key)
    if value is None:
        return _("(none)")
    if parsed is not None and parsed[1] in ("price", "cost_price"):
        return format_money(value, merchant.currency)
    if key in ("category", "folder"):
        model = Category if key == "category" else Folder
        row = model.objects.filter(merchant=merchant, pk=value).first()
        return row.name if row else _("(deleted)")
    if key == "vat_rate":
        return formats.localize(Decimal(value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key == OPTIONS:
        return "; ".join(f"{name}: {', '.join(vals)}" for name, vals in value) or _("(none)")
    return str(value) if value != "" else _("(empty)")
