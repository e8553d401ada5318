"""Pacing under the store quota. The sandbox enforces a short window (20 per 2 s) so a burst
of three quotas takes two windows; its counters prove that no request met a 429."""

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.db import connections
from django.test import override_settings

from integrations.bigcommerce import InProcessPacer, NullPacer, RateLimited, SharedPacer
from integrations.bigcommerce.client import NO_RETRY
from integrations.bigcommerce.pacing import RateLimitInfo

QUOTA, WINDOW_MS = 20, 2000
BURST = 3 * QUOTA
PROJECT_ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


@pytest.fixture
def limited_store(sandbox, store):
    sandbox.set_rate_limit(store["hash"], QUOTA, WINDOW_MS)
    sandbox.reset(store["hash"], ["requests", "rate_limit"])
    return store


def statuses(sandbox, store):
    return sandbox.counters(store["hash"])["statuses"]


def fire(client, calls):
    for _ in range(calls):
        client.get("/v2/time")


def fire_in_threads(make_pacer, make_client, threads, calls_each):
    errors = []

    def work():
        try:
            fire(make_client(pacer=make_pacer(), retry=NO_RETRY), calls_each)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert not errors, errors


@pytest.fixture
def database_cache(transactional_db):
    config = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "comptoir_cache"}}
    with override_settings(CACHES=config):
        call_command("createcachetable", verbosity=0)
    return DatabaseCache("comptoir_cache", {"OPTIONS": {"MAX_ENTRIES": 100_000}})


@pytest.fixture
def redis_cache():
    from django.core.cache.backends.redis import RedisCache

    return RedisCache(REDIS_URL, {})


# -- headers --------------------------------------------------------------------------------


def test_headers_are_read_case_insensitively():
    info = RateLimitInfo.from_headers(
        {
            "x-rate-limit-requests-left": "35",
            "X-Rate-Limit-Requests-Quota": "150",
            "x-rate-limit-time-reset-ms": "15000",
            "X-RATE-LIMIT-TIME-WINDOW-MS": "30000",
        }
    )
    assert info == RateLimitInfo(left=35, quota=150, reset_ms=15000, window_ms=30000)
    assert RateLimitInfo.from_headers({"content-type": "application/json"}) is None


def test_a_429_waits_the_longer_of_reset_and_retry_after():
    assert RateLimitInfo(reset_ms=1500, retry_after_s=3).wait_ms == 3000
    assert RateLimitInfo(reset_ms=4500, retry_after_s=3).wait_ms == 4500
    assert RateLimitInfo(retry_after_s=2).wait_ms == 2000
    assert RateLimitInfo(left=0).wait_ms is None


# -- the pacer's own rules ------------------------------------------------------------------


def test_a_429_blocks_the_store_until_it_may_retry():
    pacer = InProcessPacer()
    pacer.observe("s1", RateLimitInfo(left=0, quota=20, reset_ms=200, window_ms=2000, retry_after_s=0.6), status=429)
    assert pacer.acquire("s1") >= 0.55
    assert pacer.acquire("s2") < 0.1  # another store is not held back


def test_nothing_left_blocks_until_the_window_resets():
    pacer = InProcessPacer()
    pacer.observe("s1", RateLimitInfo(left=0, quota=20, reset_ms=400, window_ms=2000), status=200)
    waited = pacer.acquire("s1")
    assert 0.3 <= waited < 1.0


def test_waiting_longer_than_max_wait_raises_rate_limited():
    pacer = InProcessPacer(max_wait=0.2)
    pacer.observe("s1", RateLimitInfo(quota=20, window_ms=2000, reset_ms=5000, retry_after_s=5), status=429)
    started = time.monotonic()
    with pytest.raises(RateLimited):
        pacer.acquire("s1")
    assert time.monotonic() - started < 0.5


def test_tickets_space_requests_by_a_window_per_quota():
    pacer = InProcessPacer(margin_ms=0)
    pacer.observe("s1", RateLimitInfo(quota=5, window_ms=500), status=200)
    started = time.monotonic()
    for _ in range(5):
        pacer.acquire("s1")
    assert time.monotonic() - started < 0.2  # one quota goes out at once
    pacer.acquire("s1")
    assert time.monotonic() - started >= 0.45  # the sixth waits for the window


# -- bursts against the sandbox -------------------------------------------------------------


def test_unpaced_burst_meets_429(make_client, sandbox, limited_store):
    """The control experiment: without pacing the same burst is refused."""
    client = make_client(pacer=NullPacer(), retry=NO_RETRY)
    with pytest.raises(RateLimited):
        fire(client, BURST)
    assert statuses(sandbox, limited_store) == {"200": QUOTA, "429": 1}


def test_paced_burst_of_three_quotas_gets_no_429(make_client, sandbox, limited_store):
    client = make_client(pacer=InProcessPacer(), retry=NO_RETRY)
    started = time.monotonic()
    fire(client, BURST)
    elapsed = time.monotonic() - started
    assert statuses(sandbox, limited_store) == {"200": BURST}
    assert elapsed >= 2 * WINDOW_MS / 1000  # it did wait: three quotas need two more windows
    assert elapsed < 4 * WINDOW_MS / 1000  # and not much longer


def test_two_threads_sharing_the_database_cache_get_no_429(make_client, sandbox, limited_store, database_cache):
    prefix = f"test:{uuid.uuid4().hex}"
    fire_in_threads(lambda: SharedPacer(database_cache, prefix=prefix), make_client, 2, BURST // 2)
    assert statuses(sandbox, limited_store) == {"200": BURST}


@pytest.mark.redis
def test_two_threads_sharing_redis_get_no_429(make_client, sandbox, limited_store, redis_cache):
    prefix = f"test:{uuid.uuid4().hex}"
    fire_in_threads(lambda: SharedPacer(redis_cache, prefix=prefix), make_client, 2, BURST // 2)
    assert statuses(sandbox, limited_store) == {"200": BURST}


def test_two_pacers_not_sharing_state_do_meet_429(make_client, sandbox, limited_store):
    """The control experiment for sharing: two private pacers overrun the quota together."""
    results = []

    def work():
        client = make_client(pacer=InProcessPacer(), retry=NO_RETRY)
        try:
            fire(client, BURST // 2)
            results.append("ok")
        except RateLimited:
            results.append("429")

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert "429" in results
    assert statuses(sandbox, limited_store).get("429", 0) >= 1


@pytest.mark.redis
def test_two_processes_sharing_redis_get_no_429(sandbox, limited_store):
    prefix = f"test:{uuid.uuid4().hex}"
    args = [limited_store["hash"], limited_store["token"], sandbox.url, REDIS_URL, prefix, str(BURST // 2)]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "PYTHONPATH": str(PROJECT_ROOT)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "integrations.tests.pacing_worker", *args],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=60) for worker in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert [r["rate_limited"] for r in results] == [0, 0]
    assert sum(r["ok"] for r in results) == BURST
    assert statuses(sandbox, limited_store) == {"200": BURST}
