"""A separate process for test_pacing: fires CALLS calls at one store from THREADS threads
through a SharedPacer on the database (the one DATABASE_URL names) or on Redis, then prints how
many succeeded, how many met a 429 and how many times the pacer had to go unpaced.
PACING_MARGIN_MS, when set, is the pacer's margin.

    python -m integrations.tests.pacing_worker database|redis STORE TOKEN API_URL CALLS THREADS [REDIS_URL PREFIX]
"""

import json
import logging
import os
import sys
import threading


class Count(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record):
        self.count += 1


def main(argv: list[str]) -> int:
    backend_name, store_hash, token, api_url, calls, threads, *redis_args = argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    import django

    django.setup()
    from django.db import connections

    from integrations.bigcommerce.api import BigCommerceClient, RateLimited, SharedPacer
    from integrations.bigcommerce.api.client import NO_RETRY
    from integrations.bigcommerce.api.pacing_backends import DatabaseBackend, RedisBackend

    warnings = Count()
    for name in ("integrations.bigcommerce.api.pacing", "integrations.bigcommerce.api.pacing_backends"):
        logging.getLogger(name).addHandler(warnings)
    if backend_name == "redis":
        redis_url, prefix = redis_args
        backend = RedisBackend(redis_url, prefix=prefix)
    else:
        backend = DatabaseBackend()
    margin = os.environ.get("PACING_MARGIN_MS")
    pacer = SharedPacer(backend, **({"margin_ms": int(margin)} if margin else {}))
    result = {"ok": 0, "rate_limited": 0, "errors": 0}
    lock = threading.Lock()
    per_thread = int(calls) // int(threads)

    def work():
        client = BigCommerceClient(store_hash, token, api_url=api_url, pacer=pacer, retry=NO_RETRY, timeout=10)
        try:
            for _ in range(per_thread):
                try:
                    client.get("/v2/time")
                    key = "ok"
                except RateLimited:
                    key = "rate_limited"
                except Exception:
                    key = "errors"
                with lock:
                    result[key] += 1
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(int(threads))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    result["warnings"] = warnings.count
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
