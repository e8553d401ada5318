"""No token, secret or password in any log line: a whole run (a login with a password, connecting to
the sandbox through OAuth, webhooks, POS API calls with a device token, tasks) with every log line
captured as production prints it (JSON through the settings' console handler), then searched for
every secret the run used."""

import json
import logging
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.test import Client

from integrations.models import BigCommerceConnection
from integrations.tests.connect_helpers import (  # noqa: F401 (fixtures)
    CLIENT_SECRET,
    PASSWORD,
    bc,
    connect_from_comptoir,
    merchant_with_client,
    new_store,
    sandbox,
)
from integrations.tests.test_webhooks import payload, signed
from inventory.tests.factories import stocked_variant
from portal.logs import JsonFormatter
from portal.services import device_issue
from portal.tests.factories import MembershipFactory

USER_PASSWORD = "correct-horse-battery"  # portal.tests.factories.UserFactory's
WRONG_PASSWORD = "not-the-password-4821"


@pytest.fixture
def printed():
    """Everything the settings' console handler prints during the test, in the production format
    and at DEBUG level for every logger."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    buffer = StringIO()
    old_stream, old_formatter = handler.setStream(buffer), handler.formatter
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in ("django", "django.server", "django-q"))]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    # factory_boy's DEBUG lines print what the test's factories were called with (the test user's
    # set_password argument): test machinery, not Comptoir's, and not printed in production.
    factory_logger = logging.getLogger("factory")
    factory_level, factory_logger.level = factory_logger.level, logging.INFO
    yield buffer
    factory_logger.setLevel(factory_level)
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
    handler.setStream(old_stream)
    handler.setFormatter(old_formatter)


@pytest.mark.django_db(transaction=True)
def test_a_whole_run_logs_no_secret(bc, settings, printed):  # noqa: F811
    fernet_key = Fernet.generate_key().decode()
    settings.COMPTOIR_ENCRYPTION_KEYS = [fernet_key]

    # A login with the right password, and one with a wrong password.
    member = MembershipFactory()
    browser = Client()
    assert browser.post("/accounts/login/", {"login": member.user.email, "password": WRONG_PASSWORD}).status_code == 200
    assert browser.post("/accounts/login/", {"login": member.user.email, "password": USER_PASSWORD}).status_code == 302

    # Connect to a sandbox store through OAuth (tasks run inline: store facts, webhooks registered).
    store = new_store(bc)
    merchant, _user, client = merchant_with_client()
    assert connect_from_comptoir(client, bc, store).status_code == 302
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    access_token, webhook_secret = connection.access_token, connection.webhook_secret
    assert access_token and webhook_secret

    # Webhooks: one signed with the connection's secret, one forged.
    body = json.dumps(payload(store_hash=connection.store_hash)).encode()
    good = signed(body, key=CLIENT_SECRET, secret=webhook_secret)
    assert (
        client.post("/integrations/bigcommerce/webhooks/", body, content_type="application/json", **good).status_code
        == 200
    )
    forged = signed(body, key=CLIENT_SECRET, secret="forged-" + webhook_secret)
    assert (
        client.post("/integrations/bigcommerce/webhooks/", body, content_type="application/json", **forged).status_code
        == 401
    )

    # The POS API with a device token, and with a revoked-looking one.
    _device, device_token = device_issue(merchant=merchant, name="Till 1")
    stocked_variant(merchant=merchant, quantity=5, sku="MUG-1", price=1800)
    pos = Client()
    sale = {"lines": [{"sku": "MUG-1", "quantity": 1}]}
    answer = pos.post(
        "/api/v1/purchases",
        json.dumps(sale),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {device_token}",
        HTTP_IDEMPOTENCY_KEY="sale-1",
    )
    assert answer.status_code == 201, answer.content
    bad = pos.post(
        "/api/v1/purchases",
        json.dumps(sale),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {device_token[:-4]}zzzz",
    )
    assert bad.status_code == 401

    # What careless code or a library might write: caught by the redacting filter all the same.
    careless = logging.getLogger("careless")
    careless.warning("sending %s", {"access_token": access_token, "X-Auth-Token": access_token})
    careless.warning("POST /oauth2/token client_secret=%s code=abc", django_settings.BIGCOMMERCE_CLIENT_SECRET)
    careless.warning("device %s refused", device_token)
    careless.info("login", extra={"fields": {"password": USER_PASSWORD, "email": member.user.email}})
    try:
        raise ValueError(f"Authorization: Bearer {access_token}")
    except ValueError:
        careless.exception("request failed")

    output = printed.getvalue()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    # The run was logged: request lines (with ids) and task lines.
    assert any(line.get("path") == "/api/v1/purchases" and line.get("status") == 201 for line in lines)
    assert any(line.get("view") == "integrations:bigcommerce_webhook" for line in lines) or any(
        line.get("path") == "/integrations/bigcommerce/webhooks/" for line in lines
    )
    assert any(line.get("logger") == "comptoir.task" and line.get("outcome") == "ok" for line in lines)
    assert all("request_id" in line for line in lines if line["logger"] == "comptoir.request")

    secrets = {
        "client secret": django_settings.BIGCOMMERCE_CLIENT_SECRET,
        "access token": access_token,
        "webhook secret": webhook_secret,
        "device token": device_token,
        "password": USER_PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "store owner's password": PASSWORD,
        "Fernet key": fernet_key,
        "SECRET_KEY": django_settings.SECRET_KEY,
    }
    assert {name: secret for name, secret in secrets.items() if secret in output} == {}
    assert output.count("[removed]") >= 5  # the careless lines above, redacted
