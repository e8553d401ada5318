"""Django admin for support: the journal, the webhook inbox and the bindings are read-only;
a connection shows its state read-only and offers actions that call the services."""

import pytest
from django.urls import reverse

from integrations.models import BigCommerceConnection, ProductLink, StockPush, SyncEvent, WebhookEvent
from portal.tests.factories import UserFactory

Status = BigCommerceConnection.Status


@pytest.fixture
def support(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def connection(merchant):
    return BigCommerceConnection.objects.create(
        merchant=merchant,
        status=Status.SETUP_INCOMPLETE,
        store_hash="abc123",
        store_name="Boutique en ligne",
        store_currency="EUR",
        access_token="secret-token",
        webhook_secret="secret-hook",
        managed_in="comptoir",
        include_prices=True,
        sync_scope="all",
        preflight={"state": "ready", "matches": [{"key": "sku:MUG"}, {"key": "sku:CUP"}]},
        preflight_choices={"sku:MUG": "link", "sku:CUP": "create"},
        operation_error="Finishing setup failed: BigCommerce answered “Unavailable”.",
        operation_error_i18n={"en": "Finishing setup failed: BigCommerce answered “Unavailable”."},
    )


@pytest.fixture
def event(merchant, connection):
    return SyncEvent.objects.create(
        merchant=merchant,
        connection=connection,
        kind=SyncEvent.Kind.ERROR,
        status=SyncEvent.Status.FAILED,
        message="Updating “Mug grès bleu” in BigCommerce failed.",
        detail={"sku": "MUG-BLEU-42", "answer": {"status": 503}},
    )


@pytest.fixture
def webhook(merchant, connection):
    return WebhookEvent.objects.create(
        merchant=merchant,
        connection=connection,
        store_hash="abc123",
        scope="store/product/updated",
        event_hash="h1",
        payload={"data": {"id": 77}},
    )


def admin_url(model, view, *args):
    return reverse(f"admin:integrations_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", [SyncEvent, WebhookEvent, BigCommerceConnection, ProductLink, StockPush])
def test_nothing_can_be_added(support, model):
    assert support.get(admin_url(model, "add")).status_code == 403


@pytest.mark.parametrize("fixture", ["event", "webhook", "connection"])
def test_rows_are_read_only_and_cannot_be_deleted(support, request, fixture):
    row = request.getfixturevalue(fixture)
    model = type(row)
    page = support.get(admin_url(model, "change", row.pk))
    content = page.content.decode()
    assert page.status_code == 200
    assert "<textarea" not in content and 'name="_save"' not in content
    assert support.post(admin_url(model, "change", row.pk), {}).status_code == 403
    assert support.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    listing = support.get(admin_url(model, "changelist")).content.decode()
    assert "delete_selected" not in listing
    assert model.objects.filter(pk=row.pk).exists()


def test_connection_shows_its_state_as_sentences_and_never_its_secrets(support, connection):
    content = support.get(admin_url(BigCommerceConnection, "change", connection.pk)).content.decode()
    assert "Setup incomplete" in content
    assert "Finishing setup failed: BigCommerce answered “Unavailable”." in content
    assert "2 products on both sides (1 to link)" in content
    assert "secret-token" not in content and "secret-hook" not in content
    assert '"state"' not in content  # no raw JSON


def test_action_runs_the_duplicate_check_again(support, connection):
    response = support.post(
        admin_url(BigCommerceConnection, "changelist"),
        {"action": "duplicate_check_again", "_selected_action": [connection.pk]},
        follow=True,
    )
    assert "1 duplicate checks queued." in response.content.decode()
    connection.refresh_from_db()
    assert connection.preflight == {"state": "running"}


def test_action_reads_the_store_settings_again_and_refuses_a_disconnected_store(support, connection, other_merchant):
    gone = BigCommerceConnection.objects.create(merchant=other_merchant, status=Status.DISCONNECTED, store_hash="old")
    response = support.post(
        admin_url(BigCommerceConnection, "changelist"),
        {"action": "store_facts_read_again", "_selected_action": [connection.pk, gone.pk]},
        follow=True,
    )
    content = response.content.decode()
    assert "1 store readings queued." in content and "not connected: there is no store to read." in content
    connection.refresh_from_db()
    assert connection.operation_error == ""  # cleared for the new reading


def test_retry_setup_refuses_what_is_not_ready_with_the_reason(support, connection):
    connection.review_done_at = None
    connection.save()
    response = support.post(
        admin_url(BigCommerceConnection, "changelist"),
        {"action": "setup_retry", "_selected_action": [connection.pk]},
        follow=True,
    )
    assert "Some setup steps are not done yet." in response.content.decode()
    connection.refresh_from_db()
    assert connection.operation == ""


def test_webhook_event_can_be_queued_again_unless_processed(
    support, webhook, merchant, connection, django_capture_on_commit_callbacks
):
    done = WebhookEvent.objects.create(
        merchant=merchant, store_hash="abc123", scope="x", event_hash="h2", payload={}, status="processed"
    )
    with django_capture_on_commit_callbacks() as callbacks:
        response = support.post(
            admin_url(WebhookEvent, "changelist"),
            {"action": "process_again", "_selected_action": [webhook.pk, done.pk]},
            follow=True,
        )
    content = response.content.decode()
    assert "1 webhook events queued again." in content and "already processed." in content
    assert len(callbacks) == 1


@pytest.mark.parametrize("term", ["mug-bleu-42", "Mug grès bleu", "abc123", "Boutique en ligne"])
def test_journal_search_finds_by_sku_product_name_and_store(support, event, merchant, term):
    SyncEvent.objects.create(merchant=merchant, kind=SyncEvent.Kind.CONNECT, message="Something else.")
    content = support.get(admin_url(SyncEvent, "changelist"), {"q": term}).content.decode()
    assert "Mug grès bleu" in content and "Something else." not in content


def test_connection_links_to_django_q2s_failed_tasks_schedules_and_its_runs(support, connection):
    content = support.get(admin_url(BigCommerceConnection, "change", connection.pk)).content.decode()
    for url in ("/admin/django_q/failure/", "/admin/django_q/schedule/", "/admin/integrations/syncrun/?q="):
        assert url in content
    assert support.get("/admin/django_q/failure/").status_code == 200
    runs = support.get(f"/admin/integrations/syncrun/?q={connection.store_hash}")
    assert runs.status_code == 200


def test_support_can_retry_a_failed_entry_and_is_told_why_not_when_it_cannot(support, event):
    answer = support.post(
        admin_url(SyncEvent, "changelist"), {"action": "retry", "_selected_action": [event.pk]}, follow=True
    )
    assert answer.status_code == 200
    assert "Only a failed product sync or a failed event from BigCommerce can be retried." in answer.content.decode()


def test_support_can_start_a_resync_only_for_a_connected_store(support, connection):
    answer = support.post(
        admin_url(BigCommerceConnection, "changelist"),
        {"action": "sync_now", "_selected_action": [connection.pk]},
        follow=True,
    )
    assert "not connected: there is nothing to sync." in answer.content.decode()
