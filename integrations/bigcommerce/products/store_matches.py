"""Products that already exist in the store when Comptoir creates one: which is ours, and which
the merchant may choose to link to.

A create is marked as sent before it is sent; when its answer was lost, the product it made is
looked up by name and taken only if it is ours (``lost_create_find``). A create that BigCommerce
refuses because a store product already has its SKU or name is never bound by itself: the store
product is kept on the failure (``clash_find``) so that the product page can offer linking to it,
the merchant's explicit choice (``services.assignments.product_link_to_store``).
"""

from __future__ import annotations

from catalog.models import Product
from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.errors import BigCommerceError, Conflict
from integrations.bigcommerce.mappers import outbound
from integrations.models import BigCommerceConnection, ProductLink


def _held(*, connection: BigCommerceConnection, remote_ids, link: ProductLink | None = None) -> set[int]:
    """Which of these store products another active link already holds."""
    links = ProductLink.objects.live().filter(connection=connection, remote_product_id__in=[i for i in remote_ids if i])
    if link is not None:
        links = links.exclude(pk=link.pk)
    return set(links.values_list("remote_product_id", flat=True))


def lost_create_find(
    *, client, connection: BigCommerceConnection, link: ProductLink, snap: outbound.ProductSnapshot
) -> dict | None:
    """The product our create made when its answer was lost, if BigCommerce has it.

    Looked up by name (unique in BigCommerce), and taken only when it is ours: it carries our SKUs
    or barcodes, or, for a product with neither, it is in the Comptoir POS category and was made
    after our create was sent (``outbound.made_by_our_create``); and no other link holds it.
    Someone else's product of that name is never bound here: the create is then refused as a
    duplicate name, and linking to it is the merchant's choice."""
    params = {"name": snap.name, "include": "variants,images,videos,options"}
    found = api.products_list(client, params)
    held = _held(connection=connection, remote_ids=[r["id"] for r in found], link=link)
    return next(
        (
            remote
            for remote in found
            if remote["id"] not in held
            and outbound.made_by_our_create(
                snap, remote, category_id=connection.category_id, sent_at=link.create_sent_at
            )
        ),
        None,
    )


def _refused_create(link: ProductLink, product: Product | None, exc: BigCommerceError) -> bool:
    return isinstance(exc, Conflict) and link.remote_product_id is None and product is not None


def clash_find(*, client, connection: BigCommerceConnection, link: ProductLink, product, exc) -> dict:
    """A create refused because a store product already has one of our SKUs, or our name: that
    product (``{"clash": {...}}``) so that the merchant can choose to link to it, unless another
    Comptoir product is bound to it. Best effort: nothing when the look-up fails."""
    if not _refused_create(link, product, exc):
        return {}
    on_sku = exc.on_sku
    skus = [v.sku for v in product.variants.all() if v.sku]
    try:
        if on_sku and skus:  # variants: the SKU may be a variant's of a product with options
            found = api.variants_by_sku(client, skus)
            remote_id = next((v.get("product_id") for v in found or []), None)
        elif not on_sku:
            found = api.products_list(client, {"name": product.name})
            remote_id = next((p.get("id") for p in found or []), None)
        else:
            remote_id = None
        if remote_id is None or _held(connection=connection, remote_ids=[remote_id]):
            return {}
        remote = api.product_get(client, remote_id, include="variants")
    except BigCommerceError:
        return {}
    return {"clash": {**outbound.clash_summary(remote), "matched_on": "sku" if on_sku else "name"}}


def same_name_in_comptoir(*, connection: BigCommerceConnection, link: ProductLink, product, exc) -> Product | None:
    """A create refused for its name because another Comptoir product of that name is already in
    the store: that product (BigCommerce needs unique names; Comptoir does not)."""
    if not _refused_create(link, product, exc):
        return None
    others = (
        ProductLink.objects.live().filter(connection=connection, remote_product_id__isnull=False).exclude(pk=link.pk)
    )
    return (
        Product.objects.filter(
            merchant_id=connection.merchant_id, name=product.name, pk__in=others.values("product_id")
        )
        .order_by("pk")
        .first()
    )
