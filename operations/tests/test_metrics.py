"""/metrics: who may scrape, and the figures after things happened (a request, a webhook, a pending
stock push, a queued task, BigCommerce calls answered 200 and 429, runs running and stalled)."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_q.models import OrmQ
from prometheus_client.parser import text_string_to_metric_families

from catalog.tests.factories import ProductFactory
from integrations.bigcommerce.api.client import NO_RETRY
from integrations.bigcommerce.api.errors import NotFound, RateLimited
from integrations.models import BigCommerceConnection, ProductLink, StockPush, SyncRun, VariantLink
from integrations.tests.conftest import make_client, sandbox, store  # noqa: F401 (fixtures)
from integrations.tests.test_webhooks import payload, post, signed
from operations import queues
from portal.broker import FifoORM
from portal.heartbeat import lanes
from portal.tests.factories import MerchantFactory

TOKEN = "metrics-token-0123456789"


@pytest.fixture
def scraper(settings, client, db):
    call_command("createcachetable", verbosity=0)
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []

    def scrape() -> dict[tuple[str, tuple], float]:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples
        }

    return scrape


def value(figures, name, **labels) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.parametrize(
    "token, allowed, header, remote",
    [
        ("", [], "", "127.0.0.1"),  # nothing configured: nobody
        (TOKEN, [], "", "127.0.0.1"),  # no token sent
        (TOKEN, [], "Bearer wrong-token", "127.0.0.1"),
        (TOKEN, [], f"Basic {TOKEN}", "127.0.0.1"),
        ("", ["10.0.0.0/8"], "", "127.0.0.1"),  # not an allowed address
        ("", ["10.0.0.0/8"], f"Bearer {TOKEN}", "127.0.0.1"),  # a token nobody configured
    ],
)
def test_unauthorised_scrapes_are_forbidden(client, db, settings, token, allowed, header, remote):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = token, allowed
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/metrics", REMOTE_ADDR=remote, **headers)
    assert response.status_code == 403
    assert b"comptoir_" not in response.content


def test_an_allowed_address_may_scrape(client, db, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", ["10.0.0.5", "127.0.0.0/8"]
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200 and b"comptoir_queue_tasks" in response.content


def test_requests_are_counted_by_view_and_status(client, scraper):
    labels = {"view": "health_live", "method": "GET", "status": "200"}
    before = value(scraper(), "comptoir_http_requests_total", **labels)
    client.get("/health/live")
    client.get("/health/live")
    assert value(scraper(), "comptoir_http_requests_total", **labels) == before + 2
    assert value(scraper(), "comptoir_http_request_duration_seconds_count", view="health_live") >= 2


@pytest.fixture
def connection(db, settings):
    settings.BIGCOMMERCE_CLIENT_SECRET = "comptoir-local-secret"
    return BigCommerceConnection.objects.create(
        merchant=MerchantFactory(),
        store_hash="abc123",
        status=BigCommerceConnection.Status.CONNECTED,
        webhook_secret="per-connection-secret",
    )


def test_a_received_webhook_is_counted_and_its_processing_lag_shown(
    client, scraper, connection, django_capture_on_commit_callbacks
):
    before = scraper()
    body = json.dumps(payload()).encode()
    # Stored, not yet processed: the on-commit task is held back.
    with django_capture_on_commit_callbacks(execute=False):
        assert post(client, body, signed(body)).status_code == 200
    assert post(client, b"{}", signed(b"{}", secret="wrong")).status_code in (400, 401)
    connection.webhook_events.update(received_at=timezone.now() - timedelta(seconds=90))
    after = scraper()
    assert (
        value(after, "comptoir_webhooks_received_total", outcome="stored")
        == value(before, "comptoir_webhooks_received_total", outcome="stored") + 1
    )
    assert (
        value(after, "comptoir_webhooks_received_total", outcome="refused")
        == value(before, "comptoir_webhooks_received_total", outcome="refused") + 1
    )
    assert value(after, "comptoir_webhook_events_unprocessed") == 1
    assert 90 <= value(after, "comptoir_webhook_processing_lag_seconds") < 200


def test_an_unsent_stock_push_shows_its_age(scraper, connection):
    assert value(scraper(), "comptoir_stock_push_oldest_pending_age_seconds") == 0
    product = ProductFactory(merchant=connection.merchant)
    link = ProductLink.objects.create(
        merchant=connection.merchant, connection=connection, product=product, store_hash="abc123", origin="linked"
    )
    vlink = VariantLink.objects.create(link=link, variant=product.variants.get(), remote_variant_id=1)
    StockPush.objects.create(connection=connection, variant_link=vlink, movement_id=1, delta=-1)
    StockPush.objects.create(connection=connection, variant_link=vlink, movement_id=2, delta=-1, state="sent")
    StockPush.objects.filter(movement_id=1).update(created_at=timezone.now() - timedelta(minutes=5))
    figures = scraper()
    assert value(figures, "comptoir_stock_pushes_pending") == 1
    assert 300 <= value(figures, "comptoir_stock_push_oldest_pending_age_seconds") < 400


def test_queue_depth_and_oldest_task_per_lane(scraper, db, monkeypatch):
    # The ORM broker's rows (the embedded default); the Redis broker's lists: operations/tests/test_queues.py.
    monkeypatch.setattr(queues, "get_broker", lambda lane: FifoORM(list_key=lane))
    lane = lanes()[0]
    now = timezone.now()
    OrmQ.objects.create(key=lane, payload="x", lock=now - timedelta(seconds=40))
    OrmQ.objects.create(key=lane, payload="y", lock=now - timedelta(seconds=5))
    OrmQ.objects.create(key=lane, payload="z", lock=now + timedelta(seconds=60))  # held by a worker
    figures = scraper()
    assert value(figures, "comptoir_queue_tasks", lane=lane) == 2
    assert 40 <= value(figures, "comptoir_queue_oldest_task_age_seconds", lane=lane) < 100
    for other in lanes()[1:]:
        assert value(figures, "comptoir_queue_tasks", lane=other) == 0


def test_runs_in_progress_and_stalled(scraper, connection, settings):
    settings.COMPTOIR_RUN_STALLED_MINUTES = 10
    make = lambda **kw: SyncRun.objects.create(merchant=connection.merchant, connection=connection, **kw)  # noqa: E731
    make(kind="export", status="running")
    quiet = make(kind="export", status="running")
    SyncRun.objects.filter(pk=quiet.pk).update(updated_at=timezone.now() - timedelta(minutes=30))
    make(kind="import", status="stalled")
    make(kind="import", status="finished")
    figures = scraper()
    assert value(figures, "comptoir_sync_runs", kind="export", state="running") == 1
    assert value(figures, "comptoir_sync_runs", kind="export", state="stalled") == 1
    assert value(figures, "comptoir_sync_runs", kind="import", state="stalled") == 1
    assert value(figures, "comptoir_sync_runs", kind="import", state="running") == 0


def test_bigcommerce_calls_429s_and_errors_are_counted_per_store(scraper, sandbox, store, make_client):  # noqa: F811
    figures = scraper()
    count = lambda f, outcome: value(f, "comptoir_bigcommerce_calls_total", store=store["hash"], outcome=outcome)  # noqa: E731
    before = {o: count(figures, o) for o in ("ok", "rate_limited", "client_error")}
    sandbox.set_faults(store["hash"], [{"kind": "error_before", "method": "GET", "status": 429, "count": 1}])
    client = make_client(retry=NO_RETRY)
    with pytest.raises(RateLimited):
        client.get("/v3/catalog/products")
    client.get("/v3/catalog/products")
    with pytest.raises(NotFound):
        client.get("/v3/catalog/products/999999")
    after = scraper()
    assert count(after, "rate_limited") == before["rate_limited"] + 1
    assert count(after, "ok") == before["ok"] + 1
    assert count(after, "client_error") == before["client_error"] + 1
    assert not [key for key in after if key[0] == "comptoir_bigcommerce_calls_total" and "Boutique" in str(key)]


def test_counters_add_up_over_processes_in_multiprocess_mode(scraper, tmp_path, monkeypatch):
    """gunicorn's workers and the lanes' workers each write their counters to PROMETHEUS_MULTIPROC_DIR;
    a scrape by any of them adds them up. Two real processes count calls to one store here."""
    code = (
        "from portal.metrics import bigcommerce_call_record\n"
        "for _ in range({n}): bigcommerce_call_record(store='mp-store', status=200)\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for n in (2, 3):
        subprocess.run([sys.executable, "-c", code.format(n=n)], cwd=settings.BASE_DIR, env=env, check=True)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    figures = scraper()
    assert value(figures, "comptoir_bigcommerce_calls_total", store="mp-store", outcome="ok") == 5
    assert value(figures, "comptoir_queue_tasks", lane=lanes()[0]) == 0  # the scrape-time gauges are there too
