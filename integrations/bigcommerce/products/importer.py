"""BigCommerce → Comptoir (products managed in BigCommerce): the import flows.

A product belongs in Comptoir while it is assigned to the connection's channel
("Comptoir-POS"). Every flow is idempotent: it reads the product from BigCommerce, maps it
(``mappers.inbound``), skips it when its content hash is the one last imported, and writes
through the catalog services with ``origin="bigcommerce"`` (so nothing is sent back). The
binder (``ProductLink`` and below) says which Comptoir product is which BigCommerce one; a
product the review linked is updated in place. A product unassigned from the channel or
deleted in BigCommerce is archived in Comptoir (its sales history stays) and its link ends.
Each step writes one journal line; a product that cannot be imported fails alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from catalog.services import product_archive
from integrations import journal_messages
from integrations.bigcommerce import binder
from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.client import BigCommerceClient, client_for
from integrations.bigcommerce.api.errors import NotFound
from integrations.bigcommerce.mappers.inbound import (
    InboundDataError,
    product_from_bigcommerce,
)
from integrations.bigcommerce.products.import_images import image_download
from integrations.bigcommerce.products.import_writes import (
    MANAGED_IN,
    ORIGIN,
    image_refs_alive,
    images_write,
    link_active,
    product_returning,
    product_write,
)
from integrations.bigcommerce.stock.start import import_starting_places, starting_stock_journal
from integrations.models import BigCommerceConnection, ProductLink, SyncEvent, SyncRun
from integrations.services.journal import sync_event_record
from integrations.services.queue import enqueue_on_commit

INCLUDE = "variants,images,options"
FETCH_BATCH = 10  # with include=options, BigCommerce answers at most 10 products a page
CHUNK = 50  # products per task of the initial import

Kind = SyncEvent.Kind
FROM = SyncEvent.Direction.FROM_BIGCOMMERCE


@dataclass
class ImportResult:
    link: ProductLink | None
    status: str  # "imported", "unchanged", "failed"


def is_importing(connection: BigCommerceConnection | None) -> bool:
    return bool(
        connection
        and connection.is_active
        and connection.managed_in == BigCommerceConnection.ManagedIn.BIGCOMMERCE
        and connection.channel_id
        and connection.access_token
    )


# -- reading BigCommerce ------------------------------------------------------------------
def channel_product_ids(*, client: BigCommerceClient, channel_id: int) -> list[int]:
    """Every product assigned to the channel, in BigCommerce's order (all pages)."""
    ids = (row.get("product_id") for row in api.channel_assignments_iter(client, channel_id=channel_id))
    return list(dict.fromkeys(i for i in ids if isinstance(i, int)))


def products_fetch(*, client: BigCommerceClient, ids: list[int]) -> dict[int, dict]:
    """The products among ``ids`` that still exist, read with variants, images and options."""
    found: dict[int, dict] = {}
    for start in range(0, len(ids), FETCH_BATCH):
        chunk = ids[start : start + FETCH_BATCH]
        params = {"id:in": ",".join(map(str, chunk)), "include": INCLUDE, "limit": FETCH_BATCH}
        for product in api.products_list(client, params):
            if isinstance(product, dict) and product.get("id") in chunk:
                found[product["id"]] = product
    return found


def is_assigned(*, client: BigCommerceClient, channel_id: int, remote_product_id: int) -> bool:
    rows = api.channel_assignments_of(client, channel_id=channel_id, product_id=remote_product_id)
    return any(row.get("product_id") == remote_product_id for row in rows)


# -- one product -----------------------------------------------------------------------------
def product_import(
    *, connection: BigCommerceConnection, remote: dict, client: BigCommerceClient | None = None
) -> ImportResult:
    """Bring one BigCommerce product (read with ``INCLUDE``) into Comptoir, or update its copy."""
    remote_id = remote.get("id") if isinstance(remote, dict) else None
    link = link_active(connection, remote_id) if isinstance(remote_id, int) else None
    try:
        incoming = product_from_bigcommerce(
            remote,
            include_prices=bool(connection.include_prices),
            currency=connection.store_currency or connection.merchant.currency,
            weight_units=connection.weight_units,
        )
    except InboundDataError as exc:
        return _failed(connection, link, remote, exc.message)
    product = Product.objects.filter(pk=link.product_id).first() if link else None
    if link and product and link.content_hash == incoming.content_hash and not product.is_archived:
        return ImportResult(link, "unchanged")
    previous = None
    if product is None:
        previous, product = product_returning(connection, incoming.remote_id)
    known_images = image_refs_alive(previous if previous else link if product else None)
    downloads, image_errors = {}, []
    for image in incoming.images:
        if image.remote_id not in known_images:
            client = client or client_for(connection)
            try:
                downloads[image.remote_id] = image_download(client=client, url=image.url)
            except InboundDataError as exc:
                image_errors.append((image, exc.message))
    places = None
    if incoming.track_stock and any(v.stock is not None and v.remote_id for v in incoming.variants):
        # Read before the transaction: each mapped location's level (a call only when there is another).
        client = client or client_for(connection)
        remote_ids = [v.remote_id for v in incoming.variants if v.remote_id]
        places = import_starting_places(connection=connection, client=client, remote_ids=remote_ids)
    try:
        with transaction.atomic():
            link, created = product_write(connection, link, product, incoming, previous, places)
            images_write(link, incoming, known_images, downloads)
    except ValidationError as exc:
        return _failed(connection, link, remote, " ".join(exc.messages))
    for image, reason in image_errors:
        _image_failed(connection, link, image, reason)
    sync_event_record(
        connection=connection,
        kind=Kind.PRODUCT_IMPORT,
        direction=FROM,
        code=journal_messages.IMPORT_PRODUCT,
        params={"name": incoming.name, "created": created},
        product=link.product,
        detail={
            "remote_product_id": incoming.remote_id,
            "product_id": link.product_id,
            "variants": len(incoming.variants),
            "images": len(downloads),
            "warnings": list(incoming.warnings),
            "date_modified": incoming.date_modified,
        },
    )
    return ImportResult(link, "failed" if image_errors else "imported")


def product_leave(*, connection: BigCommerceConnection, remote_product_id: int, deleted: bool) -> bool:
    """The product left the channel (or BigCommerce): archive the Comptoir copy, end the link."""
    link = link_active(connection, remote_product_id)
    if link is None:
        return False
    with transaction.atomic():
        product = Product.objects.filter(pk=link.product_id).first()
        if product is not None:
            Product.objects.filter(pk=product.pk).update(managed_in="")
            product.managed_in = ""
            product_archive(product=product, archived=True, origin=ORIGIN)
        binder.link_end(link=link)
        name = product.name if product else f"#{remote_product_id}"
        sync_event_record(
            connection=connection,
            kind=Kind.PRODUCT_IMPORT,
            direction=FROM,
            code=journal_messages.IMPORT_LEFT,
            params={"name": name, "deleted": deleted},
            detail={"remote_product_id": remote_product_id, "product_id": link.product_id, "deleted": deleted},
            product=product if product is not None else {"id": link.product_id, "name": name},
        )
    return True


def product_refresh(*, connection: BigCommerceConnection, remote_product_id: int) -> str:
    """Bring one product in line with BigCommerce: import it if it is assigned to our channel,
    let it leave if it is not (or no longer exists). Webhooks call this, whatever their order.

    The assignment is asked first: most store events are about products of other channels,
    and then that one call is all it costs."""
    client = client_for(connection)
    assigned = is_assigned(client=client, channel_id=connection.channel_id, remote_product_id=remote_product_id)
    if not assigned and link_active(connection, remote_product_id) is None:
        return "ignored"
    try:
        remote = products_fetch(client=client, ids=[remote_product_id]).get(remote_product_id)
    except NotFound:
        remote = None
    if remote is None or not assigned:
        left = product_leave(connection=connection, remote_product_id=remote_product_id, deleted=remote is None)
        return "left" if left else "ignored"
    return product_import(connection=connection, remote=remote, client=client).status


# -- runs ------------------------------------------------------------------------------------
def import_initial_start(*, connection: BigCommerceConnection) -> SyncRun:
    """Count the channel's products and start the initial import (in chunks, on commit)."""
    total = len(channel_product_ids(client=client_for(connection), channel_id=connection.channel_id))
    run = SyncRun.objects.create(
        merchant=connection.merchant, connection=connection, kind=SyncRun.Kind.IMPORT, initial=True, total=total
    )
    sync_event_record(
        connection=connection,
        kind=Kind.INITIAL_SYNC,
        direction=FROM,
        status=SyncEvent.Status.RUNNING,
        code=journal_messages.IMPORT_STARTED,
        params={"total": total},
        detail={"run_id": run.pk, "total": total},
    )
    enqueue_on_commit("integrations.tasks.bigcommerce_import_chunk", run.pk)
    return run


def import_chunk_run(*, run: SyncRun) -> bool:
    """Import the next chunk of the run's products; True when more remain (enqueue again).

    The position is ``done + failed``, so a retried task resumes where the last one stopped.
    """
    connection = run.connection
    offset = run.done + run.failed
    if run.status != SyncRun.Status.RUNNING:
        return False
    if not is_importing(connection):
        _run_finish(run, SyncRun.Status.FAILED)
        return False
    client = client_for(connection)
    page = api.channel_assignments_page(client, channel_id=connection.channel_id, limit=CHUNK, page=1 + offset // CHUNK)
    ids = [row["product_id"] for row in page if isinstance(row.get("product_id"), int)]
    ids = ids[offset % CHUNK :]
    remote = products_fetch(client=client, ids=ids)
    for remote_id in ids:
        product = remote.get(remote_id)  # None: deleted since it was counted, nothing to import
        ok = product is None or product_import(connection=connection, remote=product, client=client).status != "failed"
        progress = {"done": F("done") + 1} if ok else {"failed": F("failed") + 1}
        SyncRun.objects.filter(pk=run.pk).update(updated_at=timezone.now(), **progress)
    run.refresh_from_db()
    more = len(ids) > 0 and run.done + run.failed < run.total
    if not more:
        _run_finish(run, SyncRun.Status.FINISHED)
    return more


def import_resync_round(*, connection: BigCommerceConnection, page: int, counts: dict) -> bool:
    """One round of the resync (one task): the channel's ``page``-th ``CHUNK`` products imported
    when new or changed (unchanged ones are skipped by their content hash), ``counts`` added to.
    True while more pages are left (the next round goes to the tail of the queue, behind other
    merchants' work). The last round archives what left the channel and journals the counts. A
    product assigned or removed between rounds may shift the pages: it is caught by its webhook
    or the next resync."""
    client = client_for(connection)
    page_rows = api.channel_assignments_page(client, channel_id=connection.channel_id, limit=CHUNK, page=page)
    ids = list(dict.fromkeys(r["product_id"] for r in page_rows if isinstance(r.get("product_id"), int)))
    remote = products_fetch(client=client, ids=ids)
    for remote_id in ids:
        if remote_id in remote:
            status = product_import(connection=connection, remote=remote[remote_id], client=client).status
            counts[status] = counts.get(status, 0) + 1
    counts["total"] = counts.get("total", 0) + len(ids)
    if len(page_rows) == CHUNK:
        return True
    assigned = set(channel_product_ids(client=client, channel_id=connection.channel_id))
    linked = ProductLink.objects.live().filter(connection=connection, remote_product_id__isnull=False)
    for remote_id in set(linked.values_list("remote_product_id", flat=True)) - assigned:
        counts["left"] = counts.get("left", 0) + product_leave(
            connection=connection, remote_product_id=remote_id, deleted=False
        )
    found = {key: counts.get(key, 0) for key in ("imported", "unchanged", "failed", "left")}
    sync_event_record(
        connection=connection,
        kind=Kind.PRODUCT_IMPORT,
        direction=FROM,
        status=SyncEvent.Status.FAILED if found["failed"] else SyncEvent.Status.OK,
        code=journal_messages.IMPORT_CHECKED,
        params={"total": counts["total"], **found},
        detail=found,
    )
    return False


def _run_finish(run: SyncRun, status: str) -> None:
    SyncRun.objects.filter(pk=run.pk).update(status=status, finished_at=timezone.now())
    run.refresh_from_db()
    outcome = SyncEvent.Status.FAILED if run.failed or status != SyncRun.Status.FINISHED else SyncEvent.Status.OK
    # The "Importing N products" line announced the run: it is no longer running.
    SyncEvent.objects.filter(
        connection=run.connection, kind=Kind.INITIAL_SYNC, status=SyncEvent.Status.RUNNING, detail__run_id=run.pk
    ).update(status=outcome)
    sync_event_record(
        connection=run.connection,
        kind=Kind.INITIAL_SYNC,
        direction=FROM,
        status=outcome,
        code=journal_messages.IMPORT_FINISHED,
        params={"done": run.done, "total": run.total, "failed": run.failed},
        detail={"run_id": run.pk, "done": run.done, "failed": run.failed, "total": run.total},
    )
    if run.initial and status == SyncRun.Status.FINISHED:
        starting_stock_journal(connection=run.connection, run=run)


def _reason(reason) -> str:
    return str(reason()) if callable(reason) else reason


def _failed(connection, link, remote, reason) -> ImportResult:
    """``reason``: text (a service's ValidationError) or a callable building it in the current language."""
    remote_id = remote.get("id") if isinstance(remote, dict) else None
    name = (remote.get("name") if isinstance(remote, dict) else None) or f"#{remote_id}"

    def message():
        return _("“%(name)s” could not be imported from BigCommerce: %(reason)s") % {
            "name": name,
            "reason": _reason(reason),
        }

    event = sync_event_record(
        connection=connection,
        kind=Kind.PRODUCT_IMPORT,
        direction=FROM,
        status=SyncEvent.Status.FAILED,
        message=message,
        detail={"remote_product_id": remote_id, "reason": _reason(reason)},
        product=link.product if link is not None else {"name": name},
    )
    if link is not None:
        ProductLink.objects.filter(pk=link.pk).update(
            state=ProductLink.State.FAILED,
            content_hash="",
            attempts=F("attempts") + 1,
            last_error=event.message,
            last_error_i18n=event.message_i18n,
            last_error_detail={"remote_product_id": remote_id},
        )
    return ImportResult(link, "failed")


def _image_failed(connection, link: ProductLink, image, reason) -> None:
    """One image failed: journaled, and the link is left to retry it at the next sync."""
    event = sync_event_record(
        connection=connection,
        kind=Kind.PRODUCT_IMPORT,
        direction=FROM,
        status=SyncEvent.Status.FAILED,
        message=lambda: (
            _("An image of “%(name)s” could not be imported from BigCommerce: %(reason)s.")
            % {"name": link.product.name, "reason": _reason(reason)}
        ),
        detail={"remote_product_id": link.remote_product_id, "image_id": image.remote_id, "url": image.url},
        product=link.product,
    )
    ProductLink.objects.filter(pk=link.pk).update(
        state=ProductLink.State.FAILED, content_hash="", last_error=event.message, last_error_i18n=event.message_i18n
    )


def products_detach(*, connection: BigCommerceConnection) -> int:
    """The store is disconnected and the copies kept: they are Comptoir's to edit again."""
    product_ids = ProductLink.objects.live().filter(connection=connection).values("product_id")
    count = Product.objects.filter(merchant=connection.merchant, pk__in=product_ids, managed_in=MANAGED_IN).update(
        managed_in=""
    )
    if count:
        sync_event_record(
            connection=connection,
            kind=Kind.DISCONNECT,
            code=journal_messages.DISCONNECT_DETACHED,
            params={"count": count},
            detail={"products": count},
        )
    return count
