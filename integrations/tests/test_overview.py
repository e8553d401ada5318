"""The Overview tab: last sync, failures and webhook health over 24 hours, next resync, Sync now."""

import datetime as dt

from django.test import Client
from django.utils import timezone
from django_q.models import Schedule

from integrations.models import BigCommerceConnection, ProductLink, SyncEvent, SyncRun, WebhookEvent
from integrations.schedules import schedules_install
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import (
    add_product,
    connect_from_comptoir,
    merchant_with_client,
    new_store,
    walk_wizard,
)
from portal.tests.factories import MembershipFactory, MerchantFactory

pytestmark = connect_helpers.SANDBOX_TESTS
OVERVIEW = "/integrations/bigcommerce/"
SYNC_NOW = "/integrations/bigcommerce/sync-now/"


def _connected_row():
    merchant = MerchantFactory()
    connection = BigCommerceConnection.objects.create(
        merchant=merchant,
        store_hash=f"facts{merchant.pk}",
        status="connected",
        managed_in="comptoir",
        sync_scope="all",
        include_prices=False,
        channel_id=1,
        connected_at=timezone.now(),
    )
    client = Client()
    client.force_login(MembershipFactory(merchant=merchant).user)
    return merchant, connection, client


def _fill(merchant, connection, count, start=0):
    SyncEvent.objects.bulk_create(
        [
            SyncEvent(merchant=merchant, connection=connection, kind="product_export", status=s, message=f"e{i}")
            for i in range(start, start + count)
            for s in ("ok", "failed")
        ]
    )
    WebhookEvent.objects.bulk_create(
        [
            WebhookEvent(
                merchant=merchant,
                connection=connection,
                store_hash=f"facts{merchant.pk}",
                scope="store/product/updated",
                event_hash=f"h{i}-{s}",
                payload={},
                status=s,
            )
            for i in range(start, start + count)
            for s in ("processed", "failed")
        ]
    )
    SyncRun.objects.bulk_create(
        [
            SyncRun(merchant=merchant, connection=connection, kind="export", status="finished", total=3, done=3)
            for _ in range(count)
        ]
    )
    SyncRun.objects.filter(connection=connection).update(finished_at=timezone.now() - dt.timedelta(hours=2))


def test_overview_shows_last_sync_failures_webhook_health_and_next_resync_in_constant_queries(
    django_assert_num_queries,
):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    schedules_install()
    merchant, connection, client = _connected_row()
    _fill(merchant, connection, 1)
    client.get(OVERVIEW)  # warm the session
    with CaptureQueriesContext(db) as few:
        client.get(OVERVIEW)
    old = SyncEvent.objects.create(merchant=merchant, kind="product_export", status="failed", message="old")
    SyncEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=25))
    _fill(merchant, connection, 40, start=1)

    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(OVERVIEW).content.decode()

    assert "41 failures still unresolved — see the journal" in page  # not the one of 25 hours ago
    assert 'href="/integrations/bigcommerce/journal/?status=failed"' in page
    assert "Last received" in page and "41 failed in the last 24 hours" in page
    assert "2\xa0hours ago" in page or "2 hours ago" in page
    next_run = Schedule.objects.get(name="bigcommerce-nightly-resync").next_run  # every product in full
    assert next_run > timezone.now() and next_run.isoformat() in page  # installed for the coming night


def test_overview_says_so_when_nothing_happened_yet():
    _merchant, _connection, client = _connected_row()
    page = client.get(OVERVIEW).content.decode()
    assert "Not yet" in page and "None received yet" in page and "Not scheduled" in page
    assert 'action="/integrations/bigcommerce/sync-now/"' in page and "csrfmiddlewaretoken" in page


def test_sync_now_is_post_only_and_needs_a_connected_store():
    _merchant, _connection, client = _connected_row()
    assert client.get(SYNC_NOW).status_code == 405
    stranger = Client()
    stranger.force_login(MembershipFactory(merchant=MerchantFactory()).user)
    assert stranger.post(SYNC_NOW).status_code == 404


def test_sync_now_sends_every_assigned_product_again_in_a_run_shown_on_the_overview(bc):
    merchant, _user, client = merchant_with_client()
    add_product(merchant, "Mug", sku="MUG-1")
    add_product(merchant, "Cup", sku="CUP-1")
    connect_from_comptoir(client, bc, new_store(bc))
    walk_wizard(client)
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert not ProductLink.objects.filter(connection=connection).exclude(state="synced").exists()

    answer = client.post(SYNC_NOW)
    assert answer.status_code == 302 and answer["Location"] == OVERVIEW

    run = SyncRun.objects.filter(connection=connection, initial=False).get()
    assert (run.status, run.total, run.done, run.failed) == ("finished", 2, 2, 0)
    asked = SyncEvent.objects.get(merchant=merchant, message="Sync now: 2 products to send to BigCommerce again.")
    assert (asked.code, asked.params) == ("sync_now.started", {"direction": "to_bigcommerce", "total": 2})
    assert SyncEvent.objects.filter(merchant=merchant, message="Sync to BigCommerce finished: 2 products sent.")
    page = client.get(OVERVIEW).content.decode()
    assert "Sync finished" in page and "2 of 2 products sent" in page


def test_sync_now_with_products_managed_in_bigcommerce_checks_the_channel_again(bc):
    merchant, _user, client = merchant_with_client()
    connect_from_comptoir(client, bc, new_store(bc))
    walk_wizard(client, managed_in="bigcommerce")
    assert BigCommerceConnection.objects.get(merchant=merchant).status == "connected"

    assert client.post(SYNC_NOW).status_code == 302
    said = list(SyncEvent.objects.filter(merchant=merchant).values_list("message", flat=True))
    assert "Sync now: Comptoir is checking the products of the Comptoir-POS channel." in said
    assert any(m.startswith("Checked the 0 products of the Comptoir-POS channel") for m in said)


def test_a_stalled_run_shows_on_the_progress_card_which_keeps_polling_while_it_is_resumed():
    merchant, connection, client = _connected_row()
    run = SyncRun.objects.create(
        merchant=merchant, connection=connection, kind="export", status="stalled", total=4, done=1
    )
    card = client.get(f"/integrations/bigcommerce/runs/{run.pk}/").content.decode()
    assert "Sync stalled — Comptoir is starting it again" in card and 'hx-trigger="every 1s"' in card


def test_several_runs_at_once_each_have_their_own_card_and_the_old_ones_fold_into_the_newest():
    merchant, connection, client = _connected_row()
    make = SyncRun.objects.create
    export = make(merchant=merchant, connection=connection, kind="export", total=10, done=3)
    check = make(merchant=merchant, connection=connection, kind="reconciliation", total=200, done=50)
    hour_ago = timezone.now() - dt.timedelta(minutes=30)
    for done in (100, 200):  # two earlier stock checks that finished: only the newest is shown
        make(
            merchant=merchant,
            connection=connection,
            kind="import",
            total=done,
            done=done,
            status="finished",
            finished_at=hour_ago,
        )
    page = client.get("/integrations/bigcommerce/").content.decode()
    assert page.count('class="card sync-run"') == 3
    assert "3 of 10 products sent" in page and "50 of 200 variants checked" in page
    assert "Stock check in progress" in page and "200 of 200 products brought in" in page
    assert "100 of 100" not in page
    for run in (export, check):
        assert f'hx-get="/integrations/bigcommerce/runs/{run.pk}/?facts=1"' in page
    # The stock check finishes: its card stops polling.
    SyncRun.objects.filter(pk=check.pk).update(status="finished", done=200, finished_at=timezone.now())
    card = client.get(f"/integrations/bigcommerce/runs/{check.pk}/").content.decode()
    assert "Stock check finished" in card and "hx-trigger" not in card
    other, other_connection, _ = _connected_row()
    theirs = SyncRun.objects.create(merchant=other, connection=other_connection, kind="export", total=1)
    assert client.get(f"/integrations/bigcommerce/runs/{theirs.pk}/").status_code == 404


def test_the_progress_card_on_the_overview_brings_the_sync_panel_along_so_both_say_the_same():
    merchant, connection, client = _connected_row()
    run = SyncRun.objects.create(merchant=merchant, connection=connection, kind="export", total=41, initial=True)
    card_url = f"/integrations/bigcommerce/runs/{run.pk}/"
    page = client.get(OVERVIEW).content.decode()
    assert f'hx-get="{card_url}?facts=1"' in page and "0 of 41" in page and "None received yet" in page

    # The run goes on: each answer of the card carries the panel, swapped out of band.
    SyncRun.objects.filter(pk=run.pk).update(done=10)
    answer = client.get(f"{card_url}?facts=1", headers={"HX-Request": "true"}).content.decode()
    assert "10 of 41 products sent" in answer and 'id="sync-facts" hx-swap-oob="true"' in answer
    assert "· 10 of 41" in answer  # the panel's "Last sync: In progress (started …) · 10 of 41"

    # It finishes, and BigCommerce's webhooks came meanwhile: the card's last answer says it all.
    SyncRun.objects.filter(pk=run.pk).update(status="finished", done=41, finished_at=timezone.now())
    WebhookEvent.objects.create(
        merchant=merchant,
        connection=connection,
        store_hash=connection.store_hash,
        scope="store/product/updated",
        event_hash="h1",
        payload={},
    )
    answer = client.get(f"{card_url}?facts=1", headers={"HX-Request": "true"}).content.decode()
    assert "Sync finished" in answer and "hx-trigger" not in answer  # the card stops polling
    panel = answer[answer.index('id="sync-facts"') :]
    assert "41 products sent" in panel and "In progress" not in panel
    assert "Last received" in panel and "None received yet" not in panel
    assert "csrfmiddlewaretoken" not in panel  # the buttons stay as they are: only the facts are swapped

    # Elsewhere (the Products tab) the card comes alone; another merchant's run is a 404 as before.
    assert "sync-facts" not in client.get(card_url).content.decode()
    other, other_connection, _ = _connected_row()
    theirs = SyncRun.objects.create(merchant=other, connection=other_connection, kind="export", total=1)
    assert client.get(f"/integrations/bigcommerce/runs/{theirs.pk}/?facts=1").status_code == 404


# -- stale states (issue 15, item 13) -------------------------------------------------------------
def test_the_next_scheduled_resync_is_never_in_the_past():
    schedules_install()
    _merchant, _connection, client = _connected_row()
    now = timezone.now()
    behind = now - dt.timedelta(minutes=1)  # the cluster has not taken it yet (or none runs)
    Schedule.objects.filter(name="bigcommerce-nightly-resync").update(next_run=behind)
    Schedule.objects.filter(name="bigcommerce-stock-reconcile").update(next_run=now - dt.timedelta(minutes=65))
    facts = client.get(OVERVIEW).context["facts"]
    assert facts["next_resync"] == behind + dt.timedelta(days=1)
    assert now < facts["next_stock_check"] <= now + dt.timedelta(minutes=30)


def test_after_a_reconnect_the_overview_shows_none_of_the_previous_connections_runs():
    merchant, connection, client = _connected_row()
    old = SyncRun.objects.create(merchant=merchant, connection=connection, kind="export", total=10, done=10)
    SyncRun.objects.filter(pk=old.pk).update(status="finished", finished_at=timezone.now())
    stuck = SyncRun.objects.create(merchant=merchant, connection=connection, kind="reconciliation", total=4)
    # Disconnected and connected again: the same connection row, a new connected_at.
    BigCommerceConnection.objects.filter(pk=connection.pk).update(connected_at=timezone.now() + dt.timedelta(seconds=5))
    page = client.get(OVERVIEW)
    assert page.context["runs"] == [] and page.context["facts"]["last_sync"] is None
    content = page.content.decode()
    assert f"sync-run-{old.pk}" not in content and f"sync-run-{stuck.pk}" not in content


def test_last_sync_is_the_newest_run_even_while_it_is_still_going():
    merchant, connection, client = _connected_row()
    first = SyncRun.objects.create(merchant=merchant, connection=connection, kind="export", total=10, done=10)
    SyncRun.objects.filter(pk=first.pk).update(status="finished", finished_at=timezone.now())
    assert "10 products sent" in client.get(OVERVIEW).content.decode()
    again = SyncRun.objects.create(merchant=merchant, connection=connection, kind="export", total=13, done=12)
    page = client.get(OVERVIEW).content.decode()
    assert "12 of 13" in page and "10 products sent" not in page
    SyncRun.objects.filter(pk=again.pk).update(status="finished", done=13, finished_at=timezone.now())
    assert "13 products sent" in client.get(OVERVIEW).content.decode()


def test_a_failure_resolved_by_a_later_success_says_so_and_is_not_counted():
    from integrations.services.journal import sync_event_record

    merchant, connection, client = _connected_row()
    hat = add_product(merchant, "Hat", sku="HAT-1")
    failed = sync_event_record(
        connection=connection,
        kind="product_export",
        status="failed",
        message=lambda: "BigCommerce refused Hat",
        product=hat,
    )
    assert "1 failure still unresolved — see the journal" in client.get(OVERVIEW).content.decode()
    sync_event_record(connection=connection, kind="product_export", message=lambda: "Hat sent", product=hat)
    failed.refresh_from_db()
    assert failed.resolved_at is not None and failed.status == "failed"
    assert client.get(OVERVIEW).context["facts"]["failures_24h"] == 0
    journal = "/integrations/bigcommerce/journal/"
    assert list(client.get(journal, {"status": "failed"}).context["page"].object_list) == []
    assert [e.pk for e in client.get(journal, {"status": "resolved"}).context["page"].object_list] == [failed.pk]
    entry = client.get(f"{journal}{failed.pk}/").content.decode()
    assert ">Resolved<" in entry and "resolved" in entry.lower()


def test_a_run_summary_counting_failures_is_resolved_once_no_product_still_fails():
    from integrations.services.journal import sync_event_record

    merchant, connection, client = _connected_row()
    hat, cap = add_product(merchant, "Hat", sku="HAT-1"), add_product(merchant, "Cap", sku="CAP-1")

    def record(product, status="ok", **kw):
        return sync_event_record(
            connection=connection, kind="product_export", status=status, message=lambda: "…", product=product, **kw
        )

    record(hat, "failed"), record(cap, "failed")
    summary = record(None, "failed", detail={"run_id": 1, "done": 0, "failed": 2})
    assert client.get(OVERVIEW).context["facts"]["failures_24h"] == 3
    record(hat)
    assert client.get(OVERVIEW).context["facts"]["failures_24h"] == 2  # the Cap still fails: so does the run
    record(cap)
    summary.refresh_from_db()
    assert summary.resolved_at is not None
    assert client.get(OVERVIEW).context["facts"]["failures_24h"] == 0


def test_a_product_that_failed_at_each_automatic_retry_counts_as_one_failure():
    """Seen walking the seed: two products refused by BigCommerce (a duplicate name) read
    "11 failed entries in the journal" after a few automatic retries; what fails is 2 products."""
    from integrations.services.journal import sync_event_record

    merchant, connection, client = _connected_row()
    hat, cap = add_product(merchant, "Hat", sku="HAT-1"), add_product(merchant, "Cap", sku="CAP-1")
    for product in (hat, hat, hat, cap):
        sync_event_record(
            connection=connection, kind="product_export", status="failed", message=lambda: "…", product=product
        )
    sync_event_record(connection=connection, kind="stock_push", status="failed", message=lambda: "…", product=hat)
    sync_event_record(connection=connection, kind="error", status="failed", message=lambda: "A task failed")
    assert client.get(OVERVIEW).context["facts"]["failures_24h"] == 4  # Hat's export, Cap's, Hat's stock, the task
    html = client.get(OVERVIEW).content.decode()
    assert "4 failures still unresolved — see the journal" in html


def test_a_stock_check_card_says_what_it_found():
    merchant, connection, client = _connected_row()
    run = SyncRun.objects.create(
        merchant=merchant, connection=connection, kind="reconciliation", total=12, done=12, corrected=2, busy=1
    )
    SyncRun.objects.filter(pk=run.pk).update(status="finished", finished_at=timezone.now())
    card = client.get(f"/integrations/bigcommerce/runs/{run.pk}/").content.decode()
    assert "12 of 12 variants checked" in card
    assert "2 differed from BigCommerce and were corrected" in card and "1 was changing" in card
