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


def summary(figures: dict) -> list[tuple[str, str, str, bool | None]]:
    return [
        (f"stock check calls per 1,000 variants ({figures['variants']:,})", "–", str(figures["calls_per_1000"]), None),
        ("stock check wall time vs the quota's floor", "–", f"{figures['wall_s']} s vs {figures['floor_s']} s", None),
    ]
