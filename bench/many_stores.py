"""Issue 17's figure for many merchants: BENCH_STORES connected sandbox stores (200) at once, each
selling one item a second for BENCH_SECONDS (120) through the POS API (``POST /api/v1/purchases``
with each merchant's device token), one worker host: sale → BigCommerce p99 ≤ 3 s (from the
ledger row to the answer of the adjustment that carried it), 0 × 429 (every store at
BigCommerce's real quota, 150 calls per 30 s), worker memory flat (the resident memory of every
worker process, sampled every 2 s: the median of the last quarter within 10 % of the first
quarter's).

PostgreSQL + Redis by default (BENCH_STACKS), in a throwaway database. Also: BENCH_STORE_PRODUCTS
(2 per store), BENCH_WORKERS (4: one bulk, the rest urgent when the settings have the urgent lane;
else one cluster of 4), BENCH_WEB_SERVER (gunicorn, as the Procfile; ``runserver`` as ``make run``),
BENCH_WEB_PROCESSES (2), BENCH_CONN_MAX_AGE (60: connections kept, as ``make serve``),
BENCH_CLIENT_THREADS (32: the tills' connections), BENCH_QUOTA, BENCH_WINDOW_S. Connecting 200
stores takes a few minutes before the selling starts.

``python -m bench --tiny`` (BENCH_TINY=1) runs it at the sizes of ``TINY`` below.
"""

from __future__ import annotations

from bench._rows import Row, at_most, equal, per_stack, shown
from bench._stack import stacks_run, tiny

GOAL_P99_S = 3.0
GOAL_SALES_S = 200  # issue 17's stores, one sale a second each


def cpu_rows(stores: str, cpu: dict) -> list[Row]:
    """CPU per sale of each component (``bench._cpu``), and the rate Comptoir's part would hold."""
    per_sale = cpu.get("cpu_ms_per_sale") or {}
    rows: list[Row] = [
        (
            f"CPU per sale: {name}, {stores}",
            "–",
            f"{shown(ms, ' ms')} ({shown((cpu.get('cpu_s') or {}).get(name), ' s')})",
            None,
        )
        for name, ms in per_sale.items()
    ]
    cores = cpu.get("cores") or 1
    rate = cpu.get("comptoir_sales_per_core_s")
    rows += [
        (
            f"CPU per sale: whole host, {stores}",
            "–",
            f"{shown(cpu.get('total_ms_per_sale'), ' ms')} "
            f"(busy {shown(cpu.get('busy_share'))} of {cores} cores; others on the host "
            f"{shown(cpu.get('others_cpu_s'), ' s')}; load {shown(cpu.get('load'))})",
            None,
        ),
        (
            f"sales/s per core, Comptoir's part (web + workers), {stores}",
            f"{GOAL_SALES_S / cores:g} for {GOAL_SALES_S} on {cores} cores alone",
            f"{shown(rate)} ({shown(cpu.get('comptoir_ms_per_sale'), ' ms')} a sale)",
            None if rate is None else rate >= GOAL_SALES_S / cores,
        ),
    ]
    return rows


TINY = {"BENCH_STORES": "2", "BENCH_SECONDS": "4", "BENCH_WORKERS": "2", "BENCH_WINDOW_S": "3"}


def main() -> dict:
    tiny(TINY)
    return stacks_run("stores", "bench._stores_driver", default="server", report=report)


def report(kind: str, got: dict) -> list[str]:
    sale, rss, cpu = got["sale_to_bigcommerce"], got["worker_rss"], got.get("cpu") or {}
    return [
        f"[{kind}] {got['stores']} stores × 1 sale/s × {got['seconds']} s: sale → BigCommerce p99 "
        f"{sale.get('p99_s')} s (goal ≤ {GOAL_P99_S:g}), median {sale.get('median_s')} s; "
        f"{got['http_429']} × 429 (0); worker RSS {rss.get('first_quarter_mb')} → {rss.get('last_quarter_mb')} MB "
        f"(flat: {rss.get('flat')}); answers {got['answers']}; web: {got.get('web')}; workers: {got['lanes']}",
        f"[{kind}] CPU ms per sale: {cpu.get('cpu_ms_per_sale')}; Comptoir (web + workers) "
        f"{cpu.get('comptoir_ms_per_sale')} ms, {cpu.get('comptoir_sales_per_core_s')} sales/s per core; "
        f"load {cpu.get('load')}",
    ]


def summary(figures: dict) -> list[Row]:
    def rows_of(kind: str, got: dict) -> list[Row]:
        stores = f"{got.get('stores')} stores [{kind}]"
        p99 = (got.get("sale_to_bigcommerce") or {}).get("p99_s")
        rss, answers, late = got.get("worker_rss") or {}, got.get("answers") or {}, got.get("http_429")
        ok, asked = answers.get("201", 0), got.get("sales_asked")
        return [
            (f"sandbox answer time p99, {stores}", "not the limit", shown(got.get("sandbox_ms_p99"), " ms"), None),
            (f"sale → BigCommerce p99, {stores}", f"≤ {GOAL_P99_S:g} s", shown(p99, " s"), at_most(p99, GOAL_P99_S)),
            (f"429s, {stores}", "0", shown(late), equal(late, 0)),
            (
                f"worker memory, {stores}",
                "flat (≤ 1.1×)",
                f"{shown(rss.get('first_quarter_mb'))} → {shown(rss.get('last_quarter_mb'), ' MB')}",
                rss.get("flat"),
            ),
            (f"POS sales answered 201, {stores}", f"{asked}", f"{ok} of {sum(answers.values())}", equal(ok, asked)),
            *cpu_rows(stores, got.get("cpu") or {}),
        ]

    return per_stack(figures, "many stores", rows_of)
