"""Issue 17's fairness figure: merchant B's Register sale (the POS API) reaches BigCommerce in
≤ 1 s median (p99 ≤ 2 s) while merchant A's initial sync of 10,000 products runs on the same
workers: PostgreSQL + Redis, two worker processes (the bulk and the urgent lane, one worker each,
when the settings have the urgent lane; else one cluster of two workers), each merchant on a
sandbox store of its own at BigCommerce's real quota (150 calls per 30 s).

A's initial sync starts as Finish setup starts it; once its first window of calls is spent, B
sells BENCH_FAIRNESS_SALES items (120) at BENCH_FAIRNESS_RATE a second (1), and each sale is timed
from its ledger row to the answer of the adjustment that carried it. A's progress meanwhile is
given, and whether its sync was still running at the end (else B did not sell behind it all along).

Sizes: BENCH_FAIRNESS_PRODUCTS (10000; three variants each), BENCH_FAIRNESS_SALES,
BENCH_FAIRNESS_RATE; BENCH_STACKS (``server``; ``embedded`` runs it on SQLite and the ORM broker);
BENCH_QUOTA, BENCH_WINDOW_S.

``python -m bench --tiny`` (BENCH_TINY=1) runs it at the sizes of ``TINY`` below.
"""

from __future__ import annotations

from bench._rows import Row, per_stack, shown
from bench._stack import stacks_run, tiny

GOAL_MEDIAN_S, GOAL_P99_S = 1.0, 2.0
TINY = {
    "BENCH_FAIRNESS_PRODUCTS": "40",
    "BENCH_FAIRNESS_SALES": "4",
    "BENCH_FAIRNESS_RATE": "2",
    "BENCH_QUOTA": "20",
    "BENCH_WINDOW_S": "3",
}


def main() -> dict:
    tiny(TINY)
    return stacks_run("fairness", "bench._fairness_driver", default="server", report=report)


def report(kind: str, got: dict) -> list[str]:
    b = got["b_sale_to_bigcommerce"]
    return [
        f"[{kind}] B's sale → BigCommerce during A's initial sync of {got['a_products']} products: "
        f"median {b.get('median_s')} s (goal ≤ {GOAL_MEDIAN_S:g}), p99 {b.get('p99_s')} s (≤ {GOAL_P99_S:g}); "
        f"{b.get('n')} of {got['b_sales']} sales pushed; A's sync still running at the end: "
        f"{got['a_still_running']}; workers: {got['lanes']}"
    ]


def summary(figures: dict) -> list[Row]:
    def rows_of(kind: str, got: dict) -> list[Row]:
        b = got.get("b_sale_to_bigcommerce") or {}
        running = got.get("a_still_running")
        during = "" if running else " (A's sync ended first)"
        return [
            (
                f"B's sale → BigCommerce {name[:-2]} during A's sync of {got.get('a_products')} [{kind}]{during}",
                f"≤ {goal:g} s",
                shown(b.get(name), " s"),
                None if b.get(name) is None else b[name] <= goal and bool(running),
            )
            for name, goal in (("median_s", GOAL_MEDIAN_S), ("p99_s", GOAL_P99_S))
        ]

    return per_stack(figures, "fairness", rows_of)
