"""Comptoir → BigCommerce: a product snapshot to the payloads that create or update it.

Pure functions over plain data (``ProductSnapshot``), tested field by field without a
database. SPEC §2's table is the contract:

synced: name, price (incl. tax; only when prices are included), variants and options (in
Comptoir's option order), images, stock level (the starting level, only when tracked),
description, videos, SEO information, shipping weight, SKU, barcode (as UPC or GTIN).
never: Comptoir category, VAT, Comptoir folder.

Created products go into the "Comptoir POS" category, not visible. Later updates never send
categories, visibility or tax class (the merchant decides them in BigCommerce), nor a price when
prices are not included.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from portal.money import from_minor

# BigCommerce's /v2/store ``weight_units`` → grams per unit.
GRAMS_PER_UNIT = {
    "grams": Decimal(1),
    "g": Decimal(1),
    "kgs": Decimal(1000),
    "kg": Decimal(1000),
    "kilograms": Decimal(1000),
    "ounces": Decimal("28.349523125"),
    "oz": Decimal("28.349523125"),
    "lbs": Decimal("453.59237"),
    "pounds": Decimal("453.59237"),
    "tonnes": Decimal(1_000_000),
}


@dataclass(frozen=True)
class OptionSnapshot:
    id: int
    name: str
    values: tuple[tuple[int, str], ...]  # ((value id, label), ...) in order


@dataclass(frozen=True)
class VariantSnapshot:
    id: int
    sku: str
    barcode: str
    price: int  # minor units, tax included
    combination: tuple[tuple[str, str], ...]  # ((option, value), ...) in option order
    stock: int = 0
    value_ids: tuple[int, ...] = ()  # the local option value ids of ``combination``, same order


@dataclass(frozen=True)
class ImageSnapshot:
    id: int
    url: str
    alt_text: str
    position: int


@dataclass(frozen=True)
class VideoSnapshot:
    id: int
    youtube_id: str
    title: str
    description: str
    position: int


@dataclass(frozen=True)
class ProductSnapshot:
    id: int
    name: str
    description: str
    shipping_weight_grams: int | None
    seo_title: str
    seo_description: str
    search_keywords: str
    track_stock: bool
    is_archived: bool
    currency: str
    options: tuple[OptionSnapshot, ...]  # in Comptoir's option order
    variants: tuple[VariantSnapshot, ...]
    images: tuple[ImageSnapshot, ...] = ()
    videos: tuple[VideoSnapshot, ...] = ()
    # Never synced; present so that tests can show they never reach a payload.
    category: str = ""
    folder: str = ""
    vat_rate: Decimal | None = None


@dataclass(frozen=True)
class StoreSettings:
    include_prices: bool
    category_id: int | None
    weight_units: str = "kg"


@dataclass
class ProductPayloads:
    """Everything the exporter may send for one product, with a hash per part."""

    product: dict  # product-level fields for PUT (no id)
    variants: dict[int, dict] = field(default_factory=dict)  # local variant id → variant fields
    images: dict[int, dict] = field(default_factory=dict)  # local image id → image fields
    videos: dict[int, dict] = field(default_factory=dict)  # local video id → video fields


def content_hash(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def money(value: int, currency: str) -> float:
    return float(from_minor(value, currency))


def weight(grams: int | None, units: str) -> float:
    """Grams → the store's weight units (BigCommerce's ``weight`` is required: 0 when unknown)."""
    if not grams:
        return 0.0
    per_unit = GRAMS_PER_UNIT.get((units or "kg").strip().lower(), Decimal(1000))
    return float((Decimal(grams) / per_unit).quantize(Decimal("0.0001")))


def barcode_fields(barcode: str) -> dict:
    """A 12-digit UPC-A goes in ``upc``; EAN-8, EAN-13 and GTIN-14 in ``gtin``."""
    if not barcode:
        return {"upc": "", "gtin": ""}
    if len(barcode) == 12:
        return {"upc": barcode, "gtin": ""}
    return {"upc": "", "gtin": barcode}


def has_options(snapshot: ProductSnapshot) -> bool:
    return bool(snapshot.options)


def inventory_tracking(snapshot: ProductSnapshot) -> str:
    """BigCommerce's tracking for a product Comptoir creates there: none when Comptoir counts no stock."""
    if not snapshot.track_stock:
        return "none"
    return "variant" if has_options(snapshot) else "product"


def _base_price(snapshot: ProductSnapshot) -> int:
    return min((v.price for v in snapshot.variants), default=0)


def product_fields(snapshot: ProductSnapshot, settings: StoreSettings) -> dict:
    """The product-level fields we own, sent on create and on every update."""
    fields = {
        "name": snapshot.name,
        "description": snapshot.description,
        "weight": weight(snapshot.shipping_weight_grams, settings.weight_units),
        "page_title": snapshot.seo_title,
        "meta_description": snapshot.seo_description,
        "search_keywords": snapshot.search_keywords,
        # Tracking off in Comptoir leaves BigCommerce's own tracking as it is (docs/PRODUCT.md, Stock):
        # the website keeps its level and stops selling at 0 rather than overselling what nobody counts.
        **({"inventory_tracking": inventory_tracking(snapshot)} if snapshot.track_stock else {}),
        # Archived in Comptoir: kept in BigCommerce but no longer purchasable; restored: again.
        "availability": "disabled" if snapshot.is_archived else "available",
    }
    if not has_options(snapshot):
        base = snapshot.variants[0] if snapshot.variants else None
        fields["sku"] = base.sku if base else ""
        fields.update(barcode_fields(base.barcode if base else ""))
    if settings.include_prices:
        fields["price"] = money(_base_price(snapshot), snapshot.currency)
    return fields


def option_values(variant: VariantSnapshot) -> list[dict]:
    return [{"option_display_name": name, "label": value} for name, value in variant.combination]


def variant_fields(variant: VariantSnapshot, snapshot: ProductSnapshot, settings: StoreSettings) -> dict:
    """A variant's fields we own (for a product with options)."""
    fields = {"sku": variant.sku, **barcode_fields(variant.barcode)}
    if settings.include_prices:
        fields["price"] = money(variant.price, snapshot.currency)
    return fields


def image_fields(image: ImageSnapshot, index: int) -> dict:
    return {
        "image_url": image.url,
        "description": image.alt_text,
        "sort_order": index,
        "is_thumbnail": index == 0,
    }


def video_fields(video: VideoSnapshot, index: int) -> dict:
    return {
        "video_id": video.youtube_id,
        "type": "youtube",
        "title": video.title,
        "description": video.description,
        "sort_order": index,
    }


def payloads(snapshot: ProductSnapshot, settings: StoreSettings) -> ProductPayloads:
    return ProductPayloads(
        product=product_fields(snapshot, settings),
        variants={v.id: variant_fields(v, snapshot, settings) for v in snapshot.variants} if snapshot.options else {},
        images={img.id: image_fields(img, i) for i, img in enumerate(snapshot.images)},
        videos={vid.id: video_fields(vid, i) for i, vid in enumerate(snapshot.videos)},
    )


def create_payload(snapshot: ProductSnapshot, settings: StoreSettings) -> dict:
    """``POST /v3/catalog/products``: one call carrying variants, images, videos and the category."""
    parts = payloads(snapshot, settings)
    body = {
        **parts.product,
        "inventory_tracking": inventory_tracking(snapshot),
        "type": "physical",
        "is_visible": False,
        "categories": [settings.category_id] if settings.category_id else [],
        "price": parts.product.get("price", 0.0),  # required by BigCommerce; 0 without price sync
    }
    if snapshot.track_stock and not snapshot.options:
        body["inventory_level"] = max(0, snapshot.variants[0].stock) if snapshot.variants else 0
    if snapshot.options:
        body["variants"] = [
            {
                # Without price sync no price: a variant without one sells at its product's price,
                # which the merchant sets in BigCommerce (a price of 0 would stay the variant's own).
                **parts.variants[v.id],
                "option_values": option_values(v),
                **({"inventory_level": max(0, v.stock)} if snapshot.track_stock else {}),
            }
            for v in snapshot.variants
        ]
    if parts.images:
        body["images"] = [parts.images[img.id] for img in snapshot.images]
    if parts.videos:
        body["videos"] = [parts.videos[vid.id] for vid in snapshot.videos]
    return body


def option_payload(option: OptionSnapshot, position: int) -> dict:
    """``POST /v3/catalog/products/{id}/options`` for an option added later."""
    return {
        "display_name": option.name,
        "type": "dropdown",
        "sort_order": position,
        "option_values": [{"label": label, "sort_order": i} for i, (_id, label) in enumerate(option.values)],
    }


def text_key(text: str) -> str:
    """How BigCommerce compares option names and labels: case and spacing do not count."""
    return " ".join((text or "").split()).casefold()


def combination_key(pairs) -> tuple[tuple[str, str], ...]:
    return tuple((text_key(name), text_key(label)) for name, label in pairs)


def remote_combination(variant: dict) -> tuple[tuple[str, str], ...]:
    """A remote variant's (option, label) pairs, comparable with ``combination_key`` of ours."""
    return combination_key(
        (ov.get("option_display_name", ""), ov.get("label", "")) for ov in variant.get("option_values") or []
    )


# -- products that already exist in the store ---------------------------------------------
# How much BigCommerce's clock may lag behind ours when we compare a product's creation date
# with the moment our create was sent.
CLOCK_SKEW = timedelta(minutes=5)


def _folded(values) -> set[str]:
    return {value.strip().casefold() for value in values if value and value.strip()}


def remote_skus(remote: dict) -> set[str]:
    return _folded([remote.get("sku"), *(v.get("sku") for v in remote.get("variants") or [])])


def remote_barcodes(remote: dict) -> set[str]:
    codes = [remote.get("upc"), remote.get("gtin")]
    for variant in remote.get("variants") or []:
        codes += [variant.get("upc"), variant.get("gtin")]
    return _folded(codes)


def made_by_our_create(
    snapshot: ProductSnapshot, remote: dict, *, category_id: int | None, sent_at: datetime | None
) -> bool:
    """Is ``remote`` (same name as ours) the product our own create made, whose answer was lost?

    Our create carries our SKUs, or else our barcodes: the product is ours when it has the same
    ones. A product with neither is ours when it sits in the Comptoir POS category and was made
    after our create was sent. A name alone never says so: anyone can make a product of that name."""
    ours = _folded(v.sku for v in snapshot.variants)
    if ours:
        return remote_skus(remote) == ours
    codes = _folded(v.barcode for v in snapshot.variants)
    if codes:
        return bool(codes & remote_barcodes(remote))
    if category_id is None or category_id not in (remote.get("categories") or []) or sent_at is None:
        return False
    try:
        created = datetime.fromisoformat(str(remote.get("date_created") or ""))
    except ValueError:
        return False
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created >= sent_at - CLOCK_SKEW


def clash_summary(remote: dict) -> dict:
    """What the merchant is shown of a store product that has one of our SKUs, and what linking
    to it binds: its id, name and SKUs, and its variants (id, SKU, option values)."""
    skus = sorted({str(v.get("sku")) for v in remote.get("variants") or [] if v.get("sku")})
    return {
        "remote_product_id": remote["id"],
        "name": str(remote.get("name") or "")[:250],
        "sku": str(remote.get("sku") or "") or ", ".join(skus)[:255],
        "skus": skus,
        "base_variant_id": remote.get("base_variant_id"),
        "variants": [
            {"id": v["id"], "sku": str(v.get("sku") or ""), "option_values": len(v.get("option_values") or [])}
            for v in (remote.get("variants") or [])[:250]
        ],
    }
