"""Faults on demand: seeded, reproducible, scoped per store, matched by method/path.

A fault spec is a dict (or `key=value,...` on the command line):
  kind         latency | error_before | error_after | rate_limit | timeout_after |
               partial_success (207 on product create/update: all applied but the stock) |
               webhook_duplicate | webhook_reorder | webhook_delay | webhook_drop
  store        store hash (None = every store)
  method       HTTP method (None = any)
  path         path prefix after /stores/{hash}, e.g. /v3/catalog/products (None = any);
               for webhook faults: a scope prefix, e.g. store/product/
  probability  0..1 (default 1)
  count        how many times it may fire (None = unlimited)
  status       HTTP status for error_* (default 500)
  ms           latency / how long timeout_after holds the answer / webhook delay
"""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import asdict, dataclass

REQUEST_KINDS = {"latency", "error_before", "error_after", "rate_limit", "timeout_after", "partial_success"}
WEBHOOK_KINDS = {"webhook_duplicate", "webhook_reorder", "webhook_delay", "webhook_drop"}
DEFAULT_MS = {"latency": 200, "timeout_after": 15000, "webhook_delay": 2000, "webhook_reorder": 500}


@dataclass
class Fault:
    kind: str
    store: str | None = None
    method: str | None = None
    path: str | None = None
    probability: float = 1.0
    count: int | None = None
    status: int = 500
    ms: int | None = None
    id: int = 0
    fired: int = 0

    def matches(self, store_hash: str, method: str | None, path: str) -> bool:
        return (
            (self.store is None or self.store == store_hash)
            and (self.method is None or method is None or self.method.upper() == method)
            and (self.path is None or path.startswith(self.path))
            and (self.count is None or self.count > 0)
        )

    @property
    def duration_ms(self) -> int:
        return self.ms if self.ms is not None else DEFAULT_MS.get(self.kind, 0)


def parse_fault(value: str | dict) -> Fault:
    if isinstance(value, str):
        value = dict(part.split("=", 1) for part in value.split(",") if part)
    fields = dict(value)
    kind = fields.get("kind")
    if kind not in REQUEST_KINDS | WEBHOOK_KINDS:
        raise ValueError(f"unknown fault kind: {kind!r}")
    for name, cast in (("probability", float), ("count", int), ("status", int), ("ms", int)):
        if fields.get(name) not in (None, ""):
            fields[name] = cast(fields[name])
        else:
            fields.pop(name, None)
    allowed = {"kind", "store", "method", "path", "probability", "count", "status", "ms"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown fault fields: {sorted(unknown)}")
    return Fault(**fields)


class FaultBook:
    """Active faults; one Random per store, seeded from the global seed, so a given
    sequence of requests to a store meets the same faults on every run."""

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.faults: list[Fault] = []
        self.rngs: dict[str, random.Random] = {}
        self.ids = itertools.count(1)
        self.lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self.lock:
            fault.id = next(self.ids)
            self.faults.append(fault)
        return fault

    def replace(self, store_hash: str | None, faults: list[Fault]) -> None:
        with self.lock:
            self.faults = [f for f in self.faults if f.store != store_hash]
            if store_hash is not None:
                self.rngs.pop(store_hash, None)
        for fault in faults:
            fault.store = store_hash if store_hash is not None else fault.store
            self.add(fault)

    def clear(self, store_hash: str | None = None) -> None:
        self.replace(store_hash, [])

    def listing(self, store_hash: str | None = None) -> list[dict]:
        with self.lock:
            return [asdict(f) for f in self.faults if store_hash is None or f.store == store_hash]

    def draw(self, store_hash: str, method: str | None, path: str, kinds: set[str]) -> list[Fault]:
        """The faults that fire for this request (or webhook event), counts spent."""
        fired = []
        with self.lock:
            rng = self.rngs.setdefault(store_hash, random.Random(f"{self.seed}:{store_hash}"))
            for fault in self.faults:
                if fault.kind not in kinds or not fault.matches(store_hash, method, path):
                    continue
                if fault.probability < 1 and rng.random() >= fault.probability:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                fault.fired += 1
                fired.append(fault)
        return fired
