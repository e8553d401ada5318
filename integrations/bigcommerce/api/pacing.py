"""Pacing: stay under each store's request quota, across every worker and machine.

BigCommerce gives each store a quota per window (150 per 30 s on Standard/Plus) shared by all
clients, and reports it on every answer: ``X-Rate-Limit-Requests-Quota``, ``-Requests-Left``,
``-Time-Reset-Ms`` and ``-Time-Window-Ms``. We keep, per store:

* the quota and window last reported (until the first answer tells us, a single "probe"
  request at a time goes out, so a burst cannot overrun a quota we do not know yet);
* a *sliding window log*: the send times of our requests of the last window. A request may go
  when fewer than ``quota - safety`` of them remain; otherwise it waits until the oldest one
  that matters leaves the window. Any interval of one window then holds at most
  ``quota - safety`` of our requests, whatever the alignment of BigCommerce's own windows.
  The window is widened by ``margin_ms`` to absorb the travel time of a request;
* a "blocked until" time, set when an answer says nothing is left (other apps spend the same
  quota) or when a 429 arrives, honouring the longer of ``X-Rate-Limit-Time-Reset-Ms`` and
  ``X-Retry-After``.

Two lanes share each store's window (``integrations.services.queue``). Bulk calls (an initial
sync, a stock check) stop ``urgent_share`` % of the quota short of it; urgent calls (a stock
push, an order poll: made inside ``urgent_calls``, which the workers enter for every urgent task)
may use all of it, so a store's own sync leaves room for its sales. And an urgent task never
holds its worker long for a store's spent quota: past ``max_wait`` seconds of waiting in all it
gets ``PacingDeferred`` (nothing sent) and gives the worker back to the other stores' work.

The check-and-record step is atomic in a shared *backend* (``pacing_backends``): a row locked
in the database by default, a Lua script over Redis when ``REDIS_URL`` is set. Waiting happens
outside it. If the backend is out of reach, requests go unpaced (a 429 still stops them).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Protocol

from .errors import PacingDeferred, RateLimited

logger = logging.getLogger(__name__)

DEFAULT_QUOTA = 150
DEFAULT_WINDOW_MS = 30_000
PROBE_TIMEOUT = 5.0  # seconds: a probe whose answer never came stops holding the others back
POLL = 0.05  # seconds between looks while a probe is out
MARGIN_SHARE, MARGIN_MIN_MS = 100, 100  # the default margin: 1 % of the window, at least 100 ms
URGENT_SHARE = 10  # % of each store's quota that bulk calls leave to urgent ones (the workers' pacer)
URGENT_MAX_WAIT = 1.0  # seconds an urgent task may wait for a store's quota, in all, before it defers


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


def block_seconds(info: RateLimitInfo | None, status: int | None) -> float | None:
    """How long an answer asks the whole store to hold off (None: not at all)."""
    if status == 429:
        wait_ms = info.wait_ms if info is not None else None
        # A 429 without headers: the platform is under load; back off a little anyway.
        return (wait_ms if wait_ms is not None else 1000) / 1000
    if info is not None and info.left is not None and info.left <= 0 and info.reset_ms:
        return info.reset_ms / 1000
    return None


@dataclass(frozen=True)
class Rules:
    """How close to the quota we go: ``safety`` requests of each window stay unused (other
    apps; by default none, since answers report what is left), bulk calls stop ``urgent_share``
    % of the quota short of that (room kept for urgent calls), and the window is widened by
    ``margin_ms`` (None: 1 %, at least 100 ms)."""

    safety: int = 0
    margin_ms: int | None = None
    probe_timeout: float = PROBE_TIMEOUT
    urgent_share: int = 0

    def window_s(self, window_ms: int) -> float:
        margin = self.margin_ms if self.margin_ms is not None else max(MARGIN_MIN_MS, window_ms // MARGIN_SHARE)
        return (window_ms + margin) / 1000

    def per_window(self, quota: int, *, urgent: bool = True) -> int:
        """How many of our requests one window may hold before a request of that lane waits."""
        allowed = max(1, quota - self.safety)
        return allowed if urgent else max(1, allowed - quota * self.urgent_share // 100)


@dataclass
class WindowState:
    """One store's shared pacing state (times are Unix seconds)."""

    quota: int | None = None
    window_ms: int | None = None
    blocked_until: float = 0.0
    probe_until: float = 0.0
    sent_at: list[float] = field(default_factory=list)


def take_turn(state: WindowState, now: float, rules: Rules, *, urgent: bool = False) -> float:
    """The atomic step of ``acquire``: 0.0 when a request may go now (its time is recorded in
    ``state``), else the seconds to wait before asking again. Pure: updates ``state`` only. Every
    request counts in the window; a bulk one waits while the window holds ``per_window(quota,
    urgent=False)`` of them, an ``urgent`` one only at the full ``per_window(quota)``."""
    if state.blocked_until > now:
        return state.blocked_until - now
    if state.quota is None or state.window_ms is None:
        if state.probe_until > now:
            return min(POLL, state.probe_until - now)
        state.probe_until = now + rules.probe_timeout
        horizon = now - 2 * DEFAULT_WINDOW_MS / 1000
        state.sent_at = [t for t in state.sent_at if t > horizon][-DEFAULT_QUOTA:] + [now]
        return 0.0
    window = rules.window_s(state.window_ms)
    allowed = rules.per_window(state.quota, urgent=urgent)
    recent = sorted(t for t in state.sent_at if t > now - window)
    if len(recent) >= allowed:
        state.sent_at = recent
        return recent[-allowed] + window - now  # when that one leaves, fewer than `allowed` remain
    state.sent_at = (recent + [now])[-state.quota :]
    return 0.0


def learn(state: WindowState, *, quota: int | None, window_ms: int | None, block_s: float | None, now: float) -> None:
    """What an answer teaches: the limits, the end of the probe, a hold on the whole store."""
    if quota and window_ms:
        state.quota, state.window_ms = quota, window_ms
    state.probe_until = 0.0
    if block_s is not None:
        state.blocked_until = max(state.blocked_until, now + block_s)


class Backend(Protocol):
    """Where the state lives; each method is one atomic step."""

    def take_turn(self, store_hash: str, rules: Rules, *, urgent: bool = False) -> float: ...

    def learn(self, store_hash: str, *, quota: int | None, window_ms: int | None, block_s: float | None) -> None: ...

    def reset(self, store_hash: str) -> None: ...


class MemoryBackend:
    """The state in this process's memory, behind a lock (``clock`` for tests)."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self.states: dict[str, WindowState] = {}
        self.lock = threading.Lock()

    def take_turn(self, store_hash: str, rules: Rules, *, urgent: bool = False) -> float:
        with self.lock:
            return take_turn(self.states.setdefault(store_hash, WindowState()), self.clock(), rules, urgent=urgent)

    def learn(self, store_hash: str, *, quota: int | None, window_ms: int | None, block_s: float | None) -> None:
        with self.lock:
            state = self.states.setdefault(store_hash, WindowState())
            learn(state, quota=quota, window_ms=window_ms, block_s=block_s, now=self.clock())

    def reset(self, store_hash: str) -> None:
        with self.lock:
            self.states.pop(store_hash, None)


@dataclass
class UrgentCalls:
    """The calls of one urgent task: the whole quota is theirs, and ``max_wait`` seconds of waiting
    for it in all (``waited`` so far) before the task defers."""

    max_wait: float = URGENT_MAX_WAIT
    waited: float = 0.0


_urgent: ContextVar[UrgentCalls | None] = ContextVar("bigcommerce_urgent_calls", default=None)


def urgent_calls_begin(max_wait: float | None = URGENT_MAX_WAIT) -> Token:
    """From now on (in this context) calls are urgent (``max_wait`` None: not urgent, as those of a
    bulk task run inline inside an urgent one); give the token to ``urgent_calls_end``."""
    return _urgent.set(None if max_wait is None else UrgentCalls(max_wait=max_wait))


def urgent_calls_end(token: Token) -> None:
    _urgent.reset(token)


def urgent_may_wait(seconds: float) -> bool:
    """May this context wait ``seconds`` more (counted as waited when it may)? Always outside
    ``urgent_calls``; inside, while its ``max_wait`` in all is not passed (the client asks it
    before it waits out a 429)."""
    urgent = _urgent.get()
    if urgent is None:
        return True
    if urgent.waited + seconds > urgent.max_wait:
        return False
    urgent.waited += seconds
    return True


@contextmanager
def urgent_calls(max_wait: float = URGENT_MAX_WAIT) -> Iterator[UrgentCalls]:
    """The calls made inside are urgent (the workers enter it for each task of the urgent lane)."""
    token = urgent_calls_begin(max_wait)
    try:
        yield _urgent.get()
    finally:
        urgent_calls_end(token)


class Pacer:
    """Interface: ``acquire`` before each request, ``observe`` after each answer."""

    def acquire(self, store_hash: str) -> float:
        """Block until a request to this store may go out; returns the seconds waited."""
        return 0.0

    def observe(self, store_hash: str, info: RateLimitInfo | None, *, status: int | None) -> None:
        """Learn from an answer's headers (``status`` None: no answer at all)."""


class NullPacer(Pacer):
    """No pacing at all (tests that want to meet BigCommerce's 429s)."""


class WindowPacer(Pacer):
    """The sliding window log of the module docstring over a backend. ``max_wait`` bounds the
    time one ``acquire`` may block (then ``RateLimited`` is raised without a request); inside
    ``urgent_calls``, its own ``max_wait`` bounds the task's waits in all (then ``PacingDeferred``).
    ``urgent_share``: % of the quota bulk calls leave to urgent ones."""

    def __init__(
        self,
        backend: Backend,
        *,
        safety: int = 0,
        margin_ms: int | None = None,
        probe_timeout: float = PROBE_TIMEOUT,
        max_wait: float | None = 120.0,
        urgent_share: int = 0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.backend = backend
        self.rules = Rules(safety=safety, margin_ms=margin_ms, probe_timeout=probe_timeout, urgent_share=urgent_share)
        self.max_wait = max_wait
        self.sleep = sleep

    def acquire(self, store_hash: str) -> float:
        urgent = _urgent.get()
        waited = 0.0
        while True:
            try:
                wait = self.backend.take_turn(store_hash, self.rules, urgent=urgent is not None)
            except Exception:
                # The shared state is out of reach: go unpaced rather than fail the call; a 429
                # still stops us (and is retried).
                logger.warning("bigcommerce pacing for %s unavailable, sending unpaced", store_hash, exc_info=True)
                return waited
            if wait <= 0:
                return waited
            if urgent is not None and urgent.waited + wait > urgent.max_wait:
                raise PacingDeferred(
                    "Pacing: the store's request budget is spent for longer than an urgent task may wait",
                    reset_ms=int(wait * 1000),
                    path=store_hash,
                )
            if self.max_wait is not None and waited + wait > self.max_wait:
                raise RateLimited(
                    "Pacing: the store's request budget is spent for longer than we may wait",
                    reset_ms=int(wait * 1000),
                    path=store_hash,
                )
            if wait >= 1.0:
                lane = "urgent" if urgent is not None else "bulk"
                logger.info("bigcommerce %s: a %s call waits %.2fs for the store's quota", store_hash, lane, wait)
            self.sleep(wait)  # outside the backend's lock
            waited += wait
            if urgent is not None:
                urgent.waited += wait

    def observe(self, store_hash: str, info: RateLimitInfo | None, *, status: int | None) -> None:
        known = info is not None and info.quota and info.window_ms
        try:
            self.backend.learn(
                store_hash,
                quota=info.quota if known else None,
                window_ms=info.window_ms if known else None,
                block_s=block_seconds(info, status),
            )
        except Exception:
            logger.warning("bigcommerce pacing for %s could not record an answer", store_hash, exc_info=True)

    def reset(self, store_hash: str) -> None:
        """Forget everything about a store (tests, or after an uninstall)."""
        self.backend.reset(store_hash)


class InProcessPacer(WindowPacer):
    """Paces the threads of this process only (unit use, scripts); workers share ``SharedPacer``."""

    def __init__(self, *, clock: Callable[[], float] = time.time, **kwargs):
        super().__init__(MemoryBackend(clock), **kwargs)
