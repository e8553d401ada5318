"""Reads of the catalog. Every query a merchant can reach takes the merchant (tenancy)."""

import uuid
from collections.abc import Sequence

from django.db import models
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Lower

from catalog.barcodes import barcode_normalise
from catalog.models import Category, Folder, Product, ProductImage, Variant
from catalog.stock_column import product_stock_expression, product_stock_shops_expression
from portal.models import Merchant
from portal.text import search_key

# Alphabetical as a reader expects (accents and case folded), then a stable tie-break.
PRODUCT_ORDER = ("name_key", "name", "id")


def product_list(
    *,
    merchant: Merchant,
    search: str = "",
    category_id: int | None = None,
    archived: bool = False,
    unpriced: bool = False,
) -> QuerySet[Product]:
    """The merchant's products for the catalog list, in a constant number of queries.

    Each product carries ``stock_total`` (``catalog.stock_column``), ``variant_count``,
    ``price_min`` and ``price_max`` (``price_min`` 0: a variant has no price), its category,
    and its images (prefetched, in gallery order: the first is the thumbnail).
    ``unpriced``: only products with a variant at price 0.
    """
    queryset = Product.objects.filter(merchant=merchant, is_archived=archived)
    if unpriced:
        queryset = queryset.filter(pk__in=Variant.objects.filter(merchant=merchant, price=0).values("product_id"))
    search = search.strip()
    if search:
        variants = Q(sku__icontains=search)
        barcode = barcode_normalise(search)
        if barcode.isdigit():
            variants |= Q(barcode__startswith=barcode)
        # EXISTS on the product's own variants (its index on product_id): no join to multiply rows
        # or skew the counts below, and no second scan of the catalog. A ``pk IN (products joined to
        # their variants)`` subquery made PostgreSQL, its statistics not yet up to date after an
        # import, run that subquery once per product: 69 s for 2,000 products (bench.page_queries).
        queryset = queryset.filter(
            Q(name_key__contains=search_key(search))
            | Exists(Variant.objects.filter(product_id=OuterRef("pk")).filter(variants))
        )
    if category_id:
        queryset = queryset.filter(category_id=category_id)
    return (
        queryset.select_related("category")
        .annotate(variant_count=Count("variants"), price_min=Min("variants__price"), price_max=Max("variants__price"))
        .annotate(stock_total=product_stock_expression(), stock_shops=product_stock_shops_expression())
        .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")))
        .order_by(*PRODUCT_ORDER)
    )


def product_get(*, merchant: Merchant, product_id: int) -> Product:
    """One of the merchant's products; raises Product.DoesNotExist for anyone else's."""
    return Product.objects.select_related("merchant", "category", "folder").get(merchant=merchant, pk=product_id)


def product_detail(*, merchant: Merchant, product_id: int) -> Product:
    """A product with everything its page shows prefetched."""
    return (
        Product.objects.select_related("merchant", "category", "folder")
        .prefetch_related(
            "options__values",
            Prefetch("variants", queryset=Variant.objects.prefetch_related("option_values__option")),
            "images",
            "videos",
        )
        .get(merchant=merchant, pk=product_id)
    )


def product_by_uuid(*, merchant: Merchant, product_uuid: uuid.UUID) -> Product | None:
    return Product.objects.filter(merchant=merchant, uuid=product_uuid).first()


def products_by_ids(*, merchant: Merchant, product_ids: Sequence[int]) -> QuerySet[Product]:
    return Product.objects.filter(merchant=merchant, pk__in=product_ids).order_by(*PRODUCT_ORDER)


def product_ids_with_history(*, merchant: Merchant, product_ids: Sequence[int]) -> set[int]:
    """Of ``product_ids``, those that cannot be deleted because their variants have history.

    History is whatever protects a variant from deletion (stock movements, sale lines): read
    from the model relations, so the catalog needs no import of the apps that keep it.
    """
    protecting = [
        relation
        for relation in Variant._meta.related_objects
        if relation.on_delete in (models.PROTECT, models.RESTRICT)
    ]
    found: set[int] = set()
    for relation in protecting:
        lookup = relation.field.name
        found.update(
            relation.related_model.objects.filter(
                **{f"{lookup}__merchant": merchant, f"{lookup}__product_id__in": product_ids}
            )
            .values_list(f"{lookup}__product_id", flat=True)
            .distinct()
        )
    return found


def product_counts(*, merchant: Merchant) -> dict:
    unpriced = Variant.objects.filter(merchant=merchant, price=0).values("product_id")
    counts = Product.objects.filter(merchant=merchant).aggregate(
        active=Count("id", filter=Q(is_archived=False)),
        archived=Count("id", filter=Q(is_archived=True)),
        unpriced=Count("id", filter=Q(is_archived=False, pk__in=unpriced)),
    )
    return counts


def category_list(*, merchant: Merchant) -> QuerySet[Category]:
    return Category.objects.filter(merchant=merchant).annotate(product_count=Count("products")).order_by("name")


def folder_list(*, merchant: Merchant) -> QuerySet[Folder]:
    return Folder.objects.filter(merchant=merchant).annotate(product_count=Count("products")).order_by("name")


def category_get(*, merchant: Merchant, category_id: int) -> Category:
    return Category.objects.get(merchant=merchant, pk=category_id)


def category_with_count(*, merchant: Merchant, category_id: int) -> Category:
    """The category with ``product_count`` (what deleting it would leave without a category)."""
    return category_list(merchant=merchant).get(pk=category_id)


def folder_with_count(*, merchant: Merchant, folder_id: int) -> Folder:
    return folder_list(merchant=merchant).get(pk=folder_id)


def variant_skus_taken(
    *, merchant: Merchant, skus: Sequence[str], exclude_product: Product | None = None
) -> dict[str, str]:
    """Of ``skus`` (compared without case), those the merchant's other products use: {sku lowercased: product name}."""
    wanted = {s.strip().lower() for s in skus if s.strip()}
    if not wanted:
        return {}
    queryset = Variant.objects.filter(merchant=merchant).annotate(sku_lower=Lower("sku")).filter(sku_lower__in=wanted)
    if exclude_product is not None and exclude_product.pk:
        queryset = queryset.exclude(product=exclude_product)
    return dict(queryset.values_list("sku_lower", "product__name"))


def variant_barcodes_taken(
    *, merchant: Merchant, barcodes: Sequence[str], exclude_product: Product | None = None
) -> dict[str, Product]:
    """Of ``barcodes`` (normalised), those the merchant's other products use, archived ones
    included (restoring one would bring the clash back): {barcode: product}."""
    wanted = {b for b in barcodes if b}
    if not wanted:
        return {}
    queryset = Variant.objects.filter(merchant=merchant, barcode__in=wanted).select_related("product")
    if exclude_product is not None and exclude_product.pk:
        queryset = queryset.exclude(product=exclude_product)
    taken: dict[str, Product] = {}
    for variant in queryset.order_by("product__name", "pk"):
        taken.setdefault(variant.barcode, variant.product)
    return taken


def vat_rates_in_use(*, merchant: Merchant) -> list[dict]:
    """The VAT rates of the merchant's products, archived ones included, with how many have each."""
    rows = Product.objects.filter(merchant=merchant).order_by().values("vat_rate").annotate(product_count=Count("id"))
    return sorted(rows, key=lambda row: row["vat_rate"], reverse=True)
