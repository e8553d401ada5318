"""Issue 10's figure: propagation delay, median and 99th percentile over 500 events with a worker
running (goal: median ≤ 1 s, p99 ≤ 3 s):

- an in-store sale → BigCommerce's stock: from the ledger row to the answer of the adjustment that
  carried it (``StockPush.sent_at`` is written once BigCommerce answered, so its level had moved);
- an online order → Comptoir's ledger: from the sandbox's answer to the order to its ledger row
  (webhook → task → order read), when the inbound side is present.

Events go at BENCH_STOCK_RATE per second (5) on 50 variants, BENCH_STOCK_EVENTS of each (500). One
django-q2 cluster of one worker; the ORM broker on a throwaway SQLite file (poll 0.5 s), or
Redis when REDIS_URL is set; BENCH_DATABASE_URL for another (empty) database."""

import os


def main() -> dict:
    from bench._stock_worker import run_phase

    figures = run_phase("propagation", database_url=os.environ.get("BENCH_DATABASE_URL", ""))
    broker = "Redis" if os.environ.get("REDIS_URL") else "ORM (SQLite)"
    out = figures["outbound"]
    print(
        f"   in-store sale → BigCommerce, {out.get('n')} sales at {figures['rate_per_s']:g}/s, {broker} broker: "
        f"median {out.get('median_s')} s, p99 {out.get('p99_s')} s, max {out.get('max_s')} s "
        f"(goal median ≤ 1 s, p99 ≤ 3 s); {out.get('calls')} adjustment calls"
    )
    inbound = figures.get("inbound")
    if inbound:
        print(
            f"   online order → Comptoir's ledger, {inbound.get('n')} orders: median {inbound.get('median_s')} s, "
            f"p99 {inbound.get('p99_s')} s, max {inbound.get('max_s')} s; never arrived {inbound.get('missing')}; "
            f"{inbound.get('calls')} BigCommerce calls, {inbound.get('calls_per_order')} per order"
        )
    else:
        print("   online order → Comptoir: not measured (the inbound side is not on this branch)")
    return figures
