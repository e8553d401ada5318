"""Throughput of the paced BigCommerce client under a store quota.

A sandbox with a 150 per 30 s quota (BigCommerce Standard/Plus); several threads fire
3 × quota calls through BigCommerceClient with the shared pacer (Django's cache: Redis when
REDIS_URL is set, else the database cache). Prints calls/s, the share of the quota used and
the number of 429s (the goal: none).

Environment: BENCH_QUOTA (150), BENCH_WINDOW_S (30; e.g. 3 for a quick run), BENCH_CALLS
(3 × quota), BENCH_THREADS (4).
"""

import math
import os
import threading
import time
import uuid


def main() -> dict:
    from django.conf import settings
    from django.core.management import call_command

    from integrations.bigcommerce import BigCommerceClient, RateLimited, SharedPacer
    from integrations.bigcommerce.client import NO_RETRY
    from integrations.bigcommerce.pacing import shared_cache
    from sandbox.testing import SandboxProcess

    quota = int(os.environ.get("BENCH_QUOTA", "150"))
    window_s = float(os.environ.get("BENCH_WINDOW_S", "30"))
    calls = int(os.environ.get("BENCH_CALLS", str(3 * quota)))
    threads = int(os.environ.get("BENCH_THREADS", "4"))
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    if backend == "DatabaseCache":
        os.makedirs(settings.BASE_DIR / "var", exist_ok=True)
        call_command("createcachetable", verbosity=0)

    with SandboxProcess(extra_args=["--rate-limit", f"{quota}/{window_s:g}"]) as sandbox:
        store = sandbox.create_store()
        token = sandbox.api_account(store["hash"])["access_token"]
        pacer = SharedPacer(shared_cache(), prefix=f"bench:{uuid.uuid4().hex[:8]}")
        remaining = iter(range(calls))
        lock = threading.Lock()
        outcome = {"ok": 0, "rate_limited": 0, "errors": 0}

        def work():
            # One client per thread, as each worker process has its own; the pacer state is shared.
            client = BigCommerceClient(store["hash"], token, api_url=sandbox.url, pacer=pacer, retry=NO_RETRY)
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                try:
                    client.get("/v2/time")
                    key = "ok"
                except RateLimited:
                    key = "rate_limited"
                except Exception:
                    key = "errors"
                with lock:
                    outcome[key] += 1

        started = time.monotonic()
        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.monotonic() - started
        counters = sandbox.counters(store["hash"])

    sent = counters["total"]
    windows = max(1, math.ceil(elapsed / window_s))
    figures = {
        "calls": sent,
        "seconds": round(elapsed, 2),
        "calls_per_s": round(sent / elapsed, 2),
        "quota_rate_per_s": round(quota / window_s, 2),
        "quota_share_used": round(sent / (quota * windows), 3),
        "windows": windows,
        "http_429": counters["statuses"].get("429", 0),
        "client_errors": outcome["rate_limited"] + outcome["errors"],
        "cache": backend,
    }
    print(f"   quota {quota} per {window_s:g} s ({figures['quota_rate_per_s']}/s), {threads} threads, cache {backend}")
    print(f"   {sent} calls in {figures['seconds']} s = {figures['calls_per_s']} calls/s")
    print(f"   quota used: {figures['quota_share_used']:.1%} of {windows} window(s)")
    print(f"   429 answers: {figures['http_429']}   failed calls: {figures['client_errors']}")
    return figures
