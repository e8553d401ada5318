"""The driver of ``bench.load_run``: the production stack (the Procfile's processes as ``make serve``
runs them: gunicorn and one django-q2 cluster per lane, production settings with the local-HTTP
override) on the bench's PostgreSQL and Redis, two merchants, locust's load, the drain and the checks.
Prints one ``RESULT {json}`` line.

    python -m bench._load_driver

- the *trading* merchant: BENCH_LOAD_SALE_PRODUCTS (50) products synced to its store (stock 100,000
  each), BENCH_LOAD_ORDERS (10) online orders already in its ledger, a POS device; it gets the
  webhooks and the sales;
- the *onboarding* merchant: BENCH_LOAD_PRODUCTS (1,000) Comptoir-managed products (three variants
  each) and a store; its setup is finished as the wizard's last step does (the task on the bulk lane),
  so its initial export runs on the bulk lane during the load, under its store's quota.

Environment: the stack's (``bench._stack``) and the sizes of ``bench.load_run``.
Django's code is imported inside the functions: this module is imported before ``django.setup()``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from bench import _driver as d
from bench import _orders_driver as orders
from bench._proctree import cpu_seconds, tree

ROOT = Path(__file__).resolve().parent.parent


def per_user(seconds: float) -> float:
    """Requests a second per simulated client (locust user). A client waits for its answer, so the
    rate holds while answers take less than a client's period (10 s at 0.1/s); a short run (``--tiny``)
    gets shorter periods, so that every client has sent within the run's first half."""
    return max(0.1, min(0.5, 2 / seconds))


def serve_module():
    """scripts/serve.py: ``make serve``'s production environment and the Procfile's commands."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import serve

    return serve


# -- CPU and memory of each process of the stack -------------------------------------------------
class Usage:
    """Per role (a root process and its descendants): CPU seconds between ``start`` and ``stop``,
    and the peak of the summed resident memory, sampled every second in a thread."""

    def __init__(self, roots: dict[str, int]):
        self.roots = roots
        self.peak_mb = dict.fromkeys(roots, 0.0)
        self.cpu_start: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def tree(self, role: str) -> list[int]:
        return tree(self.roots[role])

    def _sample(self) -> None:
        for role in self.roots:
            mb = sum(d.rss_kb(pid) for pid in self.tree(role)) / 1024
            self.peak_mb[role] = max(self.peak_mb[role], round(mb, 1))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(1.0)

    def start(self) -> None:
        self.cpu_start = {role: cpu_seconds(self.tree(role)) for role in self.roots}
        self._thread.start()

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        self._sample()
        return {
            role: {
                "cpu_s": round(cpu_seconds(self.tree(role)) - self.cpu_start[role], 1),
                "peak_rss_mb": self.peak_mb[role],
                "processes": len(self.tree(role)),
            }
            for role in self.roots
        }


# -- the two merchants ---------------------------------------------------------------------------
def onboarding_prepare(sb, *, products: int):
    """A merchant with ``products`` products (three variants each) and a store whose app is
    installed; its connection waits at the wizard's last step. Returns the connection."""
    import secrets

    from django.utils import timezone

    from bench._product_sync_worker import products_make
    from integrations.models import BigCommerceConnection
    from integrations.tests.connect_helpers import api, new_store
    from portal.tests.factories import MerchantFactory
    from tests.stock_convergence import app_token

    store = new_store(sb, name="Boutique en route")
    channel = api(sb, store).post(
        "/v3/channels", json={"name": "Comptoir-POS", "type": "pos", "platform": "custom", "status": "connected"}
    )["data"]["id"]
    merchant = MerchantFactory(name="Onboarding")
    products_make(merchant=merchant, count=products, images=0)
    return BigCommerceConnection.objects.create(
        merchant=merchant,
        store_hash=store["hash"],
        status=BigCommerceConnection.Status.SETUP_INCOMPLETE,
        managed_in=BigCommerceConnection.ManagedIn.COMPTOIR,
        include_prices=False,
        sync_scope="all",
        access_token=app_token(sb, store),
        channel_id=channel,
        weight_units="kg",
        webhook_secret=secrets.token_urlsafe(24),
        connected_at=timezone.now(),
        operation=BigCommerceConnection.Operation.FINISHING,
    )


def onboarding_progress(connection) -> dict:
    from integrations.models import ProductLink, SyncRun

    run = SyncRun.objects.filter(connection=connection, initial=True).order_by("-pk").first()
    synced = ProductLink.objects.filter(connection=connection, state="synced").count()
    return {"synced": synced, "run": run.status if run else "not started", "total": run.total if run else None}


# -- the load ------------------------------------------------------------------------------------
def locust_run(plan: dict, *, seconds: float, log_dir: Path, base_url: str) -> tuple[list[dict], dict]:
    """locust, headless, for ``seconds``: every request it made, and its own CPU seconds and peak
    resident memory (a starved load generator would inflate the answer times it measures)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    plan_file, record_file = log_dir / "load-plan.json", log_dir / "load-record.jsonl"
    plan_file.write_text(json.dumps(plan))
    users, rate = plan["webhook_users"] + plan["sale_users"], plan["per_user"]
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "_load_locustfile.py"), "--headless"]
    command += ["--host", base_url, "--users", str(users), "--run-time", f"{math.ceil(seconds)}s"]
    # Started over one period of a client, so that the requests are spread evenly.
    command += ["--spawn-rate", f"{users * rate:g}", "--stop-timeout", "30", "--only-summary"]
    command += ["--loglevel", "WARNING", "--exit-code-on-error", "0"]
    env = {**os.environ, "LOAD_PLAN": str(plan_file), "LOAD_RECORD": str(record_file)}
    with open(log_dir / "locust.log", "wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
        try:
            proc.wait(timeout=seconds + 120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if proc.returncode or not record_file.exists():
        raise RuntimeError(f"locust failed ({proc.returncode}):\n{(log_dir / 'locust.log').read_text()[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # this process reaps no other child meanwhile
    own = {
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        "peak_rss_mb": round(after.ru_maxrss / 1024, 1),
        "processes": 1,
    }
    return [json.loads(line) for line in record_file.read_text().splitlines() if line], own


def answer_times(records: list[dict], seconds: float) -> dict:
    ms = [r["ms"] for r in records if r["status"]]
    statuses = Counter(r["status"] for r in records)
    return {
        "sent": len(records),
        "sent_per_s": round(len(records) / seconds, 2),
        "ok": sum(n for s, n in statuses.items() if 200 <= s < 300),
        "http_5xx": sum(n for s, n in statuses.items() if s >= 500),
        "no_answer": statuses.get(0, 0),
        "no_answer_why": dict(Counter(r["error"] for r in records if not r["status"])),
        "statuses": {str(s): n for s, n in sorted(statuses.items())},
        "p50_ms": round(statistics.median(ms), 1) if ms else None,
        "p99_ms": round(d.percentile(ms, 0.99), 1) if ms else None,
        "max_ms": round(max(ms), 1) if ms else None,
    }


# -- the drain and the checks --------------------------------------------------------------------
def inbox_counts(store_hash: str, hashes: set[str]) -> tuple[Counter, int]:
    """How many inbox rows each sent event hash has; how many of them are not processed yet."""
    from integrations.models import WebhookEvent

    rows = WebhookEvent.objects.filter(store_hash=store_hash, event_hash__in=hashes)
    counts = Counter(rows.values_list("event_hash", flat=True))
    return counts, rows.filter(status=WebhookEvent.Status.RECEIVED).count()


def ledger_counts(merchant, keys: set[str]) -> tuple[Counter, Counter]:
    """Per sale key (as the till sent it): its Sale rows, and the ledger rows (stock movements) of
    its lines. The POS API keeps a device's key as ``device:<id>:<key>``."""
    from inventory.models import Sale, StockMovement
    from portal.models import Device

    prefix = f"device:{Device.objects.get(merchant=merchant).pk}:"
    keys = {prefix + k for k in keys}
    sales = Counter(
        Sale.objects.filter(merchant=merchant, idempotency_key__in=keys).values_list("idempotency_key", flat=True)
    )
    moves = Counter(
        StockMovement.objects.filter(merchant=merchant, sale_line__sale__idempotency_key__in=keys).values_list(
            "sale_line__sale__idempotency_key", flat=True
        )
    )
    return Counter({k.removeprefix(prefix): n for k, n in sales.items()}), Counter(
        {k.removeprefix(prefix): n for k, n in moves.items()}
    )


def level_mismatches(sb, runner) -> list[dict]:
    """Variants whose level in BigCommerce (the sandbox's storage: no API call) is not the
    ledger's: its last row's online level, else the sum of its changes."""
    from django.db.models import Sum

    from inventory.models import StockMovement

    remote = sb.stock_levels(runner.hash)
    pks = [v.pk for v in runner.variants]
    sums = dict(
        StockMovement.objects.filter(variant_id__in=pks)
        .values_list("variant_id")
        .annotate(t=Sum("delta"))
        .values_list("variant_id", "t")
    )
    last = {}
    for variant_id, online in (
        StockMovement.objects.filter(variant_id__in=pks)
        .order_by("variant_id", "-id")
        .values_list("variant_id", "online_after")
    ):
        last.setdefault(variant_id, online)
    out = []
    for pk in pks:
        expected = max(0, last.get(pk) if last.get(pk) is not None else sums.get(pk, 0))
        got = remote.get(runner.remote_of[pk])
        if got != expected:
            out.append({"variant": pk, "bigcommerce": got, "ledger": expected})
    return out


def drain(sb, runner, hashes: set[str], wait_s: float) -> dict:
    """Until every sent event is processed, no push is open, the sandbox has delivered its
    webhooks and the levels agree (or ``wait_s`` passed); what was left."""
    started = time.monotonic()
    deadline = started + wait_s
    while True:
        _counts, unprocessed = inbox_counts(runner.hash, hashes)
        pushes = d.pushes_open([runner.connection.pk])
        mismatches = None
        if not unprocessed and not pushes:
            with contextlib.suppress(RuntimeError):
                sb.deliveries_settled(runner.hash, timeout=5)
            mismatches = level_mismatches(sb, runner)
            if not mismatches and not d.pushes_open([runner.connection.pk]):
                break
        if time.monotonic() > deadline:
            break
        time.sleep(1)
    return {
        "seconds": round(time.monotonic() - started, 1),
        "unprocessed_webhooks": unprocessed,
        "pushes_open": pushes,
        "level_mismatches": mismatches if mismatches is not None else level_mismatches(sb, runner),
    }


def sandbox_5xx(sb, store_hashes: list[str]) -> int:
    """The sandbox's own webhook deliveries to the web that got a 5xx answer."""
    return sum(
        1
        for h in store_hashes
        for delivery in sb.deliveries(h)
        for attempt in delivery.get("attempts") or []
        if (attempt.get("status") or 0) >= 500
    )


def trading_plan(runner, *, rates: dict, seconds: float, order_ids: list[int]) -> dict:
    """What locust needs to act as BigCommerce and the tills (``bench/_load_locustfile.py``)."""
    each = per_user(seconds)
    users = {k: max(1, math.ceil(rate / each)) if rate > 0 else 0 for k, rate in rates.items()}
    return {
        "webhook_users": users["webhook"],
        "sale_users": users["sale"],
        "per_user": each,
        "store_hash": runner.hash,
        "store_id": str(runner.store.get("store_id", "")),
        "product_ids": sorted(set(runner.product_of.values())),
        "order_ids": order_ids,
        "variant_ids": [v.pk for v in runner.variants],
        "connection_secret": runner.connection.webhook_secret,
        "client_secret": os.environ["BIGCOMMERCE_CLIENT_SECRET"],
        "device_token": d.device_token(runner.merchant),
    }


def prepare(procs, figures: dict) -> tuple:
    """The stores, the workers ready, the trading store's orders in its ledger; (sandbox, trading
    runner, onboarding connection, order ids)."""
    sb = d.sandbox()
    runner = d.store_connect(sb, products=int(d.env_number("BENCH_LOAD_SALE_PRODUCTS", 50)))
    onboarding = onboarding_prepare(sb, products=figures["products"])
    d.schedules_install()
    d.queue_real()
    figures["lanes"] = procs.lanes
    figures["workers_ready_s"] = procs.wait_ready()
    count = d.env_number("BENCH_LOAD_ORDERS", 10)
    order_ids = sorted(orders.place_orders(sb, runner, rate=10, seconds=count / 10, rng=random.Random(18))["placed"])
    in_ledger = orders.wait_ledger(runner.connection.pk, set(order_ids), d.env_number("BENCH_LOAD_DRAIN_S", 180))
    d.say(
        f"production stack up ({figures['lanes']}; ready in {figures['workers_ready_s']} s); trading store: "
        f"{len(runner.variants)} products, {len(in_ledger)}/{len(order_ids)} orders in the ledger; onboarding "
        f"store: {figures['products']} products"
    )
    return sb, runner, onboarding, order_ids


def checks(runner, records: list[dict], figures: dict) -> None:
    """After the drain: each accepted webhook in the inbox once, each accepted sale in the ledger once."""
    webhooks = [r for r in records if r["kind"] == "webhook"]
    sales = [r for r in records if r["kind"] == "sale"]
    stored = {r["id"] for r in webhooks if 200 <= r["status"] < 300}
    sold = {r["id"] for r in sales if 200 <= r["status"] < 300}
    counts, _unprocessed = inbox_counts(runner.hash, {r["id"] for r in webhooks})
    figures["webhooks"].update(lost=len(stored - set(counts)), double=sum(1 for n in counts.values() if n > 1))
    sales_rows, moves = ledger_counts(runner.merchant, {r["id"] for r in sales})
    figures["sales"].update(
        lost=len({k for k in sold if not sales_rows[k] or not moves[k]}),
        double=sum(1 for k in sales_rows if sales_rows[k] > 1 or moves[k] > 1),
    )


def main() -> int:
    serve = serve_module()
    d.setup()
    from integrations.services.queue import enqueue

    log_dir = Path(os.environ["BENCH_LOG_DIR"])
    base_url = os.environ["COMPTOIR_PUBLIC_URL"]
    seconds = d.env_number("BENCH_LOAD_SECONDS", 120)
    rates = {"webhook": d.env_number("BENCH_LOAD_WEBHOOK_RATE", 50), "sale": d.env_number("BENCH_LOAD_SALE_RATE", 20)}
    procs = d.Processes(log_dir)
    figures: dict = {"seconds": seconds, "rates": rates, "products": int(d.env_number("BENCH_LOAD_PRODUCTS", 1000))}
    try:
        started = procs.procfile(serve.procfile(), port=int(base_url.rsplit(":", 1)[1]))
        sb, runner, onboarding, order_ids = prepare(procs, figures)
        plan = trading_plan(runner, rates=rates, seconds=seconds, order_ids=order_ids)
        since_movement, since_call = d.last_movement(), d.last_request_id(sb, runner.hash)
        usage = Usage(
            {**{name: proc.pid for name, proc in started.items()}, "sandbox": int(os.environ["BENCH_SANDBOX_PID"])}
        )
        usage.start()
        enqueue("integrations.tasks.connection_setup_finish", onboarding.pk)  # the wizard's Finish, on the bulk lane
        d.say(f"load: {rates['webhook']:g} webhooks/s and {rates['sale']:g} sales/s for {seconds:g} s …")
        records, locust = locust_run(plan, seconds=seconds, log_dir=log_dir, base_url=base_url)
        figures["onboarding_at_load_end"] = onboarding_progress(onboarding)
        figures["webhooks"] = answer_times([r for r in records if r["kind"] == "webhook"], seconds)
        figures["webhooks"]["scopes"] = dict(Counter(r["scope"] for r in records if r["kind"] == "webhook"))
        figures["sales"] = answer_times([r for r in records if r["kind"] == "sale"], seconds)
        stored = {r["id"] for r in records if r["kind"] == "webhook" and 200 <= r["status"] < 300}
        figures["drain"] = drain(sb, runner, stored, d.env_number("BENCH_LOAD_DRAIN_S", 180))
        figures["usage"] = {**usage.stop(), "locust": locust}
        checks(runner, records, figures)
        figures["push_lag"] = d.delays(d.push_delays([runner.connection.pk], since_movement))
        calls = d.api_calls(sb, runner.hash, since_call)
        figures["trading_store_calls"] = {"calls": len(calls), "http_429": sum(1 for c in calls if c["status"] == 429)}
        figures["onboarding_at_end"] = onboarding_progress(onboarding)
        figures["sandbox_deliveries_5xx"] = sandbox_5xx(sb, [runner.hash, onboarding.store_hash])
        figures["levels_equal"] = not figures["drain"]["level_mismatches"]
    except Exception:
        d.say(procs.tail())
        raise
    finally:
        procs.stop()
    d.result(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
