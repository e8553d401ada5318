"""What the page benches (``bench.page_queries``, ``bench.journal_pages``) share: a throwaway test
database, a merchant signed in with a connected store, and a page's queries and time."""

from __future__ import annotations

import contextlib
import time


@contextlib.contextmanager
def throwaway_database():
    """A test database created for the bench and destroyed on the way out."""
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def signed_in_merchant():
    """(merchant, its BigCommerce connection, a test client signed in as one of its members)."""
    from django.test import Client

    from integrations.models import BigCommerceConnection
    from portal.tests.factories import MembershipFactory, MerchantFactory

    merchant = MerchantFactory()
    connection = BigCommerceConnection.objects.create(merchant=merchant, store_hash="bench", status="connected")
    client = Client()
    client.force_login(MembershipFactory(merchant=merchant).user)
    return merchant, connection, client


def measure(client, url: str, repeat: int = 1) -> tuple[int, float]:
    """(queries, the best of ``repeat`` times in ms) of a GET of ``url``, caches warmed first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches (templates, sessions)
    best = None
    for _ in range(repeat):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        elapsed_ms = (time.perf_counter() - started) * 1000
        best = elapsed_ms if best is None else min(best, elapsed_ms)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries.captured_queries), best
