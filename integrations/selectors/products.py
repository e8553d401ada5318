"""Reads of the products a connection carries and of their bindings. Everything a merchant can
reach takes the merchant."""

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from catalog import managed
from catalog.badges import Badge
from catalog.models import Product, Variant
from catalog.selectors import PRODUCT_ORDER
from integrations.models import BigCommerceConnection, ProductAssignment, ProductLink
from portal.models import Merchant
from portal.text import search_key


def products_for_selection(*, merchant: Merchant, query: str = "") -> QuerySet[Product]:
    qs = Product.objects.filter(merchant=merchant, is_archived=False)
    if query:
        qs = qs.filter(
            Q(name_key__contains=search_key(query))
            | Q(variants__sku__icontains=query)
            | Q(variants__barcode__icontains=query)
        ).distinct()
    return qs.order_by(*PRODUCT_ORDER)


def product_assigned_ids(*, merchant: Merchant) -> set[int]:
    return set(
        ProductAssignment.objects.filter(merchant=merchant, unassigned_at__isnull=True).values_list(
            "product_id", flat=True
        )
    )


def products_to_sync_count(*, merchant: Merchant, connection: BigCommerceConnection) -> int:
    qs = Product.objects.filter(merchant=merchant, is_archived=False)
    if connection.sync_scope == BigCommerceConnection.SyncScope.SELECTED:
        qs = qs.filter(bigcommerce_assignment__merchant=merchant, bigcommerce_assignment__unassigned_at__isnull=True)
    return qs.count()


def variants_with_identifiers(*, merchant: Merchant, connection: BigCommerceConnection) -> QuerySet[Variant]:
    """Local variants that the pre-flight compares with the store (by SKU or barcode)."""
    qs = Variant.objects.filter(merchant=merchant, product__is_archived=False).exclude(sku="", barcode="")
    if (
        connection.managed_in == BigCommerceConnection.ManagedIn.COMPTOIR
        and connection.sync_scope == BigCommerceConnection.SyncScope.SELECTED
    ):
        qs = qs.filter(
            product__bigcommerce_assignment__merchant=merchant,
            product__bigcommerce_assignment__unassigned_at__isnull=True,
        )
    return qs.select_related("product").order_by("product__name_key", "product__name", "position", "id")


def preflight_review_rows(*, matches: list[dict], choices: dict[str, str]) -> list[dict]:
    """The review's table: one row per Comptoir product (its matched variants together), with
    what matched and the choice made so far (none for a product found by its name only)."""
    rows: dict[str, dict] = {}
    for match in matches:
        row = rows.get(match["key"])
        if row is None:
            row = rows[match["key"]] = {
                "key": match["key"],
                "product_name": match.get("product_name", ""),
                "remote_name": match["remote_name"],
                "remote_product_id": match["remote_product_id"],
                "name_only": match["matched_on"] == "name",
                "local_variants": match.get("local_variants"),
                "remote_variants": match.get("remote_variants"),
                "skus": [],
                "barcodes": [],
                "choice": choices.get(match["key"]),
            }
        if match["matched_on"] == "sku":
            row["skus"].append(match["sku"])
        elif match["matched_on"] == "barcode":
            row["barcodes"].append(match["barcode"])
    for row in rows.values():
        if row["choice"] not in ("link", "create"):
            row["choice"] = None if row["name_only"] else "link"
        row["variants_differ"] = bool(
            row["name_only"]
            and row["local_variants"] is not None
            and row["remote_variants"] is not None
            and row["local_variants"] != row["remote_variants"]
        )
    return list(rows.values())


def products_for_name_match(*, merchant: Merchant, connection: BigCommerceConnection):
    """Local products the pre-flight compares with the store by name, each with ``first_variant``
    and ``variant_count``."""

    qs = Product.objects.filter(merchant=merchant, is_archived=False)
    if (
        connection.managed_in == BigCommerceConnection.ManagedIn.COMPTOIR
        and connection.sync_scope == BigCommerceConnection.SyncScope.SELECTED
    ):
        qs = qs.filter(bigcommerce_assignment__merchant=merchant, bigcommerce_assignment__unassigned_at__isnull=True)
    products = list(qs.prefetch_related(Prefetch("variants", queryset=Variant.objects.order_by("position", "id"))))
    for product in products:
        variants = list(product.variants.all())
        product.first_variant = variants[0] if variants else None
        product.variant_count = len(variants)
    return products


def failed_product_link_count(*, connection: BigCommerceConnection) -> int:
    """Products of the connection whose last sync failed (what "Retry all failed" retries)."""
    return ProductLink.objects.live().filter(connection=connection, state=ProductLink.State.FAILED).count()


def product_link_list(*, merchant: Merchant, connection: BigCommerceConnection) -> QuerySet[ProductLink]:
    return (
        ProductLink.objects.live()
        .filter(merchant=merchant, connection=connection)
        .select_related("product")
        .prefetch_related("variant_links")
        .order_by("product__name_key", "product__name", "id")
    )


def synced_copies_count(*, merchant: Merchant, connection: BigCommerceConnection) -> int:
    """Copies that Comptoir made on the platform being disconnected (the non-managing one)."""
    origin = (
        ProductLink.Origin.CREATED_REMOTE
        if connection.managed_in == BigCommerceConnection.ManagedIn.COMPTOIR
        else ProductLink.Origin.IMPORTED
    )
    return (
        ProductLink.objects.live()
        .filter(merchant=merchant, connection=connection, origin=origin)
        .values("product_id")
        .distinct()
        .count()
    )


def synced_copies(*, merchant: Merchant, connection: BigCommerceConnection) -> list[dict]:
    """What a disconnect that deletes the copies would delete, one row per product: its name and
    SKU in Comptoir, its BigCommerce id, and whether it is visible online when the disconnect
    page's check in BigCommerce has said so (``None``: not known). Visible ones first."""
    origin = (
        ProductLink.Origin.CREATED_REMOTE
        if connection.managed_in == BigCommerceConnection.ManagedIn.COMPTOIR
        else ProductLink.Origin.IMPORTED
    )
    links = ProductLink.objects.live().filter(merchant=merchant, connection=connection, origin=origin).order_by("pk")
    preview = connection.disconnect_preview or {}
    checked = preview.get("state") == "ready"
    remote = preview.get("remote", {}) if checked else {}
    rows, seen = [], set()
    for link in links:
        if link.product_id in seen:
            continue
        seen.add(link.product_id)
        rows.append({"product_id": link.product_id, "remote_product_id": link.remote_product_id})
    products = {
        p.pk: p
        for p in Product.objects.filter(merchant=merchant, pk__in=[r["product_id"] for r in rows]).prefetch_related(
            "variants"
        )
    }
    for row in rows:
        product = products.get(row["product_id"])
        found = remote.get(str(row["remote_product_id"])) if row["remote_product_id"] else None
        first = next(iter(product.variants.all()), None) if product else None
        row["name"] = product.name if product else (found or {}).get("name", "")
        row["sku"] = first.sku if first else ""
        row["is_visible"] = found.get("is_visible") if found else None
        row["not_created"] = row["remote_product_id"] is None
        row["missing"] = checked and row["remote_product_id"] is not None and found is None
    rows.sort(key=lambda r: (r["is_visible"] is not True, r["name"].casefold()))
    return rows


def product_sync_states(*, merchant: Merchant, product_ids) -> dict[int, ProductLink]:
    """The active link (sync state) of each of these products, for the catalog and product pages."""
    return {
        link.product_id: link
        for link in ProductLink.objects.live()
        .filter(merchant=merchant, product_id__in=list(product_ids))
        .only(
            "product_id",
            "state",
            "last_error",
            "last_error_i18n",
            "last_error_detail",
            "synced_at",
            "remote_product_id",
            "origin",
        )
    }


def product_sync_badges(*, merchant: Merchant, product_ids) -> dict:
    """The catalog list's badge per product: BigCommerce synced / pending / failed (with why)."""

    labels = {
        ProductLink.State.SYNCED: (_("BigCommerce ✓"), "badge-ok", _("Synced to BigCommerce")),
        ProductLink.State.PENDING: (_("BigCommerce…"), "badge-warn", _("Waiting to be sent to BigCommerce")),
        ProductLink.State.FAILED: (_("BigCommerce ✗"), "badge-danger", ""),
    }
    badges = {}
    for pk, link in product_sync_states(merchant=merchant, product_ids=product_ids).items():
        label, css, title = labels[link.state]
        badges[pk] = [
            Badge(
                label=label,
                css=css,
                title=link.last_error_text if link.state == "failed" else title,
                pending=link.state == ProductLink.State.PENDING,
            )
        ]
    return badges


def managed_fields_narrow(*, product: Product, fields: frozenset[str]) -> frozenset[str]:
    """For ``catalog.managed``: a product imported from BigCommerce keeps Comptoir's prices
    editable unless the connection syncs prices."""

    connection = BigCommerceConnection.objects.filter(merchant_id=product.merchant_id).only("include_prices").first()
    if connection is None or not connection.include_prices:
        return fields - {managed.PRICES}
    return fields
