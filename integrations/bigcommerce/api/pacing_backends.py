"""The shared backends of the pacer (``pacing``): where each store's sliding window log lives.

* ``DatabaseBackend`` (the default): one ``RateLimitState`` row per store, read and written in a
  transaction that holds the row (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
  ``IMMEDIATE`` transaction mode takes the write lock at ``BEGIN``). Times come from each
  worker's clock: keep the machines on NTP.
* ``RedisBackend`` (when ``REDIS_URL`` is set): a sorted set of send times and a hash per store,
  checked and updated by one Lua script in one round trip, on the Redis server's clock.

Call the client outside any transaction that holds locks: inside an outer ``atomic`` block the
pacer's row lock lasts until that block commits, and every other worker waits on it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from integrations.models import RateLimitState

from .pacing import (
    DEFAULT_WINDOW_MS,
    MARGIN_MIN_MS,
    MARGIN_SHARE,
    POLL,
    URGENT_SHARE,
    Backend,
    Rules,
    WindowPacer,
    WindowState,
    learn,
    take_turn,
)

logger = logging.getLogger(__name__)

DAY_MS = 24 * 3600 * 1000
_warned_nested = False


class DatabaseBackend:
    def __init__(self, using: str = DEFAULT_DB_ALIAS, clock: Callable[[], float] = time.time):
        self.using = using
        self.clock = clock

    def take_turn(self, store_hash: str, rules: Rules, *, urgent: bool = False) -> float:
        return self._update(store_hash, lambda state: take_turn(state, self.clock(), rules, urgent=urgent))

    def learn(self, store_hash: str, *, quota: int | None, window_ms: int | None, block_s: float | None) -> None:
        self._update(
            store_hash, lambda state: learn(state, quota=quota, window_ms=window_ms, block_s=block_s, now=self.clock())
        )

    def reset(self, store_hash: str) -> None:

        RateLimitState.objects.using(self.using).filter(store_hash=store_hash).delete()

    def _update(self, store_hash: str, step):

        self._warn_if_nested()
        rows = RateLimitState.objects.using(self.using).select_for_update()
        with transaction.atomic(using=self.using):
            row = rows.filter(store_hash=store_hash).first()
            if row is None:  # first sight of this store; a concurrent creator wins, we lock its row
                RateLimitState.objects.using(self.using).get_or_create(store_hash=store_hash)
                row = rows.get(store_hash=store_hash)
            state = WindowState(row.quota, row.window_ms, row.blocked_until, row.probe_until, list(row.sent_at))
            before = asdict(state)
            result = step(state)  # the clock is read here, once the row is ours
            changed = [name for name, value in asdict(state).items() if before[name] != value]
            if changed:
                for name in changed:
                    setattr(row, name, getattr(state, name))
                row.save(update_fields=changed)
        return result

    def _warn_if_nested(self) -> None:
        global _warned_nested
        if not _warned_nested and connections[self.using].in_atomic_block:
            _warned_nested = True
            logger.warning(
                "bigcommerce pacing called inside a transaction: its row lock is held until that "
                "transaction ends and other workers wait; call the client outside transactions"
            )


# KEYS: the state hash, the sorted set of send times. ARGV: safety, margin_ms (-1: default),
# probe_ms, a unique member, the % of the quota this call leaves to urgent ones (0 for an urgent
# call). Returns the milliseconds to wait ("0": recorded, go). The rule of ``pacing.take_turn``.
TAKE_TURN = f"""
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local s = redis.call('HMGET', KEYS[1], 'quota', 'window_ms', 'blocked_until', 'probe_until')
local blocked = tonumber(s[3]) or 0
if blocked > now then return tostring(blocked - now) end
local quota, window_ms = tonumber(s[1]), tonumber(s[2])
if not quota or not window_ms then
  local probe = tonumber(s[4]) or 0
  if probe > now then return tostring(math.min({int(POLL * 1000)}, probe - now)) end
  redis.call('HSET', KEYS[1], 'probe_until', now + tonumber(ARGV[3]))
  redis.call('PEXPIRE', KEYS[1], {DAY_MS})
  redis.call('ZADD', KEYS[2], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[2], {2 * DEFAULT_WINDOW_MS})
  return '0'
end
local margin = tonumber(ARGV[2])
if margin < 0 then margin = math.max({MARGIN_MIN_MS}, math.floor(window_ms / {MARGIN_SHARE})) end
local window = window_ms + margin
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local allowed = math.max(1, quota - tonumber(ARGV[1]))
local share = tonumber(ARGV[5]) or 0
if share > 0 then allowed = math.max(1, allowed - math.floor(quota * share / 100)) end
local count = redis.call('ZCARD', KEYS[2])
if count < allowed then
  redis.call('ZADD', KEYS[2], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[2], math.ceil(window))
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[2], count - allowed, count - allowed, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""

# KEYS: the state hash. ARGV: quota, window_ms ('' when unknown), block_ms ('' for none).
LEARN = f"""
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], 'quota', ARGV[1], 'window_ms', ARGV[2]) end
redis.call('HSET', KEYS[1], 'probe_until', 0)
if ARGV[3] ~= '' then
  local blocked_until = now + tonumber(ARGV[3])
  if blocked_until > (tonumber(redis.call('HGET', KEYS[1], 'blocked_until')) or 0) then
    redis.call('HSET', KEYS[1], 'blocked_until', blocked_until)
  end
end
redis.call('PEXPIRE', KEYS[1], {DAY_MS})
"""


class RedisBackend:
    def __init__(self, url: str, *, prefix: str = "bc:pace", timeout: float = 2.0):

        self.redis = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self.prefix = prefix
        self._take_turn = self.redis.register_script(TAKE_TURN)
        self._learn = self.redis.register_script(LEARN)

    def _keys(self, store_hash: str) -> list[str]:
        # One hash tag per store: both keys sit on the same node of a Redis Cluster.
        return [f"{self.prefix}:{{{store_hash}}}:state", f"{self.prefix}:{{{store_hash}}}:sent"]

    def take_turn(self, store_hash: str, rules: Rules, *, urgent: bool = False) -> float:
        margin = -1 if rules.margin_ms is None else rules.margin_ms
        share = 0 if urgent else rules.urgent_share
        args = [rules.safety, margin, int(rules.probe_timeout * 1000), uuid.uuid4().hex, share]
        return float(self._take_turn(keys=self._keys(store_hash), args=args)) / 1000

    def learn(self, store_hash: str, *, quota: int | None, window_ms: int | None, block_s: float | None) -> None:
        known = quota and window_ms
        args = [quota if known else "", window_ms if known else "", "" if block_s is None else block_s * 1000]
        self._learn(keys=self._keys(store_hash)[:1], args=args)

    def reset(self, store_hash: str) -> None:
        self.redis.delete(*self._keys(store_hash))


class SharedPacer(WindowPacer):
    """Paces every worker: the state lives in Redis when ``REDIS_URL`` is set, else in the database."""

    def __init__(self, backend: Backend | None = None, **kwargs):
        super().__init__(backend if backend is not None else default_backend(), **kwargs)


def urgent_share() -> int:
    """The % of each store's quota bulk calls leave to urgent ones (BIGCOMMERCE_URGENT_SHARE)."""
    return int(getattr(settings, "BIGCOMMERCE_URGENT_SHARE", URGENT_SHARE))


def default_backend() -> Backend:

    redis_url = getattr(settings, "REDIS_URL", "")
    return RedisBackend(redis_url) if redis_url else DatabaseBackend()


_default_lock = threading.Lock()
_default: SharedPacer | None = None


def default_pacer() -> SharedPacer:
    """The process-wide pacer, shared with every other worker through its backend."""
    global _default
    with _default_lock:
        if _default is None:
            _default = SharedPacer(urgent_share=urgent_share())
        return _default
