"""Issue 17's figure for many merchants: BENCH_STORES connected sandbox stores (200) at once, each
selling one item a second for BENCH_SECONDS (120) through the POS API (``POST /api/v1/purchases``
with each merchant's device token), one worker host: sale → BigCommerce p99 ≤ 3 s (from the
ledger row to the answer of the adjustment that carried it), 0 × 429 (every store at
BigCommerce's real quota, 150 calls per 30 s), worker memory flat (the resident memory of every
worker process, sampled every 2 s: the median of the last quarter within 10 % of the first
quarter's).

PostgreSQL + Redis by default (BENCH_STACKS), in a throwaway database. Also: BENCH_STORE_PRODUCTS
(2 per store), BENCH_WORKERS (4: one bulk, the rest urgent when the settings have the urgent lane;
else one cluster of 4), BENCH_WEB_PROCESSES (2 ``runserver`` processes sharing the stores),
BENCH_CLIENT_THREADS (32: the tills' connections), BENCH_QUOTA, BENCH_WINDOW_S. Connecting 200
stores takes a few minutes before the selling starts.

``python -m bench --tiny`` (BENCH_TINY=1) runs it at the sizes of ``TINY`` below.
"""

from __future__ import annotations

import os

from bench._stack import StackUnavailable, run_driver, stack, tiny

GOAL_P99_S = 3.0
TINY = {"BENCH_STORES": "2", "BENCH_SECONDS": "4", "BENCH_WORKERS": "2", "BENCH_WINDOW_S": "3"}


def main() -> dict:
    tiny(TINY)
    quota = int(os.environ.get("BENCH_QUOTA", "150"))
    window_s = float(os.environ.get("BENCH_WINDOW_S", "30"))
    figures: dict = {"stacks": {}}
    for kind in [k.strip() for k in os.environ.get("BENCH_STACKS", "server").split(",") if k.strip()]:
        try:
            with stack("stores", kind, quota=quota, window_s=window_s) as st:
                print(f"   -- {kind}: {st.describe}", flush=True)
                got = run_driver(st, "bench._stores_driver")
        except StackUnavailable as exc:
            print(f"   -- {kind}: skipped: {exc}", flush=True)
            figures["stacks"][kind] = {"skipped": str(exc)}
            continue
        figures["stacks"][kind] = got
        sale, rss = got["sale_to_bigcommerce"], got["worker_rss"]
        print(
            f"   [{kind}] {got['stores']} stores × 1 sale/s × {got['seconds']} s: sale → BigCommerce p99 "
            f"{sale.get('p99_s')} s (goal ≤ {GOAL_P99_S:g}), median {sale.get('median_s')} s; "
            f"{got['http_429']} × 429 (0); worker RSS {rss.get('first_quarter_mb')} → {rss.get('last_quarter_mb')} MB "
            f"(flat: {rss.get('flat')}); answers {got['answers']}; workers: {got['lanes']}",
            flush=True,
        )
    return figures


def summary(figures: dict) -> list[tuple[str, str, str, bool | None]]:
    rows = []
    for kind, got in figures.get("stacks", {}).items():
        if "skipped" in got:
            rows.append((f"many stores [{kind}]", "run", f"skipped: {got['skipped'][:60]}", None))
            continue
        p99, rss = got["sale_to_bigcommerce"].get("p99_s"), got["worker_rss"]
        sent = sum(got["answers"].values())
        ok = got["answers"].get("201", 0)
        rows.append(
            (
                f"sandbox answer time p99, {got['stores']} stores [{kind}]",
                "not the limit",
                f"{got.get('sandbox_ms_p99')} ms",
                None,
            )
        )
        rows += [
            (
                f"sale → BigCommerce p99, {got['stores']} stores [{kind}]",
                f"≤ {GOAL_P99_S:g} s",
                f"{p99} s",
                None if p99 is None else p99 <= GOAL_P99_S,
            ),
            (f"429s, {got['stores']} stores [{kind}]", "0", str(got["http_429"]), got["http_429"] == 0),
            (
                f"worker memory, {got['stores']} stores [{kind}]",
                "flat (≤ 1.1×)",
                f"{rss.get('first_quarter_mb')} → {rss.get('last_quarter_mb')} MB",
                rss.get("flat"),
            ),
            (
                f"POS sales answered 201, {got['stores']} stores [{kind}]",
                f"{got['sales_asked']}",
                f"{ok} of {sent}",
                ok == got["sales_asked"],
            ),
        ]
    return rows
