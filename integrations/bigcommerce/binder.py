"""Binder: which local row is which remote id, and who is working on a binding right now.

Bindings are ``ProductLink`` (one per product and connection), ``VariantLink`` and
``RemoteRef`` (options, option values, images, videos) in ``integrations.models``. A worker
takes a *lease* on a link before it talks to BigCommerce about it (``link_claim``), so two
workers never push the same product at once; a lease that its worker did not release (it died)
runs out by itself. No database lock is held during an HTTP call.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from catalog.models import Product
from integrations.models import ProductLink, RemoteRef, VariantLink

LEASE = timedelta(minutes=5)


def claimable() -> Q:
    """Links no worker holds: no lease, a lease run out, or a failed product waiting for its
    retry that was edited since it failed (the edit is pushed at once, like any edit)."""
    now = timezone.now()
    edited_since_failure = Exists(
        Product.objects.filter(pk=OuterRef("product_id")).exclude(revision=OuterRef("failed_revision"))
    )
    return (
        Q(claimed_until__isnull=True)
        | Q(claimed_until__lt=now)
        | (Q(failed_revision__isnull=False) & edited_since_failure)
    )


def link_claim(*, link: ProductLink, lease: timedelta = LEASE) -> bool:
    """Take the lease on ``link``; False if another worker holds it (or a retry is not due).
    Taking it ends a failed product's wait (``failed_revision``): the lease is a lease again."""
    now = timezone.now()
    taken = (
        ProductLink.objects.filter(pk=link.pk)
        .filter(claimable())
        .update(claimed_until=now + lease, failed_revision=None)
    )
    if taken:
        link.claimed_until = now + lease
        link.failed_revision = None
    return bool(taken)


def link_release(*, link: ProductLink, not_before: timedelta | None = None) -> None:
    """Give the lease back; ``not_before`` keeps others away that long (a retry's backoff)."""
    link.claimed_until = timezone.now() + not_before if not_before else None
    ProductLink.objects.filter(pk=link.pk).update(claimed_until=link.claimed_until)


def refs_by_local(*, link: ProductLink, kind: str) -> dict[int, RemoteRef]:
    return {ref.local_id: ref for ref in link.refs.all() if ref.kind == kind}


def ref_set(
    *, link: ProductLink, kind: str, local_id: int, remote_id: int, content_hash: str = "", parent_id: int | None = None
) -> RemoteRef:
    ref, _created = RemoteRef.objects.update_or_create(
        link=link,
        kind=kind,
        local_id=local_id,
        defaults={"remote_id": remote_id, "content_hash": content_hash, "parent_id": parent_id},
    )
    return ref


def bindings_replace(*, link: ProductLink, refs: list[RemoteRef], variant_links: list[VariantLink]) -> None:
    """A product just created in BigCommerce: all its bindings at once, in place of any an
    earlier attempt left (call inside the transaction that records the remote product id)."""
    link.refs.all().delete()
    link.variant_links.all().delete()
    RemoteRef.objects.bulk_create(refs)
    VariantLink.objects.bulk_create(variant_links)


def variant_link_set(
    *, link: ProductLink, variant_id: int, remote_variant_id: int, content_hash: str = "", values_hash: str = ""
) -> None:
    # A remote variant bound to another local variant (a swap) lets go of it first.
    VariantLink.objects.filter(link=link, remote_variant_id=remote_variant_id).exclude(variant_id=variant_id).delete()
    VariantLink.objects.update_or_create(
        link=link,
        variant_id=variant_id,
        defaults={"remote_variant_id": remote_variant_id, "content_hash": content_hash, "values_hash": values_hash},
    )
