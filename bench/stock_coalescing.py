"""Issue 10's figure: BigCommerce calls for 1,000 in-store sales over 100 variants within 10 s
(goal ≤ 5), with a django-q2 worker running (one cluster; the ORM broker on a throwaway SQLite
file, or Redis when REDIS_URL is set). Sizes: BENCH_STOCK_SALES, BENCH_STOCK_VARIANTS,
BENCH_STOCK_SECONDS; BENCH_DATABASE_URL for another (empty) database."""

import os


def main() -> dict:
    from bench._stock_worker import run_phase

    figures = run_phase("coalescing", database_url=os.environ.get("BENCH_DATABASE_URL", ""))
    print(
        f"   {figures['sales']} sales over {figures['variants']} variants in {figures['seconds_taken']} s "
        f"(asked {figures['seconds_asked']:g} s): {figures['calls']} BigCommerce adjustment calls (goal ≤ 5); "
        f"items per call {figures['items_per_call']}; levels match afterwards: {figures['levels_match']}"
    )
    return figures


def summary(figures: dict) -> list[tuple[str, str, str, bool | None]]:
    calls = figures["calls"]
    return [
        (
            f"BigCommerce calls for {figures['sales']:,} sales over {figures['variants']} variants "
            f"in {figures['seconds_asked']:g} s",
            "≤ 5",
            str(calls),
            calls <= 5,
        ),
        (
            "levels equal afterwards (coalescing)",
            "yes",
            "yes" if figures["levels_match"] else "no",
            figures["levels_match"],
        ),
    ]
