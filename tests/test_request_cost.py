"""What the two busiest requests cost the web process, in queries and calls (never in time):
a BigCommerce webhook POST and a POS API sale. At the load run's 50 webhooks and 20 sales a second
(README "Benchmarks") the web needs most of a core; these bounds keep it from creeping back up."""

import base64
import json
import logging
import runpy
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django_q.conf import Conf
from standardwebhooks.webhooks import Webhook

from integrations.bigcommerce.inbox.scopes import DRAIN_TASKS, drain_kick, drain_started, lane_for
from integrations.models import BigCommerceConnection, ProductLink, StockPush, VariantLink, WebhookEvent
from integrations.services import queue
from inventory.models import Sale, StockLevel
from inventory.tests.factories import stocked_variant
from portal.tests.factories import DeviceFactory, MerchantFactory

pytestmark = pytest.mark.django_db

CLIENT_SECRET = "request-cost-client-secret"
HOOK_SECRET = "request-cost-hook-secret"


def data_queries(captured) -> list[str]:
    """The statements that read or write rows (not BEGIN, SAVEPOINT, RELEASE, COMMIT)."""
    return [q["sql"] for q in captured if q["sql"].split(" ", 1)[0] in ("SELECT", "INSERT", "UPDATE", "DELETE")]


@pytest.fixture
def store(settings):
    settings.BIGCOMMERCE_CLIENT_SECRET = CLIENT_SECRET
    return BigCommerceConnection.objects.create(
        merchant=MerchantFactory(),
        store_hash="cost1",
        status=BigCommerceConnection.Status.CONNECTED,
        webhook_secret=HOOK_SECRET,
        access_token="token",
    )


def webhook_post(client):
    body = json.dumps(
        {
            "scope": "store/product/inventory/updated",
            "store_id": "1",
            "data": {"type": "product", "id": 42, "inventory": {"product_id": 42, "method": "absolute", "value": 3}},
            "hash": uuid.uuid4().hex,
            "created_at": int(time.time()),
            "producer": "stores/cost1",
        }
    ).encode()
    msg_id, at = f"msg_{uuid.uuid4().hex}", datetime.now(tz=UTC)
    signature = Webhook(base64.b64encode(CLIENT_SECRET.encode()).decode()).sign(msg_id, at, body.decode())
    return client.post(
        "/integrations/bigcommerce/webhooks/",
        body,
        content_type="application/json",
        HTTP_WEBHOOK_ID=msg_id,
        HTTP_WEBHOOK_TIMESTAMP=str(int(at.timestamp())),
        HTTP_WEBHOOK_SIGNATURE=signature,
        HTTP_X_COMPTOIR_WEBHOOK_SECRET=HOOK_SECRET,
    )


def sale_post(client, device, variant, key=None):
    return client.post(
        "/api/v1/purchases",
        json.dumps({"lines": [{"variant_id": variant.pk, "quantity": 1}]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {device.token}",
        HTTP_IDEMPOTENCY_KEY=key or uuid.uuid4().hex,
    )


def test_a_webhook_post_reads_one_row_and_writes_one(client, store, django_capture_on_commit_callbacks):
    """The connection, then the event: no session, user or merchant lookup on the way."""
    with CaptureQueriesContext(db) as captured, django_capture_on_commit_callbacks() as callbacks:
        answer = webhook_post(client)
    assert answer.status_code == 200 and answer.json() == {"status": "stored"}
    queries = data_queries(captured)
    assert len(queries) <= 2, queries
    assert "integrations_bigcommerceconnection" in queries[0] and queries[-1].startswith("INSERT")
    assert len(callbacks) == 1  # its processing, enqueued on commit
    assert WebhookEvent.objects.count() == 1


def test_a_pos_sale_of_one_line_makes_at_most_ten_queries(client, django_capture_on_commit_callbacks):
    """A till's next sale: device (its last use is written once a minute, here by the first sale),
    replay check, variant (and its options, for the line's description), the sale, its line,
    the level (locked), the ledger row and the stock push marks: each read or written once. No second
    replay check inside the service, no read of a ledger key made of the new sale's id, no re-read of
    the lines for the answer, no read of the push marks after commit."""
    merchant = MerchantFactory()
    device = DeviceFactory(merchant=merchant)
    variant = stocked_variant(merchant=merchant, quantity=5, price=900)
    assert sale_post(client, device, variant).status_code == 201  # the till's first sale
    with CaptureQueriesContext(db) as captured, django_capture_on_commit_callbacks(execute=True):
        answer = sale_post(client, device, variant)
    assert answer.status_code == 201
    assert [(line["variant_id"], line["quantity"]) for line in answer.json()["lines"]] == [(variant.pk, 1)]
    queries = data_queries(captured)
    assert len(queries) <= 10, "\n".join(queries)
    assert not [q for q in queries if "inventory_saleline" in q and q.startswith("SELECT")]  # the answer's lines
    assert not [q for q in queries if "integrations_stockpush" in q and q.startswith("SELECT")]
    assert sum(1 for q in queries if q.startswith("SELECT") and 'FROM "inventory_sale"' in q) == 1
    # The variant is read without its levels (three subqueries, a third of the sale's CPU): the
    # sale locks and reads the level it moves.
    (variant_read,) = [q for q in queries if q.startswith("SELECT") and 'FROM "catalog_variant"' in q]
    assert "inventory_stocklevel" not in variant_read


def test_a_replayed_sale_answers_the_same_and_moves_nothing(client):
    merchant = MerchantFactory()
    device = DeviceFactory(merchant=merchant)
    variant = stocked_variant(merchant=merchant, quantity=5, price=900)
    first, again = sale_post(client, device, variant, key="same"), sale_post(client, device, variant, key="same")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert Sale.objects.count() == 1 and StockLevel.objects.get(variant=variant).quantity == 4


def test_a_sale_of_a_linked_variant_marks_and_kicks_its_store_once(client, django_capture_on_commit_callbacks):
    """The push's mark is written in the sale's transaction and its kick registered for after the commit,
    from the marks just written (not read back)."""
    merchant = MerchantFactory()
    device = DeviceFactory(merchant=merchant)
    variant = stocked_variant(merchant=merchant, quantity=5, price=900)
    store = BigCommerceConnection.objects.create(
        merchant=merchant, store_hash="cost2", status=BigCommerceConnection.Status.CONNECTED, access_token="t"
    )
    link = ProductLink.objects.create(
        merchant=merchant,
        connection=store,
        product=variant.product,
        store_hash="cost2",
        remote_product_id=7,
        origin=ProductLink.Origin.CREATED_REMOTE,
        state=ProductLink.State.SYNCED,
    )
    VariantLink.objects.create(link=link, variant=variant, remote_variant_id=1007)
    with django_capture_on_commit_callbacks() as callbacks:
        assert sale_post(client, device, variant).status_code == 201
    assert StockPush.objects.filter(connection=store, delta=-1).count() == 1
    kicks = [c for c in callbacks if getattr(c, "keywords", None) == {"connection_id": store.pk}]
    assert len(kicks) == 1


@pytest.mark.django_db(transaction=True)
def test_a_webhook_post_logs_one_line(client, store, monkeypatch, own_queues):
    """One line per request (the request's own); django-q2's "Enqueued" line (when the POST asks
    for its inbox's drain) said nothing more."""
    monkeypatch.setattr(Conf, "SYNC", False)
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(record.name)

    collect = Collect()
    for name in ("comptoir.request", "django-q"):  # django-q2's logger does not propagate
        logging.getLogger(name).addHandler(collect)
    lane = lane_for("store/product/inventory/updated")
    drain_started(connection_id=store.pk, lane=lane)  # no drain queued: this POST asks for one
    broker = queue.broker_for(queue.cluster_of(DRAIN_TASKS[lane]))
    try:
        assert webhook_post(client).status_code == 200
        assert drain_kick(connection_id=store.pk, lane=lane) is False  # the POST asked (and enqueued)
    finally:
        broker.purge_queue()
        for name in ("comptoir.request", "django-q"):
            logging.getLogger(name).removeHandler(collect)
    assert lines == ["comptoir.request"]


def test_gunicorn_replaces_a_worker_no_more_than_every_five_minutes_at_the_load_runs_rate(monkeypatch):
    """Each replacement costs a worker's start (Django, the app, its connections) while the others
    take its share; at the load run's 70 requests a second, 2,000 requests was once a minute each."""
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_MAX_REQUESTS"):
        monkeypatch.delenv(name, raising=False)
    conf = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    per_worker_per_s = (50 + 20) / conf["workers"]
    assert (conf["max_requests"] - conf["max_requests_jitter"]) / per_worker_per_s >= 5 * 60
    assert conf["worker_class"] == "gthread" and conf["workers"] == 2  # a process per core, threads for waits
