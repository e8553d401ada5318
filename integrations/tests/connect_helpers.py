"""Fixtures and helpers of the connection tests: a sandbox per test session, stores, merchants,
and the steps a merchant's browser takes (install page in the sandbox, callbacks here)."""

import re
import time
import uuid
from decimal import Decimal
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests
from django.core.management import call_command
from django.test import Client

from catalog.models import Product, Variant
from portal.tests.factories import MembershipFactory, MerchantFactory

PUBLIC_URL = "http://127.0.0.1:8000"
CLIENT_ID = "comptoir-local"
CLIENT_SECRET = "comptoir-local-secret"
PASSWORD = "sandbox-pass"
# The marks of a test module that talks to the sandbox: the database, and quiet about the sandbox's
# local client secret (short; real secrets are not).
SANDBOX_TESTS = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]


@pytest.fixture(scope="session")
def sandbox():
    from sandbox.testing import SandboxProcess

    with SandboxProcess(env={"SANDBOX_APP_URL": PUBLIC_URL}) as running:
        yield running


@pytest.fixture
def bc(settings, sandbox, db):
    """Point the portal at the sandbox; give Django's cache its table."""
    settings.BIGCOMMERCE_API_URL = sandbox.url
    settings.BIGCOMMERCE_LOGIN_URL = sandbox.url + "/login"
    settings.BIGCOMMERCE_CLIENT_ID = CLIENT_ID
    settings.BIGCOMMERCE_CLIENT_SECRET = CLIENT_SECRET
    settings.COMPTOIR_PUBLIC_URL = PUBLIC_URL
    call_command("createcachetable", verbosity=0)
    return sandbox


def point_at_sandbox(settings, sandbox, *, public_url: str = PUBLIC_URL, media_server: str = "") -> None:
    """The settings of a browser test that connects to the sandbox: its API and login page, our app's
    credentials, where our callbacks and webhooks go (``public_url``: the live server's URL when the
    sandbox must reach it) and, with ``media_server``, where BigCommerce downloads images; then the
    cache table the live server's requests use."""
    settings.BIGCOMMERCE_API_URL = sandbox.url
    settings.BIGCOMMERCE_LOGIN_URL = sandbox.url + "/login"
    settings.BIGCOMMERCE_CLIENT_ID = CLIENT_ID
    settings.BIGCOMMERCE_CLIENT_SECRET = CLIENT_SECRET
    settings.COMPTOIR_PUBLIC_URL = public_url
    if media_server:
        settings.COMPTOIR_MEDIA_PUBLIC_URL = media_server + "/media/"
    call_command("createcachetable", verbosity=0)


def new_store(sandbox, **fields):
    fields.setdefault("name", "Boutique en ligne")
    fields.setdefault("currency", "EUR")
    fields.setdefault("owner_email", f"owner-{uuid.uuid4().hex[:8]}@shop.test")
    fields.setdefault("owner_password", PASSWORD)
    return sandbox.create_store(**fields)


def api(sandbox, store):
    """A store-level API client (as the merchant's own scripts would have) to look inside the store."""
    from integrations.bigcommerce.api.client import BigCommerceClient

    if "_token" not in store:
        store["_token"] = sandbox.api_account(store["hash"])["access_token"]
    return BigCommerceClient(store["hash"], store["_token"], api_url=sandbox.url)


class CommitClient(Client):
    """A test client whose requests run their on-commit callbacks (enqueued tasks) as a
    committed request would; tasks run inline (Q_CLUSTER sync)."""

    def request(self, **request):
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


def merchant_with_client(*, currency="EUR", vat="20.00"):
    merchant = MerchantFactory(currency=currency, default_vat_rate=Decimal(vat))
    user = MembershipFactory(merchant=merchant).user
    client = CommitClient()
    client.force_login(user)
    return merchant, user, client


def add_product(merchant, name, *, sku="", barcode="", price=1000, vat="20.00"):
    product = Product.objects.create(merchant=merchant, name=name, vat_rate=Decimal(vat))
    Variant.objects.create(merchant=merchant, product=product, sku=sku, barcode=barcode, price=price)
    return product


def sandbox_install(sandbox, store, *, state: str = "", client_id: str = CLIENT_ID) -> str:
    """The merchant logs in to the store on BigCommerce's install page; returns the callback URL.
    ``state`` is the one Comptoir's Connect put in the install link (none from BigCommerce);
    ``client_id`` the app's (another than the sandbox's default: the production stack's, bench.load_run)."""
    answer = requests.post(
        f"{sandbox.url}/login/app/{client_id}/install" + (f"?{urlencode({'state': state})}" if state else ""),
        data={
            "action": "login",
            "email": store["owner"]["email"] if "owner" in store else store["owner_email"],
            "password": PASSWORD,
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code in (302, 303), answer.text[:500]
    return answer.headers["Location"]


def local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def connect_state(answer) -> str:
    """The ``state`` Connect sent in its redirect to BigCommerce's install page."""
    return parse_qs(urlsplit(answer["Location"]).query)["state"][0]


def connect_from_comptoir(client, sandbox, store):
    """Connect → BigCommerce install page → auth callback; returns the callback's response."""
    answer = client.post("/integrations/bigcommerce/connect/")
    assert answer.status_code == 302
    assert answer["Location"].startswith(f"{sandbox.url}/login/app/{CLIENT_ID}/install")
    callback = sandbox_install(sandbox, store, state=connect_state(answer))
    assert parse_qs(urlsplit(callback).query)["state"] == [connect_state(answer)]
    return client.get(local(callback))


def walk_wizard(
    client,
    *,
    managed_in="comptoir",
    include_prices="no",
    sync_scope="all",
    products=(),
    review="link",
    choices=None,
    finish=True,
    locations=True,
):
    steps = "/integrations/bigcommerce/setup/"
    assert client.post(steps + "managed-in/", {"managed_in": managed_in}).status_code == 302
    assert client.post(steps + "prices/", {"include_prices": include_prices}).status_code == 302
    if managed_in == "comptoir":
        data = {"sync_scope": sync_scope, "product": [p.pk for p in products]}
        assert client.post(steps + "products/", data).status_code == 302
    page = client.get(steps + "review/")
    assert page.status_code == 200
    # ``choices``: {"choice-<product id>": "link"|"create"}, needed for matches by name only.
    reviewed = client.post(steps + "review/", {"all": review, **(choices or {})})
    assert reviewed.status_code == 302
    if reviewed["Location"] == steps + "locations/" and locations is not False:
        # A merchant with several shops: each other shop gets a location created (``locations``:
        # {shop id: {"choice-<id>": "link", "location-<id>": ...}} for other answers; False: the
        # walk stops at that step).
        page = client.get(steps + "locations/").content.decode()
        shop_ids = re.findall(r'name="shop" value="(\d+)"', page)
        data = {"shop": shop_ids, **{f"choice-{pk}": "create" for pk in shop_ids}}
        for answer in (locations if isinstance(locations, dict) else {}).values():
            data.update(answer)
        assert client.post(steps + "locations/", data)["Location"] == steps + "finish/"
    if finish:
        assert client.post(steps + "finish/").status_code == 302


def signed_payload(store_hash, **overrides):
    now = int(time.time())
    claims = {
        "aud": CLIENT_ID,
        "iss": "bc",
        "iat": now,
        "nbf": now,
        "exp": now + 86400,
        "jti": str(uuid.uuid4()),
        "sub": f"stores/{store_hash}",
        "user": {"id": 101, "email": "owner@shop.test", "locale": "fr-FR"},
        "owner": {"id": 101, "email": "owner@shop.test"},
        "url": "/",
        "channel_id": None,
    }
    secret = overrides.pop("secret", CLIENT_SECRET)
    claims.update(overrides)
    return jwt.encode(claims, secret, algorithm="HS256")
