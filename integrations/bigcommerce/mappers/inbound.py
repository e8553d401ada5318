"""BigCommerce product → Comptoir catalog inputs (products managed in BigCommerce). Pure functions.

Input: a v3 product read with ``include=variants,images,options``. What reaches Comptoir is
SPEC §3's table: name, price and cost price (only when prices are included), weight (the
product's ``weight``, in the store's units, to Comptoir's only weight field, grams), variants
and options (in BigCommerce's option order), images (as URLs, downloaded by the importer),
starting stock level, low stock level (``inventory_warning_level``), description and SKU.
Nothing else is read: product type, categories, brand, videos, files, dimensions and shipping
costs, tax class, custom fields and modifiers, storefront flags, fulfilment and SEO never
reach Comptoir, and the Comptoir-only fields (category, folder, VAT, SEO, barcode, stock
tracking once created) keep what the merchant set in Comptoir.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import formats
from django.utils.translation import gettext as _

from catalog.models import MAX_WEIGHT_GRAMS
from catalog.services.products import ProductFields, VariantSpec
from catalog.variants import Combination, OptionSpec, combination_key
from portal.money import MAX_PRICE, AmountOutOfRange, format_money, to_minor

# /v2/store ``weight_units`` → grams. BigCommerce answers e.g. "LBS", "Ounces", "KGS", "Grams",
# "Tonnes"; the keys are compared in lower case without a trailing "s".
GRAMS_PER_UNIT = {
    "lb": Decimal("453.59237"),
    "pound": Decimal("453.59237"),
    "ounce": Decimal("28.349523125"),
    "oz": Decimal("28.349523125"),
    "kg": Decimal(1000),
    "kilogram": Decimal(1000),
    "g": Decimal(1),
    "gram": Decimal(1),
    "tonne": Decimal(1_000_000),
}
MAX_NAME_LENGTH = 250


class InboundDataError(ValueError):
    """The data cannot be brought into Comptoir as it is. ``message`` builds the reason with
    gettext, so that the journal can hold it in every language."""

    def __init__(self, message: Callable[[], str]):
        self.message = message
        super().__init__(message())


@dataclass(frozen=True)
class ImageIn:
    remote_id: int
    url: str
    description: str = ""


@dataclass(frozen=True)
class VariantIn:
    remote_id: int | None
    combination: Combination
    sku: str
    price: int | None  # minor units; None: prices are not included
    cost_price: int | None
    stock: int | None  # starting level; None: not tracked at this level


@dataclass(frozen=True)
class OptionIn:
    remote_id: int | None
    name: str
    values: tuple[tuple[int | None, str], ...]  # (remote value id, label)


@dataclass(frozen=True)
class ProductIn:
    remote_id: int
    name: str
    description: str
    weight_grams: int | None
    low_stock_level: int | None
    track_stock: bool
    options: tuple[OptionIn, ...]
    variants: tuple[VariantIn, ...]
    images: tuple[ImageIn, ...]
    date_modified: str = ""
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def option_specs(self) -> list[OptionSpec]:
        return [OptionSpec(name=o.name, values=tuple(label for _id, label in o.values)) for o in self.options]

    @property
    def content_hash(self) -> str:
        """What Comptoir takes from the product (not the stock, which is read only once)."""
        data = asdict(self)
        data.pop("date_modified")
        data.pop("warnings")
        for variant in data["variants"]:
            variant.pop("stock")
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def weight_to_grams(weight, units: str) -> int | None:
    """A BigCommerce weight in the store's units → whole grams; None when absent, zero or unknown
    units; InboundDataError above Comptoir's bound (``catalog.models.MAX_WEIGHT_GRAMS``)."""
    factor = GRAMS_PER_UNIT.get((units or "").strip().lower().removesuffix("s"))
    amount = _decimal(weight)
    if factor is None or amount is None or amount <= 0:
        return None
    if amount * factor > MAX_WEIGHT_GRAMS:
        raise InboundDataError(
            lambda: (
                _("The weight in BigCommerce (%(weight)s %(units)s) is more than Comptoir takes (at most %(max)s kg).")
                % {
                    "weight": str(weight)[:40],
                    "units": units,
                    "max": formats.number_format(MAX_WEIGHT_GRAMS // 1000, use_l10n=True, force_grouping=True),
                }
            )
        )
    return int((amount * factor).quantize(Decimal(1)))


def product_from_bigcommerce(remote: Mapping, *, include_prices: bool, currency: str, weight_units: str) -> ProductIn:
    """Map one BigCommerce product; raise InboundDataError for data Comptoir cannot take."""
    if not isinstance(remote, Mapping) or not isinstance(remote.get("id"), int):
        raise InboundDataError(lambda: _("BigCommerce sent a product without an id."))
    name = " ".join(str(remote.get("name") or "").split())
    if not name:
        raise InboundDataError(lambda: _("Product #%(id)s has no name in BigCommerce.") % {"id": remote["id"]})
    warnings: list[str] = []
    weight = weight_to_grams(remote.get("weight"), weight_units)
    if remote.get("weight") and weight is None and _decimal(remote.get("weight")):
        warnings.append(
            _("The store's weight unit “%(unit)s” is unknown; the weight was left out.") % {"unit": weight_units}
        )
    options = _options(remote)
    tracking = remote.get("inventory_tracking") or "none"
    variants = _variants(remote, options, include_prices=include_prices, currency=currency, tracking=tracking)
    warning_level = _int(remote.get("inventory_warning_level"))
    return ProductIn(
        remote_id=remote["id"],
        name=name[:MAX_NAME_LENGTH],
        description=str(remote.get("description") or ""),
        weight_grams=weight,
        low_stock_level=warning_level if warning_level and warning_level > 0 else None,
        track_stock=tracking != "none",
        options=options,
        variants=variants,
        images=_images(remote),
        date_modified=str(remote.get("date_modified") or ""),
        warnings=tuple(warnings),
    )


def product_fields(incoming: ProductIn, *, existing=None) -> ProductFields:
    """The fields for ``product_create``/``product_update``: BigCommerce's where it owns them, the
    Comptoir product's own (category, folder, VAT, SEO, stock tracking) where it does not."""
    if existing is None:
        return ProductFields(
            name=incoming.name,
            description=incoming.description,
            shipping_weight_grams=incoming.weight_grams,
            track_stock=incoming.track_stock,
            low_stock_level=incoming.low_stock_level,
        )
    return ProductFields(
        name=incoming.name,
        description=incoming.description,
        category=existing.category,
        folder=existing.folder,
        vat_rate=existing.vat_rate,
        shipping_weight_grams=incoming.weight_grams,
        seo_title=existing.seo_title,
        seo_description=existing.seo_description,
        search_keywords=existing.search_keywords,
        track_stock=existing.track_stock,
        low_stock_level=incoming.low_stock_level,
    )


def variant_specs(incoming: ProductIn, *, existing: Mapping | None = None) -> list[VariantSpec]:
    """One spec per variant. ``existing`` maps a combination key to the Comptoir variant's
    ``(price, cost_price, barcode)``: without price sync the Comptoir price is kept (0 for a new
    variant), and the barcode (a Comptoir field) always is."""
    existing = existing or {}
    specs = []
    for variant in incoming.variants:
        price, cost_price, barcode = existing.get(combination_key(variant.combination), (0, None, ""))
        if variant.price is not None:
            price, cost_price = variant.price, variant.cost_price
        specs.append(VariantSpec(variant.combination, variant.sku, barcode, price, cost_price))
    return specs


# -- parts ---------------------------------------------------------------------------------
def _options(remote: Mapping) -> tuple[OptionIn, ...]:
    """Options in BigCommerce's order (``sort_order``, then as listed), with the values some
    variant uses; without ``options`` in the answer, in the order the variants name them."""
    used: dict[str, list[str]] = {}
    for variant in remote.get("variants") or []:
        for value in (variant or {}).get("option_values") or []:
            used.setdefault(_text(value.get("option_display_name")), []).append(_text(value.get("label")))
    listed = [o for o in remote.get("options") or [] if isinstance(o, Mapping)]
    if not listed:
        return tuple(
            OptionIn(None, name, tuple((None, label) for label in dict.fromkeys(labels)))
            for name, labels in used.items()
        )
    options = []
    for option in sorted(listed, key=lambda o: _int(o.get("sort_order")) or 0):
        name = _text(option.get("display_name") or option.get("name"))
        labels = set(used.get(name, ()))
        values = sorted(
            (v for v in option.get("option_values") or [] if isinstance(v, Mapping)),
            key=lambda v: _int(v.get("sort_order")) or 0,
        )
        kept = tuple((v.get("id"), _text(v.get("label"))) for v in values if _text(v.get("label")) in labels)
        if kept:
            options.append(OptionIn(option.get("id"), name, kept))
    return tuple(options)


def _variants(
    remote: Mapping, options: tuple[OptionIn, ...], *, include_prices: bool, currency: str, tracking: str
) -> tuple[VariantIn, ...]:
    rows = [v for v in remote.get("variants") or [] if isinstance(v, Mapping)]
    product_price = _money(remote.get("price"), currency) if include_prices else None
    product_cost = _money(remote.get("cost_price"), currency) if include_prices else None
    if include_prices and product_cost == 0:
        product_cost = None  # BigCommerce's "no cost price"
    if not options:
        base = rows[0] if rows else {}
        sku = _text(base.get("sku")) or _text(remote.get("sku"))
        stock = _int(remote.get("inventory_level")) if tracking != "none" else None
        return (VariantIn(base.get("id"), (), sku, product_price, product_cost, _stock(stock)),)
    order = {o.name: i for i, o in enumerate(options)}
    variants = []
    for row in rows:
        values = [(_text(v.get("option_display_name")), _text(v.get("label"))) for v in row.get("option_values") or []]
        combination = tuple(sorted((pair for pair in values if pair[0] in order), key=lambda p: order[p[0]]))
        sku = _text(row.get("sku"))
        if not sku:
            label = " / ".join(value for _n, value in combination) or str(row.get("id"))
            raise InboundDataError(
                lambda label=label: (
                    _("Variant “%(variant)s” of “%(name)s” has no SKU in BigCommerce; Comptoir needs one to sell it.")
                    % {"variant": label, "name": remote.get("name")}
                )
            )
        price = cost = None
        if include_prices:
            price = _money(row.get("price"), currency)
            price = product_price if price is None else price
            cost = _money(row.get("cost_price"), currency)
            # A variant answers cost_price 0 when it has none of its own (BigCommerce stores an
            # unset cost as 0): the product's cost price is then the variant's.
            cost = product_cost if not cost else cost
        stock = _int(row.get("inventory_level")) if tracking == "variant" else None
        variants.append(VariantIn(row.get("id"), combination, sku, price, cost, _stock(stock)))
    return tuple(variants)


def _images(remote: Mapping) -> tuple[ImageIn, ...]:
    rows = [i for i in remote.get("images") or [] if isinstance(i, Mapping) and isinstance(i.get("id"), int)]
    rows.sort(key=lambda i: (not i.get("is_thumbnail"), _int(i.get("sort_order")) or 0, i["id"]))
    images = []
    for row in rows:
        url = row.get("url_zoom") or row.get("url_standard") or row.get("image_url") or ""
        if url:
            images.append(ImageIn(row["id"], str(url), str(row.get("description") or "")[:255]))
    return tuple(images)


def _text(value) -> str:
    return " ".join(str(value or "").split())


def _decimal(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _money(value, currency: str) -> int | None:
    """A BigCommerce price → minor units (negatives as 0); InboundDataError above MAX_PRICE."""
    amount = _decimal(value)
    if amount is None:
        return None
    if amount < 0:
        return 0
    try:
        minor = to_minor(amount, currency)
    except AmountOutOfRange:
        minor = MAX_PRICE + 1
    if minor > MAX_PRICE:
        raise InboundDataError(
            lambda: (
                _("The price in BigCommerce (%(price)s) is more than Comptoir takes (at most %(max)s).")
                % {"price": str(value)[:40], "max": format_money(MAX_PRICE, currency)}
            )
        )
    return minor


def _int(value) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _stock(level: int | None) -> int | None:
    return None if level is None else max(0, level)
