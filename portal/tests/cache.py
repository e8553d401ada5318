"""The tests' Redis cache: ``clear()`` deletes this test process's keys only.

Django's ``RedisCache.clear()`` flushes the whole Redis database. In CI's second pass every xdist
worker shares that database with django-q2's Redis broker, so one test's ``cache.clear()`` emptied
the task queues and debounce flags of the tests running beside it (a drain never queued, a queue
found empty).
"""

from django.core.cache.backends.redis import RedisCache


class PrefixedRedisCache(RedisCache):
    def clear(self):
        client = self._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        return True
