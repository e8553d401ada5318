"""Drift while the convergence run runs (issue 17): how long BigCommerce's level of a variant
differed from the level Comptoir says it should show, measured during the run, not only at its end.

What BigCommerce should show is the connector's own definition (``integrations.bigcommerce.stock.levels``):
Comptoir's online level (the whole stock, or the online allocation when the stock is split),
clamped at 0. A *drift episode* of a variant starts at the first sample where BigCommerce's level
differs from it and ends at the first sample where they agree again; its duration is the time
between those two samples (so the resolution is the sampling interval).

Sampling costs the run nothing it measures: BigCommerce's levels come from the sandbox's control
endpoint (``GET /_sandbox/stores/{h}/stock``: its storage, no API quota, not in the request log),
Comptoir's from one query. One sample reads BigCommerce, then Comptoir, then BigCommerce again; a
variant whose BigCommerce level moved between the two reads cannot be compared at the instant
Comptoir was read, so that sample leaves its state as it was (counted as ``ambiguous``).

``DriftTracker`` is the arithmetic (fed samples, no I/O); ``DriftSampler`` is the thread that
feeds it during a run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

GOAL_P99_S = 5.0


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (the benches' definition)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


@dataclass
class Episode:
    key: int | tuple[int, int]  # a local variant, or a (local variant, location) place
    start: float
    end: float | None = None
    seen: int | None = None  # BigCommerce's level and the expected one when the episode began
    expected: int | None = None
    phase: str = ""

    @property
    def duration(self) -> float:
        return (self.end if self.end is not None else self.start) - self.start


@dataclass
class DriftTracker:
    """Per key (a local variant, or a (variant, location) place), the episodes during which ``seen``
    differed from ``expected``."""

    started: float = 0.0
    wall_offset: float = 0.0  # time.time() - time.monotonic(): episodes in clock time, to read against the ledger
    samples: int = 0
    ambiguous: int = 0  # key × sample pairs whose BigCommerce level moved during the sample
    compared: int = 0  # key × sample pairs compared
    differing: int = 0  # … of which differed
    last_at: float = 0.0
    phase: str = "operations"
    episodes: list[Episode] = field(default_factory=list)
    open: dict[int, Episode] = field(default_factory=dict)

    def observe(self, at: float, expected: dict, before: dict, after: dict) -> None:
        """One sample at ``at``: ``expected`` per key, BigCommerce's level per key read ``before``
        and ``after`` the expected levels (a key missing on BigCommerce's side reads as None)."""
        self.samples += 1
        self.last_at = at
        for key, should in expected.items():
            seen = before.get(key)
            if seen != after.get(key):
                self.ambiguous += 1
                continue
            self.compared += 1
            drifting = seen != should
            self.differing += drifting
            episode = self.open.get(key)
            if drifting and episode is None:
                self.open[key] = Episode(key=key, start=at, seen=seen, expected=should, phase=self.phase)
            elif not drifting and episode is not None:
                episode.end = at
                self.episodes.append(self.open.pop(key))

    def figures(self, *, interval_s: float, settle_s: float) -> dict:
        """The run's figures. Episodes still open at the last sample are counted apart: one open
        for longer than ``settle_s`` at the end of the run is drift that never ended."""
        durations = [e.duration for e in self.episodes]
        still = [
            {**_named(e.key), "for_s": round(self.last_at - e.start, 1), "seen": e.seen, "expected": e.expected}
            for e in self.open.values()
        ]
        elapsed = self.last_at - self.started if self.samples else 0.0
        out = {
            "samples": self.samples,
            "interval_s": interval_s,
            "mean_interval_s": round(elapsed / max(1, self.samples - 1), 3),
            "seconds": round(elapsed, 1),
            "compared": self.compared,
            "ambiguous": self.ambiguous,
            # The share of (variant, sample) pairs that differed: how much of the time levels were apart.
            "drifting_share": round(self.differing / self.compared, 4) if self.compared else None,
            "episodes": len(durations),
            "p50_s": round(percentile(durations, 0.50), 2) if durations else None,
            "p99_s": round(percentile(durations, 0.99), 2) if durations else None,
            "max_s": round(max(durations), 2) if durations else None,
            "goal_p99_s": GOAL_P99_S,
            "by_phase": {},
            "longest": [
                {
                    **_named(e.key),
                    "s": round(e.duration, 1),
                    "at_s": round(e.start - self.started, 1),
                    "phase": e.phase,
                    "seen": e.seen,
                    "expected": e.expected,
                    "from": _clock(e.start + self.wall_offset),
                    "to": _clock(e.duration + e.start + self.wall_offset),
                }
                for e in sorted(self.episodes, key=lambda e: -e.duration)[:5]
            ],
            # Every episode longer than the goal, in clock time (``tests.stock_drift_causes`` explains them).
            "long": [
                {
                    **_named(e.key),
                    "s": round(e.duration, 2),
                    "start_ts": e.start + self.wall_offset,
                    "end_ts": e.start + e.duration + self.wall_offset,
                    "phase": e.phase,
                    "seen": e.seen,
                    "expected": e.expected,
                }
                for e in self.episodes
                if e.duration > GOAL_P99_S
            ],
            "open_at_end": still,
            "never_ended": [s for s in still if s["for_s"] > settle_s],
        }
        for phase in sorted({e.phase for e in self.episodes}):
            these = [e.duration for e in self.episodes if e.phase == phase]
            out["by_phase"][phase] = {
                "episodes": len(these),
                "p50_s": round(percentile(these, 0.50), 2),
                "p99_s": round(percentile(these, 0.99), 2),
                "max_s": round(max(these), 2),
            }
        out["goal_met"] = None if out["p99_s"] is None else out["p99_s"] <= GOAL_P99_S
        return out


def _named(key) -> dict:
    """An episode's key as the figures name it: a variant, or a (variant, location) place."""
    return {"variant": key[0], "location": key[1]} if isinstance(key, tuple) else {"variant": key}


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M:%S.%f")[:-3]


class DriftSampler:
    """A thread sampling both sides every ``interval_s`` into a ``DriftTracker``.

    ``read_bigcommerce()`` → {remote key: level}; ``read_comptoir()`` → {local key: the level
    BigCommerce should show}; ``remote_of`` maps local → remote keys (a key: a variant id, or a
    (variant id, location) place). A read that fails
    (the sandbox busy, a database hiccup) skips that sample and is counted."""

    def __init__(
        self,
        *,
        read_bigcommerce: Callable[[], dict],
        read_comptoir: Callable[[], dict],
        remote_of: dict,
        interval_s: float = 0.1,
        on_exit: Callable[[], None] | None = None,
        read_queue: Callable[[], int] | None = None,
    ):
        self.read_bigcommerce = read_bigcommerce
        self.read_comptoir = read_comptoir
        self.remote_of = remote_of
        self.interval_s = interval_s
        self.on_exit = on_exit
        self.read_queue = read_queue
        self.queued: list[int] = []  # the broker's queue length at each sample: what the workers had before them
        self.tracker = DriftTracker()
        self.failed_reads = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="drift-sampler", daemon=True)

    def start(self) -> DriftSampler:
        self.tracker.started = time.monotonic()
        self.tracker.wall_offset = time.time() - self.tracker.started
        self._thread.start()
        return self

    def phase(self, name: str) -> None:
        """Episodes that begin from now on are counted in phase ``name`` (operations, drain…)."""
        with self._lock:
            self.tracker.phase = name

    def sample(self) -> bool:
        """One sample; False when a read failed."""
        try:
            before = self.read_bigcommerce()
            expected = self.read_comptoir()
            at = time.monotonic()
            after = self.read_bigcommerce()
            queued = self.read_queue() if self.read_queue else None
        except Exception as exc:  # noqa: BLE001 (a failed read is a skipped sample, counted)
            self.failed_reads += 1
            if len(self.errors) < 5:
                self.errors.append(repr(exc)[:200])
            return False
        by_remote = {local: self.remote_of[local] for local in expected}
        with self._lock:
            self.tracker.observe(
                at,
                expected,
                {local: before.get(remote) for local, remote in by_remote.items()},
                {local: after.get(remote) for local, remote in by_remote.items()},
            )
            if queued is not None:
                self.queued.append(queued)
        return True

    def _loop(self) -> None:
        try:
            next_at = time.monotonic()
            while not self._stop.is_set():
                self.sample()
                next_at += self.interval_s
                self._stop.wait(max(0.0, next_at - time.monotonic()))
                next_at = max(next_at, time.monotonic() - self.interval_s)  # never catch up in a burst
        finally:
            if self.on_exit:
                self.on_exit()

    def stop(self) -> None:
        """Stop the thread, then take one last sample in the caller's thread (the end state)."""
        self._stop.set()
        self._thread.join(timeout=30)
        self.sample()

    def figures(self, *, settle_s: float) -> dict:
        with self._lock:
            out = self.tracker.figures(interval_s=self.interval_s, settle_s=settle_s)
            queued = list(self.queued)
        out["failed_reads"] = self.failed_reads
        if queued:
            out["queue"] = {"p50": percentile(queued, 0.5), "p99": percentile(queued, 0.99), "max": max(queued)}
        if self.errors:
            out["errors"] = self.errors
        return out


def summary_line(figures: dict) -> str:
    if not figures.get("samples"):
        return "drift while running: not measured (no sample)"
    met = {True: "met", False: "NOT met", None: "no episode"}[figures["goal_met"]]
    phases = "; ".join(
        f"{phase} {f['episodes']} episodes p50 {f['p50_s']} s p99 {f['p99_s']} s max {f['max_s']} s"
        for phase, f in figures["by_phase"].items()
    )
    return (
        f"drift while running: {figures['samples']} samples every {figures['interval_s']} s "
        f"(mean {figures['mean_interval_s']} s, {figures['seconds']} s, {figures['ambiguous']} ambiguous, "
        f"{figures['failed_reads']} failed reads); {figures['episodes']} drift episodes: "
        f"p50 {figures['p50_s']} s, p99 {figures['p99_s']} s, max {figures['max_s']} s "
        f"(goal p99 ≤ {figures['goal_p99_s']:g} s: {met}); levels apart {100 * (figures['drifting_share'] or 0):.1f} % "
        f"of the time; by phase: {phases or '-'}; still drifting at the end: {len(figures['open_at_end'])}"
        + (f"; tasks queued p50 {q['p50']}, p99 {q['p99']}, max {q['max']}" if (q := figures.get("queue")) else "")
    )


def sampler_for(runner, *, interval_s: float) -> DriftSampler:
    """A sampler of a convergence run's places (``tests.stock_convergence.Run`` after setup): each
    variant at each mapped location, against its shop's online level."""
    # Django is set up by the caller before this runs (the bench imports this module first).
    from django.db import connection

    # Same reason as above.
    from integrations.bigcommerce.stock.levels import clamped, comptoir_levels_at

    places = sorted((v, location) for v in runner.remote_of for location in runner.shop_at)
    remote_of = {(v, location): (runner.remote_of[v], location) for v, location in places}

    def read_comptoir() -> dict[tuple[int, int], int]:
        levels = comptoir_levels_at(connection=runner.connection, places=places)
        return {place: clamped(levels.get(place, 0)) for place in places}

    def read_bigcommerce() -> dict[tuple[int, int], int]:
        found = runner.sandbox.location_levels(runner.hash)
        return {(remote, loc): level for loc, levels in found.items() for remote, level in levels.items()}

    return DriftSampler(
        read_bigcommerce=read_bigcommerce,
        read_comptoir=read_comptoir,
        remote_of=remote_of,
        interval_s=interval_s,
        on_exit=lambda: connection.close(),  # the sampler thread's own connection (resolved in that thread)
        read_queue=lambda: runner.queued(),
    )


# -- the writes that move BigCommerce's levels ------------------------------------------------
# Where absolute writes come from (PUT /v3/inventory/adjustments/absolute), in a convergence run:
# - the merchant's own edits in BigCommerce (the run's ``bc_edit`` operation, as the control panel
#   does): not the connector's, told apart by the API account's client id;
# - the connector's push, for a variant BigCommerce holds no level for yet (a relative adjustment
#   there is a 422 "requires absolute adjustment before relative"): journal ``method: absolute``;
# - the stock check, for a push whose answer was lost and that the settling could not tell apart
#   (BigCommerce's level moved in between), or that BigCommerce refused three times: it sets
#   BigCommerce to Comptoir's level (journal entry with ``items``);
# - the starting stock of the initial sync: before the run, not counted here.
# Every other change Comptoir sends is a relative adjustment (POST …/relative), coalesced per call.
APPLIED_FAULTS = frozenset({"error_after"})  # answered 5xx, but the write was applied
ABSOLUTE = "/v3/inventory/adjustments/absolute"
RELATIVE = "/v3/inventory/adjustments/relative"


def adjustment_writes(requests: list[dict], *, app_client_id: str, journal: list[dict]) -> dict:
    """Adjustment calls by kind and author, from the sandbox's request log (``requests``) and the
    connector's journal (``journal``: STOCK_PUSH / STOCK_CHECK entries as ``Run._journal`` reads them)."""
    out: dict = {}
    for r in requests:
        route = r["route"] or r["path"]
        if route.endswith(ABSOLUTE):
            kind = (
                "absolute (connector)" if r.get("client_id") == app_client_id else "absolute (merchant in BigCommerce)"
            )
        elif route.endswith(RELATIVE):
            kind = "relative (connector)"
        else:
            continue
        row = out.setdefault(kind, {"calls": 0, "applied": 0, "items_applied": 0})
        row["calls"] += 1
        if 200 <= r["status"] < 300 or APPLIED_FAULTS & set(r.get("faults") or ()):
            row["applied"] += 1
            row["items_applied"] += r.get("items_in") or 0
    causes = {"push: no level yet in BigCommerce": 0, "stock check: undecided or refused pushes": 0}
    for entry in journal:
        detail = entry.get("detail") or {}
        if detail.get("method") == "absolute":
            causes["push: no level yet in BigCommerce"] += 1
        elif entry.get("kind") == "stock_check" and detail.get("items"):
            causes["stock check: undecided or refused pushes"] += len(detail["items"])
    out["connector absolute items by cause"] = causes
    return out


def writes_line(writes: dict) -> str:
    parts = [
        f"{kind} {w['applied']}/{w['calls']} calls applied ({w['items_applied']} items carried, retries included)"
        for kind, w in writes.items()
        if "calls" in w
    ]
    causes = ", ".join(f"{k} {v}" for k, v in writes.get("connector absolute items by cause", {}).items())
    return f"adjustment writes: {'; '.join(parts) or 'none'}; connector's absolute items by cause: {causes}"
