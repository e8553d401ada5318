"""Callbacks from BigCommerce: install from the marketplace, load, uninstall, remove_user, and
every forged or bad callback refused with nothing changed."""

import time

import pytest

from integrations.models import BigCommerceConnection, SyncEvent, UsedSignedPayload
from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import (
    CommitClient,
    connect_from_comptoir,
    connect_state,
    local,
    merchant_with_client,
    new_store,
    sandbox_install,
    signed_payload,
    walk_wizard,
)
from portal.models import Merchant

pytestmark = connect_helpers.SANDBOX_TESTS
APP = "/integrations/bigcommerce/app/"
SETUP = "/integrations/bigcommerce/setup/"


def _connected(bc):
    store = new_store(bc)
    merchant, user, client = merchant_with_client()
    connect_from_comptoir(client, bc, store)
    walk_wizard(client)
    return store, merchant, client


def test_install_from_bigcommerce_new_customer_signs_up_then_connects(bc):
    store = new_store(bc, currency="EUR")
    browser = CommitClient()
    answer = browser.get(local(sandbox_install(bc, store)))  # the auth callback, nobody logged in
    assert answer.status_code == 302 and answer["Location"].startswith(APP + "welcome/?install=")
    pending = BigCommerceConnection.objects.get(store_hash=store["hash"])
    assert pending.merchant is None and pending.status == "setup_incomplete" and pending.access_token
    welcome_url = answer["Location"]
    welcome = browser.get(welcome_url)
    assert "New to Comptoir?" in welcome.content.decode() and "Already a Comptoir customer?" in welcome.content.decode()
    assert "<strong>Boutique en ligne</strong>" in welcome.content.decode()  # the store's name, not its hash
    assert "frame-ancestors" in welcome["Content-Security-Policy"] and bc.url in welcome["Content-Security-Policy"]
    assert "X-Frame-Options" not in welcome

    signed_up = browser.post(
        "/accounts/signup/?next=" + welcome_url.replace("?", "%3F").replace("=", "%3D"),
        {
            "business_name": "Chez Lou",
            "country": "FR",
            "currency": "EUR",
            "default_vat_rate": "20",
            "email": "lou@example.test",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
        },
    )
    assert signed_up.status_code == 302, signed_up.content.decode()[:2000]
    assert browser.get(welcome_url).content.decode().count("Connect") >= 1
    claimed = browser.post(welcome_url)
    assert claimed["Location"] == SETUP
    merchant = Merchant.objects.get(name="Chez Lou")
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.pk == pending.pk and connection.origin == "bigcommerce"
    page = browser.get(SETUP + "managed-in/").content.decode()
    assert 'value="bigcommerce" checked' in page  # preselected
    walk_wizard(browser, managed_in="bigcommerce")
    connection.refresh_from_db()
    assert connection.status == "connected"
    overview = browser.get("/integrations/bigcommerce/").content.decode()
    assert "Back to BigCommerce" in overview and connection.control_panel_url in overview


def test_welcome_page_names_the_store_even_before_the_store_facts_task_ran(bc):
    store = new_store(bc, name="Grès & Cie")
    browser = CommitClient()
    welcome_url = browser.get(local(sandbox_install(bc, store)))["Location"]
    BigCommerceConnection.objects.filter(store_hash=store["hash"]).update(store_name="")  # the queue is behind
    page = browser.get(welcome_url).content.decode()
    assert "<strong>Grès &amp; Cie</strong>" in page and store["hash"] not in page


def test_welcome_page_never_shows_the_store_hash_as_its_name_and_polls_through_the_install_link(bc):
    store = new_store(bc, name="Grès & Cie")
    bc.set_faults(store["hash"], [{"kind": "error_before", "status": 503, "path": "/v2/store"}])
    browser = CommitClient()
    welcome_url = browser.get(local(sandbox_install(bc, store)))["Location"]
    page = browser.get(welcome_url).content.decode()
    assert f"<strong>{store['hash']}</strong>" not in page
    assert "You installed Comptoir in your BigCommerce store." in page
    # Opened from the control panel (a signed payload that works once), the page polls the
    # install link, which can be read again, not the spent load URL.
    load = browser.get(APP + "load/", {"signed_payload_jwt": signed_payload(store["hash"])}).content.decode()
    assert f'hx-get="{APP}welcome/?install=' in load and "every 2s" in load
    bc.set_faults(store["hash"], [])
    assert "<strong>Grès &amp; Cie</strong>" in browser.get(welcome_url).content.decode()


def test_a_setup_begun_in_comptoir_then_installed_from_bigcommerce_preselects_managed_in_bigcommerce(bc):
    store = new_store(bc)
    merchant, user, client = merchant_with_client()
    connect_from_comptoir(client, bc, store)
    assert 'value="bigcommerce" checked' not in client.get(SETUP + "managed-in/").content.decode()
    welcome_url = client.get(local(sandbox_install(bc, store)))["Location"]
    assert client.post(welcome_url)["Location"] == SETUP
    assert BigCommerceConnection.objects.get(merchant=merchant).origin == "bigcommerce"
    assert 'value="bigcommerce" checked' in client.get(SETUP + "managed-in/").content.decode()


def test_claiming_an_install_whose_store_name_is_not_read_yet_reads_it_for_the_account(bc):
    store = new_store(bc, name="Atelier Nord")
    merchant, user, client = merchant_with_client()
    connect_from_comptoir(client, bc, store)
    client.post("/integrations/bigcommerce/disconnect/", {"delete_copies": "no"})  # an earlier connection
    browser = CommitClient()
    welcome_url = browser.get(local(sandbox_install(bc, store)))["Location"]
    BigCommerceConnection.objects.filter(merchant=None).update(store_name="")  # the queue is behind
    browser.force_login(user)
    assert browser.post(welcome_url)["Location"] == SETUP
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.store_name == "Atelier Nord" and connection.origin == "bigcommerce"


def test_install_from_bigcommerce_existing_customer_logs_in(bc):
    store = new_store(bc)
    merchant, user, logged_in = merchant_with_client()
    browser = CommitClient()
    welcome_url = browser.get(local(sandbox_install(bc, store)))["Location"]
    assert "Log in" in browser.get(welcome_url).content.decode()
    browser.force_login(user)
    assert "will be connected to" in browser.get(welcome_url).content.decode()
    assert browser.post(welcome_url)["Location"] == SETUP
    assert BigCommerceConnection.objects.get(merchant=merchant).store_hash == store["hash"]


def test_install_from_bigcommerce_while_logged_in_asks_which_account_to_connect(bc):
    store = new_store(bc, name="Attic Shop")
    merchant, user, browser = merchant_with_client()
    other, other_user, _ = merchant_with_client()
    # Logged in, even with a Connect of one's own under way: a callback without this session's
    # state binds nothing; the person is shown the store and the account and must confirm.
    started = browser.post("/integrations/bigcommerce/connect/")
    answer = browser.get(local(sandbox_install(bc, store)))
    assert answer["Location"].startswith(APP + "welcome/?install=")
    assert BigCommerceConnection.objects.get(merchant=merchant).store_hash == ""
    assert BigCommerceConnection.objects.get(store_hash=store["hash"]).merchant is None
    page = browser.get(answer["Location"]).content.decode()
    assert "Attic Shop" in page and store["hash"] in page
    assert str(merchant) in page and user.email in page
    assert "Use another account" in page and ">Connect</button>" in page
    # The Connect started earlier is still good for its own callback.
    assert connect_state(started) in str(dict(browser.session))

    # "Use another account": logged out, then the login page leads back to the same question.
    switched = browser.post("/accounts/logout/", {"next": _switch_url(page)})
    assert switched.status_code == 302 and switched["Location"].startswith("/accounts/login/?next=")
    assert not browser.get("/integrations/").wsgi_request.user.is_authenticated
    browser.force_login(other_user)
    page = browser.get(answer["Location"]).content.decode()
    assert str(other) in page and other_user.email in page
    assert browser.post(answer["Location"])["Location"] == SETUP
    assert BigCommerceConnection.objects.get(store_hash=store["hash"]).merchant == other
    assert BigCommerceConnection.objects.get(merchant=merchant).store_hash == ""


def _switch_url(page):
    import html
    import re

    return html.unescape(re.search(r'name="next" value="([^"]+)"', page).group(1))


def test_install_from_bigcommerce_of_a_store_held_by_another_account_cannot_be_claimed(bc):
    store, holder, _client = _connected(bc)
    other, user, browser = merchant_with_client()
    # Reinstall from BigCommerce while logged in as someone else: the welcome page refuses to connect.
    welcome_url = browser.get(local(sandbox_install(bc, store)))["Location"]
    assert "already connected to another Comptoir account" in browser.get(welcome_url).content.decode()
    refused = browser.post(welcome_url)
    assert refused.status_code == 403
    assert BigCommerceConnection.objects.get(store_hash=store["hash"], status="connected").merchant == holder
    assert not BigCommerceConnection.objects.filter(merchant=other).exists()


def test_load_callback_opens_the_integration_for_its_merchant(bc):
    store, merchant, client = _connected(bc)
    answer = client.get(APP + "load/", {"signed_payload_jwt": signed_payload(store["hash"])})
    assert answer.status_code == 200 and "is connected to Comptoir" in answer.content.decode()
    assert 'href="/integrations/bigcommerce/" target="_top"' in answer.content.decode()
    # Framed by BigCommerce's control panel only.
    assert answer["Content-Security-Policy"].startswith("frame-ancestors 'self' ")
    assert bc.url in answer["Content-Security-Policy"] and "X-Frame-Options" not in answer
    assert SyncEvent.objects.filter(merchant=merchant, kind="callback", message__contains="opened").exists()
    stranger = CommitClient().get(APP + "load/", {"signed_payload_jwt": signed_payload(store["hash"])})
    assert stranger.status_code == 200 and "Already a Comptoir customer?" in stranger.content.decode()
    assert "X-Frame-Options" not in stranger
    # Ordinary pages stay unframable.
    assert client.get("/integrations/bigcommerce/")["X-Frame-Options"] == "DENY"


def test_load_from_the_sandbox_control_panel(bc):
    import requests

    store, merchant, client = _connected(bc)
    opened = requests.get(f"{bc.url}/manage/stores/{store['hash']}/apps/comptoir-local/open", allow_redirects=False)
    assert opened.status_code in (302, 303)
    answer = client.get(local(opened.headers["Location"]))
    assert answer.status_code == 200 and store["name"] in answer.content.decode()


def test_uninstall_forgets_the_token_and_keeps_the_journal(bc):
    store, merchant, client = _connected(bc)
    answer = client.get(APP + "uninstall/", {"signed_payload_jwt": signed_payload(store["hash"])})
    assert answer.status_code == 200 and answer.json() == {"ok": True}
    connection = BigCommerceConnection.objects.get(merchant=merchant)
    assert connection.status == "disconnected" and connection.access_token == "" and connection.webhook_ids == []
    assert SyncEvent.objects.filter(merchant=merchant, message__contains="uninstalled").exists()
    assert SyncEvent.objects.filter(merchant=merchant, message__startswith="Initial sync").exists()
    # The store can be connected again, by the same merchant or another one.
    assert connect_from_comptoir(client, bc, store)["Location"] == SETUP


def test_remove_user_is_acknowledged(bc):
    store, merchant, client = _connected(bc)
    answer = CommitClient().get(APP + "remove-user/", {"signed_payload_jwt": signed_payload(store["hash"])})
    assert answer.status_code == 200
    assert BigCommerceConnection.objects.get(merchant=merchant).status == "connected"
    assert SyncEvent.objects.filter(merchant=merchant, message__contains="removed the user").exists()


# -- bad and forged callbacks ---------------------------------------------------------------
def _snapshot():
    return sorted(BigCommerceConnection.objects.values_list("pk", "merchant_id", "status", "store_hash", "updated_at"))


def _start_connect(client):
    return connect_state(client.post("/integrations/bigcommerce/connect/"))


def test_a_callback_carrying_another_browsers_state_is_refused(bc):
    """The attack: a stranger starts a Connect (or an install) on their own store and gets a
    logged-in merchant's browser to load the callback. Nothing is bound, nothing is spent."""
    merchant, _user, victim = merchant_with_client()
    _attacker, _u, attacker = merchant_with_client()
    attacker_store, own_store = new_store(bc), new_store(bc)
    own_state = _start_connect(victim)
    forged = [
        sandbox_install(bc, attacker_store, state=_start_connect(attacker)),
        sandbox_install(bc, attacker_store, state=own_state[:-1]),
        sandbox_install(bc, attacker_store, state=own_state + "x"),
        sandbox_install(bc, attacker_store, state="é" * 43),
    ]
    for callback in forged:
        before = _snapshot()
        answer = victim.get(local(callback))
        assert answer.status_code == 403, answer
        page = answer.content.decode()
        assert "not started from this browser" in page and "Nothing was changed" in page
        assert _snapshot() == before
    assert not BigCommerceConnection.objects.filter(store_hash=attacker_store["hash"]).exists()
    # The code was not spent (it still works, as an install from BigCommerce), and the
    # merchant's own Connect still works.
    unspent = local(forged[0]).split("&state=")[0]
    assert CommitClient().get(unspent)["Location"].startswith(APP + "welcome/")
    answer = victim.get(local(sandbox_install(bc, own_store, state=own_state)))
    assert answer["Location"] == SETUP
    assert BigCommerceConnection.objects.get(merchant=merchant).store_hash == own_store["hash"]


def test_a_state_is_used_once(bc):
    merchant, _user, client = merchant_with_client()
    first, second = new_store(bc), new_store(bc)
    state = _start_connect(client)
    assert client.get(local(sandbox_install(bc, first, state=state)))["Location"] == SETUP
    assert client.post("/integrations/bigcommerce/disconnect/", {"delete_copies": "no"}).status_code == 302
    before = _snapshot()
    again = client.get(local(sandbox_install(bc, second, state=state)))
    assert again.status_code == 403 and "already used" in again.content.decode()
    assert _snapshot() == before
    assert not BigCommerceConnection.objects.filter(store_hash=second["hash"]).exists()


def test_a_state_expires_after_minutes(bc):
    from integrations.views.connect_state import CONNECT_STATE_MAX_AGE, CONNECT_STATE_SESSION_KEY

    merchant, _user, client = merchant_with_client()
    store = new_store(bc)
    state = _start_connect(client)
    session = client.session
    session[CONNECT_STATE_SESSION_KEY]["issued_at"] -= CONNECT_STATE_MAX_AGE + 1
    session.save()
    before = _snapshot()
    answer = client.get(local(sandbox_install(bc, store, state=state)))
    assert answer.status_code == 403
    assert "has expired" in answer.content.decode() and "start again with Connect" in answer.content.decode()
    assert _snapshot() == before and BigCommerceConnection.objects.get(merchant=merchant).store_hash == ""
    # Connect again: a fresh state, well within its minutes, is accepted.
    assert connect_from_comptoir(client, bc, store)["Location"] == SETUP


@pytest.mark.parametrize(
    "query, status",
    [
        ({}, 400),
        ({"scope": "x", "context": "stores/abc"}, 400),
        ({"code": "not a code!", "context": "stores/abc"}, 400),
        ({"code": "abc123", "context": "nowhere"}, 400),
        ({"code": "abc123", "context": "stores/abc/../x"}, 400),
        ({"code": "never-issued", "scope": "store_v2_products", "context": "stores/abc"}, 403),
    ],
)
def test_bad_auth_callbacks_are_refused(bc, query, status):
    merchant, _user, client = merchant_with_client()
    before = _snapshot()
    answer = client.get(APP + "auth/", query)
    assert answer.status_code == status
    assert "could not be made" in answer.content.decode()
    assert _snapshot() == before


def test_a_code_for_another_store_context_is_refused(bc):
    store, other_store = new_store(bc), new_store(bc)
    callback = local(sandbox_install(bc, store)).replace(f"stores%2F{store['hash']}", f"stores%2F{other_store['hash']}")
    before = _snapshot()
    answer = CommitClient().get(callback)
    assert answer.status_code == 403 and _snapshot() == before


def test_a_code_works_once(bc):
    store = new_store(bc)
    callback = local(sandbox_install(bc, store))
    assert CommitClient().get(callback).status_code == 302
    before = _snapshot()
    assert CommitClient().get(callback).status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", ["load/", "uninstall/", "remove-user/"])
@pytest.mark.parametrize(
    "forge",
    [
        "missing",
        "garbage",
        "bad_signature",
        "expired",
        "not_yet_valid",
        "wrong_audience",
        "wrong_issuer",
        "unknown_store",
        "none_algorithm",
        "replayed",
    ],
)
def test_forged_signed_callbacks_are_refused(bc, endpoint, forge):
    store, merchant, client = _connected(bc)
    now = int(time.time())
    token = {
        "missing": "",
        "garbage": "abc.def.ghi",
        "bad_signature": signed_payload(store["hash"], secret="not-the-secret"),
        "expired": signed_payload(store["hash"], iat=now - 90000, nbf=now - 90000, exp=now - 3600),
        "not_yet_valid": signed_payload(store["hash"], nbf=now + 3600, iat=now),
        "wrong_audience": signed_payload(store["hash"], aud="someone-else"),
        "wrong_issuer": signed_payload(store["hash"], iss="evil"),
        "unknown_store": signed_payload("nosuchstore"),
        "none_algorithm": _unsigned(store["hash"]),
        "replayed": signed_payload(store["hash"], jti="11111111-2222-3333-4444-555555555555"),
    }[forge]
    if forge == "replayed":
        UsedSignedPayload.objects.create(jti="11111111-2222-3333-4444-555555555555", store_hash=store["hash"])
    before = _snapshot()
    events = SyncEvent.objects.count()
    answer = client.get(APP + endpoint, {"signed_payload_jwt": token} if token else {})
    assert answer.status_code == (400 if forge == "missing" else 403)
    assert _snapshot() == before and SyncEvent.objects.count() == events
    assert BigCommerceConnection.objects.get(merchant=merchant).access_token


def test_a_replayed_load_is_refused_the_second_time(bc):
    store, merchant, client = _connected(bc)
    token = signed_payload(store["hash"])
    assert client.get(APP + "load/", {"signed_payload_jwt": token}).status_code == 200
    again = client.get(APP + "load/", {"signed_payload_jwt": token})
    assert again.status_code == 403 and "already used" in again.content.decode()


def test_a_forged_welcome_link_is_refused(bc):
    answer = CommitClient().get(APP + "welcome/", {"install": "forged"})
    assert answer.status_code == 403


def _unsigned(store_hash):
    import base64
    import json

    def b64(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {
        "aud": "comptoir-local",
        "iss": "bc",
        "iat": now,
        "nbf": now,
        "exp": now + 60,
        "jti": "x",
        "sub": f"stores/{store_hash}",
        "user": {"id": 1},
        "owner": {"id": 1},
    }
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


@pytest.mark.postgres_also
@pytest.mark.parametrize("endpoint", ["load/", "uninstall/", "remove-user/"])
@pytest.mark.parametrize(
    "claims",
    [
        {"exp": 10**20},
        {"exp": 1e300},
        {"jti": "j" * 256},
        {"jti": "jti\u0000"},
        {"user": {"id": 101, "email": "owner\u0000@shop.test"}},
    ],
    ids=["exp-1e20", "exp-1e300", "jti-256", "jti-nul", "email-nul"],
)
def test_signed_callbacks_out_of_bounds_are_refused_and_change_nothing(bc, endpoint, claims):
    store, merchant, client = _connected(bc)
    before, events = _snapshot(), SyncEvent.objects.count()
    used = UsedSignedPayload.objects.count()
    answer = client.get(APP + endpoint, {"signed_payload_jwt": signed_payload(store["hash"], **claims)})
    assert answer.status_code == 403
    assert _snapshot() == before and SyncEvent.objects.count() == events and UsedSignedPayload.objects.count() == used
