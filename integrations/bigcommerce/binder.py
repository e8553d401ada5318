"""Binder: which local row is which remote id, and who is working on a binding right now.

Bindings are ``ProductLink`` (one per product and connection), ``VariantLink`` and
``RemoteRef`` (options, option values, images, videos) in ``integrations.models``. This module
is their one writer: a binding is made, pointed at another row, dropped or ended (``unlinked_at``)
only here (``tests/test_architecture.py`` holds it); the sync state they carry (content hashes,
errors, attempts) is written by the flows. The live filter is ``ProductLink.objects.live()``. A worker
takes a *lease* on a link before it talks to BigCommerce about it (``link_claim``), so two
workers never push the same product at once; a lease that its worker did not release (it died)
runs out by itself. No database lock is held during an HTTP call.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
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


# -- product links ---------------------------------------------------------------------------
def link_create(
    *, connection, product_id: int, remote_product_id: int | None, origin: str, merchant=None
) -> ProductLink:
    """A new binding of a local product to a remote one (or to none yet: a create to come)."""
    return ProductLink.objects.create(
        merchant=merchant or connection.merchant,
        connection=connection,
        product_id=product_id,
        store_hash=connection.store_hash,
        remote_product_id=remote_product_id,
        origin=origin,
    )


def link_remote_set(*, link: ProductLink, remote_product_id: int, content_hash: str) -> None:
    """The product the create made: the link now points at it."""
    link.remote_product_id = remote_product_id
    link.content_hash = content_hash
    link.save(update_fields=["remote_product_id", "content_hash"])


def link_rebind(*, link: ProductLink, remote_product_id: int, variant_pairs: list[tuple[int, int]], **state) -> None:
    """Point ``link`` at another remote product, its variant links replaced by ``variant_pairs``
    ((local variant id, remote variant id)) and every other binding under it dropped; ``state``:
    the sync state written with it."""
    ProductLink.objects.filter(pk=link.pk).update(remote_product_id=remote_product_id, **state)
    link.variant_links.all().delete()
    link.refs.all().delete()
    VariantLink.objects.bulk_create(
        [VariantLink(link=link, variant_id=local, remote_variant_id=remote) for local, remote in variant_pairs]
    )


def link_remote_forget(*, link: ProductLink, **state) -> None:
    """The remote product is gone (deleted there): the link points at nothing, its bindings go."""
    link.refs.all().delete()
    link.variant_links.all().delete()
    ProductLink.objects.filter(pk=link.pk).update(remote_product_id=None, **state)


def link_end(*, link: ProductLink, **state) -> None:
    """The binding ends (kept, with ``unlinked_at``, for the history)."""
    ProductLink.objects.filter(pk=link.pk).update(unlinked_at=timezone.now(), **state)


def links_end(*, links: QuerySet, at=None) -> int:
    """End every binding of ``links``; how many."""
    return links.update(unlinked_at=at or timezone.now())


# -- variant links and remote refs ------------------------------------------------------------
def variant_links_replace(*, link: ProductLink, variant_links: list[VariantLink]) -> None:
    VariantLink.objects.filter(link=link).delete()
    VariantLink.objects.bulk_create(variant_links)


def variant_link_ensure(*, link: ProductLink, variant_id: int, remote_variant_id: int) -> None:
    """Bind the variant unless it is bound already (to whatever remote variant)."""
    VariantLink.objects.get_or_create(
        link=link, variant_id=variant_id, defaults={"remote_variant_id": remote_variant_id}
    )


def variant_link_drop(*, variant_link: VariantLink) -> None:
    variant_link.delete()


def refs_replace(*, link: ProductLink, kinds: list[str], refs: list[RemoteRef]) -> None:
    RemoteRef.objects.filter(link=link, kind__in=kinds).delete()
    RemoteRef.objects.bulk_create(refs)


def refs_move(*, source: ProductLink, target: ProductLink, kind: str) -> None:
    """A product came back under a new link: its refs of ``kind`` are still the same remote rows."""
    RemoteRef.objects.filter(link=source, kind=kind).update(link=target)


def refs_drop(*, link: ProductLink, kind: str, keep: list[RemoteRef] = ()) -> None:
    RemoteRef.objects.filter(link=link, kind=kind).exclude(pk__in=[r.pk for r in keep]).delete()


def ref_create(*, link: ProductLink, kind: str, local_id: int, remote_id: int) -> RemoteRef:
    return RemoteRef.objects.create(link=link, kind=kind, local_id=local_id, remote_id=remote_id)


def ref_rebind(*, ref: RemoteRef, local_id: int) -> None:
    """The same remote row, now standing for another local row (one made again with the same name)."""
    ref.local_id = local_id
    ref.save(update_fields=["local_id"])


def ref_drop(*, ref: RemoteRef) -> None:
    ref.delete()
