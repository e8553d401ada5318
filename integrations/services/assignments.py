"""Which products sync to BigCommerce (products managed in Comptoir): the catalog's "Assign
channels" action, unassigning, and retrying a product that failed. Platform calls happen in the
export task that these enqueue on commit."""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from integrations import journal_messages
from integrations.bigcommerce import binder
from integrations.bigcommerce.products import export as exporter
from integrations.errors import WrongStep
from integrations.models import BigCommerceConnection, ProductAssignment, ProductLink, SyncEvent
from integrations.services.journal import journal_products, sync_event_record


def _kick_on_commit(connection: BigCommerceConnection) -> None:

    transaction.on_commit(lambda: exporter.export_kick(connection=connection))


def products_assign(*, connection: BigCommerceConnection, product_ids: Sequence[int]) -> int:
    """Assign the merchant's products among ``product_ids``; returns how many were newly assigned."""

    merchant = connection.merchant
    ids = list(Product.objects.filter(merchant=merchant, pk__in=product_ids).values_list("pk", flat=True))
    with transaction.atomic():
        already = set(
            ProductAssignment.objects.filter(
                merchant=merchant, product_id__in=ids, unassigned_at__isnull=True
            ).values_list("product_id", flat=True)
        )
        ProductAssignment.objects.filter(merchant=merchant, product_id__in=ids).update(unassigned_at=None)
        ProductAssignment.objects.bulk_create(
            [ProductAssignment(merchant=merchant, product_id=pk) for pk in ids], ignore_conflicts=True
        )
        added = len(set(ids) - already)
        exporter.links_ensure(connection=connection)
        if added:
            sync_event_record(
                connection=connection,
                kind=SyncEvent.Kind.PRODUCT_EXPORT,
                direction=SyncEvent.Direction.TO_BIGCOMMERCE,
                code=journal_messages.ASSIGNED,
                params={"count": added},
                detail={"product_ids": sorted(set(ids) - already)},
                products=journal_products(product_ids=set(ids) - already),
            )
            _kick_on_commit(connection)
    return added


def products_unassign(*, connection: BigCommerceConnection, product_ids: Sequence[int], delete_copies: bool) -> int:
    """Stop syncing these products; with ``delete_copies`` the copies Comptoir created in
    BigCommerce are deleted (products that existed there before are always kept)."""
    merchant = connection.merchant
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            ProductAssignment.objects.filter(
                merchant=merchant, product_id__in=product_ids, unassigned_at__isnull=True
            ).values_list("product_id", flat=True)
        )
        ProductAssignment.objects.filter(merchant=merchant, product_id__in=ids).update(unassigned_at=now)
        links = ProductLink.objects.live().filter(connection=connection, product_id__in=ids)
        # The products that exist remotely are deleted or taken off the Comptoir-POS channel by
        # the export task (off the channel, they do not come back at the next connect); the
        # rest just end.
        binder.links_end(links=links.filter(remote_product_id__isnull=True), at=now)
        if links.filter(remote_product_id__isnull=False).update(
            removal_requested_at=now, removal_keeps_copy=not delete_copies, claimed_until=None, failed_revision=None
        ):
            _kick_on_commit(connection)
        if ids:
            count = len(ids)
            sync_event_record(
                connection=connection,
                kind=SyncEvent.Kind.PRODUCT_UNASSIGN,
                direction=SyncEvent.Direction.TO_BIGCOMMERCE,
                code=journal_messages.UNASSIGNED,
                params={"count": count, "delete_copies": delete_copies},
                detail={"product_ids": ids, "delete_copies": delete_copies},
                products=journal_products(product_ids=ids),
            )
    return len(ids)


def product_sync_retry(*, connection: BigCommerceConnection, product) -> bool:
    """Retry a failed product now instead of at its next automatic retry."""
    with transaction.atomic():
        retried = (
            ProductLink.objects.live()
            .filter(connection=connection, product_id=product.pk, state=ProductLink.State.FAILED)
            .update(claimed_until=None)
        )
        if retried:
            sync_event_record(
                connection=connection,
                kind=SyncEvent.Kind.PRODUCT_EXPORT,
                direction=SyncEvent.Direction.TO_BIGCOMMERCE,
                message=lambda: _("Retry of “%(name)s” requested.") % {"name": product.name},
                product=product,
            )
            _kick_on_commit(connection)
    return bool(retried)


def product_sync_retry_all_failed(*, connection: BigCommerceConnection) -> int:
    """Retry now every product of the connection whose sync failed; returns how many."""
    with transaction.atomic():
        failed = ProductLink.objects.live().filter(connection=connection, state=ProductLink.State.FAILED)
        failed_ids = list(failed.values_list("product_id", flat=True))
        retried = failed.update(claimed_until=None)
        if retried:
            sync_event_record(
                connection=connection,
                kind=SyncEvent.Kind.PRODUCT_EXPORT,
                direction=SyncEvent.Direction.TO_BIGCOMMERCE,
                code=journal_messages.RETRY_REQUESTED,
                params={"count": retried},
                products=journal_products(product_ids=failed_ids),
            )
            _kick_on_commit(connection)
    return retried


def product_link_to_store(*, connection: BigCommerceConnection, product, remote_product_id: int) -> ProductLink:
    """The merchant's choice, after a create was refused because a store product already has the
    product's SKU (or its name): bind the product to that store product instead of creating it. From then on it
    syncs as the managing side says (managed in Comptoir: Comptoir's fields are sent to it).

    Only the store product that the refusal named can be chosen, and only while no other
    Comptoir product is bound to it; otherwise ``WrongStep`` says why."""

    with transaction.atomic():
        link = (
            ProductLink.objects.select_for_update().live().filter(connection=connection, product_id=product.pk).first()
        )
        clash = (link.last_error_detail or {}).get("clash") if link is not None else None
        if (
            link is None
            or link.remote_product_id is not None
            or link.state != ProductLink.State.FAILED
            or not clash
            or clash.get("remote_product_id") != remote_product_id
        ):
            raise WrongStep(_("This product has no refusal to resolve by linking: reload the page."))
        if ProductLink.objects.live().filter(connection=connection, remote_product_id=remote_product_id).exists():
            raise WrongStep(
                _("The store's product #%(id)s is already linked to another Comptoir product.")
                % {"id": remote_product_id}
            )
        binder.link_rebind(
            link=link,
            remote_product_id=remote_product_id,
            variant_pairs=list(_variants_matched(product, clash)),
            origin=ProductLink.Origin.LINKED,
            state=ProductLink.State.PENDING,
            content_hash="",
            create_sent_at=None,
            claimed_until=None,
            failed_revision=None,
            attempts=0,
            last_error="",
            last_error_i18n={},
            last_error_detail={},
        )
        name, remote_name, sku = product.name, clash.get("name", ""), clash.get("sku", "")
        sync_event_record(
            connection=connection,
            kind=SyncEvent.Kind.PRODUCT_EXPORT,
            direction=SyncEvent.Direction.TO_BIGCOMMERCE,
            message=lambda: (
                (
                    _(
                        "“%(name)s” linked to the store's product “%(remote)s” (#%(id)s, SKU %(sku)s) at the "
                        "merchant's request, instead of being created; Comptoir's fields are sent to it."
                    )
                    if sku
                    else _(
                        "“%(name)s” linked to the store's product “%(remote)s” (#%(id)s) at the merchant's "
                        "request, instead of being created; Comptoir's fields are sent to it."
                    )
                )
                % {"name": name, "remote": remote_name, "id": remote_product_id, "sku": sku}
            ),
            detail={"remote_product_id": remote_product_id, "clash": clash},
            product=product,
        )
        _kick_on_commit(connection)
    link.refresh_from_db()
    return link


def _variants_matched(product, clash: dict) -> list[tuple[int, int]]:
    """(local variant, remote variant) pairs: a product without options is its store product's
    base variant; variants of a product with options are matched by SKU."""
    variants = list(product.variants.all())
    remote = clash.get("variants") or []
    if len(variants) == 1 and not product.options.exists():
        base = clash.get("base_variant_id") or next((v["id"] for v in remote), None)
        return [(variants[0].pk, base)] if base else []
    by_sku = {v["sku"].casefold(): v["id"] for v in remote if v.get("sku")}
    return [(v.pk, by_sku[v.sku.casefold()]) for v in variants if v.sku and v.sku.casefold() in by_sku]
