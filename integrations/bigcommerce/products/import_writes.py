"""The import's writes in Comptoir: the product through the catalog services (origin
"bigcommerce"), and the binder rows that say which Comptoir row is which BigCommerce one
(``ProductLink``, ``VariantLink``, ``RemoteRef`` for options, values and images). The
flows that call these are in ``importer``; callers hold the transaction.
"""

from __future__ import annotations

from django.utils import timezone

from catalog.models import Product, ProductImage
from catalog.services import product_archive, product_create, product_image_add, product_image_delete, product_update
from catalog.variants import combination_key
from integrations.bigcommerce import binder
from integrations.bigcommerce.mappers.inbound import ProductIn, product_fields, variant_specs
from integrations.bigcommerce.stock.start import initial_key, shop_initial_key
from integrations.models import ProductLink, RemoteRef, VariantLink
from inventory.models import StockOrigin
from inventory.reasons import ReasonCode
from inventory.services import stock_set
from portal.models import Shop

ORIGIN = "bigcommerce"
MANAGED_IN = "BigCommerce"


def link_active(connection, remote_id) -> ProductLink | None:
    return ProductLink.objects.live().filter(connection=connection, remote_product_id=remote_id).first()


def product_returning(connection, remote_id: int) -> tuple[ProductLink | None, Product | None]:
    """A product that left the channel and came back: its last link and its Comptoir copy
    (brought back rather than duplicated), unless another link holds that copy now."""
    old = (
        ProductLink.objects.filter(connection=connection, remote_product_id=remote_id)
        .exclude(unlinked_at__isnull=True)
        .order_by("-unlinked_at")
        .first()
    )
    product = Product.objects.filter(pk=old.product_id, merchant=connection.merchant).first() if old else None
    if product is None or ProductLink.objects.live().filter(product=product).exists():
        return None, None
    return old, product


def product_write(
    connection, link, product, incoming: ProductIn, previous=None, places: tuple | None = None
) -> tuple[ProductLink, bool]:
    """``places``: where the starting stock goes (``start.import_starting_places``); None: the
    product's own level into the primary shop, as with the default location only."""
    before = set(product.variants.values_list("pk", flat=True)) if product else set()
    specs = variant_specs(incoming, existing=_variant_values(product) if product else None)
    options = incoming.option_specs
    if product is None:
        product = product_create(
            merchant=connection.merchant,
            fields=product_fields(incoming),
            variants=specs,
            options=options,
            origin=ORIGIN,
        )
    else:
        product_update(
            product=product,
            fields=product_fields(incoming, existing=product),
            variants=specs,
            options=options,
            origin=ORIGIN,
        )
        if product.is_archived:
            product_archive(product=product, archived=False, origin=ORIGIN)
    Product.objects.filter(pk=product.pk).update(managed_in=MANAGED_IN)
    product.refresh_from_db()
    created = link is None
    if link is None or link.product_id != product.pk:
        if link is not None:
            binder.link_end(link=link)
        link = binder.link_create(
            connection=connection,
            product_id=product.pk,
            remote_product_id=incoming.remote_id,
            origin=ProductLink.Origin.IMPORTED,
        )
        if previous is not None:  # the images it had are still the same remote images
            binder.refs_move(source=previous, target=link, kind=RemoteRef.Kind.IMAGE)
    link.state = ProductLink.State.SYNCED
    link.content_hash = incoming.content_hash
    link.synced_revision = product.revision
    link.synced_at = timezone.now()
    link.attempts = 0
    link.last_error, link.last_error_i18n, link.last_error_detail = "", {}, {}
    link.save()
    variants = {combination_key(_combination(v)): v for v in product.variants.prefetch_related("option_values__option")}
    binder.variant_links_replace(
        link=link,
        variant_links=[
            VariantLink(link=link, variant=variants[combination_key(v.combination)], remote_variant_id=v.remote_id)
            for v in incoming.variants
            if v.remote_id and combination_key(v.combination) in variants
        ],
    )
    _option_refs_write(link, product, incoming)
    # The starting stock, once per variant: a new variant's, and (products that existed on both
    # sides, linked at setup) the linked variant's at its first import, zero included.
    linked = link.origin == ProductLink.Origin.LINKED
    default_shop, located = places or (None, {})
    shops = {s.pk: s for s in Shop.objects.filter(pk__in={default_shop, *located} - {None})}
    for spec in incoming.variants:
        variant = variants.get(combination_key(spec.combination))
        if variant is None or spec.stock is None or not product.track_stock:
            continue
        starting = [] if places and default_shop is None else [(shops.get(default_shop), spec.stock, None)]
        starting += [(shops[shop], at[spec.remote_id], shop) for shop, at in located.items() if spec.remote_id in at]
        for shop, quantity, keyed in starting:
            if (variant.pk not in before and quantity) or (linked and variant.pk in before):
                key = initial_key(connection.pk, variant.pk)
                stock_set(
                    merchant=connection.merchant,
                    variant=variant,
                    quantity=quantity,
                    idempotency_key=key if keyed is None else shop_initial_key(connection.pk, variant.pk, keyed),
                    origin=StockOrigin.INITIAL,
                    reason_code=ReasonCode.ONLINE_START,
                    reason_params={"shop": "BigCommerce", "connection": connection.pk},
                    shop=shop,  # None: the primary shop (the default location's)
                )
    return link, created


def _variant_values(product: Product) -> dict:
    return {
        combination_key(_combination(v)): (v.price, v.cost_price, v.barcode)
        for v in product.variants.prefetch_related("option_values__option")
    }


def _combination(variant) -> tuple:
    values = sorted(variant.option_values.all(), key=lambda v: (v.option.position, v.option_id))
    return tuple((v.option.name, v.value) for v in values)


def _option_refs_write(link: ProductLink, product: Product, incoming: ProductIn) -> None:
    refs = []
    local = {o.name.casefold(): o for o in product.options.prefetch_related("values")}
    for option in incoming.options:
        row = local.get(option.name.casefold())
        if row is None:
            continue
        if option.remote_id:
            refs.append(RemoteRef(link=link, kind=RemoteRef.Kind.OPTION, local_id=row.pk, remote_id=option.remote_id))
        values = {v.value.casefold(): v for v in row.values.all()}
        for remote_id, label in option.values:
            if remote_id and label.casefold() in values:
                refs.append(
                    RemoteRef(
                        link=link,
                        kind=RemoteRef.Kind.OPTION_VALUE,
                        local_id=values[label.casefold()].pk,
                        remote_id=remote_id,
                    )
                )
    binder.refs_replace(link=link, kinds=[RemoteRef.Kind.OPTION, RemoteRef.Kind.OPTION_VALUE], refs=refs)


def image_refs_alive(link: ProductLink | None) -> dict[int, RemoteRef]:
    """Image references whose local image still exists, by remote image id."""
    if link is None:
        return {}
    refs = {r.remote_id: r for r in link.refs.filter(kind=RemoteRef.Kind.IMAGE)}
    alive = set(ProductImage.objects.filter(pk__in=[r.local_id for r in refs.values()]).values_list("pk", flat=True))
    return {remote_id: ref for remote_id, ref in refs.items() if ref.local_id in alive}


def images_write(link: ProductLink, incoming: ProductIn, known: dict[int, RemoteRef], downloads: dict) -> None:
    wanted = {image.remote_id for image in incoming.images}
    binder.refs_drop(link=link, kind=RemoteRef.Kind.IMAGE, keep=list(known.values()))
    for remote_id, ref in known.items():
        if remote_id not in wanted:
            image = ProductImage.objects.filter(pk=ref.local_id).select_related("product").first()
            if image is not None:
                product_image_delete(image=image, origin=ORIGIN)
            binder.ref_drop(ref=ref)
    product = link.product
    for image in incoming.images:
        upload = downloads.get(image.remote_id)
        if upload is not None:
            row = product_image_add(product=product, image=upload, alt_text=image.description, origin=ORIGIN)
            binder.ref_create(link=link, kind=RemoteRef.Kind.IMAGE, local_id=row.pk, remote_id=image.remote_id)
