"""A separate process for test_pacing: fires N calls at one store through a SharedPacer on
Redis, then prints how many succeeded and how many met a 429.

    python -m integrations.tests.pacing_worker STORE TOKEN API_URL REDIS_URL PREFIX CALLS
"""

import json
import os
import sys


def main(argv: list[str]) -> int:
    store_hash, token, api_url, redis_url, prefix, calls = argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    import django

    django.setup()
    from django.core.cache.backends.redis import RedisCache

    from integrations.bigcommerce import BigCommerceClient, RateLimited, SharedPacer
    from integrations.bigcommerce.client import NO_RETRY

    pacer = SharedPacer(RedisCache(redis_url, {}), prefix=prefix)
    client = BigCommerceClient(store_hash, token, api_url=api_url, pacer=pacer, retry=NO_RETRY, timeout=10)
    result = {"ok": 0, "rate_limited": 0}
    for _ in range(int(calls)):
        try:
            client.get("/v2/time")
            result["ok"] += 1
        except RateLimited:
            result["rate_limited"] += 1
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
