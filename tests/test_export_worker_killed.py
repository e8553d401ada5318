"""A worker killed in the middle of the initial sync: the next run finishes it, and BigCommerce
never gets a product twice. Real processes, a real kill (SIGKILL), real HTTP to the sandbox."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from integrations.tests import connect_helpers
from integrations.tests.connect_helpers import api, new_store
from tests.test_worker import ROOT, database_url, manage  # noqa: F401 (fixture)

sandbox = connect_helpers.sandbox  # fixture
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
PRODUCTS = 8

SETUP = textwrap.dedent(
    """
    from decimal import Decimal
    from django.utils import timezone
    from catalog.models import Product, Variant
    from integrations.bigcommerce.products import export as exporter
    from integrations.models import BigCommerceConnection, ProductAssignment
    from portal.tests.factories import MerchantFactory

    merchant = MerchantFactory(name="Killed worker")
    conn = BigCommerceConnection.objects.create(
        merchant=merchant, store_hash={store!r}, status="connected", managed_in="comptoir", include_prices=False,
        sync_scope="all", access_token={token!r}, channel_id={channel}, connected_at=timezone.now(), weight_units="kg",
    )
    for i in range({count}):
        p = Product.objects.create(merchant=merchant, name=f"Lamp {{i}}", vat_rate=Decimal("20"))
        Variant.objects.create(merchant=merchant, product=p, sku=f"LAMP-{{i}}", price=1000)
        ProductAssignment.objects.create(merchant=merchant, product=p)
    exporter.links_ensure(connection=conn)
    print(conn.pk)
    """
)
RUN = "from integrations.tasks import bigcommerce_export_run; bigcommerce_export_run({pk})"
RETRY_DUE = "from integrations.models import ProductLink; ProductLink.objects.update(claimed_until=None)"
STATES = (
    "from integrations.models import ProductLink; "
    "print(sorted(ProductLink.objects.filter(unlinked_at=None).values_list('state', flat=True)))"
)


def _creates(sandbox, store) -> int:
    return sum(
        1
        for r in sandbox.request_log(store["hash"])
        if r["method"] == "POST" and r["path"].endswith("/v3/catalog/products") and r.get("status", 200) < 300
    )


def test_a_worker_killed_mid_run_leaves_no_duplicate_and_the_next_run_finishes(database_url, sandbox):  # noqa: F811
    store = new_store(sandbox, rate_limit="100000/30")
    token = sandbox.api_account(store["hash"])["access_token"]
    channel = api(sandbox, store).post(
        "/v3/channels", json={"name": "Comptoir-POS", "type": "pos", "platform": "custom", "status": "connected"}
    )["data"]["id"]
    # Each create takes a while, so the kill lands in the middle of the run.
    sandbox.set_faults(
        store["hash"], [{"kind": "latency", "method": "POST", "path": "/v3/catalog/products", "ms": 400}]
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": database_url,
        "BIGCOMMERCE_API_URL": sandbox.url,
        "COMPTOIR_PUBLIC_URL": connect_helpers.PUBLIC_URL,
    }
    made = manage(
        "shell", "-c", SETUP.format(store=store["hash"], token=token, channel=channel, count=PRODUCTS), env=env
    )
    assert made.returncode == 0, made.stderr
    pk = int(made.stdout.strip().splitlines()[-1])

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", RUN.format(pk=pk)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _creates(sandbox, store) < 3 and worker.poll() is None:
        time.sleep(0.05)
    time.sleep(0.2)  # into the next create's wait: its answer will never be read
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    killed_after = _creates(sandbox, store)
    assert 3 <= killed_after < PRODUCTS, "the kill should land mid-run"

    manage("shell", "-c", RETRY_DUE, env=env)  # the leases of the dead worker have run out
    finished = manage("shell", "-c", RUN.format(pk=pk), env=env)
    assert finished.returncode == 0, finished.stderr
    states = manage("shell", "-c", STATES, env=env).stdout.strip().splitlines()[-1]
    assert states == str(["synced"] * PRODUCTS)
    names = [p["name"] for p in api(sandbox, store).iter_pages("/v3/catalog/products")]
    assert sorted(names) == sorted(f"Lamp {i}" for i in range(PRODUCTS))  # each exactly once
