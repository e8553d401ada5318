"""The duplicates review before the first sync: local variants whose SKU or barcode (or a product
whose name) already exists in the store, offered to be linked instead of copied."""

from __future__ import annotations

from django.utils import timezone

from integrations import journal_messages
from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.connection.setup import Dir
from integrations.models import BigCommerceConnection, SyncEvent
from integrations.selectors import products_for_name_match, variants_with_identifiers
from integrations.services.journal import sync_event_record


# -- duplicates pre-flight -----------------------------------------------------------------
def preflight_run(*, connection: BigCommerceConnection) -> dict:
    """Local variants whose SKU or barcode already exists in the store: offer to link them."""
    client = client_for(connection)
    by_sku: dict[str, dict] = {}
    by_code: dict[str, dict] = {}
    by_name: dict[str, dict] = {}  # BigCommerce product names are unique: a same name would be refused
    remote_products = 0
    for product in api.products_iter(client, {"include": "variants"}):
        remote_products += 1
        remote_variants = product.get("variants") or []
        by_name.setdefault(
            " ".join((product.get("name") or "").split()).casefold(),
            {
                "remote_product_id": product["id"],
                # A product without options binds its base variant; one with options, by SKU later.
                "remote_variant_id": remote_variants[0]["id"]
                if len(remote_variants) == 1 and not remote_variants[0].get("option_values")
                else None,
                "remote_name": product.get("name", ""),
                "has_options": len(remote_variants) > 1,
                "remote_variants": len(remote_variants),
            },
        )
        for variant in product.get("variants") or []:
            entry = {
                "remote_product_id": product["id"],
                "remote_variant_id": variant.get("id"),
                "remote_name": product.get("name", ""),
                "has_options": bool(variant.get("option_values")),
            }
            if variant.get("sku"):
                by_sku.setdefault(variant["sku"].lower(), entry)
            for code_field in ("upc", "gtin", "mpn"):
                if variant.get(code_field):
                    by_code.setdefault(variant[code_field], entry)
        if product.get("sku"):
            by_sku.setdefault(
                product["sku"].lower(),
                {
                    "remote_product_id": product["id"],
                    "remote_variant_id": None,
                    "remote_name": product.get("name", ""),
                    "has_options": False,
                },
            )
    matches = []
    seen_remote: set = set()
    matched_products: set = set()
    remote_variant_counts = {m["remote_product_id"]: m["remote_variants"] for m in by_name.values()}
    for variant in variants_with_identifiers(merchant=connection.merchant, connection=connection):
        found, matched_on = None, ""
        if variant.sku and variant.sku.lower() in by_sku:
            found, matched_on = by_sku[variant.sku.lower()], "sku"
        elif variant.barcode and variant.barcode in by_code:
            found, matched_on = by_code[variant.barcode], "barcode"
        if not found:
            continue
        remote_key = (found["remote_product_id"], found["remote_variant_id"])
        if remote_key in seen_remote:
            continue
        seen_remote.add(remote_key)
        matched_products.add(variant.product_id)
        matches.append(
            {
                # One choice per product: every matched variant of a product shares its key.
                "key": str(variant.product_id),
                "product_id": variant.product_id,
                "variant_id": variant.pk,
                "product_name": variant.product.name,
                "variant_name": str(variant),
                "sku": variant.sku,
                "barcode": variant.barcode,
                "matched_on": matched_on,
                "remote_variants": remote_variant_counts.get(found["remote_product_id"], 0),
                **{k: found[k] for k in ("remote_product_id", "remote_variant_id", "remote_name")},
            }
        )
    for product in products_for_name_match(merchant=connection.merchant, connection=connection):
        found = by_name.get(" ".join(product.name.split()).casefold())
        if product.pk in matched_products or not found or product.first_variant is None:
            continue
        if any(m["remote_product_id"] == found["remote_product_id"] for m in matches):
            continue
        variant = product.first_variant
        matches.append(
            {
                "key": str(product.pk),
                "product_id": product.pk,
                "variant_id": variant.pk,
                "product_name": product.name,
                "variant_name": str(variant),
                "sku": variant.sku,
                "barcode": variant.barcode,
                # A name alone is a suggestion: the merchant must choose (never linked by default).
                "matched_on": "name",
                "local_variants": product.variant_count,
                "remote_variants": found["remote_variants"],
                **{k: found[k] for k in ("remote_product_id", "remote_variant_id", "remote_name")},
            }
        )
    result = {
        "state": "ready",
        "matches": matches,
        "remote_products": remote_products,
        "checked_at": timezone.now().isoformat(),
    }
    connection.preflight = result
    connection.save(update_fields=["preflight", "updated_at"])
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.PREFLIGHT,
        direction=Dir.FROM_BIGCOMMERCE,
        code=journal_messages.SETUP_PREFLIGHT,
        params={
            "count": len({m["product_id"] for m in matches if m["matched_on"] != "name"}),
            "named": sum(1 for m in matches if m["matched_on"] == "name"),
        },
        detail={"remote_products": remote_products, "matches": len({m["product_id"] for m in matches})},
    )
    return result
