"""The plain data the outbound mapper reads, from a page of products fetched in a constant
number of queries (``products_for_export``)."""

from __future__ import annotations

from urllib.parse import quote, urljoin

from django.conf import settings
from django.db.models import Prefetch

from catalog.models import OptionValue, Product, ProductOption, Variant
from integrations.bigcommerce.mappers import outbound
from inventory.selectors import online_level_expression


def products_for_export(ids: list[int]) -> dict[int, Product]:
    """These products with everything ``snapshot`` reads, prefetched."""
    values = Prefetch("values", queryset=OptionValue.objects.order_by("position", "id"))
    return {
        p.pk: p
        for p in Product.objects.filter(pk__in=ids)
        .select_related("merchant")
        .prefetch_related(
            Prefetch("options", queryset=ProductOption.objects.order_by("position", "id").prefetch_related(values)),
            Prefetch(
                "variants",
                queryset=Variant.objects.order_by("position", "id")
                .annotate(online_level=online_level_expression())
                .prefetch_related("option_values__option"),
            ),
            "images",
            "videos",
        )
    }


def snapshot(product: Product) -> outbound.ProductSnapshot:
    """The plain data the outbound mapper reads (prefetched as ``_products_for`` does)."""
    options = tuple(
        outbound.OptionSnapshot(id=o.pk, name=o.name, values=tuple((v.pk, v.value) for v in o.values.all()))
        for o in product.options.all()
    )
    position = {o.id: i for i, o in enumerate(options)}

    variants = tuple(
        outbound.VariantSnapshot(
            id=v.pk,
            sku=v.sku,
            barcode=v.barcode,
            price=v.price,
            combination=tuple((ov.option.name, ov.value) for ov in _ordered_values(v, position)),
            value_ids=tuple(ov.pk for ov in _ordered_values(v, position)),
            # the whole stock, or BigCommerce's share when split: the primary shop's (inventory.selectors)
            stock=v.online_level,
        )
        for v in product.variants.all()
    )
    public = settings.COMPTOIR_MEDIA_PUBLIC_URL.rstrip("/") + "/"
    return outbound.ProductSnapshot(
        id=product.pk,
        name=product.name,
        description=product.description,
        shipping_weight_grams=product.shipping_weight_grams,
        seo_title=product.seo_title,
        seo_description=product.seo_description,
        search_keywords=product.search_keywords,
        track_stock=product.track_stock,
        is_archived=product.is_archived,
        currency=product.merchant.currency,
        options=options,
        variants=variants,
        images=tuple(
            outbound.ImageSnapshot(
                id=i.pk, url=urljoin(public, quote(i.image.name)), alt_text=i.alt_text, position=i.position
            )
            for i in product.images.all()
        ),
        videos=tuple(
            outbound.VideoSnapshot(
                id=v.pk, youtube_id=v.youtube_id, title=v.title, description=v.description, position=v.position
            )
            for v in product.videos.all()
        ),
    )


def _ordered_values(variant, position: dict[int, int]):
    return sorted(variant.option_values.all(), key=lambda ov: (position.get(ov.option_id, 99), ov.option_id))
