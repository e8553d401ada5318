"""A sale stays as fast as it is (issue 17; first measured for issue 10): an in-store sale →
BigCommerce's stock, from the ledger row to the answer of the adjustment that carried it
(``StockPush.sent_at`` is written once BigCommerce answered, so its level had moved), at
BENCH_STOCK_RATE sales a second (5), BENCH_STOCK_EVENTS of them (500), on 50 variants, against the
sandbox at BigCommerce's real quota (BENCH_QUOTA per BENCH_WINDOW_S: 150 per 30 s; the setup runs
unlimited). Goal: median ≤ 0.5 s, p99 ≤ 1 s.

Both lanes, as production runs them: an urgent cluster of 2 workers (BENCH_URGENT_WORKERS) and a
bulk cluster of one; the ORM broker on a throwaway SQLite file (poll 0.5 s), or Redis when
REDIS_URL is set; BENCH_DATABASE_URL for another (empty) database. The sales start once the
setup's own work (the starting levels' echoes) is done. Its summary: p50 and p99 against the goals,
BigCommerce calls per 1,000 sales (every call while the sales ran), 429s. With
BENCH_STOCK_INBOUND=1, online orders → Comptoir's ledger too, at the same rate (``bench.order_intake``
measures them against issue 17's goals).

Then, with BENCH_SHOPS (3) above 1, the same sales over that many shops (issue 19), each on its own
BigCommerce location (the primary shop on the default location, the others added as a merchant adds
them while connected: the connector creates their locations), one shop after the other: from the
ledger row to the moment its shop's location showed the level (read in the sandbox's storage every
50 ms, no quota; the answer's time too), same goals; calls per 1,000 sales, 429s; no sale moved
another location; at the end each location's level = its shop's ledger."""

import os

from bench._rows import Row, at_most, equal, shown

GOAL_MEDIAN_S, GOAL_P99_S = 0.5, 1.0


def main() -> dict:
    from bench._stock_worker import run_phase

    figures = run_phase("propagation", database_url=os.environ.get("BENCH_DATABASE_URL", ""))
    figures["broker"] = "Redis" if os.environ.get("REDIS_URL") else "ORM (SQLite)"
    out = figures["outbound"]
    print(
        f"   in-store sale → BigCommerce, {out.get('n')} sales at {figures['rate_per_s']:g}/s, "
        f"{figures['broker']} broker, "
        f"quota {figures.get('quota')}: median {out.get('median_s')} s (goal ≤ {GOAL_MEDIAN_S:g} s), "
        f"p99 {out.get('p99_s')} s (goal ≤ {GOAL_P99_S:g} s), max {out.get('max_s')} s; "
        f"{out.get('calls')} adjustment calls, {out.get('api_calls')} BigCommerce calls in all "
        f"({out.get('calls_per_1000_sales')} per 1,000 sales), {out.get('http_429')} × 429"
    )
    inbound = figures.get("inbound")
    if inbound:
        print(
            f"   online order → Comptoir's ledger, {inbound.get('n')} orders: median {inbound.get('median_s')} s, "
            f"p99 {inbound.get('p99_s')} s, max {inbound.get('max_s')} s; never arrived {inbound.get('missing')}; "
            f"{inbound.get('calls')} BigCommerce calls, {inbound.get('calls_per_order')} per order"
        )
    shops = figures.get("shops")
    if shops:
        answered = shops.get("answered") or {}
        per = "; ".join(
            f"location {loc}: {d.get('n')} sales, p50 {d.get('median_s')} s, p99 {d.get('p99_s')} s"
            for loc, d in (shops.get("per_location") or {}).items()
        )
        print(
            f"   {shops.get('sales')} sales over {shops.get('shops')} shops → their locations' levels: "
            f"median {shops.get('median_s')} s, p99 {shops.get('p99_s')} s, max {shops.get('max_s')} s "
            f"(to the adjustment's answer: {answered.get('median_s')} / {answered.get('p99_s')} s); {per}; "
            f"another location {shops.get('wrong_location')}, never seen {shops.get('never_seen')}; "
            f"{shops.get('calls')} adjustments, {shops.get('api_calls')} calls "
            f"({shops.get('calls_per_1000_sales')} per 1,000 sales), {shops.get('http_429')} × 429; "
            f"levels apart from their shop's ledger at the end: {shops.get('levels_apart')}"
        )
    return figures


def summary(figures: dict) -> list[Row]:
    out = figures.get("outbound") or {}
    where = f"{figures.get('rate_per_s') or 0:g}/s, {out.get('n')} sales [{figures.get('broker')}]"
    median, p99 = out.get("median_s"), out.get("p99_s")
    return [
        (
            f"sale → BigCommerce p50, {where}",
            f"≤ {GOAL_MEDIAN_S:g} s",
            shown(median, " s"),
            at_most(median, GOAL_MEDIAN_S),
        ),
        (
            f"sale → BigCommerce p99, {where}",
            f"≤ {GOAL_P99_S:g} s",
            shown(p99, " s"),
            at_most(p99, GOAL_P99_S),
        ),
        (
            f"BigCommerce calls per 1,000 sales, {where}",
            "–",
            shown(out.get("calls_per_1000_sales")) + f" ({shown(out.get('calls'))} adjustments)",
            None,
        ),
        (f"429 answers, {where}", "0", shown(out.get("http_429")), equal(out.get("http_429"), 0)),
        *shops_rows(figures),
    ]


def shops_rows(figures: dict) -> list[Row]:
    """The rows of the sales over several shops (BENCH_SHOPS), when they ran."""
    shops = figures.get("shops")
    if not shops:
        return []
    rate = figures.get("rate_per_s") or 0
    where = f"{shops.get('shops')} shops, {rate:g}/s, {shops.get('sales')} sales [{figures.get('broker')}]"
    median, p99 = shops.get("median_s"), shops.get("p99_s")
    astray = None if shops.get("wrong_location") is None else shops["wrong_location"] + (shops.get("never_seen") or 0)
    apart = shops.get("levels_apart")
    return [
        (
            f"sale → its location p50, {where}",
            f"≤ {GOAL_MEDIAN_S:g} s",
            shown(median, " s"),
            at_most(median, GOAL_MEDIAN_S),
        ),
        (f"sale → its location p99, {where}", f"≤ {GOAL_P99_S:g} s", shown(p99, " s"), at_most(p99, GOAL_P99_S)),
        (
            f"BigCommerce calls per 1,000 sales, {where}",
            "–",
            shown(shops.get("calls_per_1000_sales")) + f" ({shown(shops.get('calls'))} adjustments)",
            None,
        ),
        (f"429 answers, {where}", "0", shown(shops.get("http_429")), equal(shops.get("http_429"), 0)),
        (f"sales at another location or never seen, {where}", "0", shown(astray), equal(astray, 0)),
        (
            f"locations whose level ≠ their shop's ledger, {where}",
            "0",
            shown(apart) + " (shop, variant)" if apart else shown(apart),
            equal(apart, 0),
        ),
    ]
