"""Throughput of the paced BigCommerce client under a store quota.

A sandbox with a 150 per 30 s quota (BigCommerce Standard/Plus); several threads fire
3 × quota calls through BigCommerceClient with the shared pacer (Redis when REDIS_URL is set,
else the database). Prints calls/s, the share of the quota used and the number of 429s (the
goal: none).

Environment: BENCH_QUOTA (150), BENCH_WINDOW_S (30; e.g. 3 for a quick run), BENCH_CALLS
(3 × quota), BENCH_THREADS (4), BENCH_SAFETY (the pacer's default: 0 requests of each window
left unused).
"""

import math
import os
import threading
import time

from bench._rows import Row, at_least, equal, shown


def main() -> dict:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from integrations.bigcommerce.api import BigCommerceClient, RateLimited, SharedPacer
    from integrations.bigcommerce.api.client import NO_RETRY
    from sandbox.testing import SandboxProcess

    quota = int(os.environ.get("BENCH_QUOTA", "150"))
    window_s = float(os.environ.get("BENCH_WINDOW_S", "30"))
    calls = int(os.environ.get("BENCH_CALLS", str(3 * quota)))
    threads = int(os.environ.get("BENCH_THREADS", "4"))
    safety = os.environ.get("BENCH_SAFETY")
    pacer = SharedPacer(**({"safety": int(safety)} if safety else {}))  # a fresh store below: fresh state
    backend = type(pacer.backend).__name__
    if backend == "DatabaseBackend":
        os.makedirs(settings.BASE_DIR / "var", exist_ok=True)
        call_command("migrate", verbosity=0)  # the pacer's table

    with SandboxProcess(extra_args=["--rate-limit", f"{quota}/{window_s:g}"]) as sandbox:
        store = sandbox.create_store()
        token = sandbox.api_account(store["hash"])["access_token"]
        remaining = iter(range(calls))
        lock = threading.Lock()
        outcome = {"ok": 0, "rate_limited": 0, "errors": 0}

        def work():
            # One client per thread, as each worker process has its own; the pacer state is shared.
            client = BigCommerceClient(store["hash"], token, api_url=sandbox.url, pacer=pacer, retry=NO_RETRY)
            while True:
                with lock:
                    if next(remaining, None) is None:
                        connections.close_all()
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
        "pacer_backend": backend,
    }
    print(
        f"   quota {quota} per {window_s:g} s ({figures['quota_rate_per_s']}/s), {threads} threads, "
        f"pacer on {backend} (safety {pacer.rules.safety})"
    )
    print(f"   {sent} calls in {figures['seconds']} s = {figures['calls_per_s']} calls/s")
    print(f"   quota used: {figures['quota_share_used']:.1%} of {windows} window(s)")
    print(f"   429 answers: {figures['http_429']}   failed calls: {figures['client_errors']}")
    return figures


def summary(figures: dict) -> list[Row]:
    share, late = figures.get("quota_share_used"), figures.get("http_429")
    return [
        (
            f"share of the quota used, paced client ({figures.get('calls')} calls)",
            "≥ 90 %",
            shown(share, spec=".1%"),
            at_least(share, 0.9),
        ),
        ("429 answers, paced client", "0", shown(late), equal(late, 0)),
    ]
