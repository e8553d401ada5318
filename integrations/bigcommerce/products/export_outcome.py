"""What one product's export ends in: synced (journaled when something changed) or failed (a
sentence the merchant understands, the retry's backoff, a clash to link offered); and the run's
progress, counted per product and written once per chunk. Mixed into ``ChunkExport``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from catalog.models import Product
from integrations import journal_messages
from integrations.bigcommerce.api.errors import (
    BigCommerceError,
    Conflict,
    ExportFailed,
    NotFound,
)
from integrations.bigcommerce.products import store_matches
from integrations.bigcommerce.products.error_sentences import error_sentence
from integrations.models import Incident, ProductLink, SyncEvent, SyncRun
from integrations.services.incidents import incident_open, incidents_resolve
from integrations.services.journal import sync_event_record

Dir = SyncEvent.Direction
State = ProductLink.State


def retry_backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between automatic retries of a failed product, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


@dataclass
class PendingProduct:
    """A product of the chunk, as the chunk works on it."""

    link: ProductLink
    product: Product | None
    revision: int
    changed: list[str] = field(default_factory=list)
    created: bool = False
    failed: bool = False
    sent: dict | None = None  # the last body sent about it, for the journal when it fails


class ExportOutcomes:
    """The outcome half of ``ChunkExport`` (``connection``, ``client``, ``run``, ``done``, ``failed`` are its)."""

    def _fail(self, item: PendingProduct, exc: BigCommerceError) -> None:
        if isinstance(exc, NotFound) and item.link.remote_product_id:
            self._remote_gone(item)
            return
        item.failed = True
        link, product = item.link, item.product
        attempts = link.attempts + 1
        found = {"connection": self.connection, "link": link, "product": product, "exc": exc}
        clash = store_matches.clash_find(client=self.client, **found)
        same_name = store_matches.same_name_in_comptoir(**found)
        sentence = error_sentence(exc, product=product, same_name_product=same_name)
        event = sync_event_record(
            connection=self.connection,
            kind=SyncEvent.Kind.PRODUCT_EXPORT,
            direction=Dir.TO_BIGCOMMERCE,
            status=SyncEvent.Status.FAILED,
            message=sentence,
            detail={**exc.as_detail(), **({"sent": item.sent} if item.sent is not None else {}), **clash},
            attempts=attempts,
            product=product,
        )
        ProductLink.objects.filter(pk=link.pk).update(
            state=State.FAILED,
            attempts=attempts,
            last_error=event.message,
            last_error_i18n=event.message_i18n,
            last_error_detail={"event_id": event.pk, **exc.as_detail(), **clash},
            claimed_until=timezone.now() + retry_backoff(attempts),
            failed_revision=item.revision,
        )
        if not isinstance(exc, ExportFailed):  # BigCommerce's refusal (Comptoir's own bug is the team's)
            incident_open(
                connection=self.connection,
                kind=Incident.Kind.PRODUCT_REFUSED,
                event=event,
                subject=f"product:{link.product_id}",
                subject_name=product.name if product is not None else event.product_name,
            )
        if isinstance(exc, Conflict) and link.create_sent_at and link.remote_product_id is None:
            # Refused: nothing was made, so the next attempt has no lost answer to look for.
            ProductLink.objects.filter(pk=link.pk).update(create_sent_at=None)
        self._progress(failed=1, first_failure=link.state != State.FAILED)

    def _succeed(self, item: PendingProduct) -> None:
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
        if was_failed:
            incidents_resolve(
                merchant_id=self.connection.merchant_id,
                kinds=[Incident.Kind.PRODUCT_REFUSED],
                subjects=[f"product:{link.product_id}"],
            )
        changed = sorted(set(item.changed) - {"created"})
        name, remote_id = product.name, link.remote_product_id
        if item.created:
            said = (journal_messages.EXPORT_CREATED, {"name": name, "id": remote_id})
        elif changed:
            said = (journal_messages.EXPORT_UPDATED, {"name": name, "parts": changed})
        else:
            said = None
        if said is not None:
            sync_event_record(
                connection=self.connection,
                kind=SyncEvent.Kind.PRODUCT_EXPORT,
                direction=Dir.TO_BIGCOMMERCE,
                code=said[0],
                params=said[1],
                detail={"remote_product_id": remote_id, "changed": changed, "revision": item.revision},
                product=product,
            )
        if first_time or was_failed or said is not None:
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
