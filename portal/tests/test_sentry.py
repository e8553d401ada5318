"""Errors reach Sentry when SENTRY_DSN is set, without personal data or secrets; without a DSN
nothing of sentry-sdk is even imported."""

import json
import os
import subprocess
import sys

import pytest
import sentry_sdk
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.urls import path
from sentry_sdk.transport import Transport

from portal.sentry import event_scrubbed, sentry_init
from portal.tests.factories import MembershipFactory

SENT: list = []
TOKEN = "tok_live_5f2e9a7c1b"


class CapturingTransport(Transport):
    """Keeps each envelope the SDK would send (no network)."""

    def capture_envelope(self, envelope):
        SENT.append(envelope.serialize().decode())


def boom(request):
    password = "hunter22hunter"  # a local variable: frames' locals are not sent
    raise ValueError(f"BigCommerce refused access_token={TOKEN} for {request.user.email} ({len(password)})")


def fine(request):
    return HttpResponse("ok")


urlpatterns = [path("boom/", boom), path("fine/", fine)]


@pytest.fixture
def sentry(settings):
    settings.ROOT_URLCONF = __name__
    SENT.clear()
    sentry_init(dsn="https://publickey@127.0.0.1:9/1", environment="test", transport=CapturingTransport)
    yield SENT
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: a disabled client for the rest of the session


def test_an_error_is_sent_scrubbed(client, db, sentry):
    member = MembershipFactory(user__email="lea@atelier-gres.test")
    client.force_login(member.user)
    client.raise_request_exception = False
    response = client.get(
        f"/boom/?access_token={TOKEN}&q=mug",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert response.status_code == 500
    sentry_sdk.flush()
    [envelope] = [e for e in SENT if '"type":"event"' in e.replace(" ", "")]
    assert "ValueError" in envelope and "BigCommerce refused" in envelope  # the error itself was sent
    for private in (
        TOKEN,
        "lea@atelier-gres.test",
        "hunter22hunter",
        "203.0.113.9",
        client.cookies[django_settings.SESSION_COOKIE_NAME].value,
    ):
        assert private not in envelope, private


def test_a_request_that_went_well_sends_nothing(client, db, sentry):
    assert client.get("/fine/").status_code == 200
    sentry_sdk.flush()
    assert [e for e in SENT if '"type":"event"' in e.replace(" ", "")] == []


def test_before_send_scrubs_user_headers_and_secrets():
    event = {
        "user": {"email": "a@b.test", "ip_address": "1.2.3.4"},
        "request": {
            "headers": {"Authorization": "Bearer x", "Cookie": "sessionid=1", "Accept": "text/html"},
            "cookies": {"sessionid": "1"},
            "data": {"password": "p"},
            "query_string": "access_token=abc",
        },
        "extra": {"webhook_secret": "s3cr3t-value", "note": "client_secret=abcdef123"},
        "server_name": "web-1",
    }
    scrubbed = event_scrubbed(event, {})
    assert "user" not in scrubbed and "server_name" not in scrubbed
    assert scrubbed["request"] == {
        "headers": {"Authorization": "[removed]", "Cookie": "[removed]", "Accept": "text/html"},
        "query_string": "[removed]",
    }
    assert scrubbed["extra"] == {"webhook_secret": "[removed]", "note": "client_secret=[removed]"}


@pytest.mark.parametrize("dsn", ["", None])
def test_without_a_dsn_sentry_is_not_even_imported(dsn):
    env = {k: v for k, v in os.environ.items() if k != "SENTRY_DSN"}
    if dsn is not None:
        env["SENTRY_DSN"] = dsn
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    code = "import sys, django; django.setup(); print(sorted(m for m in sys.modules if m.startswith('sentry')))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"')) == []


def test_with_a_dsn_settings_start_sentry():
    env = {
        **os.environ,
        "SENTRY_DSN": "https://publickey@127.0.0.1:9/1",
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
    }
    code = (
        "import django; django.setup(); import sentry_sdk; c = sentry_sdk.get_client();"
        "print(c.is_active(), c.options['send_default_pii'], c.options['before_send'].__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False", "event_scrubbed"]
