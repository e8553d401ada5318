"""One chunk of the export: up to 50 leased product links pushed to BigCommerce together.

Creates go one call each (variants, images, videos and the category inline) and join the
Comptoir-POS channel in one call per chunk; updates send only the parts whose hash changed,
product fields ten to a call and variants fifty; removals delete the copy Comptoir made. Each
product's outcome (synced or failed, with a sentence a merchant understands) is written on its
link and in the journal; the run's progress is written once per chunk.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations import journal_messages
from integrations.bigcommerce import binder
from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.errors import (
    BigCommerceError,
    ExportFailed,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from integrations.bigcommerce.mappers import outbound
from integrations.bigcommerce.mappers.outbound import content_hash
from integrations.bigcommerce.products import store_matches
from integrations.bigcommerce.products.export_outcome import ExportOutcomes, PendingProduct
from integrations.bigcommerce.products.export_snapshot import products_for_export, snapshot
from integrations.bigcommerce.products.export_structure import StructureSync
from integrations.bigcommerce.stock import start as stock_start
from integrations.models import BigCommerceConnection, ProductLink, RemoteRef, SyncEvent, SyncRun, VariantLink
from integrations.services.journal import sync_event_record

logger = logging.getLogger(__name__)

Dir = SyncEvent.Direction
State = ProductLink.State
Ref = RemoteRef.Kind
ASSIGN_BATCH = 50
CHUNK = ASSIGN_BATCH  # products per round: one channel-assignment PUT, five batched product PUTs
PRODUCT_BATCH = 10  # BigCommerce's limit for PUT /v3/catalog/products
VARIANT_BATCH = 50  # and for PUT /v3/catalog/variants
TRANSIENT = (Unavailable, RateLimited, OutcomeUnknown)


@dataclass
class ChunkExport(ExportOutcomes):
    connection: BigCommerceConnection
    client: object
    run: SyncRun | None
    held: list[ProductLink] = field(default_factory=list)
    done: int = 0  # progress not yet written to the run
    failed: int = 0

    @property
    def store(self) -> outbound.StoreSettings:
        c = self.connection
        return outbound.StoreSettings(
            include_prices=bool(c.include_prices), category_id=c.category_id, weight_units=c.weight_units or "kg"
        )

    def release_all(self, *, not_before: timedelta | None = None) -> None:
        for link in self.held:
            binder.link_release(link=link, not_before=not_before)
        self.held = []

    # ---------------------------------------------------------------------------------
    def chunk_export(self, links: list[ProductLink]) -> None:
        try:
            self._chunk_export(links)
        finally:
            self._progress_flush()

    def _chunk_export(self, links: list[ProductLink]) -> None:
        self.held = list(links)
        products = products_for_export([link.product_id for link in links])
        work = [
            PendingProduct(
                link=link,
                product=products.get(link.product_id),
                revision=getattr(products.get(link.product_id), "revision", 0),
            )
            for link in links
        ]
        batch: list[tuple[PendingProduct, dict]] = []
        variant_batch: list[tuple[PendingProduct, int, dict, str]] = []
        for item in work:
            try:
                if item.product is None or item.link.removal_requested_at:
                    self._remove(item)
                elif item.link.remote_product_id is None:
                    self._create(item)
                else:
                    self._structure_update(item, batch, variant_batch)
            except TRANSIENT:
                raise
            except Unauthorized:
                raise
            except BigCommerceError as exc:
                self._fail(item, exc)
            except Exception as exc:  # one product's bug is that product's failure: the run goes on
                logger.exception("Export of product %s failed", item.link.product_id)
                self._fail(item, ExportFailed.wrapping(exc))
        self._send_product_batch(batch)
        self._send_variant_batch(variant_batch)
        self._assign_channel([i for i in work if not i.failed and i.product is not None])
        for item in work:
            if not item.failed:
                self._succeed(item)
        self._starting_stock_of_linked(work)
        self.held = []

    def _starting_stock_of_linked(self, work: list[PendingProduct]) -> None:
        """A product the merchant linked to a store product (instead of creating it) is synced
        for the first time: BigCommerce shows Comptoir's stock from now on, as the initial sync
        does for the products linked at setup (it does that itself when it ends)."""
        linked = [
            item.product.pk
            for item in work
            if not item.failed
            and item.product is not None
            and item.link.state == State.PENDING
            and item.link.origin == ProductLink.Origin.LINKED
        ]
        if linked and not (self.run is not None and self.run.initial):
            stock_start.starting_stock_set(connection=self.connection, product_ids=linked)

    # -- create ---------------------------------------------------------------------------
    def _create(self, item: PendingProduct) -> None:
        link, snap = item.link, snapshot(item.product)
        remote = None
        if link.create_sent_at:
            remote = store_matches.lost_create_find(
                client=self.client, connection=self.connection, link=link, snap=snap
            )
        if remote is None:
            link.create_sent_at = timezone.now()
            ProductLink.objects.filter(pk=link.pk).update(create_sent_at=link.create_sent_at)
            body = outbound.create_payload(snap, self.store)
            item.sent = body
            answer = api.product_create(self.client, body)
            self._partial_note(item, answer)
            remote = api.data_of(answer)
            if isinstance(remote, list):  # a 207 lists the created product
                remote = remote[0]
        if not remote.get("variants") or (snap.images and "images" not in remote):
            remote = api.product_get(self.client, remote["id"], include="variants,images,videos,options")
        self._bind_created(item, snap, remote)
        item.created = True
        item.changed.append("created")

    def _partial_note(self, item: PendingProduct, answer) -> None:
        """A 207: BigCommerce saved the product but not all of it (e.g. the stock); say what."""
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if not errors:
            return
        name = item.product.name
        if isinstance(errors, dict):  # one error object: {status, title, errors: {field: message}}
            detail = "; ".join(str(v) for v in (errors.get("errors") or {}).values()) or str(errors.get("title", ""))
        else:
            detail = "; ".join(str(e.get("title") or e) if isinstance(e, dict) else str(e) for e in errors)
        sync_event_record(
            connection=self.connection,
            kind=SyncEvent.Kind.PRODUCT_EXPORT,
            direction=Dir.TO_BIGCOMMERCE,
            status=SyncEvent.Status.FAILED,
            message=lambda: (
                _("BigCommerce saved “%(name)s” but not all of it: %(detail)s.") % {"name": name, "detail": detail}
            ),
            detail={"answer_errors": errors},
            product=item.product,
        )

    def _bind_created(self, item: PendingProduct, snap: outbound.ProductSnapshot, remote: dict) -> None:
        link = item.link
        parts = outbound.payloads(snap, self.store)
        with transaction.atomic():
            binder.link_remote_set(link=link, remote_product_id=remote["id"], content_hash=content_hash(parts.product))
            StructureSync(client=self.client, link=link, snap=snap, parts=parts).bind_created(remote)

    # -- update ---------------------------------------------------------------------------
    def _structure_update(self, item, batch, variant_batch) -> None:
        """Per-product calls for what changed in shape (variants, options, images, videos);
        product fields and variant fields are queued for the batched PUTs."""
        link, snap = item.link, snapshot(item.product)
        parts = outbound.payloads(snap, self.store)
        structure = StructureSync(client=self.client, link=link, snap=snap, parts=parts)
        if snap.options and not link.refs.filter(kind=Ref.OPTION).exists():
            # Linked at setup: the product may already have options of these names.
            remote_options = api.options_list(self.client, link.remote_product_id)
            structure.bind_options(snap.options, remote_options or [])
        structure.update()
        item.changed.extend(structure.changed)
        for variant_id, body, digest in structure.variant_updates:
            variant_batch.append((item, variant_id, {**body, "product_id": link.remote_product_id}, digest))
        if content_hash(parts.product) != link.content_hash:
            item.sent = {"id": link.remote_product_id, **parts.product}
            batch.append((item, item.sent))

    def _send_product_batch(self, batch) -> None:
        for start in range(0, len(batch), PRODUCT_BATCH):
            self._send_products(batch[start : start + PRODUCT_BATCH])

    def _send_products(self, batch) -> None:
        if not batch:
            return
        try:
            for _chunk, _answer in api.products_update(self.client, [body for _item, body in batch]):
                pass
        except TRANSIENT:
            raise
        except BigCommerceError:
            # One bad product fails the whole batch: send them one by one to find it.
            for item, body in batch:
                try:
                    api.product_update(self.client, body["id"], {k: v for k, v in body.items() if k != "id"})
                except NotFound:
                    self._remote_gone(item)
                except TRANSIENT:
                    raise
                except BigCommerceError as exc:
                    self._fail(item, exc)
        for item, body in batch:
            if not item.failed:
                ProductLink.objects.filter(pk=item.link.pk).update(
                    content_hash=content_hash({k: v for k, v in body.items() if k != "id"})
                )
                item.changed.append("fields")

    def _send_variant_batch(self, variant_batch) -> None:
        items = [(item, vid, body, digest) for item, vid, body, digest in variant_batch if not item.failed]
        for start in range(0, len(items), VARIANT_BATCH):
            self._send_variants(items[start : start + VARIANT_BATCH])

    def _send_variants(self, items) -> None:
        if not items:
            return
        try:
            for _chunk, _answer in api.variants_update(
                self.client, [{k: v for k, v in body.items() if k != "product_id"} for _i, _v, body, _d in items]
            ):
                pass
        except TRANSIENT:
            raise
        except BigCommerceError:
            for item, _vid, body, _digest in items:
                try:
                    api.variant_update(
                        self.client,
                        body["product_id"],
                        body["id"],
                        {k: v for k, v in body.items() if k not in ("id", "product_id")},
                    )
                except TRANSIENT:
                    raise
                except BigCommerceError as exc:
                    self._fail(item, exc)

        for item, vid, _body, digest in items:
            if not item.failed:
                VariantLink.objects.filter(link=item.link, variant_id=vid).update(content_hash=digest)
                item.changed.append("variants")

    def _assign_channel(self, items: list[PendingProduct]) -> None:
        """Created products join the Comptoir-POS channel, 50 to a call (a PUT: idempotent)."""
        created = [i for i in items if i.created or i.link.state == State.PENDING]
        if not created or not self.connection.channel_id:
            return
        api.channel_assign(
            self.client,
            channel_id=self.connection.channel_id,
            product_ids=[i.link.remote_product_id for i in created],
        )

    # -- remove -----------------------------------------------------------------------------
    def _remove(self, item: PendingProduct) -> None:
        """Deleted in Comptoir, or unassigned with "delete the copy": the copy we created is
        deleted; a product that existed in BigCommerce before (linked at setup) stays there.
        Either way the link ends and the product no longer syncs."""
        link, product = item.link, item.product
        deleted = off_channel = False
        if (
            link.remote_product_id
            and link.origin == ProductLink.Origin.CREATED_REMOTE
            and not (link.removal_keeps_copy and product is not None)
        ):
            _ignore_not_found(lambda: api.product_delete(self.client, link.remote_product_id))
            deleted = True
        elif link.remote_product_id and self.connection.channel_id:
            # Kept in the store, but no longer Comptoir's: off the Comptoir-POS channel, or the
            # next connect would bring it back into Comptoir.
            _ignore_not_found(
                lambda: api.channel_unassign(
                    self.client, channel_id=self.connection.channel_id, product_id=link.remote_product_id
                )
            )
            off_channel = True
        binder.link_end(link=link, claimed_until=None)
        remote_id, gone = link.remote_product_id, product is None

        if link.removal_keeps_copy and not gone and link.origin == ProductLink.Origin.CREATED_REMOTE:
            case = "copy_kept"
        elif gone:
            case = "deleted_gone" if deleted else "kept_gone"
        else:
            case = "copy_deleted" if deleted else "kept"

        sync_event_record(
            connection=self.connection,
            kind=SyncEvent.Kind.PRODUCT_UNASSIGN if not gone else SyncEvent.Kind.PRODUCT_EXPORT,
            direction=Dir.TO_BIGCOMMERCE,
            code=journal_messages.EXPORT_REMOVED,
            params={"name": product.name if product is not None else "", "id": remote_id, "case": case},
            detail={"remote_product_id": remote_id, "deleted": deleted, "off_channel": off_channel},
            product=product if product is not None else {"id": link.product_id},
        )
        item.failed = True  # nothing more to do for it in this chunk
        self._progress(done=1)

    def _remote_gone(self, item: PendingProduct) -> None:
        """Deleted in BigCommerce by the merchant: forget the copy; the next sync creates it again."""
        link = item.link
        with transaction.atomic():
            binder.link_remote_forget(
                link=link, content_hash="", state=State.PENDING, create_sent_at=None, claimed_until=None
            )
        item.failed = True


def _ignore_not_found(call) -> None:
    try:
        call()
    except NotFound:
        pass
