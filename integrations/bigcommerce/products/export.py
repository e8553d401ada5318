"""Comptoir → BigCommerce: create, update and remove the products managed in Comptoir.

Which products: those the merchant assigned (``ProductAssignment``; "all products" assigns
every product at Finish setup, and every product created later is assigned too). Each has a
``ProductLink``; a link is *dirty* when its product's ``revision`` moved past the revision it
last synced, when it is still pending, or when its product is gone. ``export_run`` works
through the dirty links of a connection in chunks and is safe to run twice or side by side:

- a worker leases a link before calling BigCommerce about it (``binder.link_claim``);
- a create is marked as sent before it is sent; if its answer was lost, the next attempt
  looks the product up by name before creating it again (BigCommerce product names are unique),
  so a crash or a timeout never makes a duplicate; what it finds is taken only if our create
  made it (``outbound.made_by_our_create``), never someone else's product of that name;
- each part (product fields, each variant, image, video) has a content hash; only parts whose
  hash changed are sent, product fields in batches of 10 and variants in batches of 50;
- a chunk is 50 products, the size of a channel-assignment batch: creating N products takes
  N + ceil(N / 50) calls (each create carries its variants, images, videos and category);
- one product's failure (BigCommerce's refusal, or any error of ours) is journaled on that
  product (and shown on its page) while the rest goes on; it is retried after a backoff, or at
  once when the product is edited since (``binder.claimable``); a store that is down or
  limiting stops the run, and the sweep resumes it.

This module chooses the products and runs the chunks; ``export_chunk`` pushes one chunk,
``export_structure`` one product's options, variants and media, ``export_snapshot`` reads them.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from catalog.models import Product
from integrations import journal_messages
from integrations.bigcommerce import binder
from integrations.bigcommerce.api.client import client_for
from integrations.bigcommerce.api.errors import (
    Unauthorized,
)
from integrations.bigcommerce.products.export_chunk import CHUNK, TRANSIENT, ChunkExport
from integrations.models import BigCommerceConnection, ProductAssignment, ProductLink, RemoteRef, SyncEvent, SyncRun
from integrations.services.incidents import connection_access_refused
from integrations.services.journal import sync_event_record
from integrations.services.queue import enqueue, enqueue_on_commit

logger = logging.getLogger(__name__)

Dir = SyncEvent.Direction
State = ProductLink.State
Ref = RemoteRef.Kind
RUN_BUDGET_SECONDS = 60  # then the task hands over to a fresh one (django-q2 timeout is larger)
ROUND_CHUNKS = 4  # chunks per round (one task): then the next round waits behind other merchants' work
INSERT_SLICE = 500  # rows per insert when every product gets an assignment or a link


# -- which products ---------------------------------------------------------------------
def exporting(connection: BigCommerceConnection) -> bool:
    return (
        connection.status == BigCommerceConnection.Status.CONNECTED
        and connection.managed_in == BigCommerceConnection.ManagedIn.COMPTOIR
        and bool(connection.access_token)
    )


def _insert_in_slices(*, model, ids, field: str, make) -> int:
    """``bulk_create`` one ``make(id)`` row per ``field`` value of the queryset ``ids``, a slice
    at a time, so that a worker's memory does not grow with the size of the catalogue."""
    count, last = 0, 0
    while True:
        page = list(ids.filter(**{f"{field}__gt": last}).order_by(field).values_list(field, flat=True)[:INSERT_SLICE])
        if not page:
            return count
        model.objects.bulk_create([make(pk) for pk in page], ignore_conflicts=True)
        count, last = count + len(page), page[-1]


def _unassigned(products):
    return products.exclude(Exists(ProductAssignment.objects.filter(product=OuterRef("pk"))))


def assignments_ensure(*, connection: BigCommerceConnection) -> int:
    """Products created since connecting are assigned, unless the merchant decided otherwise."""
    merchant = connection.merchant
    since = connection.connected_at or timezone.now()
    new = _unassigned(Product.objects.filter(merchant=merchant, created_at__gte=since, is_archived=False))

    def make(pk):
        return ProductAssignment(merchant=merchant, product_id=pk)

    return _insert_in_slices(model=ProductAssignment, ids=new, field="pk", make=make)


def links_ensure(*, connection: BigCommerceConnection) -> int:
    """A pending link for every assigned product that has none."""
    assigned = ProductAssignment.objects.filter(merchant=connection.merchant, unassigned_at__isnull=True).exclude(
        Exists(ProductLink.objects.live().filter(connection=connection, product_id=OuterRef("product_id")))
    )
    return _insert_in_slices(
        model=ProductLink,
        ids=assigned,
        field="product_id",
        make=lambda pk: ProductLink(
            merchant=connection.merchant,
            connection=connection,
            product_id=pk,
            store_hash=connection.store_hash,
            origin=ProductLink.Origin.CREATED_REMOTE,
            state=State.PENDING,
            synced_revision=0,
        ),
    )


def dirty_links(*, connection: BigCommerceConnection):
    """Links with something to send: pending, changed since last synced, or product gone."""
    product_exists = Exists(Product.objects.filter(pk=OuterRef("product_id")))
    changed = Exists(Product.objects.filter(pk=OuterRef("product_id")).exclude(revision=OuterRef("synced_revision")))
    return (
        ProductLink.objects.live()
        .filter(connection=connection)
        .filter(Q(state=State.PENDING) | changed | ~product_exists | Q(removal_requested_at__isnull=False))
        .order_by("id")
    )


def due_links(*, connection: BigCommerceConnection):
    """Dirty links that no worker holds and whose retry is due."""
    return dirty_links(connection=connection).filter(binder.claimable())


# -- runs ---------------------------------------------------------------------------------
def export_start(*, connection: BigCommerceConnection, initial: bool = False) -> SyncRun | None:
    """Inside the caller's transaction: make sure every assigned product has a link, open a
    run for the dirty ones (or reuse the running one), and enqueue its task on commit."""

    links_ensure(connection=connection)
    total = dirty_links(connection=connection).count()
    if not total:
        return None
    run = SyncRun.objects.filter(connection=connection, kind=SyncRun.Kind.EXPORT, status=SyncRun.Status.RUNNING).first()
    if run is None:
        run = SyncRun.objects.create(
            merchant=connection.merchant, connection=connection, kind=SyncRun.Kind.EXPORT, initial=initial, total=total
        )
    else:
        SyncRun.objects.filter(pk=run.pk).update(total=F("done") + F("failed") + total)
    enqueue_on_commit("integrations.tasks.bigcommerce_export_run", connection.pk, run.pk)
    return run


def export_kick(*, connection: BigCommerceConnection) -> None:
    """After a change: push what is due, in the running run if there is one."""

    run = SyncRun.objects.filter(connection=connection, kind=SyncRun.Kind.EXPORT, status=SyncRun.Status.RUNNING).first()
    enqueue("integrations.tasks.bigcommerce_export_run", connection.pk, run.pk if run else None)


def export_initial_start(*, connection: BigCommerceConnection) -> SyncRun | None:
    """At Finish setup: "all products" assigns the whole catalog; linked products are pushed too."""
    if connection.sync_scope == BigCommerceConnection.SyncScope.ALL:
        merchant = connection.merchant
        ProductAssignment.objects.filter(merchant=merchant).update(unassigned_at=None)
        _insert_in_slices(
            model=ProductAssignment,
            ids=_unassigned(Product.objects.filter(merchant=merchant, is_archived=False)),
            field="pk",
            make=lambda pk: ProductAssignment(merchant=merchant, product_id=pk),
        )
    run = export_start(connection=connection, initial=True)
    total = run.total if run else 0
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.INITIAL_SYNC,
        direction=Dir.TO_BIGCOMMERCE,
        status=SyncEvent.Status.RUNNING if total else SyncEvent.Status.OK,
        code=journal_messages.EXPORT_STARTED,
        params={"total": total},
        detail={"run_id": run.pk if run else None, "sync_scope": connection.sync_scope, "total": total},
    )
    return run


def export_run(*, connection: BigCommerceConnection, run: SyncRun | None, budget: float = RUN_BUDGET_SECONDS) -> bool:
    """One round: push due links, ``ROUND_CHUNKS`` chunks at most (or until the time budget is
    spent, or none is left).

    Returns True when more is left: the task enqueues the next round at the tail of the queue, so
    that other merchants' work goes in between."""
    if not exporting(connection):
        return False
    started = time.monotonic()
    chunk_export = ChunkExport(connection=connection, client=client_for(connection), run=run)
    try:
        for _ in range(ROUND_CHUNKS):
            if time.monotonic() - started >= budget:
                return True
            chunk = list(due_links(connection=connection)[:CHUNK])
            if not chunk:
                return False
            claimed = [link for link in chunk if binder.link_claim(link=link)]
            if claimed:
                chunk_export.chunk_export(claimed)
        return due_links(connection=connection).exists()
    except Unauthorized as exc:
        logger.warning("Store %s refused our token; the export stops", connection.store_hash)
        connection_access_refused(connection=connection, status=exc.status)
        return False
    except TRANSIENT as exc:
        chunk_export.release_all(not_before=timedelta(seconds=30))
        logger.info("Export for %s paused: %s", connection.store_hash, exc)
        return False
    finally:
        _run_close_if_done(connection=connection, run=run)


def _run_close_if_done(*, connection: BigCommerceConnection, run: SyncRun | None) -> None:
    if run is None:
        return
    run.refresh_from_db()
    if run.status != SyncRun.Status.RUNNING or dirty_links(connection=connection).filter(state=State.PENDING).exists():
        return
    if due_links(connection=connection).exclude(state=State.FAILED).exists():
        return
    run.status = SyncRun.Status.FINISHED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at", "updated_at"])
    done, failed = run.done, run.failed
    sync_event_record(
        connection=connection,
        kind=SyncEvent.Kind.INITIAL_SYNC if run.initial else SyncEvent.Kind.PRODUCT_EXPORT,
        direction=Dir.TO_BIGCOMMERCE,
        status=SyncEvent.Status.FAILED if failed else SyncEvent.Status.OK,
        code=journal_messages.EXPORT_FINISHED,
        params={"done": done, "failed": failed},
        detail={"run_id": run.pk, "done": done, "failed": failed, "total": run.total},
    )
    SyncEvent.objects.filter(
        connection=connection, kind=SyncEvent.Kind.INITIAL_SYNC, status=SyncEvent.Status.RUNNING
    ).update(status=SyncEvent.Status.OK)
    if run.initial:
        enqueue_on_commit("integrations.tasks.bigcommerce_starting_stock_set", connection.pk)
