"""Fixtures of the integrations tests: one BigCommerce sandbox process per test session (per
xdist worker; ``connect_helpers.sandbox``), a fresh store per test, clients pointed at it over real
HTTP, and ``bc``: the portal's settings pointed at the sandbox."""

import pytest

from integrations.bigcommerce.api import BigCommerceClient, InProcessPacer, RetryPolicy
from integrations.tests import connect_helpers

# Fast backoff for tests: the policy's shape (attempts, jitter) is what is under test.
FAST_RETRY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, max_elapsed=10)

sandbox = connect_helpers.sandbox  # fixture: the session's sandbox process
bc = connect_helpers.bc  # fixture: the portal's settings pointed at it


@pytest.fixture
def store(sandbox):
    """A fresh store with an API account holding every scope: ``{"hash", "token", ...}``."""
    created = sandbox.create_store(rate_limit="100000/30")
    account = sandbox.api_account(created["hash"])
    return {**created, "token": account["access_token"]}


@pytest.fixture
def make_client(sandbox, store):
    def make(**kwargs):
        kwargs.setdefault("api_url", sandbox.url)
        kwargs.setdefault("pacer", InProcessPacer())
        kwargs.setdefault("retry", FAST_RETRY)
        kwargs.setdefault("timeout", 10)
        return BigCommerceClient(kwargs.pop("store_hash", store["hash"]), kwargs.pop("token", store["token"]), **kwargs)

    return make


@pytest.fixture
def bc_client(make_client):
    """A BigCommerce client on this test's store (Django's test client keeps the name ``client``)."""
    return make_client()


@pytest.fixture(autouse=True)
def _orders_poll_gap(settings):
    """Polls of a connection's orders back to back: these tests count calls and rows, not time."""
    settings.BIGCOMMERCE_ORDER_POLL_GAP_S = 0


@pytest.fixture
def no_apply_window(settings):
    """The sandbox applies stock adjustments at once: no window in which BigCommerce may still be
    applying a push (``pytest.mark.usefixtures("no_apply_window")``)."""
    settings.BIGCOMMERCE_STOCK_APPLY_WINDOW_S = 0
