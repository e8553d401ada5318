"""Issue 18's load run: the production stack under a trading day's peak while a new merchant's
initial sync runs.

The stack is ``make serve``'s (``scripts/serve.py``: production settings, the one local override
``COMPTOIR_LOCAL_HTTP=1``, generated secrets and app credentials the sandbox is given too) and the
``Procfile``'s processes: gunicorn (``gunicorn.conf.py``: ``WEB_CONCURRENCY`` 2 × ``GUNICORN_THREADS``
4) and two django-q2 clusters, the bulk lane and the urgent lane (``Q_WORKERS`` / ``Q_URGENT_WORKERS``
2 each), on a PostgreSQL database of its own and a redis-server of its own (``bench._stack``'s
``server`` stack), against the BigCommerce sandbox at BigCommerce's quota (BENCH_QUOTA per
BENCH_WINDOW_S: 150 per 30 s), all on 127.0.0.1.

A trading merchant (50 products synced, 10 online orders in its ledger, a POS device) and an
onboarding one (BENCH_LOAD_PRODUCTS, 1,000, Comptoir-managed products whose initial export is started
as the wizard's Finish starts it, on the bulk lane, when the load starts). For BENCH_LOAD_SECONDS
(120), locust (``bench/_load_locustfile.py``, constant throughput, headless) sends:

- BENCH_LOAD_WEBHOOK_RATE (50) BigCommerce webhooks a second to the web's webhook endpoint, signed as
  BigCommerce signs them, about the trading store's existing products and orders (inventory updated
  40 %, product updated 30 %, order created 15 %, order updated 15 %), each with a new event hash;
- BENCH_LOAD_SALE_RATE (20) POS API sales a second (``POST /api/v1/purchases``, one item, a new
  idempotency key each).

Then the drain (bounded by BENCH_LOAD_DRAIN_S, 180) and the checks: every webhook answered 2xx is in
the inbox exactly once (counted by the hashes sent), every sale answered 2xx is in the ledger exactly
once (its Sale row and its stock movement, by key), BigCommerce's levels (the sandbox's storage) equal
the ledger's, and no 5xx (to locust, and to the sandbox's own deliveries of both stores).

Goals (``summary``): the load held (at least 95 % of each asked rate sent: locust's clients wait
for their answers, so a stack that answers too slowly is sent less); 0 lost, 0 counted twice, 0 × 5xx,
levels equal; webhook intake p99 ≤ 1 s and POS API p99 ≤ 1 s (the HTTP answer time locust sees: what
BigCommerce and a till wait for); push lag p99 ≤ 3 s (a sale's ledger row → the answer of the
BigCommerce adjustment that carried it, as ``bench.stock_propagation`` measures it; looser than its
1 s at 5 sales/s, since here the urgent lane also processes the order and stock webhooks). Figures
without a goal: p50s, CPU seconds (from the load's start to the end of the drain) and peak resident
memory (summed over each process tree) of the web, each lane's cluster, the sandbox and locust itself
(a starved load generator inflates the times it measures), the onboarding sync's progress.
``collectstatic`` is not run (the load asks for no static file).

Needs PostgreSQL and Redis (a redis-server binary, else BENCH_REDIS_URL / REDIS_URL); without them it
says so and reports itself skipped. ``python -m bench --tiny`` runs it at the sizes of ``TINY``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench._rows import at_least, at_most, equal, shown
from bench._stack import ROOT, StackUnavailable, free_port, run_driver, stack, tiny

GOALS = {"webhook_p99_ms": 1000, "sale_p99_ms": 1000, "push_lag_p99_s": 3.0, "rate_share": 0.95}
TINY = {  # python -m bench --tiny: a few seconds, a few products, low rates
    "BENCH_LOAD_SECONDS": "5",
    "BENCH_LOAD_WEBHOOK_RATE": "4",
    "BENCH_LOAD_SALE_RATE": "2",
    "BENCH_LOAD_PRODUCTS": "10",
    "BENCH_LOAD_SALE_PRODUCTS": "5",
    "BENCH_LOAD_ORDERS": "2",
    "BENCH_LOAD_DRAIN_S": "90",
}


def production_env(state: Path) -> dict:
    """``make serve``'s production environment (secrets generated into ``state``), less what the
    stack gives (database, Redis, the sandbox's URLs)."""
    os.environ["SERVE_STATE"] = str(state)  # read when scripts/serve.py is imported
    sys.path.insert(0, str(ROOT / "scripts"))
    import serve

    return serve.app_secrets()


def main() -> dict:
    tiny(TINY)
    quota = int(os.environ.get("BENCH_QUOTA", "150"))
    window_s = float(os.environ.get("BENCH_WINDOW_S", "30"))
    state = Path(tempfile.mkdtemp(prefix="bench-load-serve-"))
    try:
        secrets = production_env(state)
        app = {
            "SANDBOX_APP_CLIENT_ID": secrets["BIGCOMMERCE_CLIENT_ID"],
            "SANDBOX_APP_CLIENT_SECRET": secrets["BIGCOMMERCE_CLIENT_SECRET"],
        }
        with stack("load_run", "server", quota=quota, window_s=window_s, sandbox_env=app) as st:
            print(f"   -- {st.describe}", flush=True)
            import serve

            port = free_port()
            env = serve.serve_env(
                {**st.env, "PORT": str(port), "SANDBOX_PORT": st.env["BENCH_SANDBOX_URL"].rsplit(":", 1)[1]}
            )
            env["PROMETHEUS_MULTIPROC_DIR"] = str(st.tmp / "prometheus")
            os.makedirs(env["PROMETHEUS_MULTIPROC_DIR"])
            st.env = env
            figures = run_driver(st, "bench._load_driver")
            figures["describe"] = st.describe
    except StackUnavailable as exc:
        print(f"   skipped: {exc}", flush=True)
        return {"skipped": str(exc)}
    finally:
        shutil.rmtree(state, ignore_errors=True)
    for line in report(figures):
        print("   " + line, flush=True)
    return figures


def report(f: dict) -> list[str]:
    web, sale, lag = f["webhooks"], f["sales"], f["push_lag"]
    lines = [
        f"{web['sent']} webhooks ({web['sent_per_s']:g}/s of {f['rates']['webhook']:g}/s asked): "
        f"answered in p50 {web['p50_ms']} ms, p99 "
        f"{web['p99_ms']} ms (goal ≤ {GOALS['webhook_p99_ms']} ms); lost {web['lost']}, twice {web['double']}, "
        f"5xx {web['http_5xx']}, no answer {web['no_answer']} {web.get('no_answer_why') or ''}; statuses "
        f"{web['statuses']}",
        f"{sale['sent']} POS sales ({sale['sent_per_s']:g}/s of {f['rates']['sale']:g}/s asked): "
        f"answered in p50 {sale['p50_ms']} ms, p99 "
        f"{sale['p99_ms']} ms (goal ≤ {GOALS['sale_p99_ms']} ms); lost {sale['lost']}, twice {sale['double']}, "
        f"5xx {sale['http_5xx']}, no answer {sale['no_answer']} {sale.get('no_answer_why') or ''}",
        f"sale → BigCommerce ({lag.get('n', 0)} changes pushed): median {lag.get('median_s')} s, p99 "
        f"{lag.get('p99_s')} s (goal ≤ {GOALS['push_lag_p99_s']:g} s); trading store "
        f"{f['trading_store_calls']['calls']} calls, {f['trading_store_calls']['http_429']} × 429",
        f"drained in {f['drain']['seconds']} s: levels equal {f['levels_equal']} "
        f"({len(f['drain']['level_mismatches'])} differ); sandbox deliveries answered 5xx: "
        f"{f['sandbox_deliveries_5xx']}",
        f"onboarding sync of {f['products']} products: {f['onboarding_at_load_end']} at the load's end, "
        f"{f['onboarding_at_end']} after the drain",
    ]
    lines += [
        f"{role}: {u['cpu_s']} CPU s, peak {u['peak_rss_mb']} MB resident ({u['processes']} processes)"
        for role, u in f["usage"].items()
    ]
    return lines


def summary(figures: dict) -> list[tuple[str, str, str, bool | None]]:
    if "skipped" in figures:
        return [("load run", "run", f"skipped: {figures['skipped'][:60]}", None)]
    web, sale, lag = (figures.get(k) or {} for k in ("webhooks", "sales", "push_lag"))
    asked = figures.get("rates") or {}
    rates = f"{shown(asked.get('webhook'), spec='g')} webhooks/s + {shown(asked.get('sale'), spec='g')} sales/s"
    rows = [
        ("webhook intake p50", "–", shown(web.get("p50_ms"), " ms"), None),
        (
            f"webhook intake p99 ({rates})",
            f"≤ {GOALS['webhook_p99_ms']} ms",
            shown(web.get("p99_ms"), " ms"),
            at_most(web.get("p99_ms"), GOALS["webhook_p99_ms"]),
        ),
        ("POS API sale p50", "–", shown(sale.get("p50_ms"), " ms"), None),
        (
            f"POS API sale p99 ({rates})",
            f"≤ {GOALS['sale_p99_ms']} ms",
            shown(sale.get("p99_ms"), " ms"),
            at_most(sale.get("p99_ms"), GOALS["sale_p99_ms"]),
        ),
        (
            "push lag p99 (sale → BigCommerce)",
            f"≤ {GOALS['push_lag_p99_s']:g} s",
            shown(lag.get("p99_s"), " s"),
            at_most(lag.get("p99_s"), GOALS["push_lag_p99_s"]),
        ),
    ]
    for what, got, rate in (("webhooks", web, asked.get("webhook")), ("sales", sale, asked.get("sale"))):
        floor = None if rate is None else GOALS["rate_share"] * rate
        rows += [
            (
                f"{what} sent a second (the load held)",
                f"≥ {shown(floor, '/s', spec='g')}",
                shown(got.get("sent_per_s"), "/s", spec="g"),
                None if floor is None else at_least(got.get("sent_per_s"), floor),
            ),
            (
                f"{what} lost (of {shown(got.get('ok'))} accepted)",
                "0",
                shown(got.get("lost")),
                equal(got.get("lost"), 0),
            ),
            (f"{what} counted twice", "0", shown(got.get("double")), equal(got.get("double"), 0)),
        ]
    parts = [web.get("http_5xx"), sale.get("http_5xx"), figures.get("sandbox_deliveries_5xx")]
    fives = None if None in parts else sum(parts)
    unanswered = None if None in (web.get("no_answer"), sale.get("no_answer")) else web["no_answer"] + sale["no_answer"]
    equal_levels = figures.get("levels_equal")
    mismatches = (figures.get("drain") or {}).get("level_mismatches") or []
    rows += [
        ("5xx answers (load and the sandbox's deliveries)", "0", shown(fives), equal(fives, 0)),
        ("requests without an answer", "0", shown(unanswered), equal(unanswered, 0)),
        (
            "BigCommerce levels = ledger's after the drain",
            "yes",
            "–" if equal_levels is None else ("yes" if equal_levels else f"{len(mismatches)} differ"),
            None if equal_levels is None else bool(equal_levels),
        ),
    ]
    rows += [
        (f"{role}: CPU s / peak RSS", "–", f"{u.get('cpu_s')} s / {u.get('peak_rss_mb')} MB", None)
        for role, u in (figures.get("usage") or {}).items()
    ]
    return rows
