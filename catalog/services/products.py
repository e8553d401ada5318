"""Products, their options and variants."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from catalog import managed
from catalog.barcodes import barcode_taken_message, barcode_validate
from catalog.models import (
    MAX_OPTIONS,
    Category,
    Folder,
    OptionValue,
    Product,
    ProductOption,
    Variant,
    weight_validator,
)
from catalog.selectors import product_by_uuid, variant_barcodes_taken, variant_skus_taken
from catalog.signals import ORIGIN_COMPTOIR, product_changed_mark, product_deleted_send_on_commit
from catalog.variants import (
    MAX_VARIANTS,
    Combination,
    OptionSpec,
    combination_count,
    combination_key,
    combinations,
    combinations_carry_over,
    text_key,
)
from portal.models import Merchant
from portal.money import price_validate


@dataclass(frozen=True)
class ProductFields:
    """The product's own fields (everything but options, variants and media)."""

    name: str
    description: str = ""
    category: Category | None = None
    folder: Folder | None = None
    vat_rate: Decimal | None = None  # None: the merchant's default rate
    shipping_weight_grams: int | None = None
    seo_title: str = ""
    seo_description: str = ""
    search_keywords: str = ""
    track_stock: bool = True
    low_stock_level: int | None = None


@dataclass(frozen=True)
class VariantSpec:
    """One variant as the merchant wants it; money in minor units."""

    combination: Combination = ()
    sku: str = ""
    barcode: str = ""
    price: int = 0
    cost_price: int | None = None


class ProductHasHistory(Exception):
    """The product's variants have stock movements or sales: it can be archived, not deleted."""

    def __init__(self, product: Product):
        self.product = product
        super().__init__(
            _("“%(name)s” has stock or sales history, so it cannot be deleted. Archive it instead.")
            % {"name": product.name}
        )


class ProductManagedElsewhere(ValidationError):
    """The product's fields are managed in another system (``Product.managed_in``)."""

    def __init__(self, product: Product, fields: Sequence[str] = ()):
        self.product = product
        if fields:
            message = _("“%(name)s” is managed in %(system)s: change its %(fields)s there.") % {
                "name": product.name,
                "system": product.managed_in,
                "fields": ", ".join(str(managed.FIELD_LABELS[f]) for f in fields),
            }
        else:
            message = _("“%(name)s” is managed in %(system)s, so it cannot be deleted here.") % {
                "name": product.name,
                "system": product.managed_in,
            }
        super().__init__(message)


@dataclass
class BulkDeleteResult:
    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # names of products with history
    managed: list[str] = field(default_factory=list)  # names of products managed in another system
    kept_ids: list[int] = field(default_factory=list)


# Products ---------------------------------------------------------------------------------


class ProductAlreadyCreated(Exception):
    """The form that creates a product was sent again (Back and resubmit, a second tab)."""

    def __init__(self, product: Product):
        super().__init__(f"product {product.pk} was already created from this form")
        self.product = product


def product_create(
    *,
    merchant: Merchant,
    fields: ProductFields,
    variants: Sequence[VariantSpec],
    options: Sequence[OptionSpec] = (),
    product_uuid: uuid.UUID | None = None,
    origin: str = ORIGIN_COMPTOIR,
) -> Product:
    """Create a product with its options and one variant per combination (exactly one without options).

    ``product_uuid`` is the creation form's key, generated when it rendered and kept as the
    product's uuid (unique in the database): sending that form again raises
    ``ProductAlreadyCreated`` with the product instead of creating a second one.
    """
    if product_uuid is not None and (existing := product_by_uuid(merchant=merchant, product_uuid=product_uuid)):
        raise ProductAlreadyCreated(existing)
    options, variants = _specs_clean(merchant=merchant, product=None, options=options, variants=variants)
    try:
        with transaction.atomic():
            product = Product(merchant=merchant)
            if product_uuid is not None:
                product.uuid = product_uuid
            _fields_apply(product=product, fields=fields)
            product.save()
            _options_and_variants_sync(product=product, options=options, variants=variants)
            product_changed_mark(merchant_id=merchant.pk, product_id=product.pk, created=True, origin=origin)
    except IntegrityError as exc:
        # The same form sent twice at once, or a concurrent save took a SKU between our check and our write.
        if product_uuid is not None and (existing := product_by_uuid(merchant=merchant, product_uuid=product_uuid)):
            raise ProductAlreadyCreated(existing) from exc
        raise ValidationError(_("One of these SKUs is already used by another product.")) from exc
    return product


def product_update(
    *,
    product: Product,
    fields: ProductFields,
    variants: Sequence[VariantSpec],
    options: Sequence[OptionSpec] = (),
    origin: str = ORIGIN_COMPTOIR,
) -> Product:
    """Replace the product's fields, options and variants.

    Variants whose combination still exists are kept (with their ids, so their stock history);
    see ``_options_and_variants_sync`` for what happens to the others. A product managed in
    another system (``managed_in``) refuses changes to that system's fields unless ``origin``
    is that system.
    """
    options, variants = _specs_clean(merchant=product.merchant, product=product, options=options, variants=variants)
    if origin == ORIGIN_COMPTOIR:
        _managed_fields_guard(product=product, fields=fields, options=options, variants=variants)
    try:
        with transaction.atomic():
            _fields_apply(product=product, fields=fields)
            product.save()
            _options_and_variants_sync(product=product, options=options, variants=variants)
            product_changed_mark(merchant_id=product.merchant_id, product_id=product.pk, created=False, origin=origin)
    except IntegrityError as exc:
        raise ValidationError(_("One of these SKUs is already used by another product.")) from exc
    return product


def product_delete(*, product: Product) -> None:
    """Delete a product; raise ProductHasHistory if its variants have stock or sales history,
    ProductManagedElsewhere if another system manages it (it leaves Comptoir from there)."""
    if product.managed_in:
        raise ProductManagedElsewhere(product)
    product_id = product.pk
    variants = list(product.variants.values_list("id", "sku"))
    try:
        with transaction.atomic():
            product.delete()
            product_deleted_send_on_commit(
                merchant_id=product.merchant_id,
                product_id=product_id,
                variant_ids=[pk for pk, _sku in variants],
                skus=[sku for _pk, sku in variants if sku],
            )
    except ProtectedError as exc:
        raise ProductHasHistory(product) from exc


def products_delete(*, merchant: Merchant, product_ids: Sequence[int]) -> BulkDeleteResult:
    """Delete the merchant's products among ``product_ids``; those with history are kept."""
    result = BulkDeleteResult()
    for product in Product.objects.filter(merchant=merchant, pk__in=product_ids):
        name = product.name
        try:
            product_delete(product=product)
        except ProductManagedElsewhere:
            result.managed.append(name)
        except ProductHasHistory:
            result.kept.append(name)
            result.kept_ids.append(product.pk)
        else:
            result.deleted.append(name)
    return result


def product_archive(*, product: Product, archived: bool = True, origin: str = ORIGIN_COMPTOIR) -> Product:
    """Archive (hide from the catalog list and the register, keep history) or restore a product."""
    if product.is_archived != archived:
        with transaction.atomic():
            product.is_archived = archived
            product.save(update_fields=["is_archived", "updated_at"])
            product_changed_mark(merchant_id=product.merchant_id, product_id=product.pk, origin=origin)
    return product


def products_archive(
    *, merchant: Merchant, product_ids: Sequence[int], archived: bool = True, origin: str = ORIGIN_COMPTOIR
) -> int:
    count = 0
    with transaction.atomic():
        for product in Product.objects.filter(merchant=merchant, pk__in=product_ids, is_archived=not archived):
            product_archive(product=product, archived=archived, origin=origin)
            count += 1
    return count


def product_changed_notify(*, product: Product, created: bool = False) -> None:
    """Announce a change made outside these services (Django admin)."""
    product_changed_mark(merchant_id=product.merchant_id, product_id=product.pk, created=created)


def product_track_stock_set(*, product: Product, enabled: bool, origin: str = ORIGIN_COMPTOIR) -> Product:
    """The one writer of ``Product.track_stock`` outside the product form (off stops stock sync)."""
    if product.track_stock == enabled:
        return product
    with transaction.atomic():
        Product.objects.filter(pk=product.pk).update(track_stock=enabled)
        product.track_stock = enabled
        product_changed_mark(merchant_id=product.merchant_id, product_id=product.pk, origin=origin)
    return product


def _fields_apply(*, product: Product, fields: ProductFields) -> None:
    merchant_id = product.merchant_id
    for related in (fields.category, fields.folder):
        if related is not None and related.merchant_id != merchant_id:
            raise ValidationError(_("This category or folder belongs to another merchant."))
    name = fields.name.strip()
    if not name:
        raise ValidationError({"name": _("A product needs a name.")})
    product.name = name
    product.description = fields.description
    product.category = fields.category
    product.folder = fields.folder
    product.vat_rate = fields.vat_rate if fields.vat_rate is not None else product.merchant.default_vat_rate
    try:
        weight_validator(fields.shipping_weight_grams)
    except ValidationError as exc:
        raise ValidationError({"shipping_weight_grams": exc.messages}) from None
    product.shipping_weight_grams = fields.shipping_weight_grams
    product.seo_title = fields.seo_title.strip()
    product.seo_description = fields.seo_description.strip()
    product.search_keywords = fields.search_keywords.strip()
    product.track_stock = fields.track_stock
    product.low_stock_level = fields.low_stock_level


def _managed_fields_guard(
    *, product: Product, fields: ProductFields, options: list[OptionSpec], variants: list[VariantSpec]
) -> None:
    """Refuse a change from Comptoir to a field another system manages (compared with the
    stored product: a form may already have written its data onto the instance)."""
    stored = Product.objects.filter(pk=product.pk).first()
    locked = managed.product_managed_fields(product=stored) if stored else frozenset()
    if not locked:
        return
    current_options = [
        (o.name, tuple(v.value for v in o.values.all())) for o in stored.options.prefetch_related("values")
    ]
    current = {
        combination_key(_variant_combination(v)): v for v in stored.variants.prefetch_related("option_values__option")
    }
    wanted = {combination_key(v.combination): v for v in variants}
    changed = []
    if managed.NAME in locked and fields.name.strip() != stored.name:
        changed.append(managed.NAME)
    if managed.DESCRIPTION in locked and fields.description != stored.description:
        changed.append(managed.DESCRIPTION)
    if managed.WEIGHT in locked and fields.shipping_weight_grams != stored.shipping_weight_grams:
        changed.append(managed.WEIGHT)
    if managed.LOW_STOCK in locked and fields.low_stock_level != stored.low_stock_level:
        changed.append(managed.LOW_STOCK)
    same_grid = [(o.name, o.values) for o in options] == current_options and wanted.keys() == current.keys()
    if managed.VARIANTS in locked and (
        not same_grid or any(wanted[k].sku != current[k].sku for k in wanted.keys() & current.keys())
    ):
        changed.append(managed.VARIANTS)
    if managed.PRICES in locked and any(
        (wanted[k].price, wanted[k].cost_price) != (current[k].price, current[k].cost_price)
        for k in wanted.keys() & current.keys()
    ):
        changed.append(managed.PRICES)
    if changed:
        raise ProductManagedElsewhere(stored, changed)


# Options and variants ---------------------------------------------------------------------


def _specs_clean(
    *, merchant: Merchant, product: Product | None, options: Sequence[OptionSpec], variants: Sequence[VariantSpec]
) -> tuple[list[OptionSpec], list[VariantSpec]]:
    """Check options and variants against the rules; return them tidied (trimmed, barcodes normalised)."""
    errors: list[str] = []
    options = [
        OptionSpec(name=" ".join(o.name.split()), values=tuple(" ".join(v.split()) for v in o.values)) for o in options
    ]
    if len(options) > MAX_OPTIONS:
        errors.append(_("A product has at most %(max)d options.") % {"max": MAX_OPTIONS})
    seen_names = set()
    for option in options:
        if not option.name:
            errors.append(_("Every option needs a name."))
            continue
        if text_key(option.name) in seen_names:
            errors.append(_("There are two options named “%(name)s”.") % {"name": option.name})
        seen_names.add(text_key(option.name))
        if not option.values or not all(option.values):
            errors.append(_("Option “%(name)s” needs at least one value.") % {"name": option.name})
        keys = [text_key(v) for v in option.values]
        if len(set(keys)) != len(keys):
            errors.append(_("Option “%(name)s” has the same value twice.") % {"name": option.name})
    if not errors and combination_count(options) > MAX_VARIANTS:
        errors.append(_("These options make more than %(max)d variants.") % {"max": MAX_VARIANTS})
    if errors:
        raise ValidationError(errors)

    expected = [combination_key(c) for c in combinations(options)]
    given = [combination_key(v.combination) for v in variants]
    if sorted(given) != sorted(expected):
        if not options:
            raise ValidationError(_("A product without options has exactly one variant."))
        raise ValidationError(_("There must be exactly one variant for each combination of option values."))

    cleaned = []
    for spec in variants:
        sku = spec.sku.strip()
        label = " / ".join(value for _name, value in spec.combination) or sku
        try:
            barcode = barcode_validate(spec.barcode)
        except ValidationError as exc:
            errors.extend(f"{label}: {message}" if label else message for message in exc.messages)
            barcode = spec.barcode
        for amount in (spec.price, spec.cost_price):
            try:
                if amount is not None:
                    price_validate(amount, merchant.currency)
            except ValidationError as exc:
                errors.extend(f"{label}: {message}" if label else message for message in exc.messages)
        cleaned.append(VariantSpec(spec.combination, sku, barcode, spec.price, spec.cost_price))

    skus = [v.sku.lower() for v in cleaned if v.sku]
    duplicates = sorted({sku for sku in skus if skus.count(sku) > 1})
    if duplicates:
        errors.append(_("Each variant needs its own SKU: %(skus)s is used twice.") % {"skus": ", ".join(duplicates)})
    taken = variant_skus_taken(merchant=merchant, skus=skus, exclude_product=product)
    if taken:
        errors.append(
            _("SKU %(skus)s is already used by another of your products.")
            % {"skus": ", ".join(f"{sku} ({name})" for sku, name in sorted(taken.items()))}
        )
    barcodes = [v.barcode for v in cleaned if v.barcode]
    twice = sorted({code for code in barcodes if barcodes.count(code) > 1})
    if twice:
        errors.append(
            _("Each variant needs its own barcode: %(barcodes)s is used twice.") % {"barcodes": ", ".join(twice)}
        )
    for code, other in sorted(
        variant_barcodes_taken(merchant=merchant, barcodes=barcodes, exclude_product=product).items()
    ):
        errors.append(f"{code}: {barcode_taken_message(other)}")
    if errors:
        raise ValidationError(errors)
    return options, cleaned


def _options_and_variants_sync(*, product: Product, options: list[OptionSpec], variants: list[VariantSpec]) -> None:
    """Make the product's options and variants match the specs, keeping what still fits.

    A variant that no longer has a combination is deleted, unless it has stock or sales
    history (the ledger protects it): then the whole change is refused with a message naming
    it. We refuse rather than archive single variants because an archived variant would have
    to be hidden from the register, the stock pages and the sync one by one; archiving the
    whole product covers the real need ("we stopped selling this") with one flag.
    """
    existing = list(product.variants.prefetch_related("option_values__option"))
    old = [(_variant_combination(v), v) for v in existing]
    landing = combinations_carry_over(old, options)
    kept_ids = {variant.pk for _combo, variant in landing if variant is not None}

    blocked = []
    for variant in existing:
        if variant.pk in kept_ids:
            continue
        try:
            with transaction.atomic():
                variant.delete()
        except ProtectedError:
            blocked.append(variant.label or variant.sku or product.name)
    if blocked:
        raise ValidationError(
            _(
                "These variants have stock or sales history and cannot be removed: %(variants)s. "
                "Keep their option values, or archive the product."
            )
            % {"variants": ", ".join(f"“{label}”" for label in blocked)}
        )

    value_rows = _options_sync(product=product, options=options)
    spec_by_key = {combination_key(v.combination): v for v in variants}
    kept = [v for _c, v in landing if v is not None]
    # Free the SKUs of kept variants first, so that two variants can swap SKUs without
    # tripping the unique constraint half-way.
    Variant.objects.filter(pk__in=[v.pk for v in kept]).update(sku="")
    for position, (combo, variant) in enumerate(landing):
        spec = spec_by_key[combination_key(combo)]
        if variant is None:
            variant = Variant(merchant_id=product.merchant_id, product=product)
        variant.sku = spec.sku
        variant.barcode = spec.barcode
        variant.price = spec.price
        variant.cost_price = spec.cost_price
        variant.position = position
        variant.save()
        variant.option_values.set([value_rows[(text_key(n), text_key(v))] for n, v in combo])


def _variant_combination(variant: Variant) -> Combination:
    values = sorted(variant.option_values.all(), key=lambda v: (v.option.position, v.option_id))
    return tuple((v.option.name, v.value) for v in values)


def _options_sync(*, product: Product, options: list[OptionSpec]) -> dict[tuple[str, str], OptionValue]:
    """Update, create and delete option and value rows; return value rows by (option key, value key)."""
    existing = {text_key(o.name): o for o in product.options.prefetch_related("values")}
    wanted = {text_key(o.name) for o in options}
    for key, option in existing.items():
        if key not in wanted:
            option.delete()
    value_rows = {}
    for position, spec in enumerate(options):
        option = existing.get(text_key(spec.name))
        if option is None:
            option = ProductOption.objects.create(product=product, name=spec.name, position=position)
            old_values = {}
        else:
            if (option.name, option.position) != (spec.name, position):
                option.name, option.position = spec.name, position
                option.save(update_fields=["name", "position"])
            old_values = {text_key(v.value): v for v in option.values.all()}
        wanted_values = {text_key(v) for v in spec.values}
        for key, value in old_values.items():
            if key not in wanted_values:
                value.delete()
        for value_position, text in enumerate(spec.values):
            row = old_values.get(text_key(text))
            if row is None:
                row = OptionValue.objects.create(option=option, value=text, position=value_position)
            elif (row.value, row.position) != (text, value_position):
                row.value, row.position = text, value_position
                row.save(update_fields=["value", "position"])
            value_rows[(text_key(spec.name), text_key(text))] = row
    return value_rows
