"""Suite-wide fixtures and the rule for tests that need a service.

A test that needs PostgreSQL, Redis or Chromium skips with a clear reason when the service is
absent. CI sets ``COMPTOIR_REQUIRE_SERVICES`` (e.g. ``postgres,redis,chromium``) so that those
skips become failures there.
"""

import os
import shutil
import threading

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property-based tests (tests/test_properties_input.py): no deadline (a shared CI machine is
# slow at times, and speed is bench/'s business), the same examples on every CI run (CI=1), and
# fixtures such as the database shared by a test's examples (each example counts rows itself).
hypothesis_settings.register_profile(
    "comptoir",
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    database=None if os.environ.get("CI") else hypothesis_settings.default.database,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "comptoir"))

REQUIRED_SERVICES = {s.strip() for s in os.environ.get("COMPTOIR_REQUIRE_SERVICES", "").split(",") if s.strip()}
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def require_service(name: str, available: bool, reason: str) -> None:
    """Skip (locally) or fail (when CI requires the service) if it is not available."""
    if available:
        return
    if name in REQUIRED_SERVICES:
        pytest.fail(f"{reason} — required here (COMPTOIR_REQUIRE_SERVICES={','.join(sorted(REQUIRED_SERVICES))})")
    pytest.skip(reason)


def redis_available() -> bool:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


@pytest.fixture(autouse=True)
def _service_markers(request):
    if request.node.get_closest_marker("postgres"):
        from django.db import connection

        require_service(
            "postgres",
            connection.vendor == "postgresql",
            "needs PostgreSQL: run with DATABASE_URL=postgres://127.0.0.1:5432/comptoir (make test-postgres)",
        )
    if request.node.get_closest_marker("postgres_also") and "postgres" in REQUIRED_SERVICES:
        # Runs on SQLite too; but a pass that requires PostgreSQL must really exercise it here.
        from django.db import connection

        require_service("postgres", connection.vendor == "postgresql", "must run on PostgreSQL in this pass")
    if request.node.get_closest_marker("redis"):
        require_service("redis", redis_available(), "needs Redis on REDIS_URL (default redis://127.0.0.1:6379)")
    if request.node.get_closest_marker("browser"):
        require_service(
            "chromium",
            bool(shutil.which(CHROMIUM_PATH) or os.path.exists(CHROMIUM_PATH)),
            f"needs Debian's chromium at {CHROMIUM_PATH} (apt-get install chromium)",
        )


# Held while the serial live server (SQLite) answers a request: a request the browser sent just before
# its page closed must end before the test's database is flushed, which it shares ("table is locked").
LIVE_SERVER_BUSY = threading.Lock()


@pytest.fixture(scope="session", autouse=True)
def _serial_live_server():
    """On SQLite the live server's threads share the test's one in-memory connection (pytest-django
    hands it over): two requests at once (a page and a webhook from the sandbox, an HTMX poll)
    interleave their transactions on it and fail ("cannot release savepoint"). There, the live
    server answers one request at a time; on PostgreSQL each thread keeps its own connection."""
    from django.conf import settings

    if not settings.configured:
        yield
        return
    from django.core.servers.basehttp import WSGIServer
    from django.db import connections
    from django.test.testcases import LiveServerThread

    class SerialWSGIServer(WSGIServer):
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

        def process_request(self, request, client_address):
            with LIVE_SERVER_BUSY:  # the ``page`` fixture waits for it before the test's database is flushed
                super().process_request(request, client_address)

    # The test database of SQLite is in memory unless TEST.NAME names a file.
    shared = any(c.vendor == "sqlite" and not c.settings_dict.get("TEST", {}).get("NAME") for c in connections.all())
    original = LiveServerThread.server_class
    if shared:
        LiveServerThread.server_class = SerialWSGIServer
    yield
    LiveServerThread.server_class = original


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in English: a request in French leaves its language active in the
    thread (LocaleMiddleware does not reset it), which would leak into the next test."""
    from django.conf import settings

    if not settings.configured:  # the sandbox's own tests run without Django (-p no:django)
        yield
        return
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def own_queues(monkeypatch, settings):
    """Both lanes on queues named for this test (``{"bulk": name, "urgent": name}``): the default
    ones (``comptoir``, ``urgent``) are shared by every test process on one Redis database, and one
    test's purge emptied another's queue (seen in CI's PostgreSQL + Redis pass)."""
    import uuid

    from django_q.conf import Conf

    name = f"t-{uuid.uuid4().hex[:10]}"
    monkeypatch.setattr(Conf, "PREFIX", name)  # the bulk lane's queue and the tasks' signing salt
    monkeypatch.setattr(Conf, "CLUSTER_NAME", name)
    settings.Q_URGENT_CLUSTER = f"{name}-urgent"
    return {"bulk": name, "urgent": settings.Q_URGENT_CLUSTER}


@pytest.fixture
def merchant(db):
    from portal.tests.factories import MerchantFactory

    return MerchantFactory()


@pytest.fixture
def merchant_user(merchant):
    from portal.tests.factories import MembershipFactory

    return MembershipFactory(merchant=merchant).user


@pytest.fixture
def merchant_client(client, merchant_user):
    """A Django test client logged in as a user of ``merchant``."""
    client.force_login(merchant_user)
    return client


@pytest.fixture
def other_merchant(db):
    """A second tenant, for isolation tests."""
    from portal.tests.factories import MerchantFactory

    return MerchantFactory(name="Other shop")
