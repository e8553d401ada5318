"""Per-store request quota in fixed windows, as BigCommerce reports it in headers."""

from __future__ import annotations

import math
import threading
import time


def parse_rate(spec: str) -> tuple[int, int]:
    """'150/30' -> (150 requests, 30000 ms)."""
    quota, _, seconds = spec.partition("/")
    return int(quota), int(float(seconds or 30) * 1000)


class RateLimiter:
    def __init__(self, quota: int = 150, window_ms: int = 30000):
        self.default = (quota, window_ms)
        self.overrides: dict[str, tuple[int, int]] = {}
        self.windows: dict[str, tuple[float, int]] = {}  # store -> (window start, used)
        self.lock = threading.Lock()

    def configure(self, store_hash: str, quota: int, window_ms: int) -> None:
        with self.lock:
            self.overrides[store_hash] = (quota, window_ms)
            self.windows.pop(store_hash, None)

    def reset(self, store_hash: str) -> None:
        with self.lock:
            self.windows.pop(store_hash, None)

    def settings(self, store_hash: str) -> tuple[int, int]:
        return self.overrides.get(store_hash, self.default)

    def take(self, store_hash: str) -> tuple[bool, dict[str, str]]:
        """Spend one request; returns (allowed, headers for the response)."""
        quota, window_ms = self.settings(store_hash)
        now = time.monotonic()
        with self.lock:
            start, used = self.windows.get(store_hash, (now, 0))
            if (now - start) * 1000 >= window_ms:
                start, used = now, 0
            allowed = used < quota
            if allowed:
                used += 1
            self.windows[store_hash] = (start, used)
        reset_ms = max(0, int(window_ms - (now - start) * 1000))
        headers = {
            "X-Rate-Limit-Time-Window-Ms": str(window_ms),
            "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
            "X-Rate-Limit-Requests-Quota": str(quota),
            "X-Rate-Limit-Requests-Left": str(max(0, quota - used)),
        }
        if not allowed:
            headers["X-Retry-After"] = str(max(1, math.ceil(reset_ms / 1000)))
        return allowed, headers
