"""Issue 17's order figures: online orders placed in the sandbox store as shoppers place them (its
control endpoint) reach Comptoir's ledger (an ``OrderLineEffect`` row), against the sandbox at
BigCommerce's real quota (150 calls per 30 s), with Comptoir's web (BigCommerce's webhooks) and
workers running as ``make run`` starts them (two workers: the bulk and urgent lanes when the
settings have them).

- steady: BENCH_ORDER_RATE (5) orders a second for BENCH_ORDER_SECONDS (120): from the sandbox's
  answer to the ledger row, median (goal ≤ 1 s) and p99 (≤ 3 s); BigCommerce calls per order (all
  of the store's API calls during the phase, ≤ 0.05); none lost (every order in the ledger within
  BENCH_ORDER_WAIT_S, 180, of the last one placed).
- burst: BENCH_BURST_RATE (50) a second for BENCH_BURST_SECONDS (60), one window after the steady
  phase: the last order in the ledger within 5 s of the last one placed; 0 × 429 after the
  phase's first window.

On each stack of BENCH_STACKS (``embedded,server``: SQLite and the ORM broker as ``make run`` has
them, then PostgreSQL and Redis; a stack that cannot be built here is skipped and says why), each
in a throwaway database. Also: BENCH_ORDER_PHASES (``steady,burst``), BENCH_ORDER_PRODUCTS (50),
BENCH_QUOTA (150) and BENCH_WINDOW_S (30).

``python -m bench --tiny`` (BENCH_TINY=1) runs it at the sizes of ``TINY`` below.
"""

from __future__ import annotations

import os

from bench._stack import StackUnavailable, run_driver, stack, tiny

GOALS = {"median_s": 1.0, "p99_s": 3.0, "calls_per_order": 0.05, "burst_last_s": 5.0}
TINY = {  # python -m bench --tiny: each stack once, small
    "BENCH_ORDER_RATE": "2",
    "BENCH_ORDER_SECONDS": "3",
    "BENCH_BURST_RATE": "5",
    "BENCH_BURST_SECONDS": "2",
    "BENCH_ORDER_PRODUCTS": "2",
    "BENCH_ORDER_WAIT_S": "90",
    "BENCH_WINDOW_S": "3",
}


def main() -> dict:
    tiny(TINY)
    quota = int(os.environ.get("BENCH_QUOTA", "150"))
    window_s = float(os.environ.get("BENCH_WINDOW_S", "30"))
    figures: dict = {"stacks": {}}
    for kind in [k.strip() for k in os.environ.get("BENCH_STACKS", "embedded,server").split(",") if k.strip()]:
        try:
            with stack("orders", kind, quota=quota, window_s=window_s) as st:
                print(f"   -- {kind}: {st.describe}", flush=True)
                got = run_driver(st, "bench._orders_driver")
                got["describe"] = st.describe
        except StackUnavailable as exc:
            print(f"   -- {kind}: skipped: {exc}", flush=True)
            figures["stacks"][kind] = {"skipped": str(exc)}
            continue
        figures["stacks"][kind] = got
        for line in report(kind, got):
            print("   " + line, flush=True)
    return figures


def report(kind: str, got: dict) -> list[str]:
    lines = []
    steady, burst = got.get("steady"), got.get("burst")
    if steady:
        lines.append(
            f"[{kind}] {steady['placed']} orders at {steady['rate_per_s']:g}/s → ledger: "
            f"median {steady.get('median_s')} s "
            f"(goal ≤ {GOALS['median_s']:g}), p99 {steady.get('p99_s')} s (≤ {GOALS['p99_s']:g}); "
            f"{steady['calls_per_order']} BigCommerce calls per order (≤ {GOALS['calls_per_order']}); "
            f"lost {steady['lost']} (0); 429s {steady['http_429']}"
        )
    if burst:
        lines.append(
            f"[{kind}] burst {burst['placed']} orders at {burst['rate_per_s']:g}/s: last in the ledger "
            f"{burst['last_after_last_placed_s']} s after the last placed (goal ≤ {GOALS['burst_last_s']:g}; "
            f"None: {burst['lost']} still missing after {burst['waited_s']:g} s); 429s after the first window "
            f"{burst['http_429_after_first_window']} (0); {burst['calls_per_order']} calls per order"
        )
    return lines


def _at_most(value, goal) -> bool | None:
    return None if value is None else value <= goal


def summary(figures: dict) -> list[tuple[str, str, str, bool | None]]:
    rows = []
    for kind, got in figures.get("stacks", {}).items():
        if "skipped" in got:
            rows.append((f"order intake [{kind}]", "run", f"skipped: {got['skipped'][:60]}", None))
            continue
        steady, burst = got.get("steady"), got.get("burst")
        if steady:
            rate = f"{steady['rate_per_s']:g}/s"
            rows += [
                (
                    f"order → ledger median, {rate} [{kind}]",
                    f"≤ {GOALS['median_s']:g} s",
                    f"{steady.get('median_s')} s",
                    _at_most(steady.get("median_s"), GOALS["median_s"]),
                ),
                (
                    f"order → ledger p99, {rate} [{kind}]",
                    f"≤ {GOALS['p99_s']:g} s",
                    f"{steady.get('p99_s')} s",
                    _at_most(steady.get("p99_s"), GOALS["p99_s"]),
                ),
                (
                    f"BigCommerce calls per order [{kind}]",
                    f"≤ {GOALS['calls_per_order']}",
                    str(steady["calls_per_order"]),
                    _at_most(steady["calls_per_order"], GOALS["calls_per_order"]),
                ),
                (
                    f"sandbox answer time p99, {rate} [{kind}]",
                    "not the limit",
                    f"{steady.get('sandbox_ms_p99')} ms",
                    None,
                ),
                (f"orders lost, {rate} [{kind}]", "0", str(steady["lost"]), steady["lost"] == 0),
            ]
        if burst:
            rate = f"{burst['rate_per_s']:g}/s"
            last = burst["last_after_last_placed_s"]
            rows += [
                (
                    f"last order in ledger after last placed, {rate} [{kind}]",
                    f"≤ {GOALS['burst_last_s']:g} s",
                    f"{last} s" if last is not None else f"{burst['lost']} missing",
                    _at_most(last, GOALS["burst_last_s"]) if last is not None else False,
                ),
                (
                    f"429s after the first window, {rate} [{kind}]",
                    "0",
                    str(burst["http_429_after_first_window"]),
                    burst["http_429_after_first_window"] == 0,
                ),
            ]
    return rows
