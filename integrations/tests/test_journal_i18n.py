"""Journal lines are written by background work in no particular language; each merchant
reads them in their own."""

from django.utils import translation
from django.utils.translation import gettext as _

from integrations.models import BigCommerceConnection, SyncEvent
from integrations.services.journal import sync_event_record


def test_a_journal_line_is_stored_in_every_language_and_read_in_the_readers(merchant_client, merchant):
    connection = BigCommerceConnection.objects.create(merchant=merchant, store_hash="abc", status="connected")
    with translation.override("en"):  # a task runs in the default language
        event = sync_event_record(
            connection=connection,
            kind=SyncEvent.Kind.INITIAL_SYNC,
            message=lambda: _("Removed %(count)s webhooks from BigCommerce.") % {"count": 11},
        )
    assert event.message == "Removed 11 webhooks from BigCommerce."
    assert event.message_i18n["fr"] != event.message_i18n["en"]
    assert "11" in event.message_i18n["fr"]

    english = merchant_client.get("/integrations/bigcommerce/journal/").content.decode()
    assert "Removed 11 webhooks from BigCommerce." in english
    merchant_client.cookies["django_language"] = "fr"
    french = merchant_client.get("/integrations/bigcommerce/journal/").content.decode()
    assert event.message_i18n["fr"] in french
    assert "Removed 11 webhooks" not in french


def test_plain_text_messages_are_kept_as_written(merchant):
    event = sync_event_record(connection=None, merchant=merchant, kind=SyncEvent.Kind.ERROR, message="Raw text")
    assert (event.message, event.message_i18n, event.text) == ("Raw text", {}, "Raw text")


def test_journal_pages_keep_the_status_filter(merchant_client, merchant):
    connection = BigCommerceConnection.objects.create(merchant=merchant, store_hash="abc", status="connected")
    SyncEvent.objects.bulk_create(
        [
            SyncEvent(merchant=merchant, connection=connection, kind="error", status="failed", message=f"e{i}")
            for i in range(60)
        ]
    )
    html = merchant_client.get("/integrations/bigcommerce/journal/?status=failed").content.decode()
    assert "Page 1 of 2" in html
    assert 'href="?status=failed&amp;page=2"' in html
