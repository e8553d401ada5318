"""The convergence run of tests/test_stock_convergence.py at bigger sizes (issue 10): by default
10,000 operations on 200 variants (50 without options, 25 products × 6) in three shops (each at its
own BigCommerce location; transfers and pickup orders among the operations), same faults, two
clusters, one killed mid-run. Needs PostgreSQL (BENCH_DATABASE_URL, an empty database) and Redis
(REDIS_URL); says so and skips otherwise. Sizes: BENCH_CONVERGENCE_OPERATIONS, _SEED, _SIMPLE,
_VARIANT_PRODUCTS, _SHOPS (3); BENCH_CONVERGENCE_DUMP=path writes the run's operations, requests and each long
drift episode's timeline there (as the test's dump).

Besides the invariants it prints each fault's count and the drift measured while it ran (issue 17):
how long BigCommerce's level of a variant stayed apart from Comptoir's online level (clamped at 0),
as drift episodes' p50, p99 and max (goal: p99 ≤ 5 s under the faults), sampled from the sandbox's
storage and Comptoir's database (``tests/stock_drift.py``), and the episodes longer than the goal by
cause and by what ended them (``tests/stock_drift_causes.py``)."""

import os

from bench._rows import Row, at_most, shown

GOAL_P99_S = 5.0


def main() -> dict:
    from bench._stock_worker import run_phase

    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith("postgres") or not os.environ.get("REDIS_URL"):
        print("   skipped: needs BENCH_DATABASE_URL=postgres://… (an empty database) and REDIS_URL")
        return {}
    figures = run_phase("convergence", database_url=url)
    for line in figures["summary"]:
        print(f"   {line}")
    print(f"   {'FAILED: ' + '; '.join(figures['failures']) if figures['failures'] else 'all invariants hold'}")
    return figures


def summary(figures: dict) -> list[Row]:
    """The bench table's rows: drift under the faults, and whether the invariants hold."""
    if not figures:
        return [("convergence under faults", "PostgreSQL + Redis", "skipped", None)]
    drift = figures.get("drift") or {}
    faults = figures.get("faults") or {}
    fired = sum(v for k, v in faults.items() if k not in ("api_calls", "webhooks"))
    p99 = drift.get("p99_s")
    failures = figures.get("failures")
    return [
        (
            f"drift p99 ({drift.get('episodes', 0)} episodes, {fired} faults, {figures.get('operations')} ops)",
            f"≤ {GOAL_P99_S:g} s",
            shown(p99, " s"),
            at_most(p99, GOAL_P99_S),
        ),
        ("drift p50 / max", "–", f"{shown(drift.get('p50_s'), ' s')} / {shown(drift.get('max_s'), ' s')}", None),
        ("drift samples", "> 0", str(drift.get("samples", 0)), bool(drift.get("samples"))),
        (
            "convergence invariants",
            "all hold",
            "–" if failures is None else "FAILED" if failures else "hold",
            None if failures is None else not failures,
        ),
    ]
