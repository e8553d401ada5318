"""The merchant's Sync journal: filters, detail (secrets removed), Retry, Retry all failed, CSV."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from integrations.models import BigCommerceConnection, ProductLink, SyncEvent, WebhookEvent
from integrations.redaction import REMOVED, secrets_removed
from integrations.services.journal import sync_event_record
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import add_product, api, merchant_with_client, new_store
from portal.csv_export import csv_cell

pytestmark = connect_helpers.SANDBOX_TESTS

JOURNAL = reverse("integrations:bigcommerce_journal")
EXPORT = reverse("integrations:bigcommerce_journal_export")
Kind, Status, Direction = SyncEvent.Kind, SyncEvent.Status, SyncEvent.Direction


# -- the pure parts ------------------------------------------------------------------------
def test_secrets_removed_by_key_anywhere_and_inside_texts_without_changing_the_argument():
    detail = {
        "request": {
            "url": "https://api.example/stores/abc/v3/catalog?access_token=s3cr3t&page=2",
            "headers": {"X-Auth-Token": "tok-1", "Authorization": "Bearer abc.def", "Accept": "application/json"},
            "body": {"sku": "ABC-1", "webhook_secret": "ws", "client_secret": "cs", "password": "pw"},
        },
        "answer": [{"status": 422, "title": "Duplicate SKU", "signature": "sig"}, 3, None],
        "note": 'sent with {"access_token": "s3cr3t"}',
        "Signed_Payload_JWT": "x.y.z",
    }
    original = repr(detail)
    clean = secrets_removed(detail)
    assert repr(detail) == original  # pure
    assert clean["request"]["headers"] == {
        "X-Auth-Token": REMOVED,
        "Authorization": REMOVED,
        "Accept": "application/json",
    }
    assert clean["request"]["body"] == {
        "sku": "ABC-1",
        "webhook_secret": REMOVED,
        "client_secret": REMOVED,
        "password": REMOVED,
    }
    assert clean["request"]["url"] == f"https://api.example/stores/abc/v3/catalog?access_token={REMOVED}&page=2"
    assert clean["answer"] == [{"status": 422, "title": "Duplicate SKU", "signature": REMOVED}, 3, None]
    assert "s3cr3t" not in repr(clean) and clean["Signed_Payload_JWT"] == REMOVED
    assert secrets_removed("Authorization: Bearer abc.def") == f"Authorization: Bearer {REMOVED}"


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+2", "'=1+2"), ("+33 6", "'+33 6"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("Mug", "Mug"), (None, "")],
)
def test_csv_cells_that_look_like_formulas_are_quoted(value, cell):
    assert csv_cell(value) == cell


# -- the pages -----------------------------------------------------------------------------
def _connected():
    merchant, _user, client = merchant_with_client()
    connection = BigCommerceConnection.objects.create(
        merchant=merchant, status="connected", store_hash="abc123", managed_in="comptoir", access_token="t"
    )
    return merchant, client, connection


def _event(connection, text, *, status=Status.OK, direction=Direction.TO_BIGCOMMERCE, kind=Kind.PRODUCT_EXPORT, **kw):
    return sync_event_record(
        connection=connection, kind=kind, status=status, direction=direction, message=lambda: text, **kw
    )


def _texts(response):
    return [event.text for event in response.context["page"].object_list]


def test_filters_by_status_direction_product_or_sku_without_accents_and_dates():
    merchant, client, connection = _connected()
    _event(connection, "Mug sent", product={"id": 1, "name": "Mug grès bleu", "sku": "MUG-BL-1"})
    _event(
        connection, "Mug refused", status=Status.FAILED, product={"id": 1, "name": "Mug grès bleu", "sku": "MUG-BL-1"}
    )
    _event(connection, "Scarf imported", direction=Direction.FROM_BIGCOMMERCE, kind=Kind.PRODUCT_IMPORT,
           product={"id": 2, "name": "Écharpe", "sku": "SCARF-9"})  # fmt: skip
    old = _event(connection, "Connected", kind=Kind.CONNECT, direction=Direction.INTERNAL)
    SyncEvent.objects.filter(pk=old.pk).update(created_at=timezone.make_aware(datetime(2026, 1, 15, 12)))

    assert _texts(client.get(JOURNAL, {"status": "failed"})) == ["Mug refused"]
    assert _texts(client.get(JOURNAL, {"direction": "from_bigcommerce"})) == ["Scarf imported"]
    assert _texts(client.get(JOURNAL, {"q": "  MUG gres "})) == ["Mug refused", "Mug sent"]
    assert _texts(client.get(JOURNAL, {"q": "echarpe"})) == ["Scarf imported"]
    assert _texts(client.get(JOURNAL, {"q": "scarf-9"})) == ["Scarf imported"]
    assert _texts(client.get(JOURNAL, {"from": "2026-01-15", "to": "2026-01-15"})) == ["Connected"]
    assert "Connected" not in _texts(client.get(JOURNAL, {"from": "2026-01-16"}))
    assert _texts(client.get(JOURNAL, {"status": "failed", "q": "écharpe"})) == []


@pytest.mark.parametrize(
    "query",
    [
        {"status": "nope", "direction": "sideways"},
        {"from": "2026-13-45", "to": "yesterday"},
        {"to": "9999-12-31", "from": "0001-01-01"},
        {"page": "abc"},
        {"page": "99999"},
        {"q": "%_\\'\"<script>" * 20},
    ],
)
def test_bad_filter_values_are_ignored(query):
    merchant, client, connection = _connected()
    _event(connection, "Mug sent")
    response = client.get(JOURNAL, query)
    assert response.status_code == 200
    if "q" not in query:
        assert _texts(response) == ["Mug sent"]
    assert client.get(EXPORT, query).status_code == 200


def test_pages_keep_the_filters_and_htmx_gets_the_results_only():
    merchant, client, connection = _connected()
    for i in range(55):
        _event(connection, f"refused {i}", status=Status.FAILED)
    _event(connection, "fine")
    response = client.get(JOURNAL, {"status": "failed"})
    content = response.content.decode()
    assert response.context["page"].paginator.count == 55
    assert "?status=failed&amp;page=2" in content and 'id="journal-results"' in content
    assert f"{EXPORT}?status=failed" in content

    partial = client.get(
        JOURNAL, {"status": "failed", "page": 2}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="journal-results"
    )
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="journal-results">') and 'id="journal-q"' not in body
    assert partial["HX-Push-Url"] == f"{JOURNAL}?status=failed&page=2"
    assert _texts(partial) == [f"refused {i}" for i in range(4, -1, -1)]


def test_query_count_is_the_same_for_5_and_120_entries(django_assert_num_queries):
    merchant, client, connection = _connected()

    def fill(count):
        SyncEvent.objects.bulk_create(
            [
                SyncEvent(merchant=merchant, connection=connection, kind=Kind.PRODUCT_EXPORT, status=Status.FAILED,
                          message=f"e{i}", product_name=f"P{i}", sku=f"S{i}", product_key=f"p{i} s{i}")
                for i in range(count)
            ]
        )  # fmt: skip

    fill(5)
    client.get(JOURNAL, {"status": "failed"})  # warm (session, templates)
    with CaptureQueriesContext(db_connection) as small:
        assert client.get(JOURNAL, {"status": "failed"}).status_code == 200
    fill(115)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(JOURNAL, {"status": "failed"})
    assert response.context["page"].paginator.count == 120


def test_detail_shows_what_was_sent_without_secrets_the_attempts_and_the_product():
    merchant, client, connection = _connected()
    mug = add_product(merchant, "Mug", sku="MUG-1")
    ProductLink.objects.create(
        product=mug,
        merchant=merchant,
        connection=connection,
        store_hash="abc123",
        origin="created_remote",
        state="failed",
    )
    event = _event(
        connection,
        "BigCommerce refused the product",
        status=Status.FAILED,
        product=mug,
        attempts=3,
        detail={"sent": {"sku": "MUG-1", "headers": {"X-Auth-Token": "tok-secret-1"}}, "answer": {"status": 409}},
    )
    content = client.get(reverse("integrations:bigcommerce_event", args=[event.pk])).content.decode()
    assert "tok-secret-1" not in content and "&quot;X-Auth-Token&quot;: &quot;[removed]&quot;" in content
    assert "&quot;status&quot;: 409" in content
    assert "<dt>Attempts</dt><dd>3</dd>" in content
    assert reverse("catalog:product_detail", args=[mug.pk]) in content
    assert reverse("integrations:bigcommerce_event_retry", args=[event.pk]) in content

    page = reverse("catalog:product_detail", args=[mug.pk])
    mug.delete()
    content = client.get(reverse("integrations:bigcommerce_event", args=[event.pk])).content.decode()
    assert "no longer in Comptoir" in content and page not in content


def test_only_failed_product_pushes_and_webhooks_can_be_retried():
    merchant, client, connection = _connected()
    failed_connect = _event(connection, "Connect failed", status=Status.FAILED, kind=Kind.CONNECT)
    ok_push = _event(connection, "Mug sent")
    content = client.get(JOURNAL).content.decode()
    assert "/retry/" not in content and ">Retry<" not in content
    for event in (failed_connect, ok_push):
        response = client.post(reverse("integrations:bigcommerce_event_retry", args=[event.pk]), follow=True)
        assert (
            "Only a failed product sync or a failed event from BigCommerce can be retried." in response.content.decode()
        )
    assert SyncEvent.objects.filter(merchant=merchant).count() == 2  # nothing journaled


def test_retry_processes_a_failed_webhook_event_again_and_journals_it():
    merchant, client, connection = _connected()
    webhook = WebhookEvent.objects.create(
        merchant=merchant, connection=connection, store_hash="abc123", scope="store/cart/created",
        event_hash="h1", payload={"data": {"id": 7}}, status=WebhookEvent.Status.FAILED,
    )  # fmt: skip
    event = _event(
        connection, "could not be read", status=Status.FAILED, kind=Kind.WEBHOOK,
        direction=Direction.FROM_BIGCOMMERCE, detail={"scope": webhook.scope, "hash": "h1"},
    )  # fmt: skip
    assert "Retry" in client.get(JOURNAL, {"status": "failed"}).content.decode()
    response = client.post(
        reverse("integrations:bigcommerce_event_retry", args=[event.pk]), {"next": f"{JOURNAL}?status=failed"}
    )
    assert response.status_code == 302 and response["Location"] == f"{JOURNAL}?status=failed"
    webhook.refresh_from_db()
    assert webhook.status == WebhookEvent.Status.PROCESSED
    texts = list(SyncEvent.objects.filter(merchant=merchant).values_list("message", flat=True))
    assert "Processing store/cart/created from BigCommerce again was requested." in texts
    assert "BigCommerce sent an event. Comptoir does not use this event."  # the scope is in the detail in texts
    again = client.post(reverse("integrations:bigcommerce_event_retry", args=[event.pk]), follow=True)
    assert "This event from BigCommerce was processed since." in again.content.decode()


def test_retry_post_needs_csrf():
    from django.test import Client

    merchant, client, connection = _connected()
    event = _event(connection, "refused", status=Status.FAILED)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert strict.post(reverse("integrations:bigcommerce_event_retry", args=[event.pk])).status_code == 403
    assert strict.post(reverse("integrations:bigcommerce_journal_retry_failed")).status_code == 403


def _refused_scarf(bc):
    """A product BigCommerce refused (another product there has its SKU), then the cause fixed there."""
    from integrations.tests.test_export import connected_to

    store = new_store(bc)
    remote = api(bc, store).post(
        "/v3/catalog/products",
        json={"name": "Web scarf", "type": "physical", "weight": 1, "price": 5, "sku": "SCARF-1"},
    )
    _s, merchant, client, connection, scarf = connected_to(
        bc, store, setup=lambda m: add_product(m, "Scarf", sku="SCARF-1"), review="create"
    )
    link = ProductLink.objects.get(connection=connection, product=scarf)
    assert link.state == "failed"
    remote_id = remote["data"]["id"]
    api(bc, store).put(f"/v3/catalog/products/{remote_id}", json={"sku": "WEB-SCARF-1"})
    return merchant, client, connection, link


@pytest.mark.parametrize("how", ["entry", "all failed"])
def test_retry_sends_a_failed_product_again_after_the_cause_is_fixed(bc, how):
    merchant, client, connection, link = _refused_scarf(bc)
    event = SyncEvent.objects.get(merchant=merchant, status="failed", kind="product_export")
    content = client.get(JOURNAL, {"status": "failed"}).content.decode()
    assert "Retry the failed product" in content
    if how == "entry":
        url = reverse("integrations:bigcommerce_event_retry", args=[event.pk])
        expected = "Sending “Scarf” to BigCommerce again."
    else:
        url = reverse("integrations:bigcommerce_journal_retry_failed")
        expected = "Sending 1 failed product to BigCommerce again."
    response = client.post(url, follow=True)
    assert expected in response.content.decode()
    link.refresh_from_db()
    assert link.state == "synced" and link.last_error == ""
    assert SyncEvent.objects.filter(merchant=merchant, kind="product_export", message__startswith="Retry of").exists()
    again = client.post(url, follow=True).content.decode()
    assert "no failed sync to retry" in again or "No product has a failed sync to retry." in again


def test_csv_export_of_the_filtered_list_in_the_readers_language_with_formulas_guarded():
    merchant, client, connection = _connected()
    sync_event_record(
        connection=connection,
        kind=Kind.PRODUCT_EXPORT,
        status=Status.FAILED,
        direction=Direction.TO_BIGCOMMERCE,
        message=lambda: gettext("Failed"),
        product={"id": 1, "name": '=HYPERLINK("http://x")', "sku": "-1"},
    )
    _event(connection, "Mug sent", product={"id": 2, "name": "Mug", "sku": "MUG-1"})
    response = client.get(EXPORT, {"status": "failed"})
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Time", "Status", "Direction", "Kind", "Product", "SKU", "Message"]
    assert len(rows) == 2
    assert rows[1][1:] == [
        "Failed",
        "Comptoir → BigCommerce",
        "Product sync to BigCommerce",
        '\'=HYPERLINK("http://x")',
        "'-1",
        "Failed",
    ]
    french = client.get(EXPORT, {"status": "failed"}, HTTP_ACCEPT_LANGUAGE="fr")
    rows = list(csv.reader(io.StringIO(b"".join(french.streaming_content).decode("utf-8-sig"))))
    assert rows[1][-1] == rows[1][1] != "Failed"  # the message and the status in French


def test_day_boundaries_follow_the_time_zone(settings):
    merchant, client, connection = _connected()
    event = _event(connection, "late")
    late = timezone.make_aware(datetime(2026, 3, 10, 23, 30))
    SyncEvent.objects.filter(pk=event.pk).update(created_at=late)
    assert _texts(client.get(JOURNAL, {"to": "2026-03-10"})) == ["late"]
    assert _texts(client.get(JOURNAL, {"from": (late + timedelta(days=1)).date().isoformat()})) == []


def test_retrying_is_a_failed_push_whose_product_still_fails_and_only_it_offers_retry():
    merchant, client, connection = _connected()
    hat, mug = add_product(merchant, "Hat", sku="HAT-1"), add_product(merchant, "Mug", sku="MUG-1")
    common = {"connection": connection, "store_hash": "abc123", "origin": "created_remote"}
    ProductLink.objects.create(product=hat, merchant=merchant, state="failed", **common)
    ProductLink.objects.create(product=mug, merchant=merchant, state="synced", **common)
    _event(connection, "Hat sent", product=hat)  # before it failed: a success settles only earlier failures
    hat_event = _event(connection, "Hat refused", status=Status.FAILED, product=hat)
    mug_event = _event(connection, "Mug refused", status=Status.FAILED, product=mug)  # fixed since

    assert _texts(client.get(JOURNAL, {"status": "retrying"})) == ["Hat refused"]
    assert _texts(client.get(JOURNAL, {"status": "failed"})) == ["Mug refused", "Hat refused"]
    content = client.get(JOURNAL).content.decode()
    assert reverse("integrations:bigcommerce_event_retry", args=[hat_event.pk]) in content
    assert reverse("integrations:bigcommerce_event_retry", args=[mug_event.pk]) not in content
    assert content.count("badge-warn") == 1
    detail = client.get(reverse("integrations:bigcommerce_event", args=[mug_event.pk])).content.decode()
    assert reverse("integrations:bigcommerce_event_retry", args=[mug_event.pk]) not in detail
    response = client.post(reverse("integrations:bigcommerce_event_retry", args=[mug_event.pk]), follow=True)
    assert "“Mug” has no failed sync to retry." in response.content.decode()


# -- one status label, business messages (issue 15, items 12 and 13) -------------------------------
def test_the_list_and_the_entry_give_a_failure_the_same_status_label():
    merchant, client, connection = _connected()
    hat = add_product(merchant, "Hat", sku="HAT-1")
    common = {"connection": connection, "store_hash": "abc123", "origin": "created_remote"}
    ProductLink.objects.create(product=hat, merchant=merchant, state="failed", **common)
    failed = _event(connection, "Hat refused", status=Status.FAILED, product=hat)

    listed = client.get(JOURNAL, {"status": "failed"})
    (row,) = listed.context["page"].object_list
    entry = client.get(reverse("integrations:bigcommerce_event", args=[failed.pk]))
    assert row.status_label[0] == entry.context["event"].status_label[0] == "Failed — retrying"
    assert 'badge-warn" title=' in listed.content.decode() and "Failed — retrying" in entry.content.decode()


def test_background_entries_are_hidden_until_asked_for_and_kept_by_the_links():
    merchant, client, connection = _connected()
    _event(connection, "Mug sent", product={"id": 1, "name": "Mug", "sku": "MUG-1"})
    echo = _event(
        connection,
        "Mug's stock changed in BigCommerce",
        kind=Kind.WEBHOOK,
        status=Status.SKIPPED,
        direction=Direction.FROM_BIGCOMMERCE,
        product={"id": 1, "name": "Mug", "sku": "MUG-1"},
    )
    assert echo.background
    assert _texts(client.get(JOURNAL)) == ["Mug sent"]
    shown = client.get(JOURNAL, {"background": "1", "q": "mug"})
    assert _texts(shown) == ["Mug's stock changed in BigCommerce", "Mug sent"]
    assert shown.context["page_query"] == "q=mug&background=1"  # pages and the CSV keep it
    assert _texts(client.get(JOURNAL, {"status": "skipped"})) == ["Mug's stock changed in BigCommerce"]
    assert client.get(reverse("integrations:bigcommerce_event", args=[echo.pk])).status_code == 200


def test_a_message_stored_as_a_code_is_read_in_the_readers_language():
    from django.utils import translation

    from integrations.journal_messages import STOCK_SENT

    _merchant, client, connection = _connected()
    params = {
        "cause": {"origin": "pos_sale", "sale": 2},
        "product": "Tote bag",
        "method": "relative",
        "delta": -2,
        "before": 30,
        "after": 28,
    }
    event = sync_event_record(
        connection=connection,
        kind=Kind.STOCK_PUSH,
        code=STOCK_SENT,
        params=params,
        product={"id": 9, "name": "Tote bag", "sku": "TOTE-1"},
    )
    assert (event.code, event.params) == (STOCK_SENT, params)
    assert event.text == event.message == "Sale #2: Tote bag −2 → BigCommerce 30 → 28 ✓"
    with translation.override("fr"):
        assert event.text == "Vente n° 2 : Tote bag −2 → BigCommerce 30 → 28 ✓"
    assert "Vente n° 2" in client.get(JOURNAL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
