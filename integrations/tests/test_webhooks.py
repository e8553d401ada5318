"""The webhook receiver: verify, store once, process in a task, answer 200."""

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from integrations.models import BigCommerceConnection, SyncEvent, WebhookEvent
from integrations.tests.connect_helpers import (
    CLIENT_SECRET,
    api,
    connect_from_comptoir,
    merchant_with_client,
    new_store,
    walk_wizard,
)
from portal.tests.factories import MembershipFactory, MerchantFactory

URL = "/integrations/bigcommerce/webhooks/"
SECRET = "per-connection-secret"


@pytest.fixture
def connection(db, settings):
    settings.BIGCOMMERCE_CLIENT_SECRET = CLIENT_SECRET
    return BigCommerceConnection.objects.create(
        merchant=MerchantFactory(),
        store_hash="abc123",
        status=BigCommerceConnection.Status.CONNECTED,
        webhook_secret=SECRET,
    )


def payload(store_hash="abc123", scope="store/product/updated", event_hash=None, **data):
    return {
        "scope": scope,
        "store_id": "1001",
        "data": data or {"type": "product", "id": 42},
        "hash": event_hash or uuid.uuid4().hex[:40],
        "created_at": int(time.time()),
        "producer": f"stores/{store_hash}",
    }


def signed(body: bytes, *, key=CLIENT_SECRET, at=None, secret=SECRET, msg_id=None):
    """Headers as BigCommerce sends them: Standard Webhooks signature + our custom header."""
    at = at or datetime.now(tz=UTC)
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    signature = Webhook(base64.b64encode(key.encode()).decode()).sign(msg_id, at, body.decode())
    headers = {
        "HTTP_WEBHOOK_ID": msg_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(int(at.timestamp())),
        "HTTP_WEBHOOK_SIGNATURE": signature,
    }
    if secret is not None:
        headers["HTTP_X_COMPTOIR_WEBHOOK_SECRET"] = secret
    return headers


def post(client, body: bytes, headers):
    return client.post(URL, body, content_type="application/json", **headers)


def test_a_verified_delivery_is_stored_processed_and_journaled(client, connection, django_capture_on_commit_callbacks):
    body = json.dumps(payload(id=42)).encode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(client, body, signed(body))
    assert answer.status_code == 200
    assert answer.json() == {"status": "stored"}
    event = WebhookEvent.objects.get()
    assert (event.scope, event.store_hash, event.status) == ("store/product/updated", "abc123", "processed")
    journal = SyncEvent.objects.get(kind=SyncEvent.Kind.WEBHOOK)
    assert journal.merchant == connection.merchant
    assert "#42" in journal.message and journal.detail["scope"] == "store/product/updated"


def test_a_repeated_delivery_is_stored_once(client, connection, django_capture_on_commit_callbacks):
    body = json.dumps(payload(event_hash="same-event")).encode()
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, body, signed(body))
        second = post(client, body, signed(body))  # a redelivery: new id and timestamp, same hash
    assert (first.json(), second.json()) == ({"status": "stored"}, {"status": "duplicate"})
    event = WebhookEvent.objects.get()
    assert event.deliveries == 2
    assert SyncEvent.objects.filter(kind=SyncEvent.Kind.WEBHOOK).count() == 1


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda body: (body, signed(body, key="another-apps-secret")), id="wrong key"),
        pytest.param(lambda body: (body.replace(b"42", b"43"), signed(body)), id="body changed"),
        pytest.param(
            lambda body: (body, signed(body, at=datetime.now(tz=UTC) - timedelta(minutes=10))),
            id="replayed old timestamp",
        ),
        pytest.param(lambda body: (body, {**signed(body), "HTTP_WEBHOOK_SIGNATURE": "garbage"}), id="malformed"),
        pytest.param(
            lambda body: (body, {k: v for k, v in signed(body).items() if k != "HTTP_WEBHOOK_SIGNATURE"}),
            id="no signature",
        ),
        pytest.param(lambda body: (body, signed(body, secret="guessed")), id="wrong connection secret"),
        pytest.param(lambda body: (body, signed(body, secret=None)), id="no connection secret"),
    ],
)
def test_forged_deliveries_are_refused_and_change_nothing(client, connection, tamper):
    body, headers = tamper(json.dumps(payload(id=42)).encode())
    answer = post(client, body, headers)
    assert answer.status_code == 401
    assert not WebhookEvent.objects.exists()
    assert not SyncEvent.objects.exists()


def test_signed_but_unreadable_body_is_a_bad_request(client, connection):
    for body in (b"not json", json.dumps({"scope": "store/product/updated"}).encode(), b"[1, 2]"):
        answer = post(client, body, signed(body))
        assert answer.status_code == 400, body
    assert not WebhookEvent.objects.exists()


def delivered(client, document, django_capture_on_commit_callbacks):
    """Post ``document`` (a dict, or raw JSON text) signed correctly, running the task on commit."""
    body = document.encode() if isinstance(document, str) else json.dumps(document).encode()
    with django_capture_on_commit_callbacks(execute=True):
        return post(client, body, signed(body))


@pytest.mark.postgres_also
@pytest.mark.parametrize(
    "document",
    [
        pytest.param({**payload(), "data": {"type": "product", "id": 42, "name": "Vase\u0000"}}, id="nul in data"),
        pytest.param({**payload(), "scope": "store/product/updated\u0000"}, id="nul in scope"),
        pytest.param({**payload(), "hash": "abc\u0000"}, id="nul in hash"),
        pytest.param({**payload(), "producer": "stores/abc123\u0000"}, id="nul in producer"),
        pytest.param({**payload(), "data\u0000": 1}, id="nul in a key"),
        pytest.param({**payload(), "scope": "store/product/" + "x" * 200}, id="scope over 200"),
        pytest.param({**payload(), "producer": "stores/" + "a" * 65}, id="store hash over 64"),
        pytest.param({**payload(), "data": {"name": "\ud800"}}, id="lone surrogate"),
        pytest.param({**payload(), "created_at": 10**20}, id="created_at 1e20"),
        pytest.param({**payload(), "created_at": -(10**15)}, id="created_at -1e15"),
        pytest.param({**payload(), "created_at": 1e300}, id="created_at 1e300"),
        pytest.param({**payload(), "created_at": "1700000000"}, id="created_at a string"),
        pytest.param(json.dumps(payload())[:-1] + ', "x": ' + "[" * 5000 + "]" * 5000 + "}", id="nested 5000"),
        pytest.param(json.dumps(payload())[:-1] + ', "x": NaN}', id="NaN"),
        pytest.param(json.dumps(payload())[:-1] + ', "x": 1e400}', id="1e400"),
    ],
)
def test_signed_but_malformed_deliveries_are_a_bad_request_and_change_nothing(
    client, connection, django_capture_on_commit_callbacks, document
):
    answer = delivered(client, document, django_capture_on_commit_callbacks)
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid webhook"}
    assert not WebhookEvent.objects.exists() and not SyncEvent.objects.exists()


def test_created_at_within_bounds_is_kept(client, connection, django_capture_on_commit_callbacks):
    for created_at in (0, 1_700_000_000, None):
        answer = delivered(client, {**payload(), "created_at": created_at}, django_capture_on_commit_callbacks)
        assert answer.json() == {"status": "stored"}
    stored = sorted(str(e.event_created_at) for e in WebhookEvent.objects.all())
    assert stored == ["1970-01-01 00:00:00+00:00", "2023-11-14 22:13:20+00:00", "None"]


@pytest.mark.parametrize("data", [[1, 2], "product", 42, True], ids=["list", "string", "number", "boolean"])
def test_a_delivery_whose_data_is_not_an_object_ends_as_failed_in_the_journal(
    client, connection, django_capture_on_commit_callbacks, data
):
    answer = delivered(client, {**payload(), "data": data}, django_capture_on_commit_callbacks)
    assert answer.json() == {"status": "stored"}
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.Status.FAILED and event.processed_at is not None
    line = SyncEvent.objects.get()
    assert (line.kind, line.status, line.merchant) == (
        SyncEvent.Kind.WEBHOOK,
        SyncEvent.Status.FAILED,
        connection.merchant,
    )
    assert "store/product/updated" in line.message and "could not be read" in line.message
    # The merchant sees it in the journal, marked failed.
    from django.test import Client

    merchant_client = Client()
    merchant_client.force_login(MembershipFactory(merchant=connection.merchant).user)
    html = merchant_client.get("/integrations/bigcommerce/journal/?status=failed").content.decode()
    assert "its content could not be read" in html
    # Running the task again (a retry, the sweep) changes nothing more.
    from integrations.tasks import webhook_event_process

    webhook_event_process(event.pk)
    assert SyncEvent.objects.count() == 1 and WebhookEvent.objects.get().status == WebhookEvent.Status.FAILED


def test_a_store_we_are_not_connected_to_is_acknowledged_and_ignored(client, connection):
    body = json.dumps(payload(store_hash="someoneelse")).encode()
    answer = post(client, body, signed(body))
    assert answer.status_code == 200
    assert answer.json() == {"status": "ignored"}
    assert not WebhookEvent.objects.exists()


def test_only_post_is_allowed(client, db):
    assert client.get(URL).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_the_sandbox_delivers_signed_webhooks_that_the_portal_stores(bc, live_server, settings):  # noqa: F811
    """End to end over real HTTP: connect, change a product in BigCommerce, the hook arrives."""
    store = new_store(bc)
    merchant, _user, client = merchant_with_client()
    connect_from_comptoir(client, bc, store)
    settings.COMPTOIR_PUBLIC_URL = live_server.url  # where Finish setup registers the hooks
    walk_wizard(client)
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.status == BigCommerceConnection.Status.CONNECTED

    store_api = api(bc, store)
    created = store_api.post(
        "/v3/catalog/products", json={"name": "Vase", "type": "physical", "weight": 1, "price": 30}
    )
    product_id = created["data"]["id"]

    # Wait for the sandbox to have delivered it (its task runs inline, within the delivery's request),
    # asking the sandbox, not the database: the live server's thread shares this test's SQLite
    # connection, and a query here while it writes broke its savepoint once (a 500, then a retry).
    bc.deliveries_settled(store["hash"], timeout=30)
    event = WebhookEvent.objects.get(scope="store/product/created")
    assert event.merchant == merchant
    assert event.payload["data"]["id"] == product_id
    assert event.status == WebhookEvent.Status.PROCESSED
    assert SyncEvent.objects.filter(merchant=merchant, kind=SyncEvent.Kind.WEBHOOK).exists()
