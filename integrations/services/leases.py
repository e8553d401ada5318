"""Locks held on a lease: one holder at a time across processes (a cache key), renewed while the
holder lives, given up within one lease when its worker dies.

A run's work may take minutes (the pacer's waits, the client's retries, a page of webhooks), so a
lock that simply expired after the longest a run could take kept the work of a killed worker's
store stopped for that long: a webhook drain's lock (300 s) killed with its worker held every
order and stock edit of the store back for five minutes. A heartbeat thread renews the lease
every third of it instead; a worker killed with the lock held takes its heartbeat with it.
"""

from __future__ import annotations

import logging
import threading

from django.core.cache import cache
from django.db import connections

logger = logging.getLogger(__name__)


class Heartbeat(threading.Thread):
    """Renews a held lock's lease every third of it while the holder lives."""

    def __init__(self, key: str, seconds: float):
        super().__init__(name=f"lease {key}", daemon=True)
        self.key = key
        self.seconds = seconds
        self.stopped = threading.Event()
        self.renewals = 0

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.seconds / 3):
                if not cache.touch(self.key, timeout=self.seconds):
                    return  # gone (released, or lapsed): nothing to keep
                self.renewals += 1
        except Exception:  # noqa: BLE001 (the cache out of reach: the lease lapses, another run takes over)
            logger.warning("lease %s could not be renewed", self.key, exc_info=True)
        finally:
            connections.close_all()  # this thread's own (the database cache's), not the holder's


_held: dict[str, Heartbeat] = {}  # this process's held leases, by key


def lease_take(key: str, *, seconds: float) -> bool:
    """Take the lock ``key`` on a lease of ``seconds`` (renewed while this process lives); False
    when another holds it."""
    if not cache.add(key, 1, timeout=seconds):
        return False
    _held[key] = beat = Heartbeat(key, seconds)
    beat.start()
    return True


def lease_release(key: str) -> None:
    """Let go of ``key`` (its heartbeat stops)."""
    beat = _held.pop(key, None)
    if beat is not None:
        beat.stopped.set()
    cache.delete(key)
