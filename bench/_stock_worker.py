"""The process of the stock benches (``bench.stock_propagation``, ``bench.stock_coalescing``,
``bench.stock_convergence``): Django on a throwaway database (DATABASE_URL, set by the bench), a
connected merchant and django-q2 clusters from ``tests.stock_convergence.running``, then one phase.
Prints one ``RESULT {json}`` line.

    python -m bench._stock_worker propagation|coalescing|convergence

Environment: DATABASE_URL, BENCH_SANDBOX_URL, and the phase's sizes (see each bench module).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import statistics
import sys
import threading
import time


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    os.environ.setdefault("Q_SYNC", "1")  # setup inline; the clusters take over afterwards
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


def _sandbox():
    from sandbox.testing import SandboxProcess

    class Attached(SandboxProcess):
        def __init__(self, url: str):
            self.url = url

    return Attached(os.environ["BENCH_SANDBOX_URL"])


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _wait_outbox_empty(timeout: float = 120) -> None:
    from integrations.models import StockPush

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not StockPush.objects.filter(state__in=[StockPush.State.PENDING, StockPush.State.UNKNOWN]).exists():
            return
        time.sleep(0.1)


def propagation() -> dict:
    """In-store sales one after the other at a steady rate; for each, the time from the ledger row
    to the answer of the adjustment that carried it (StockPush.sent_at is written once BigCommerce
    has answered, so the level has moved by then). Online orders: the time from placing the order
    (the sandbox's answer) to its ledger row."""
    from tests import stock_convergence as sc

    events = int(os.environ.get("BENCH_STOCK_EVENTS", "500"))
    rate = float(os.environ.get("BENCH_STOCK_RATE", "5"))
    # Both lanes as production runs them: one urgent cluster with its default 2 workers, one bulk.
    cfg = sc.Config(
        simple_products=50,
        variant_products=0,
        clusters=1,
        kill=False,
        restart=False,
        faults=False,
        initial_max=0,
        extra={"env": {"Q_URGENT_WORKERS": os.environ.get("BENCH_URGENT_WORKERS", "2")}},
    )
    out: dict = {"events": events, "rate_per_s": rate}
    with sc.running(cfg, sandbox=_sandbox(), database_url=os.environ["DATABASE_URL"]) as runner:
        from integrations.models import StockPush
        from inventory.models import StockMovement
        from inventory.services import sale_create, stock_set

        for v in runner.variants:  # plenty to sell online and in store
            stock_set(merchant=runner.merchant, variant=v, quantity=100_000, idempotency_key=f"bench:fill:{v.pk}")
        _wait_outbox_empty()
        # The fill's echoes (two webhooks a variant) are the setup's, not the sales' wait.
        with contextlib.suppress(RuntimeError):
            runner.sandbox.deliveries_settled(runner.hash, timeout=60)
        _wait_queue_idle()
        _real_quota(runner)
        log = runner.sandbox.request_log(runner.hash)
        since = log[-1]["id"] if log else runner.log_start
        out["quota"] = f"{os.environ.get('BENCH_QUOTA', '150')}/{os.environ.get('BENCH_WINDOW_S', '30')}s"
        rng = random.Random(7)
        first = StockMovement.objects.order_by("-pk").values_list("pk", flat=True).first()
        started = time.monotonic()
        for n in range(events):
            sale_create(merchant=runner.merchant, lines=[(rng.choice(runner.variants), 1)], idempotency_key=f"b:{n}")
            time.sleep(max(0.0, started + (n + 1) / rate - time.monotonic()))
        _wait_outbox_empty()
        pushes = StockPush.objects.filter(movement_id__gt=first or 0, state=StockPush.State.SENT)
        made = dict(StockMovement.objects.filter(pk__gt=first or 0).values_list("pk", "created_at"))
        delays = [(p.sent_at - made[p.movement_id]).total_seconds() for p in pushes if p.movement_id in made]
        out["outbound"] = _figures(delays)
        calls = [r for r in runner.sandbox.request_log(runner.hash, since=since) if "/_sandbox" not in r["path"]]
        out["outbound"]["calls"] = sum(1 for r in calls if r["path"].endswith("/adjustments/relative"))
        # Every BigCommerce call while the sales were made and pushed (the minute sweeps' order poll too).
        out["outbound"]["api_calls"] = len(calls)
        out["outbound"]["calls_per_1000_sales"] = round(1000 * len(calls) / max(1, events), 1)
        out["outbound"]["http_429"] = sum(1 for r in calls if r["status"] == 429)
        if runner.inbound and os.environ.get("BENCH_STOCK_INBOUND") == "1":  # bench.order_intake measures it
            _wait_queue_idle()  # the sales' echoes (inventory webhooks) are not the orders' wait
            out["inbound"] = _inbound_delays(runner, events=events, rate=rate, rng=rng)
        from bench import _shops

        if _shops.shops_wanted() > 1:  # then the same sales over several shops, each on its own location
            out["shops"] = _shops.propagation(runner, events=events, rate=rate, rng=rng)
    return out


def _real_quota(runner) -> None:
    """From here on the store answers at BigCommerce's quota (BENCH_QUOTA per BENCH_WINDOW_S; 150
    per 30 s), not the setup's unlimited one, and the pacer forgets what the setup taught it."""
    from integrations.bigcommerce.api.pacing_backends import default_pacer

    quota = int(os.environ.get("BENCH_QUOTA", "150"))
    window_ms = int(float(os.environ.get("BENCH_WINDOW_S", "30")) * 1000)
    runner.sandbox.set_rate_limit(runner.hash, quota, window_ms)
    default_pacer().backend.reset(runner.hash)


def _wait_queue_idle(timeout: float = 300) -> None:
    """Until the broker holds no task and every webhook received has been processed."""
    from django.conf import settings
    from django_q.brokers import get_broker
    from django_q.conf import Conf

    from integrations.models import WebhookEvent

    brokers = [get_broker(name) for name in {Conf.PREFIX, settings.Q_URGENT_CLUSTER} if name]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        queued = any(broker.queue_size() for broker in brokers)
        if not queued and not WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED).exists():
            return
        time.sleep(0.5)


def _inbound_delays(runner, *, events: int, rate: float, rng) -> dict:
    from datetime import UTC, datetime

    from inventory.models import StockMovement

    placed = {}
    log = runner.sandbox.request_log(runner.hash, since=runner.log_start)
    since = log[-1]["id"] if log else runner.log_start
    started = time.monotonic()
    for n in range(events):
        variant = rng.choice(runner.variants)
        body = {
            "channel_id": 1,
            "status_id": 11,
            "billing_address": {"first_name": "Ada", "last_name": "Shopper", "email": "ada@shop.test"},
            "products": [
                {"product_id": runner.product_of[variant.pk], "variant_id": runner.remote_of[variant.pk], "quantity": 1}
            ],
        }
        order = runner.sandbox.place_order(runner.hash, body)
        placed[order["id"]] = datetime.now(UTC)
        time.sleep(max(0.0, started + (n + 1) / rate - time.monotonic()))
    deadline = time.monotonic() + 120
    rows = {}
    while time.monotonic() < deadline:
        rows = {}
        for params, at in StockMovement.objects.filter(
            reason_params__connection=runner.connection.pk, origin="online_order"
        ).values_list("reason_params", "created_at"):
            rows.setdefault(params["order"], at)
        if len(rows) >= len(placed):
            break
        time.sleep(0.2)
    delays = [(rows[o] - at).total_seconds() for o, at in placed.items() if o in rows]
    figures = _figures(delays)
    figures["missing"] = len(placed) - len(delays)
    # What reading them cost: every call to the orders endpoints and the inventory settings.
    calls = [
        r
        for r in runner.sandbox.request_log(runner.hash, since=since)
        if "/v2/orders" in r["path"] or "/settings/inventory" in r["path"]
    ]
    figures["calls"] = len(calls)
    figures["calls_per_order"] = round(len(calls) / max(1, len(placed)), 3)
    return figures


def _figures(delays: list[float]) -> dict:
    if not delays:
        return {"n": 0}
    return {
        "n": len(delays),
        "median_s": round(statistics.median(delays), 3),
        "p99_s": round(_percentile(delays, 0.99), 3),
        "max_s": round(max(delays), 3),
    }


def coalescing() -> dict:
    """SALES in-store sales over VARIANTS variants within SECONDS: how many adjustment calls."""
    from tests import stock_convergence as sc

    sales = int(os.environ.get("BENCH_STOCK_SALES", "1000"))
    variants = int(os.environ.get("BENCH_STOCK_VARIANTS", "100"))
    seconds = float(os.environ.get("BENCH_STOCK_SECONDS", "10"))
    cfg = sc.Config(
        simple_products=variants, variant_products=0, clusters=1, kill=False, restart=False, faults=False, initial_max=0
    )
    with sc.running(cfg, sandbox=_sandbox(), database_url=os.environ["DATABASE_URL"]) as runner:
        from inventory.services import sale_create, stock_set

        for v in runner.variants:
            stock_set(merchant=runner.merchant, variant=v, quantity=100_000, idempotency_key=f"bench:fill:{v.pk}")
        _wait_outbox_empty()
        since = runner.sandbox.request_log(runner.hash)[-1]["id"]
        rng = random.Random(11)
        started = time.monotonic()
        for n in range(sales):
            sale_create(merchant=runner.merchant, lines=[(rng.choice(runner.variants), 1)], idempotency_key=f"c:{n}")
            time.sleep(max(0.0, started + (n + 1) * seconds / sales - time.monotonic()))
        took = time.monotonic() - started
        _wait_outbox_empty()
        calls = [r for r in runner.sandbox.request_log(runner.hash, since=since) if "/adjustments/" in r["path"]]
        levels_ok = not runner._bigcommerce_mismatches()
    return {
        "sales": sales,
        "variants": variants,
        "seconds_asked": seconds,
        "seconds_taken": round(took, 1),
        "calls": len(calls),
        "items_per_call": [r["items_in"] for r in calls],
        "levels_match": levels_ok,
    }


@contextlib.contextmanager
def _every(seconds: float, report):
    """Call ``report`` every ``seconds`` in a thread while the block runs."""
    done = threading.Event()

    def loop():
        while not done.wait(seconds):
            with contextlib.suppress(Exception):
                report()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _synced() -> int:
    from django.db import connection

    from integrations.models import ProductLink

    try:
        return ProductLink.objects.count()
    finally:
        connection.close()  # this thread's own connection


def reconciliation() -> dict:
    """A stock check of VARIANTS variants (products of 5 × 5 variants) under the store's quota (150
    per 30 s, BigCommerce's default): calls per 1,000 variants and wall time against the quota's
    floor (calls / quota × window)."""
    from tests import stock_convergence as sc

    variants = int(os.environ.get("BENCH_RECONCILE_VARIANTS", "10000"))
    quota = int(os.environ.get("BENCH_QUOTA", "150"))
    window_s = float(os.environ.get("BENCH_WINDOW_S", "30"))
    options = {"Size": ["XS", "S", "M", "L", "XL"], "Colour": ["Blue", "Red", "Green", "Black", "White"]}
    cfg = sc.Config(
        simple_products=0,
        variant_products=max(1, variants // 25),
        options=options,
        clusters=1,
        kill=False,
        restart=False,
        faults=False,
        # Levels start at 0: the check reads and compares every level all the same, and 10,000
        # starting ledger rows took most of the setup's minutes (Comptoir's side, not measured).
        initial_max=0,
        timeout_s=30.0,  # reading 10,000 levels from the sandbox takes longer than the convergence run's 1 s
        settle_after_s=120.0,
    )
    progress(f"setup: {cfg.variants} variants ({cfg.variant_products} products) exported to the sandbox, not measured")
    began = time.monotonic()
    with contextlib.ExitStack() as stack:
        with _every(15, lambda: progress(f"setup: {_synced()} products exported ({time.monotonic() - began:.0f} s)")):
            runner = stack.enter_context(sc.running(cfg, sandbox=_sandbox(), database_url=os.environ["DATABASE_URL"]))
        from integrations.bigcommerce.stock.check import stock_reconcile_start
        from integrations.models import SyncRun

        progress(
            f"setup done in {time.monotonic() - began:.0f} s; the stock check runs at {quota} calls / {window_s:g} s"
        )
        runner.sandbox.set_rate_limit(runner.hash, quota, int(window_s * 1000))  # a fresh window at the quota
        since = runner.sandbox.request_log(runner.hash)[-1]["id"]
        started = time.monotonic()
        run = stock_reconcile_start(connection=runner.connection)
        last = 0.0
        while True:
            run.refresh_from_db()
            if run.status != SyncRun.Status.RUNNING:
                break
            if time.monotonic() - last >= 10:
                last = time.monotonic()
                progress(f"stock check: {run.done} / {run.total} variants ({last - started:.0f} s)")
            time.sleep(0.2)
        wall = time.monotonic() - started
        progress(f"stock check {run.status} in {wall:.0f} s")
        calls = runner.sandbox.request_log(runner.hash, since=since)
    routes: dict = {}
    for r in calls:
        key = f"{r['method']} {r['route'] or r['path']} {r['status']}"
        routes[key] = routes.get(key, 0) + 1
    n = cfg.variants
    floor = len(calls) / quota * window_s
    return {
        "variants": n,
        "calls": len(calls),
        "calls_per_1000": round(len(calls) / n * 1000, 2),
        "wall_s": round(wall, 1),
        "floor_s": round(floor, 1),
        "quota": quota,
        "window_s": window_s,
        "status": run.status,
        "routes": routes,
    }


def convergence() -> dict:
    from tests import stock_convergence as sc

    cfg = sc.Config(
        seed=int(os.environ.get("BENCH_CONVERGENCE_SEED", "1")),
        operations=int(os.environ.get("BENCH_CONVERGENCE_OPERATIONS", "10000")),
        simple_products=int(os.environ.get("BENCH_CONVERGENCE_SIMPLE", "50")),
        variant_products=int(os.environ.get("BENCH_CONVERGENCE_VARIANT_PRODUCTS", "25")),
        shops=int(os.environ.get("BENCH_CONVERGENCE_SHOPS", "3")),
        drain_timeout_s=300,
    )
    runner, result = sc.run(cfg, sandbox=_sandbox(), database_url=os.environ["DATABASE_URL"])
    # The run's operations, requests and drift causes, as the test dumps them.
    if os.environ.get("BENCH_CONVERGENCE_DUMP"):
        from pathlib import Path

        runner.dump(Path(os.environ["BENCH_CONVERGENCE_DUMP"]), result)
    return {
        "summary": runner.summary(result),
        "failures": runner.failures(result),
        "operations": cfg.operations,
        "variants": cfg.variants,
        "faults": runner.figures.get("faults_fired", {}),
        "drift": result["drift"],
        "drift_causes": result["drift_causes"]["by_cause"],
        "writes": result["writes"],
    }


def _clusters_recorded() -> None:
    """Each cluster this worker starts is written to the bench's groups file as it starts."""
    from tests import stock_convergence as sc

    start = sc.Clusters.start

    def start_recorded(self, *args, **kwargs):
        proc = start(self, *args, **kwargs)
        groups_record([proc.pid])
        return proc

    sc.Clusters.start = start_recorded


def main(argv: list[str]) -> int:
    _stop_on_sigterm()
    _setup()
    _clusters_recorded()
    phase = {
        "propagation": propagation,
        "coalescing": coalescing,
        "reconciliation": reconciliation,
        "convergence": convergence,
    }[argv[0]]
    print("RESULT " + json.dumps(phase(), default=str), flush=True)
    return 0


# -- used by the bench modules (in the ``python -m bench`` process) ---------------------------
PROGRESS = "PROGRESS "
GROUPS_FILE = "BENCH_GROUPS_FILE"  # the worker writes there the process groups it starts (its clusters)


def progress(message: str) -> None:
    """A line the bench process shows as it comes (the worker's other output is kept for errors)."""
    print(PROGRESS + message, flush=True)


def groups_record(pids) -> None:
    """Write the process groups this worker started (each cluster is its own group), so that the
    bench process can end them even if this worker is killed before it stops them."""
    path = os.environ.get(GROUPS_FILE)
    if path:
        with open(path, "a") as out:
            out.writelines(f"{pid}\n" for pid in pids)


def _stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C: the ``finally`` blocks stop the clusters and the sandbox."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)


def _group_end(pgid: int, *, grace_s: float) -> None:
    """SIGTERM to a process group, then SIGKILL once ``grace_s`` has passed (or at once if 0)."""
    import signal

    try:
        os.killpg(pgid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.1)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_phase(phase: str, *, database_url: str = "", extra_env: dict | None = None) -> dict:
    """Start a sandbox and this module's process for ``phase`` on a throwaway SQLite file (or
    ``database_url``, migrated first); returns the phase's figures. The worker's progress lines
    are printed as they come; a SIGTERM or Ctrl-C here ends the worker, its clusters and the
    sandbox (each in its process group) before returning, and so does any error."""
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    from sandbox.testing import SandboxProcess

    root = Path(__file__).resolve().parent.parent
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-stock-{phase}-"))
    groups_file = tmp / "groups"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": database_url or f"sqlite:///{tmp / 'bench.sqlite3'}",
            "Q_SYNC": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            GROUPS_FILE: str(groups_file),
            **(extra_env or {}),
        }
    )
    import signal
    import threading

    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, interrupted) if main_thread else None
    output: list[str] = []
    try:
        for command in (["migrate", "-v0"], ["createcachetable"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=root, env=env, check=True)
        with SandboxProcess(data=str(tmp / "sandbox.sqlite3"), env={"SANDBOX_APP_URL": "http://127.0.0.1:8000"}) as sb:
            env["BENCH_SANDBOX_URL"] = sb.url
            worker = subprocess.Popen(
                [sys.executable, "-m", "bench._stock_worker", phase],
                cwd=root,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,  # its own group: ended as one below
            )
            try:
                for line in worker.stdout:
                    output.append(line)
                    if line.startswith(PROGRESS):
                        print("   " + line[len(PROGRESS) :].rstrip(), flush=True)
                worker.wait()
            finally:  # before the sandbox stops: the worker's clusters still talk to it
                if worker.poll() is None:
                    _group_end(worker.pid, grace_s=40)  # it stops its clusters on SIGTERM
                _group_end(worker.pid, grace_s=0)  # anything it left in its group
                worker.wait()
        if worker.returncode:
            raise RuntimeError(f"{phase} failed:\n{''.join(output)[-8000:]}")
        line = next(x for x in reversed(output) if x.startswith("RESULT "))
        return json.loads(line[len("RESULT ") :])
    finally:
        if groups_file.exists():  # clusters of a worker that could not stop them (killed)
            for pgid in {int(x) for x in groups_file.read_text().split()}:
                _group_end(pgid, grace_s=10)
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
