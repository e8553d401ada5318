"""The convergence run of tests/test_stock_convergence.py at bigger sizes (issue 10): by default
10,000 operations on 200 variants (50 without options, 25 products × 6), same faults, two clusters,
one killed mid-run. Needs PostgreSQL (BENCH_DATABASE_URL, an empty database) and Redis
(REDIS_URL); says so and skips otherwise. Sizes: BENCH_CONVERGENCE_OPERATIONS, _SEED, _SIMPLE,
_VARIANT_PRODUCTS."""

import os


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
