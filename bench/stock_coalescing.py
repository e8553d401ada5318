"""Issue 10's figure: BigCommerce calls for 1,000 in-store sales over 100 variants within 10 s
(goal ≤ 5), with a django-q2 worker running (one cluster; the ORM broker on a throwaway SQLite
file, or Redis when REDIS_URL is set). Sizes: BENCH_STOCK_SALES, BENCH_STOCK_VARIANTS,
BENCH_STOCK_SECONDS; BENCH_DATABASE_URL for another (empty) database."""

import os

from bench._rows import Row, at_most, shown

# Issue 10: at most 5 BigCommerce calls for 1,000 sales over 100 variants within 10 s (coalesced pushes).
GOAL_CALLS_PER_1000 = 5


def main() -> dict:
    from bench._stock_worker import run_phase

    figures = run_phase("coalescing", database_url=os.environ.get("BENCH_DATABASE_URL", ""))
    print(
        f"   {figures['sales']} sales over {figures['variants']} variants in {figures['seconds_taken']} s "
        f"(asked {figures['seconds_asked']:g} s): {figures['calls']} BigCommerce adjustment calls (goal ≤ 5); "
        f"items per call {figures['items_per_call']}; levels match afterwards: {figures['levels_match']}"
    )
    return figures


def summary(figures: dict) -> list[Row]:
    calls, sales, match = figures.get("calls"), figures.get("sales"), figures.get("levels_match")
    per_1000 = None if calls is None or not sales else round(calls * 1000 / sales, 1)
    return [
        (
            f"BigCommerce calls per 1,000 sales ({calls} for {sales or 0:,} sales over "
            f"{figures.get('variants')} variants in {shown(figures.get('seconds_asked'), ' s', spec='g')})",
            f"≤ {GOAL_CALLS_PER_1000}",
            shown(per_1000),
            at_most(per_1000, GOAL_CALLS_PER_1000),
        ),
        ("levels equal afterwards (coalescing)", "yes", {True: "yes", False: "no"}.get(match, "–"), match),
    ]
