"""Comptoir → BigCommerce: create, update and remove the products managed in Comptoir.

Which products: those the merchant assigned (``ProductAssignment``; "all products" assigns
every product at Finish setup, and every product created later is assigned too). Each has a
``ProductLink``; a link is *dirty* when its product's ``revision`` moved past the revision it
last synced, when it is still pending, or when its product is gone. ``export_run`` works
through the dirty links of a connection in chunks and is safe to run twice or side by side:

- a worker leases a link before calling BigCommerce about it (``binder.link_claim``);
- a create is marked as sent before it is sent; if its answer was lost, the next attempt
  looks the product up by name before creating it again (BigCommerce product names are unique),
  so a crash or a timeout never makes a duplicate;
- each part (product fields, each variant, image, video) has a content hash; only parts whose
  hash changed are sent, product fields in batches of 10 and variants in batches of 50;
- a chunk is 50 products, the size of a channel-assignment batch: creating N products takes
  N + ceil(N / 50) calls (each create carries its variants, images, videos and category);
- one product's failure is journaled on that product (and shown on its page) while the rest
  goes on; a store that is down or limiting stops the run, and the sweep resumes it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, urljoin

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import OptionValue, Product, ProductOption, Variant
from integrations.bigcommerce import binder
from integrations.bigcommerce.client import client_for
from integrations.bigcommerce.errors import (
    BigCommerceError,
    Conflict,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from integrations.bigcommerce.export_structure import StructureSync
from integrations.bigcommerce.mappers import outbound
from integrations.bigcommerce.mappers.outbound import content_hash
from integrations.models import BigCommerceConnection, ProductAssignment, ProductLink, RemoteRef, SyncEvent, SyncRun
from integrations.services.journal import sync_event_record
from integrations.services.sync_errors import error_sentence

logger = logging.getLogger(__name__)

Dir = SyncEvent.Direction
State = ProductLink.State
Ref = RemoteRef.Kind
ASSIGN_BATCH = 50
CHUNK = ASSIGN_BATCH  # products per round: one channel-assignment PUT, five batched product PUTs
PRODUCT_BATCH = 10  # BigCommerce's limit for PUT /v3/catalog/products
VARIANT_BATCH = 50  # and for PUT /v3/catalog/variants
RUN_BUDGET_SECONDS = 60  # then the task hands over to a fresh one (django-q2 timeout is larger)
TRANSIENT = (Unavailable, RateLimited, OutcomeUnknown)
INSERT_SLICE = 500  # rows per insert when every product gets an assignment or a link


def retry_backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between automatic retries of a failed product, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


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
        Exists(
            ProductLink.objects.filter(
                connection=connection, product_id=OuterRef("product_id"), unlinked_at__isnull=True
            )
        )
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
        ProductLink.objects.filter(connection=connection, unlinked_at__isnull=True)
        .filter(Q(state=State.PENDING) | changed | ~product_exists | Q(removal_requested_at__isnull=False))
        .order_by("id")
    )


def due_links(*, connection: BigCommerceConnection):
    """Dirty links that no worker holds and whose retry is due."""
    now = timezone.now()
    return dirty_links(connection=connection).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


# -- runs ---------------------------------------------------------------------------------
def export_start(*, connection: BigCommerceConnection, initial: bool = False) -> SyncRun | None:
    """Inside the caller's transaction: make sure every assigned product has a link, open a
    run for the dirty ones (or reuse the running one), and enqueue its task on commit."""
    from integrations.services.queue import enqueue_on_commit

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
    from django_q.tasks import async_task

    run = SyncRun.objects.filter(connection=connection, kind=SyncRun.Kind.EXPORT, status=SyncRun.Status.RUNNING).first()
    async_task("integrations.tasks.bigcommerce_export_run", connection.pk, run.pk if run else None)


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
        message=lambda: (
            ngettext(
                "Initial sync started: %(count)s product to send to BigCommerce.",
                "Initial sync started: %(count)s products to send to BigCommerce.",
                total,
            )
            % {"count": total}
            if total
            else _("Initial sync: no products to send to BigCommerce yet.")
        ),
        detail={"run_id": run.pk if run else None, "sync_scope": connection.sync_scope, "total": total},
    )
    return run


def export_run(*, connection: BigCommerceConnection, run: SyncRun | None, budget: float = RUN_BUDGET_SECONDS) -> bool:
    """Push due links until none is left or the time budget is spent.

    Returns True when more is left for another task to take."""
    if not exporting(connection):
        return False
    started = time.monotonic()
    ctx = _Context(connection=connection, client=client_for(connection), run=run)
    try:
        while time.monotonic() - started < budget:
            chunk = list(due_links(connection=connection)[:CHUNK])
            claimed = [link for link in chunk if binder.link_claim(link=link)]
            if not chunk:
                break
            if claimed:
                ctx.chunk_export(claimed)
        else:
            return True
    except Unauthorized:
        logger.warning("Store %s refused our token; the export stops", connection.store_hash)
        return False
    except TRANSIENT as exc:
        ctx.release_all(not_before=timedelta(seconds=30))
        logger.info("Export for %s paused: %s", connection.store_hash, exc)
        return False
    finally:
        _run_close_if_done(connection=connection, run=run)
    return False


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
        message=lambda: (
            ngettext(
                "Sync to BigCommerce finished: %(done)s product sent, %(failed)s failed (see the lines above).",
                "Sync to BigCommerce finished: %(done)s products sent, %(failed)s failed (see the lines above).",
                done,
            )
            % {"done": done, "failed": failed}
            if failed
            else ngettext(
                "Sync to BigCommerce finished: %(done)s product sent.",
                "Sync to BigCommerce finished: %(done)s products sent.",
                done,
            )
            % {"done": done}
        ),
        detail={"run_id": run.pk, "done": done, "failed": failed, "total": run.total},
    )
    SyncEvent.objects.filter(
        connection=connection, kind=SyncEvent.Kind.INITIAL_SYNC, status=SyncEvent.Status.RUNNING
    ).update(status=SyncEvent.Status.OK)


# -- one chunk ------------------------------------------------------------------------------
def _products_for(ids: list[int]):
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
                .select_related("stock")
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

    def stock(variant) -> int:
        try:
            return variant.stock.quantity
        except Variant.stock.RelatedObjectDoesNotExist:
            return 0

    variants = tuple(
        outbound.VariantSnapshot(
            id=v.pk,
            sku=v.sku,
            barcode=v.barcode,
            price=v.price,
            combination=tuple((ov.option.name, ov.value) for ov in _ordered_values(v, position)),
            value_ids=tuple(ov.pk for ov in _ordered_values(v, position)),
            stock=stock(v),
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


@dataclass
class _Pending:
    link: ProductLink
    product: Product | None
    revision: int
    changed: list[str] = field(default_factory=list)
    created: bool = False
    failed: bool = False


@dataclass
class _Context:
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
        products = _products_for([link.product_id for link in links])
        work = [
            _Pending(
                link=link,
                product=products.get(link.product_id),
                revision=getattr(products.get(link.product_id), "revision", 0),
            )
            for link in links
        ]
        batch: list[tuple[_Pending, dict]] = []
        variant_batch: list[tuple[_Pending, int, dict, str]] = []
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
        self._send_product_batch(batch)
        self._send_variant_batch(variant_batch)
        self._assign_channel([i for i in work if not i.failed and i.product is not None])
        for item in work:
            if not item.failed:
                self._succeed(item)
        self.held = []

    # -- create ---------------------------------------------------------------------------
    def _create(self, item: _Pending) -> None:
        link, snap = item.link, snapshot(item.product)
        remote = None
        if link.create_sent_at:
            remote = self._find_existing(snap)
        if remote is None:
            ProductLink.objects.filter(pk=link.pk).update(create_sent_at=timezone.now())
            body = outbound.create_payload(snap, self.store)
            answer = self.client.request("POST", "/v3/catalog/products", json=body, idempotent=False)
            self._partial_note(item, answer)
            remote = _data(answer)
            if isinstance(remote, list):  # a 207 lists the created product
                remote = remote[0]
        if not remote.get("variants") or (snap.images and "images" not in remote):
            remote = _data(
                self.client.get(
                    f"/v3/catalog/products/{remote['id']}", params={"include": "variants,images,videos,options"}
                )
            )
        self._bind_created(item, snap, remote)
        item.created = True
        item.changed.append("created")

    def _partial_note(self, item: _Pending, answer) -> None:
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

    def _find_existing(self, snap: outbound.ProductSnapshot) -> dict | None:
        found = _data(
            self.client.get(
                "/v3/catalog/products", params={"name": snap.name, "include": "variants,images,videos,options"}
            )
        )
        return next(iter(found or []), None)

    def _bind_created(self, item: _Pending, snap: outbound.ProductSnapshot, remote: dict) -> None:
        link = item.link
        parts = outbound.payloads(snap, self.store)
        with transaction.atomic():
            link.remote_product_id = remote["id"]
            link.content_hash = content_hash(parts.product)
            link.save(update_fields=["remote_product_id", "content_hash"])
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
            remote_options = _data(self.client.get(f"/v3/catalog/products/{link.remote_product_id}/options"))
            structure.bind_options(snap.options, remote_options or [])
        structure.update()
        item.changed.extend(structure.changed)
        for variant_id, body, digest in structure.variant_updates:
            variant_batch.append((item, variant_id, {**body, "product_id": link.remote_product_id}, digest))
        if content_hash(parts.product) != link.content_hash:
            batch.append((item, {"id": link.remote_product_id, **parts.product}))

    def _send_product_batch(self, batch) -> None:
        for start in range(0, len(batch), PRODUCT_BATCH):
            self._send_products(batch[start : start + PRODUCT_BATCH])

    def _send_products(self, batch) -> None:
        if not batch:
            return
        try:
            for _chunk, _answer in self.client.update_products([body for _item, body in batch]):
                pass
        except TRANSIENT:
            raise
        except BigCommerceError:
            # One bad product fails the whole batch: send them one by one to find it.
            for item, body in batch:
                try:
                    self.client.put(
                        f"/v3/catalog/products/{body['id']}", json={k: v for k, v in body.items() if k != "id"}
                    )
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
            for _chunk, _answer in self.client.update_variants(
                [{k: v for k, v in body.items() if k != "product_id"} for _i, _v, body, _d in items]
            ):
                pass
        except TRANSIENT:
            raise
        except BigCommerceError:
            for item, _vid, body, _digest in items:
                try:
                    self.client.put(
                        f"/v3/catalog/products/{body['product_id']}/variants/{body['id']}",
                        json={k: v for k, v in body.items() if k not in ("id", "product_id")},
                    )
                except TRANSIENT:
                    raise
                except BigCommerceError as exc:
                    self._fail(item, exc)
        from integrations.models import VariantLink

        for item, vid, _body, digest in items:
            if not item.failed:
                VariantLink.objects.filter(link=item.link, variant_id=vid).update(content_hash=digest)
                item.changed.append("variants")

    def _assign_channel(self, items: list[_Pending]) -> None:
        """Created products join the Comptoir-POS channel, 50 to a call (a PUT: idempotent)."""
        created = [i for i in items if i.created or i.link.state == State.PENDING]
        if not created or not self.connection.channel_id:
            return
        body = [{"product_id": i.link.remote_product_id, "channel_id": self.connection.channel_id} for i in created]
        for start in range(0, len(body), ASSIGN_BATCH):
            self.client.request(
                "PUT",
                "/v3/catalog/products/channel-assignments",
                json=body[start : start + ASSIGN_BATCH],
                idempotent=True,
            )

    # -- remove -----------------------------------------------------------------------------
    def _remove(self, item: _Pending) -> None:
        """Deleted in Comptoir, or unassigned with "delete the copy": the copy we created is
        deleted; a product that existed in BigCommerce before (linked at setup) stays there.
        Either way the link ends and the product no longer syncs."""
        link, product = item.link, item.product
        deleted = False
        if link.remote_product_id and link.origin == ProductLink.Origin.CREATED_REMOTE:
            _ignore_not_found(lambda: self.client.delete(f"/v3/catalog/products/{link.remote_product_id}"))
            deleted = True
        ProductLink.objects.filter(pk=link.pk).update(unlinked_at=timezone.now(), claimed_until=None)
        remote_id, gone = link.remote_product_id, product is None

        def message():
            if gone and deleted:
                return _("Product deleted in Comptoir: its BigCommerce copy #%(id)s was deleted too.") % {
                    "id": remote_id
                }
            if gone:
                return _(
                    "Product deleted in Comptoir: BigCommerce product #%(id)s was kept "
                    "(it existed there before) and is no longer synced."
                ) % {"id": remote_id}
            if deleted:
                return _("“%(name)s” was unassigned from BigCommerce and its copy #%(id)s deleted.") % {
                    "name": product.name,
                    "id": remote_id,
                }
            return _(
                "“%(name)s” was unassigned from BigCommerce; product #%(id)s existed there before and was kept."
            ) % {
                "name": product.name,
                "id": remote_id,
            }

        sync_event_record(
            connection=self.connection,
            kind=SyncEvent.Kind.PRODUCT_UNASSIGN if not gone else SyncEvent.Kind.PRODUCT_EXPORT,
            direction=Dir.TO_BIGCOMMERCE,
            message=message,
            detail={"remote_product_id": remote_id, "deleted": deleted},
            product=product if product is not None else {"id": link.product_id},
        )
        item.failed = True  # nothing more to do for it in this chunk
        self._progress(done=1)

    def _remote_gone(self, item: _Pending) -> None:
        """Deleted in BigCommerce by the merchant: forget the copy; the next sync creates it again."""
        link = item.link
        with transaction.atomic():
            link.refs.all().delete()
            link.variant_links.all().delete()
            ProductLink.objects.filter(pk=link.pk).update(
                remote_product_id=None, content_hash="", state=State.PENDING, create_sent_at=None, claimed_until=None
            )
        item.failed = True

    # -- outcome ----------------------------------------------------------------------------
    def _fail(self, item: _Pending, exc: BigCommerceError) -> None:
        if isinstance(exc, NotFound) and item.link.remote_product_id:
            self._remote_gone(item)
            return
        item.failed = True
        link, product = item.link, item.product
        attempts = link.attempts + 1
        sentence = error_sentence(exc, product=product)
        event = sync_event_record(
            connection=self.connection,
            kind=SyncEvent.Kind.PRODUCT_EXPORT,
            direction=Dir.TO_BIGCOMMERCE,
            status=SyncEvent.Status.FAILED,
            message=sentence,
            detail=_error_detail(exc),
            attempts=attempts,
            product=product,
        )
        ProductLink.objects.filter(pk=link.pk).update(
            state=State.FAILED,
            attempts=attempts,
            last_error=event.message,
            last_error_i18n=event.message_i18n,
            last_error_detail={"event_id": event.pk, **_error_detail(exc)},
            claimed_until=timezone.now() + retry_backoff(attempts),
        )
        if isinstance(exc, Conflict) and link.create_sent_at and link.remote_product_id is None:
            ProductLink.objects.filter(pk=link.pk).update(create_sent_at=None)
        self._progress(failed=1, first_failure=link.state != State.FAILED)

    def _succeed(self, item: _Pending) -> None:
        link, product = item.link, item.product
        was_failed = link.state == State.FAILED
        first_time = link.state == State.PENDING
        ProductLink.objects.filter(pk=link.pk).update(
            state=State.SYNCED,
            synced_revision=item.revision,
            synced_at=timezone.now(),
            attempts=0,
            last_error="",
            last_error_i18n={},
            last_error_detail={},
            claimed_until=None,
        )
        changed = sorted(set(item.changed) - {"created"})
        name, remote_id = product.name, link.remote_product_id
        if item.created:

            def message():
                return _("Created “%(name)s” in BigCommerce (#%(id)s), hidden, in the Comptoir POS category.") % {
                    "name": name,
                    "id": remote_id,
                }

        elif changed:

            def message():
                return _("Updated “%(name)s” in BigCommerce: %(parts)s.") % {
                    "name": name,
                    "parts": ", ".join(_part_label(p) for p in changed),
                }

        else:
            message = None
        if message is not None:
            sync_event_record(
                connection=self.connection,
                kind=SyncEvent.Kind.PRODUCT_EXPORT,
                direction=Dir.TO_BIGCOMMERCE,
                message=message,
                detail={"remote_product_id": remote_id, "changed": changed, "revision": item.revision},
                product=product,
            )
        if first_time or was_failed or message is not None:
            self._progress(done=1, recovered=was_failed)

    def _progress(self, *, done: int = 0, failed: int = 0, recovered: bool = False, first_failure: bool = True) -> None:
        """Counted here, written once per chunk (``_progress_flush``)."""
        self.done += done
        self.failed += (failed if first_failure else 0) - (1 if recovered else 0)

    def _progress_flush(self) -> None:
        done, failed, self.done, self.failed = self.done, self.failed, 0, 0
        if self.run is None or not (done or failed):
            return
        SyncRun.objects.filter(pk=self.run.pk).update(
            updated_at=timezone.now(), done=F("done") + done, failed=F("failed") + failed
        )


def _part_label(part: str) -> str:
    from django.utils.translation import gettext

    return {
        "fields": gettext("name, description and other fields"),
        "variants": gettext("variants"),
        "options": gettext("options"),
        "images": gettext("images"),
        "videos": gettext("videos"),
    }.get(part, part)


def _ignore_not_found(call) -> None:
    try:
        call()
    except NotFound:
        pass


def _data(answer):
    if isinstance(answer, dict) and "data" in answer:
        return answer["data"]
    return answer


def _error_detail(exc: BigCommerceError) -> dict:
    return {
        "error": exc.__class__.__name__,
        "status": exc.status,
        "title": exc.title,
        "errors": exc.errors,
        "method": exc.method,
        "path": exc.path,
    }
