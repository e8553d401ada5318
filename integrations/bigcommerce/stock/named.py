"""The products a stock entry of the journal names: each product once, with its name and SKU, so
that the journal's search finds the entry by any of them."""

from catalog.models import Variant
from integrations.models import StockPush, VariantLink


def variants_products(variant_ids) -> list[dict]:
    """The products of these variants, as a journal entry names them (each once)."""
    variants = Variant.objects.filter(pk__in=list(variant_ids)).select_related("product").order_by("product_id", "pk")
    return [{"id": v.product_id, "name": v.product.name, "sku": v.sku} for v in variants]


def pushes_products(rows: list[StockPush]) -> list[dict]:
    """The products whose stock these pushes carried, as a journal entry names them."""
    links = VariantLink.objects.filter(pk__in={r.variant_link_id for r in rows})
    return variants_products(links.values_list("variant_id", flat=True))


def variants_named(variant_ids) -> dict[int, str]:
    """Variant id → "product name SKU", as an incident about one variant names it."""
    variants = Variant.objects.filter(pk__in=list(variant_ids)).select_related("product")
    return {v.pk: " ".join(filter(None, [v.product.name, v.sku])) for v in variants}
