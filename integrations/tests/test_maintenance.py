"""Scheduled housekeeping: journal pruning, used signed-payload ids, stalled runs (resumed for real)."""

import datetime as dt

from django.utils import timezone

from integrations import tasks
from integrations.models import BigCommerceConnection, ProductLink, SyncEvent, SyncRun, UsedSignedPayload, WebhookEvent
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import (
    add_product,
    connect_from_comptoir,
    merchant_with_client,
    new_store,
    walk_wizard,
)
from portal.tests.factories import MerchantFactory

pytestmark = connect_helpers.SANDBOX_TESTS


def _aged(model, pk, field, days=0, minutes=0):
    model.objects.filter(pk=pk).update(**{field: timezone.now() - dt.timedelta(days=days, minutes=minutes)})


def test_journal_prune_deletes_old_entries_and_processed_webhooks_in_batches_and_keeps_the_rest(settings):
    settings.COMPTOIR_JOURNAL_DAYS = 90
    merchant = MerchantFactory()
    old = SyncEvent.objects.bulk_create(
        [SyncEvent(merchant=merchant, kind=SyncEvent.Kind.WEBHOOK, message=f"old {i}") for i in range(5)]
    )
    recent = SyncEvent.objects.create(merchant=merchant, kind=SyncEvent.Kind.WEBHOOK, message="recent")
    SyncEvent.objects.filter(pk__in=[e.pk for e in old]).update(created_at=timezone.now() - dt.timedelta(days=91))
    hooks = {}
    for status in ("processed", "received", "failed"):
        hooks[status] = WebhookEvent.objects.create(
            merchant=merchant,
            store_hash="s",
            scope="store/product/updated",
            event_hash=status,
            payload={},
            status=status,
        )
        _aged(WebhookEvent, hooks[status].pk, "received_at", days=91)
    fresh = WebhookEvent.objects.create(
        merchant=merchant,
        store_hash="s",
        scope="store/product/updated",
        event_hash="new",
        payload={},
        status="processed",
    )

    from integrations.services.maintenance import journal_prune

    # In rounds of 2 batches of 2 rows: the first round leaves one old entry, the second takes it.
    assert journal_prune(batch=2, batches=2) == {"sync_events": 4, "webhook_events": 1, "more": True}
    assert journal_prune(batch=2, batches=2) == {"sync_events": 1, "webhook_events": 0, "more": False}
    assert list(SyncEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert set(WebhookEvent.objects.values_list("pk", flat=True)) == {
        hooks["received"].pk,
        hooks["failed"].pk,
        fresh.pk,
    }
    assert tasks.journal_prune() == {"sync_events": 0, "webhook_events": 0, "more": False}  # nothing more


def test_used_signed_payloads_purge_task_forgets_expired_ids_only():
    past = timezone.now() - dt.timedelta(hours=2)
    UsedSignedPayload.objects.create(jti="expired", store_hash="s", expires_at=past)
    UsedSignedPayload.objects.create(jti="live", store_hash="s", expires_at=timezone.now() + dt.timedelta(minutes=5))
    assert tasks.used_signed_payloads_purge() == 1
    assert tasks.used_signed_payloads_purge() == 0
    assert list(UsedSignedPayload.objects.values_list("jti", flat=True)) == ["live"]


def test_a_stalled_export_run_is_marked_journaled_and_resumed_until_it_finishes(
    bc, settings, django_capture_on_commit_callbacks
):
    settings.COMPTOIR_RUN_STALLED_MINUTES = 10
    merchant, _user, client = merchant_with_client()
    mug = add_product(merchant, "Mug", sku="MUG-1")
    connect_from_comptoir(client, bc, new_store(bc))
    walk_wizard(client)
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    # A worker died mid-run: the run says running, one product is still to send, no progress since.
    run = SyncRun.objects.create(merchant=merchant, connection=connection, kind=SyncRun.Kind.EXPORT, total=1)
    ProductLink.objects.filter(product=mug).update(synced_revision=0, content_hash="")
    _aged(SyncRun, run.pk, "updated_at", minutes=11)
    quiet = SyncRun.objects.create(merchant=merchant, connection=connection, kind=SyncRun.Kind.RECONCILIATION)
    _aged(SyncRun, quiet.pk, "updated_at", minutes=9)  # not yet stalled

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sync_runs_stalled_resume() == [run.pk]

    run.refresh_from_db()
    assert (run.status, run.done, run.failed) == ("finished", 1, 0)
    line = SyncEvent.objects.get(merchant=merchant, detail__run_id=run.pk, message__startswith="The sync stopped")
    assert "Comptoir started it again where it stopped" in line.text and line.status == "ok"
    assert ProductLink.objects.get(product=mug).state == "synced"
    assert SyncRun.objects.get(pk=quiet.pk).status == "running"
    assert tasks.sync_runs_stalled_resume() == []  # twice: nothing more


def test_a_stalled_stock_check_is_marked_journaled_and_taken_again_by_its_task(settings):
    settings.COMPTOIR_RUN_STALLED_MINUTES = 10
    merchant = MerchantFactory()
    connection = BigCommerceConnection.objects.create(merchant=merchant, store_hash="s", status="connected")
    run = SyncRun.objects.create(merchant=merchant, connection=connection, kind=SyncRun.Kind.RECONCILIATION, total=3)
    _aged(SyncRun, run.pk, "updated_at", minutes=30)
    assert tasks.sync_runs_stalled_resume() == [run.pk]
    assert SyncRun.objects.get(pk=run.pk).status == "stalled"
    line = SyncEvent.objects.get(merchant=merchant)
    assert (line.kind, line.status) == ("stock_check", "ok") and "started it again" in line.text
    tasks.bigcommerce_stock_reconcile(run.pk)  # the task the sweep enqueued
    assert SyncRun.objects.get(pk=run.pk).status == "running"
