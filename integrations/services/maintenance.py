"""Housekeeping run by the schedules: prune the journal, prune used signed-payload ids, find
stalled sync runs and resume them. Each is idempotent: running it twice changes nothing more."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.models import SyncEvent, SyncRun, WebhookEvent
from integrations.services.journal import sync_event_record
from integrations.services.queue import enqueue_on_commit

PRUNE_BATCH = 5000
PRUNE_ROUND = 4  # batches of each table per round (one task)

# The task that takes a run of each kind further (a reconciliation has none yet: it is only marked).
RESUME_TASKS = {
    SyncRun.Kind.EXPORT: lambda run: ("integrations.tasks.bigcommerce_export_run", run.connection_id, run.pk),
    SyncRun.Kind.IMPORT: lambda run: ("integrations.tasks.bigcommerce_import_chunk", run.pk),
    # A stock check goes on from its cursor (the variants its rounds have not reached).
    SyncRun.Kind.RECONCILIATION: lambda run: ("integrations.tasks.bigcommerce_stock_reconcile", run.pk),
}


def _delete_in_batches(qs, *, batch: int, batches: int) -> tuple[int, bool]:
    """At most ``batches`` batches; the rows deleted and whether more are left."""
    deleted = 0
    for _round in range(batches):
        ids = list(qs.values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted, False
        deleted += qs.model.objects.filter(pk__in=ids).delete()[0]
    return deleted, qs.exists()


def journal_prune(*, days: int | None = None, batch: int = PRUNE_BATCH, batches: int = PRUNE_ROUND) -> dict:
    """Delete journal entries and processed webhook events older than ``COMPTOIR_JOURNAL_DAYS``,
    a batch at a time (short transactions on a large table), ``batches`` batches of each at most
    in one round; ``more``: some are left (the task enqueues another round at the tail of the
    queue, so the merchants' work goes in between). Unprocessed webhook events stay."""
    cutoff = timezone.now() - timedelta(days=days if days is not None else settings.COMPTOIR_JOURNAL_DAYS)
    events, more_events = _delete_in_batches(
        SyncEvent.objects.filter(created_at__lt=cutoff).order_by("pk"), batch=batch, batches=batches
    )
    webhooks, more_webhooks = _delete_in_batches(
        WebhookEvent.objects.filter(received_at__lt=cutoff, status=WebhookEvent.Status.PROCESSED).order_by("pk"),
        batch=batch,
        batches=batches,
    )
    return {"sync_events": events, "webhook_events": webhooks, "more": more_events or more_webhooks}


def sync_runs_stalled_resume(*, minutes: int | None = None) -> list[int]:
    """Running runs with no progress for ``COMPTOIR_RUN_STALLED_MINUTES``: mark them stalled,
    say so in the journal and enqueue their task again (it takes the run back to running)."""
    minutes = minutes if minutes is not None else settings.COMPTOIR_RUN_STALLED_MINUTES
    cutoff = timezone.now() - timedelta(minutes=minutes)
    stalled = []
    for run in SyncRun.objects.filter(status=SyncRun.Status.RUNNING, updated_at__lt=cutoff).select_related(
        "connection__merchant"
    ):
        with transaction.atomic():
            # Only the first of two overlapping sweeps marks it.
            if not SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING, updated_at__lt=cutoff).update(
                status=SyncRun.Status.STALLED, updated_at=timezone.now()
            ):
                continue
            task = RESUME_TASKS.get(run.kind)
            done, total = run.done + run.failed, run.total
            sync_event_record(
                connection=run.connection,
                kind={
                    SyncRun.Kind.IMPORT: SyncEvent.Kind.PRODUCT_IMPORT,
                    SyncRun.Kind.RECONCILIATION: SyncEvent.Kind.STOCK_CHECK,
                }.get(run.kind, SyncEvent.Kind.PRODUCT_EXPORT),
                direction=(
                    SyncEvent.Direction.FROM_BIGCOMMERCE
                    if run.kind in (SyncRun.Kind.IMPORT, SyncRun.Kind.RECONCILIATION)
                    else SyncEvent.Direction.TO_BIGCOMMERCE
                ),
                status=SyncEvent.Status.OK if task else SyncEvent.Status.FAILED,
                message=lambda done=done, total=total, minutes=minutes, task=task: (
                    (
                        _(
                            "The sync stopped making progress (%(done)s of %(total)s products, nothing new for "
                            "%(minutes)s minutes). Comptoir started it again where it stopped; nothing is lost."
                        )
                        if task
                        else _(
                            "The sync stopped making progress (%(done)s of %(total)s products, nothing new for "
                            "%(minutes)s minutes). Start it again with Sync now."
                        )
                    )
                    % {"done": done, "total": total, "minutes": minutes}
                ),
                detail={"run_id": run.pk, "kind": run.kind, "done": run.done, "failed": run.failed, "total": total},
            )
            if task:
                enqueue_on_commit(*task(run))
        stalled.append(run.pk)
    return stalled


def sync_run_resume(*, run_id: int | None) -> None:
    """A task took a stalled run again: it is running."""
    if run_id:
        SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.STALLED).update(
            status=SyncRun.Status.RUNNING, updated_at=timezone.now()
        )
