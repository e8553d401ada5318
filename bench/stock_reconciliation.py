"""Issue 10's figure: the stock check (reconciliation) of 10,000 variants: BigCommerce calls per
1,000 variants and wall time against the quota's floor (calls / quota × window, at BigCommerce's
default 150 per 30 s). The catalogue is 400 products of 25 variants, exported first (that part is
not measured). Sizes: BENCH_RECONCILE_VARIANTS (10000), BENCH_QUOTA, BENCH_WINDOW_S;
BENCH_DATABASE_URL for another (empty) database."""

import json
import os

from bench._rows import Row, at_most, shown


def main() -> dict:
    from bench._stock_worker import run_phase

    f = run_phase("reconciliation", database_url=os.environ.get("BENCH_DATABASE_URL", ""))
    print(
        f"   stock check of {f['variants']} variants: {f['calls']} calls = {f['calls_per_1000']} per 1,000 variants; "
        f"wall {f['wall_s']} s vs floor {f['floor_s']} s ({f['calls']} / {f['quota']} × {f['window_s']:g} s); "
        f"run {f['status']}"
    )
    print(f"   by route: {json.dumps(f['routes'])}")
    return f


# Goals: a call reads 250 levels (4 per 1,000 variants), plus the order polls around each chunk;
# the check waits on nothing but BigCommerce's quota (a minute's slack for the worker to take it).
GOAL_CALLS_PER_1000 = 10
SLACK_S = 60


def summary(figures: dict) -> list[Row]:
    floor, wall, per_1000 = figures.get("floor_s"), figures.get("wall_s"), figures.get("calls_per_1000")
    in_time = None if floor is None or wall is None else figures.get("status") == "finished" and wall <= floor + SLACK_S
    return [
        (
            f"stock check calls per 1,000 variants ({figures.get('variants', 0):,})",
            f"≤ {GOAL_CALLS_PER_1000}",
            shown(per_1000, spec="g"),
            at_most(per_1000, GOAL_CALLS_PER_1000),
        ),
        (
            "stock check duration",
            f"≤ quota floor + {SLACK_S} s ({shown(floor, spec='g')} + {SLACK_S} s)",
            f"{shown(wall, ' s', spec='g')} ({figures.get('status', '–')})",
            in_time,
        ),
    ]
