"""Pacing: stay under each store's request quota, across every worker and machine.

BigCommerce gives each store a quota per window (150 per 30 s on Standard/Plus) shared by all
clients, and reports it on every answer: ``X-Rate-Limit-Requests-Quota``, ``-Requests-Left``,
``-Time-Reset-Ms`` and ``-Time-Window-Ms``. We keep, per store:

* the quota and window last reported (learned from the first answer; until then a single
  "probe" request at a time goes out, so a burst cannot overrun a quota we do not know yet);
* a *ticket log*: request number ``j`` may go out no earlier than ``window`` after request
  ``j - quota``. Any interval of one window then holds at most ``quota`` of our requests,
  whatever the alignment of BigCommerce's own windows. Tickets are claimed with the cache's
  atomic ``add`` (Redis ``SET NX``, an ``INSERT`` on the database cache), so workers in
  several processes and machines share one log;
* a "blocked until" time, set when an answer says nothing is left (other apps spend the same
  quota) or when a 429 arrives, honouring the longer of ``X-Rate-Limit-Time-Reset-Ms`` and
  ``X-Retry-After``.

The shared state lives in Django's cache: Redis at scale, the database cache locally. With the
database cache, give it room (``OPTIONS: {"MAX_ENTRIES": ...}``): culling may drop live
tickets, which only costs an occasional 429 (retried), never correctness.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import RateLimited

logger = logging.getLogger(__name__)

DEFAULT_QUOTA = 150
DEFAULT_WINDOW_MS = 30_000
DAY = 24 * 3600
LATE = 0.02  # seconds: leaving later than this past a ticket's time rewrites the ticket


@dataclass(frozen=True)
class RateLimitInfo:
    """BigCommerce's rate-limit headers of one answer (any may be missing)."""

    left: int | None = None
    quota: int | None = None
    reset_ms: int | None = None
    window_ms: int | None = None
    retry_after_s: float | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitInfo | None:
        # Header names are case-insensitive (BigCommerce sends lower case since 2022).
        lowered = {str(k).lower(): v for k, v in headers.items()}

        def number(name: str, cast=int):
            raw = lowered.get(name)
            if raw in (None, ""):
                return None
            try:
                return cast(float(raw)) if cast is int else cast(raw)
            except (TypeError, ValueError):
                return None

        info = cls(
            left=number("x-rate-limit-requests-left"),
            quota=number("x-rate-limit-requests-quota"),
            reset_ms=number("x-rate-limit-time-reset-ms"),
            window_ms=number("x-rate-limit-time-window-ms"),
            retry_after_s=number("x-retry-after", float),
        )
        return None if info == cls() else info

    @property
    def wait_ms(self) -> int | None:
        """How long a 429 asks us to wait: the longer of reset and retry-after."""
        waits = [
            w
            for w in (self.reset_ms, None if self.retry_after_s is None else self.retry_after_s * 1000)
            if w is not None
        ]
        return int(max(waits)) if waits else None


class _PatientCache:
    """A cache whose calls are retried briefly on errors (a locked SQLite table, a Redis
    failover) before the error is let through."""

    def __init__(self, cache, attempts: int = 20, pause: float = 0.02):
        self.backend = cache
        self.attempts = attempts
        self.pause = pause

    def __getattr__(self, name):
        method = getattr(self.backend, name)

        def call(*args, **kwargs):
            for attempt in range(self.attempts):
                try:
                    return method(*args, **kwargs)
                except Exception:
                    if attempt == self.attempts - 1:
                        raise
                    time.sleep(self.pause * (1 + attempt % 5))

        return call


class Pacer:
    """Interface: ``acquire`` before each request, ``observe`` after each answer."""

    def acquire(self, store_hash: str) -> float:
        """Block until a request to this store may go out; returns the seconds waited."""
        return 0.0

    def observe(self, store_hash: str, info: RateLimitInfo | None, *, status: int | None) -> None:
        """Learn from an answer's headers (``status`` None: no answer at all)."""


class NullPacer(Pacer):
    """No pacing at all (tests that want to meet BigCommerce's 429s)."""


class SharedPacer(Pacer):
    """The ticket log described in the module docstring, kept in a Django cache.

    ``reserve`` keeps that many requests of each window unused (for other apps of the store);
    ``margin_ms`` widens our window a little, for clock and network jitter; ``max_wait`` bounds
    the time one ``acquire`` may block (then ``RateLimited`` is raised without a request).
    """

    def __init__(
        self,
        cache=None,
        *,
        default_quota: int = DEFAULT_QUOTA,
        default_window_ms: int = DEFAULT_WINDOW_MS,
        reserve: int = 0,
        margin_ms: int | None = None,
        max_wait: float | None = 120.0,
        prefix: str = "bc:pace",
        poll: float = 0.02,
    ):
        if cache is None:
            from django.core.cache import cache as default_cache

            cache = default_cache
        self.cache = _PatientCache(cache)
        self.default_limits = (default_quota, default_window_ms)
        self.reserve = reserve
        self.margin_ms = margin_ms
        self.max_wait = max_wait
        self.prefix = prefix
        self.poll = poll

    # -- keys ------------------------------------------------------------------
    def _key(self, store_hash: str, name: str) -> str:
        return f"{self.prefix}:{store_hash}:{name}"

    # -- public ----------------------------------------------------------------
    def acquire(self, store_hash: str) -> float:
        started = time.monotonic()
        try:
            return self._acquire(store_hash, started)
        except RateLimited:
            raise
        except Exception:
            # The shared state is out of reach: go unpaced rather than fail the call; a 429
            # still stops us (and is retried).
            logger.warning("bigcommerce pacing for %s unavailable, sending unpaced", store_hash, exc_info=True)
            return time.monotonic() - started

    def _acquire(self, store_hash: str, started: float) -> float:
        k_limits, k_blocked, k_probe = (self._key(store_hash, n) for n in ("limits", "blocked", "probe"))
        while True:
            state = self.cache.get_many([k_limits, k_blocked])
            limits = state.get(k_limits)
            blocked = state.get(k_blocked) or 0.0
            now = time.time()
            if blocked > now:
                self._sleep(store_hash, blocked - now, started)
                continue
            if limits is None:
                # Quota unknown: one request at a time until an answer tells us.
                if not self.cache.add(k_probe, 1, timeout=5):
                    self._sleep(store_hash, self.poll, started)
                    continue
                limits = self.default_limits
            quota, window_ms = limits
            key, send_at = self._claim_ticket(store_hash, quota, window_ms)
            wait = send_at - time.time()
            if wait > 0:
                # Past max_wait we give the ticket up unused: harmless, only more conservative.
                self._sleep(store_hash, wait, started)
            now = time.time()
            if now - send_at > LATE:
                # We leave later than planned (cache writes waited on a lock, the thread slept
                # long): the ticket a quota later must count from the real time.
                self.cache.set(key, now, timeout=math.ceil(self._window_s(window_ms)) + 2)
            return time.monotonic() - started

    def observe(self, store_hash: str, info: RateLimitInfo | None, *, status: int | None) -> None:
        try:
            self._observe(store_hash, info, status)
        except Exception:
            logger.warning("bigcommerce pacing for %s could not record an answer", store_hash, exc_info=True)

    def _observe(self, store_hash: str, info: RateLimitInfo | None, status: int | None) -> None:
        now = time.time()
        if info is not None and info.quota and info.window_ms:
            limits = (info.quota, info.window_ms)
            k_limits = self._key(store_hash, "limits")
            if self.cache.get(k_limits) != limits:
                self.cache.set(k_limits, limits, timeout=DAY)
                self.cache.delete(self._key(store_hash, "probe"))
        else:
            self.cache.delete(self._key(store_hash, "probe"))
        until = None
        if status == 429:
            wait_ms = info.wait_ms if info is not None else None
            # A 429 without headers: the platform is under load; back off a little anyway.
            until = now + (wait_ms if wait_ms is not None else 1000) / 1000
        elif info is not None and info.left is not None and info.left <= self.reserve and info.reset_ms is not None:
            until = now + info.reset_ms / 1000
        if until is not None:
            k_blocked = self._key(store_hash, "blocked")
            current = self.cache.get(k_blocked) or 0.0
            if until > current:  # a race only ever loses a shorter wait
                self.cache.set(k_blocked, until, timeout=max(1, math.ceil(until - now) + 1))

    def reset(self, store_hash: str) -> None:
        """Forget everything about a store (tests, or after an uninstall)."""
        self.cache.delete_many([self._key(store_hash, n) for n in ("limits", "blocked", "probe", "hint")])

    # -- internals -------------------------------------------------------------
    def _window_s(self, window_ms: int) -> float:
        # Widen the window a little: a request that left late or travelled slowly must not
        # land in the same BigCommerce window as one a full quota later.
        margin = self.margin_ms if self.margin_ms is not None else max(250, window_ms // 50)
        return (window_ms + margin) / 1000

    def _claim_ticket(self, store_hash: str, quota: int, window_ms: int) -> tuple[str, float]:
        """Claim the next free ticket; returns its key and the wall-clock time it may be sent at."""
        per_window = max(1, quota - self.reserve)
        window = self._window_s(window_ms)
        k_hint = self._key(store_hash, "hint")
        hint = self.cache.get(k_hint)
        while hint is None:
            # A new epoch: ticket keys never collide with (expired) ones of an earlier run. If
            # our add fails on a lock and no hint shows up, try again rather than go private.
            self.cache.add(k_hint, (uuid.uuid4().hex[:12], 0), timeout=DAY)
            hint = self.cache.get(k_hint)
            if hint is None:
                time.sleep(self.poll)
        epoch, number = hint
        while True:
            now = time.time()
            previous = (
                self.cache.get(self._ticket_key(store_hash, epoch, number - per_window))
                if (number >= per_window)
                else None
            )
            send_at = max(now, previous + window) if previous is not None else now
            # The ticket must outlive the moment ticket `number + per_window` looks it up.
            timeout = math.ceil(send_at - now + window) + 2
            key = self._ticket_key(store_hash, epoch, number)
            if self.cache.add(key, send_at, timeout=timeout):
                self.cache.set(k_hint, (epoch, number + 1), timeout=DAY)
                return key, send_at
            if self.cache.get(key) is None:
                # `add` failed but nobody holds the ticket (the database cache swallows a lock
                # error): try the same number again, a gap would leave a later ticket unpaced.
                time.sleep(self.poll)
                continue
            number += 1

    def _ticket_key(self, store_hash: str, epoch: str, number: int) -> str:
        return self._key(store_hash, f"t:{epoch}:{number}")

    def _sleep(self, store_hash: str, seconds: float, started: float) -> None:
        if self.max_wait is not None and time.monotonic() - started + seconds > self.max_wait:
            raise RateLimited(
                "Pacing: the store's request budget is spent for longer than we may wait",
                reset_ms=int(seconds * 1000),
                path=store_hash,
            )
        time.sleep(max(0.0, seconds))


class InProcessPacer(SharedPacer):
    """The same algorithm on a private in-memory cache: paces the threads of one process only
    (unit use, scripts). Several processes need ``SharedPacer`` on a shared cache."""

    def __init__(self, **kwargs):
        from django.core.cache.backends.locmem import LocMemCache

        cache = LocMemCache(f"bc-pacer-{uuid.uuid4().hex}", {"OPTIONS": {"MAX_ENTRIES": 1_000_000}})
        super().__init__(cache, **kwargs)


_default_lock = threading.Lock()
_default: SharedPacer | None = None
PACER_MAX_ENTRIES = 1_000_000


def shared_cache():
    """Django's default cache, as the pacer should use it.

    The database cache culls a third of its rows whenever it holds more than MAX_ENTRIES
    (300 by default), and one store at 150 per 30 s keeps some 150 live tickets. The pacer
    therefore writes through its own handle on the same table that never culls; expired rows
    are still culled by everyone else's writes."""
    from django.core.cache import cache
    from django.core.cache.backends.db import DatabaseCache

    if isinstance(cache, DatabaseCache) and cache._max_entries < PACER_MAX_ENTRIES:
        return DatabaseCache(
            cache._table,
            {"OPTIONS": {"MAX_ENTRIES": PACER_MAX_ENTRIES}, "KEY_PREFIX": cache.key_prefix, "VERSION": cache.version},
        )
    return cache


def default_pacer() -> SharedPacer:
    """The process-wide pacer on Django's default cache (shared with every other worker)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = SharedPacer(shared_cache())
        return _default
