"""A test's ``cache.clear()`` on Redis leaves the rest of the database alone (the other test
processes' keys and django-q2's queues)."""

import os

import pytest
import redis

from portal.tests.cache import PrefixedRedisCache

pytestmark = pytest.mark.redis


def test_clear_deletes_this_processs_keys_only():
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    cache = PrefixedRedisCache(url, {"KEY_PREFIX": f"test-clear-{os.getpid()}"})
    other = redis.Redis.from_url(url)
    neighbour = f"{cache.key_prefix}0:1:flag"  # another process's prefix that starts like this one
    other.set(neighbour, "1", ex=60)
    cache.set("mine", 1)
    try:
        assert cache.get("mine") == 1
        assert cache.clear() is True
        assert cache.get("mine") is None
        assert other.get(neighbour) == b"1"
    finally:
        other.delete(neighbour)
