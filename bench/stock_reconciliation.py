"""Issue 10's figure: the stock check (reconciliation) of 10,000 variants: BigCommerce calls per
1,000 variants and wall time against the quota's floor (calls / quota × window, at BigCommerce's
default 150 per 30 s). The catalogue is 400 products of 25 variants, exported first (that part is
not measured). Sizes: BENCH_RECONCILE_VARIANTS (10000), BENCH_QUOTA, BENCH_WINDOW_S;
BENCH_DATABASE_URL for another (empty) database."""

import json
import os


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


def summary(figures: dict) -> list[tuple[str, str, str, bool | None]]:
    floor = figures["floor_s"]
    return [
        (
            f"stock check calls per 1,000 variants ({figures['variants']:,})",
            f"≤ {GOAL_CALLS_PER_1000}",
            f"{figures['calls_per_1000']:g}",
            figures["calls_per_1000"] <= GOAL_CALLS_PER_1000,
        ),
        (
            "stock check duration",
            f"≤ quota floor + {SLACK_S} s ({floor:g} + {SLACK_S} s)",
            f"{figures['wall_s']:g} s",
            figures["status"] == "finished" and figures["wall_s"] <= floor + SLACK_S,
        ),
    ]
