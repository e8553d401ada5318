"""Inventory reads. Every function a merchant can reach takes the merchant (STYLE rule 10).

Stock is per shop: the reads of a variant's level take the ``shop``; ``shop=None`` reads the
merchant's primary shop, never "some" level.
"""

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from catalog.models import Product, Variant
from inventory.models import Refund, RefundLine, Sale, SaleLine, StockLevel, StockMovement, Transfer
from portal.models import Merchant, Shop
from portal.text import search_key

SKU_MAX_LENGTH = Variant._meta.get_field("sku").max_length
# For the reads that can sum every shop (the dashboard's "All shops"): the shops' total.
ALL_SHOPS = "all"


def online_levels(*, variant_ids, shop_id: int | None = None) -> dict[int, int]:
    """Per variant, the level the online shop should show before clamping: the whole stock, or
    the online allocation when the stock is split (a variant with no level row is absent: 0).
    For the stock sync, which works on variants it already holds bindings of (no merchant here).
    ``shop_id``: that shop's levels (None: the merchant's primary shop)."""
    levels = StockLevel.objects.filter(variant_id__in=list(variant_ids))
    levels = levels.filter(shop_id=shop_id) if shop_id is not None else levels.filter(shop__is_primary=True)
    return {level.variant_id: level.online_level for level in levels}


def online_levels_by_shop(*, variant_ids, shop_ids) -> dict[tuple[int, int], int]:
    """``{(variant id, shop id): online level}`` of these variants in these shops, in one query (a
    pair with no level row is absent: 0). For the stock sync, one shop per online location."""
    levels = StockLevel.objects.filter(variant_id__in=list(variant_ids), shop_id__in=list(shop_ids))
    return {(level.variant_id, level.shop_id): level.online_level for level in levels}


def online_level_expression() -> Coalesce:
    """For a ``Variant`` queryset (the export's snapshot): the level the online shop should show
    before clamping, as ``online_levels`` reads it (the primary shop's), without another query."""
    level = Coalesce("online_quantity", "quantity")
    return Coalesce(Subquery(_levels_of(None).annotate(online=level).values("online")[:1]), Value(0))


def movements_by_id(*, ids) -> dict[int, StockMovement]:
    """Ledger rows with what a journal line names: the product, the sale or the refund."""
    rows = StockMovement.objects.filter(pk__in=list(ids)).select_related("variant__product", "sale_line", "refund_line")
    return {m.pk: m for m in rows}


def variants_moved_since(*, variant_ids, origins, since) -> set[int]:
    """The variants among ``variant_ids`` whose stock a movement of one of ``origins`` changed
    (a non-zero delta) from ``since`` on."""
    return set(
        StockMovement.objects.filter(variant_id__in=list(variant_ids), origin__in=list(origins), created_at__gte=since)
        .exclude(delta=0)
        .values_list("variant_id", flat=True)
    )


def movements_count(*, merchant_id: int, origin: str, reason_code: str, **reason_params) -> int:
    """How many ledger rows of that origin and reason (``reason_params``: parameters they carry)."""
    params = {f"reason_params__{k}": v for k, v in reason_params.items()}
    return StockMovement.objects.filter(
        merchant_id=merchant_id, origin=origin, reason_code=reason_code, **params
    ).count()


def product_list(*, merchant: Merchant) -> QuerySet[Product]:
    return Product.objects.filter(merchant=merchant)


def _levels_of(shop: Shop | None) -> QuerySet[StockLevel]:
    """The outer variant's level row in ``shop`` (None: the primary shop; ALL_SHOPS: any), for a subquery."""
    levels = StockLevel.objects.filter(variant_id=OuterRef("pk"))
    if shop == ALL_SHOPS:
        return levels
    return levels.filter(shop=shop) if shop is not None else levels.filter(shop__is_primary=True)


def _level_of(shop: Shop | None, field: str) -> Subquery:
    if shop == ALL_SHOPS:
        if field != "quantity":
            return Value(None, output_field=IntegerField())  # no one split across every shop
        levels = StockLevel.objects.filter(variant_id=OuterRef("pk")).order_by().values("variant_id")
        return Subquery(levels.annotate(total=Sum("quantity")).values("total")[:1])
    return Subquery(_levels_of(shop).values(field)[:1])


def _variants(*, merchant: Merchant, shop: Shop | None = None, levels: bool = True) -> QuerySet[Variant]:
    """The merchant's variants, each with its level in ``shop`` read in the same query:
    ``stock_quantity`` (0 when never counted), ``stock_online_quantity`` (None when shared) and
    ``stock_counted`` (a level row exists). Without ``levels``, the variants alone: a sale locks
    and reads its levels itself, and their three subqueries were a third of a POS sale's CPU."""
    variants = (
        Variant.objects.filter(merchant=merchant).select_related("product").prefetch_related("option_values__option")
    )
    if not levels:
        return variants
    return variants.annotate(
        stock_quantity=Coalesce(_level_of(shop, "quantity"), Value(0)),
        stock_online_quantity=_level_of(shop, "online_quantity"),
        stock_counted=Exists(_levels_of(shop)),
    )


def product_stock_variants(*, merchant: Merchant, product: Product, shop: Shop | None = None) -> list[Variant]:
    """The product's variants with their level in ``shop`` (``variant.stock_quantity``; 0 when never
    counted) and allocations (see ``_with_quantities``)."""
    variants = _variants(merchant=merchant, shop=shop).filter(product=product).order_by("position", "id")
    return _with_quantities(list(variants))


def product_stock_by_shop(*, merchant: Merchant, product: Product) -> dict[tuple[int, int], int]:
    """``{(variant id, shop id): level}`` of the product's variants in every shop (one query)."""
    levels = StockLevel.objects.filter(merchant=merchant, variant__product=product)
    return {(v, s): q for v, s, q in levels.values_list("variant_id", "shop_id", "quantity")}


def product_stock_shops_expression() -> Subquery:
    """For the catalog list: how many shops hold level rows of the product (a subquery of its row)."""
    shops = (
        StockLevel.objects.filter(variant__product_id=OuterRef("pk"))
        .order_by()
        .values("variant__product_id")
        .annotate(n=Count("shop_id", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(shops, output_field=IntegerField()), Value(0))


def product_stock_by_shops(*, merchant: Merchant, product_ids) -> dict[int, list[tuple[str, int]]]:
    """For the catalog list: each product's stock in each shop that holds some of it, the primary
    shop first, then by name (one query; none for no product)."""
    if not product_ids:
        return {}
    totals = (
        StockLevel.objects.filter(merchant=merchant, variant__product_id__in=list(product_ids))
        .values("variant__product_id", "shop__name", "shop__is_primary")
        .annotate(total=Sum("quantity"))
        .order_by("variant__product_id", "-shop__is_primary", "shop__name")
    )
    out: dict[int, list[tuple[str, int]]] = {}
    for row in totals:
        out.setdefault(row["variant__product_id"], []).append((row["shop__name"], row["total"]))
    return out


def product_stock_version(*, merchant: Merchant, product: Product) -> int:
    """The version of a product's stock: its latest ledger row (every change writes one, STYLE
    rule 2), so a form opened before any later change can tell (``portal.edits``)."""
    latest = StockMovement.objects.filter(merchant=merchant, variant__product=product).order_by("-id").first()
    return latest.pk if latest else 0


def product_stock_expression() -> Subquery:
    """For the catalog list (``catalog.stock_column``): a product's whole stock, summed over its
    variants and every shop (0 when none is recorded), as a subquery of the product row."""
    totals = (
        StockLevel.objects.filter(variant__product_id=OuterRef("pk"))
        .order_by()
        .values("variant__product_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(totals, output_field=IntegerField()), Value(0))


def variant_stock_quantity(*, variant: Variant) -> int:
    """The level read with the variant (a variant from this module's reads, ``_variants``)."""
    return variant.stock_quantity


def movement_list(
    *, merchant: Merchant, product: Product | None = None, shop: Shop | None = None
) -> QuerySet[StockMovement]:
    """Ledger rows, newest first: of ``product`` and of ``shop`` when given (None: every shop)."""
    movements = StockMovement.objects.filter(merchant=merchant).select_related(
        "variant__product", "user", "device", "sale_line", "refund_line__refund"
    )
    if product is not None:
        movements = movements.filter(variant__product=product)
    if shop is not None:
        movements = movements.filter(shop=shop)
    return movements.prefetch_related("variant__option_values__option").order_by("-created_at", "-id")


def variant_search(*, merchant: Merchant, query: str, limit: int = 20, shop: Shop | None = None) -> list[Variant]:
    """Variants whose product name or SKU contains ``query``, or whose barcode is ``query``, with
    their level in ``shop``."""
    query = query.strip()
    if not query:
        return []
    variants = _variants(merchant=merchant, shop=shop).filter(
        Q(product__name_key__contains=search_key(query)) | Q(sku__icontains=query) | Q(barcode=query),
        product__is_archived=False,
    )
    variants = variants.order_by("product__name_key", "product__name", "position", "id")[:limit]
    return _with_quantities(list(variants))


def variant_by_code(*, merchant: Merchant, code: str, shop: Shop | None = None) -> Variant | None:
    """The one variant whose barcode or SKU is exactly ``code`` (what a scanner types), else None."""
    code = code.strip()
    if not code:
        return None
    matches = list(
        _variants(merchant=merchant, shop=shop).filter(
            Q(barcode=code) | Q(sku__iexact=code), product__is_archived=False
        )[:2]
    )
    return matches[0] if len(matches) == 1 else None


def variant_get(*, merchant: Merchant, pk, shop: Shop | None = None, levels: bool = True) -> Variant | None:
    """The variant (``levels``: with its level in ``shop``, see ``_variants``), or None."""
    return _variants(merchant=merchant, shop=shop, levels=levels).filter(pk=pk).first()


def variants_by_id(*, merchant: Merchant, ids, shop: Shop | None = None) -> dict[int, Variant]:
    return {v.pk: v for v in _with_quantities(list(_variants(merchant=merchant, shop=shop).filter(pk__in=ids)))}


def _with_quantities(variants: list[Variant]) -> list[Variant]:
    """Adds ``stock_store_quantity`` (what the store sells from) to the level ``_variants`` read:
    ``stock_quantity`` (the shop's whole stock) and ``stock_online_quantity`` (the online
    allocation, None when the stock is shared)."""
    for variant in variants:
        online = variant.stock_online_quantity
        variant.stock_store_quantity = variant.stock_quantity if online is None else variant.stock_quantity - online
    return variants


def sale_list(*, merchant: Merchant, day=None, shop: Shop | None = None) -> QuerySet[Sale]:
    """Sales, newest first; only those of a local calendar day when ``day`` is given, of ``shop``
    when given (None: every shop)."""
    refunded = Refund.objects.filter(sale=OuterRef("pk")).values("sale").annotate(total=Sum("total")).values("total")
    sales = Sale.objects.filter(merchant=merchant, **({"shop": shop} if shop else {}))
    if day is not None:
        sales = sales.filter(created_at__date=day)
    return (
        sales.select_related("user", "device", "shop")
        .annotate(
            item_count=Coalesce(Sum("lines__quantity"), Value(0)),
            refunded_total=Coalesce(Subquery(refunded, output_field=IntegerField()), Value(0)),
        )
        .order_by("-created_at", "-id")
    )


def sale_get(*, merchant: Merchant, pk) -> Sale | None:
    return Sale.objects.filter(merchant=merchant, pk=pk).select_related("user", "device", "shop").first()


def sale_by_key(*, merchant: Merchant, idempotency_key: str) -> Sale | None:
    return Sale.objects.filter(merchant=merchant, idempotency_key=idempotency_key).select_related("shop").first()


def sale_lines_with_refunds(*, sale: Sale) -> list[SaleLine]:
    """The sale's lines with ``refunded_quantity`` and ``refundable_quantity``."""
    lines = list(
        sale.lines.select_related("variant__product").annotate(
            refunded_quantity=Coalesce(Sum("refund_lines__quantity"), Value(0))
        )
    )
    for line in lines:
        line.refundable_quantity = line.quantity - line.refunded_quantity
    return lines


def sale_refunds(*, sale: Sale) -> QuerySet[Refund]:
    return sale.refunds.select_related("user", "device", "shop").prefetch_related(
        Prefetch("lines", queryset=RefundLine.objects.select_related("sale_line"))
    )


def refund_get(*, merchant: Merchant, sale: Sale, pk) -> Refund | None:
    return Refund.objects.filter(merchant=merchant, sale=sale, pk=pk).first()


def variant_by_sku(*, merchant: Merchant, sku: str, shop: Shop | None = None, levels: bool = True) -> Variant | None:
    """SKUs are unique per merchant regardless of case."""
    sku = sku.strip()
    if not sku or len(sku) > SKU_MAX_LENGTH:
        return None  # longer than any SKU; SQLite also refuses a LIKE pattern past 50,000 bytes
    return _variants(merchant=merchant, shop=shop, levels=levels).filter(sku__iexact=sku).first()


def variants_by_barcode(
    *, merchant: Merchant, barcode: str, shop: Shop | None = None, levels: bool = True
) -> list[Variant]:
    barcode = barcode.strip()
    return list(_variants(merchant=merchant, shop=shop, levels=levels).filter(barcode=barcode)[:2]) if barcode else []


def refund_by_key(*, merchant: Merchant, idempotency_key: str) -> Refund | None:
    return Refund.objects.filter(merchant=merchant, idempotency_key=idempotency_key).select_related("shop").first()


def sales_summary(*, merchant: Merchant, day, shop: Shop | None = None) -> dict:
    """A local calendar day at the till: number of sales, their total, the refunds made that day
    (of any day's sales) and the takings, sales minus refunds (minor units); of ``shop`` when
    given (None: every shop)."""
    in_shop = {"shop": shop} if shop else {}
    sales = Sale.objects.filter(merchant=merchant, created_at__date=day, **in_shop).aggregate(
        count=Count("id"), total=Sum("total")
    )
    refunds = Refund.objects.filter(merchant=merchant, created_at__date=day, **in_shop).aggregate(
        count=Count("id"), total=Sum("total")
    )
    sales_total, refunds_total = sales["total"] or 0, refunds["total"] or 0
    return {
        "count": sales["count"],
        "sales_total": sales_total,
        "refund_count": refunds["count"],
        "refunds_total": refunds_total,
        "total": sales_total - refunds_total,
    }


def refund_list(*, merchant: Merchant, day, shop: Shop | None = None) -> QuerySet[Refund]:
    """The refunds made on a local calendar day (in ``shop`` when given), newest first."""
    return (
        Refund.objects.filter(merchant=merchant, created_at__date=day, **({"shop": shop} if shop else {}))
        .select_related("sale", "user", "device", "shop")
        .order_by("-created_at", "-id")
    )


def low_stock_variants(*, merchant: Merchant, shop: Shop | None = None) -> QuerySet[Variant]:
    """Tracked variants of products in use that are out of stock in ``shop`` (zero or below; a
    variant never counted has none) or at or below their product's low-stock level; emptiest first.
    ``on_hand`` is the level, 0 when never counted."""
    return (
        _variants(merchant=merchant, shop=shop)
        .filter(product__track_stock=True, product__is_archived=False)
        .annotate(on_hand=F("stock_quantity"))
        .filter(Q(on_hand__lte=0) | Q(on_hand__lte=F("product__low_stock_level")))
        .order_by("on_hand", "product__name", "position", "id")
    )


def low_stock_count(*, merchant: Merchant, shop: Shop | None = None) -> int:
    return low_stock_variants(merchant=merchant, shop=shop).count()


def transfer_list(*, merchant: Merchant, shop: Shop | None = None) -> QuerySet[Transfer]:
    """Transfers between shops, newest first (of ``shop``, either way, when given), each with
    ``units`` (units moved, all lines) and ``line_count`` (variants)."""
    transfers = Transfer.objects.filter(merchant=merchant)
    if shop is not None:
        transfers = transfers.filter(Q(from_shop=shop) | Q(to_shop=shop))
    return (
        transfers.select_related("from_shop", "to_shop", "user", "device")
        .annotate(
            units=Coalesce(Sum("movements__delta", filter=Q(movements__delta__gt=0)), Value(0)),
            line_count=Count("movements", filter=Q(movements__delta__gt=0)),
        )
        .order_by("-created_at", "-id")
    )


def transfer_get(*, merchant: Merchant, pk) -> Transfer | None:
    return transfer_list(merchant=merchant).filter(pk=pk).first()


def transfer_lines(*, transfer: Transfer) -> list[dict]:
    """Per variant: ``variant``, ``quantity`` moved and each shop's level after it (its two rows)."""
    rows = transfer.movements.select_related("variant__product").prefetch_related("variant__option_values__option")
    lines: dict[int, dict] = {}
    for row in rows.order_by("variant__product__name", "variant__position", "variant_id", "id"):
        line = lines.setdefault(row.variant_id, {"variant": row.variant, "quantity": abs(row.delta)})
        line["from_after" if row.delta < 0 else "to_after"] = row.level_after
    return list(lines.values())
