"""The driver's side of a bench (``bench._stack.run_driver`` starts it in a process group of its
own): Django on the stack's database, Comptoir's web and workers as processes of that group,
connected sandbox stores, and the measures. Used by ``bench._orders_driver``,
``bench._fairness_driver`` and ``bench._stores_driver``.

Comptoir's processes are the ones ``make run`` starts: ``manage.py runserver`` (one or more, for
the POS API and BigCommerce's webhooks) and ``manage.py qcluster``: the bulk lane, plus the urgent
lane (``Q_CLUSTER_NAME=urgent``) when the settings declare it (``Q_CLUSTER["ALT_CLUSTERS"]``);
without it, one cluster with every worker.

Django's code is imported inside the functions: this module is imported before ``django.setup()``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench._proctree import descendants

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    """Django for the driver: setup tasks inline (the workers start afterwards), then ``queue_real``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    os.environ["COMPTOIR_PUBLIC_URL"] = os.environ.get("COMPTOIR_PUBLIC_URL") or f"http://127.0.0.1:{free_port()}"
    orphan_watch()
    os.environ["Q_SYNC"] = "1"
    import django

    django.setup()
    os.environ["Q_SYNC"] = "0"  # what the web and the workers see


def queue_real() -> None:
    """From now on this process enqueues to the workers' broker, as the web does."""
    from django_q.conf import Conf

    Conf.SYNC = False


def orphan_watch() -> None:
    """Stop this process group (web, workers, this driver) once ``python -m bench`` is gone."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(os.getpgid(0), signal.SIGTERM)
        time.sleep(10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(os.getpgid(0), signal.SIGKILL)

    threading.Thread(target=watch, daemon=True).start()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def say(text: str) -> None:
    print(text, flush=True)


def result(figures: dict) -> None:
    print("RESULT " + json.dumps(figures, default=str), flush=True)


def env_number(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


@contextlib.contextmanager
def driving():
    """A driver's frame: Django set up, Comptoir's processes (yielded with the figures, which start
    with the stack's name) stopped on the way out, their logs' tails shown when the body fails, and
    the figures printed as the ``RESULT`` line when it succeeds."""
    setup()
    procs = Processes(Path(os.environ["BENCH_LOG_DIR"]))
    figures: dict = {"stack": os.environ.get("BENCH_STACK")}
    try:
        yield procs, figures
    except Exception:
        say(procs.tail())
        raise
    finally:
        procs.stop()
    result(figures)


def sandbox():
    from sandbox.testing import SandboxProcess

    class Attached(SandboxProcess):
        """The control endpoint of the sandbox ``python -m bench`` started."""

        def __init__(self, url: str):
            self.url = url

    return Attached(os.environ["BENCH_SANDBOX_URL"])


def quota() -> tuple[int, int]:
    return int(os.environ.get("BENCH_QUOTA", "150")), int(float(os.environ.get("BENCH_WINDOW_S", "30")) * 1000)


# -- processes --------------------------------------------------------------------------------
def urgent_lane() -> str:
    """The urgent lane's cluster name when the settings declare one (``Q_CLUSTER["ALT_CLUSTERS"]``), else ""."""
    from django.conf import settings

    name = getattr(settings, "Q_URGENT_CLUSTER", "urgent")
    return name if name and name in (settings.Q_CLUSTER.get("ALT_CLUSTERS") or {}) else ""


class Processes:
    """Comptoir's web and worker processes, in this driver's process group (``python -m bench``
    stops the group whatever happens); ``stop`` ends them in order."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.workers: list[subprocess.Popen] = []
        self.lanes = ""

    def _start(self, name: str, command: list[str], env: dict | None = None) -> subprocess.Popen:
        out = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 (closed by stop)
        proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=out)
        proc.log = out  # type: ignore[attr-defined]
        self.procs.append((name, proc))
        return proc

    def web(self, port: int | None = None, *, server: str = "runserver") -> str:
        """A web process on ``port`` (by default COMPTOIR_PUBLIC_URL's, where the store's webhooks
        go): ``runserver`` as ``make run`` starts it, or ``gunicorn`` as the Procfile does
        (gunicorn.conf.py: WEB_CONCURRENCY processes × GUNICORN_THREADS threads); its URL once it
        listens."""
        port = port or int(os.environ["COMPTOIR_PUBLIC_URL"].rsplit(":", 1)[1])
        if server == "gunicorn":
            proc = self._start(
                f"web-{port}", [sys.executable, "-m", "gunicorn"], {"GUNICORN_BIND": f"127.0.0.1:{port}"}
            )
        else:
            command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]
            proc = self._start(f"web-{port}", command)
        return self._listening(proc, port)

    def procfile(self, commands: dict[str, list[str]], *, port: int) -> dict[str, subprocess.Popen]:
        """The production stack's processes: ``commands`` as ``scripts/serve.py``'s ``procfile()``
        gives them (leading ``NAME=value`` words are that process's own environment); ``web``
        (gunicorn) is waited for on ``port``, the others (one cluster per lane) are the workers."""
        from run_all import split_assignments  # scripts/ is on the path: the caller imported serve

        started = {}
        for name, command in commands.items():
            own_env, argv = split_assignments(command)
            started[name] = self._start(name, argv, own_env)
            if name != "web":
                self.workers.append(started[name])
        self.lanes = ", ".join(name for name in started if name != "web")
        self._listening(started["web"], port)
        return started

    def _listening(self, proc: subprocess.Popen, port: int) -> str:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return f"http://127.0.0.1:{port}"
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the web on port {port} did not start:\n{self.tail()}")
            time.sleep(0.1)

    def start_workers(self, *, bulk: int, urgent: int) -> str:
        """The bulk lane (``bulk`` workers) and the urgent lane (``urgent``) when the settings have
        it; else one cluster of ``bulk + urgent`` workers. Returns what was started, in words."""
        qcluster = [sys.executable, "manage.py", "qcluster"]
        lane = urgent_lane()
        if lane:
            self.workers.append(self._start("bulk", qcluster, {"Q_WORKERS": str(bulk)}))
            sizes = {"Q_WORKERS": str(urgent), "Q_URGENT_WORKERS": str(urgent)}
            self.workers.append(self._start("urgent", qcluster, {**sizes, "Q_CLUSTER_NAME": lane}))
            self.lanes = f"two clusters: bulk ({bulk} worker(s)) and urgent ({urgent})"
        else:
            self.workers.append(self._start("cluster", qcluster, {"Q_WORKERS": str(bulk + urgent)}))
            self.lanes = f"one cluster of {bulk + urgent} workers (no urgent lane in the settings)"
        return self.lanes

    def workers_ready(self, figures: dict, *, bulk: int, urgent: int) -> None:
        """The schedules installed, this process enqueuing for real, the workers started and ready
        (``figures``: ``lanes`` and ``workers_ready_s``)."""
        schedules_install()
        queue_real()
        figures["lanes"] = self.start_workers(bulk=bulk, urgent=urgent)
        figures["workers_ready_s"] = self.wait_ready()

    def wait_ready(self, timeout: float | None = None) -> float:
        """Until each lane has run a task (a probe) and the workers' memory has settled (3 samples a
        second apart within 3 %); the seconds it took. Started under load, a cluster takes a while
        to fork its workers, and the probe waits behind what the setup enqueued (the webhooks of
        every store connected: 200 stores' make a backlog of minutes): a sale made before would
        wait for them, which is not what is measured. BENCH_READY_TIMEOUT_S (900) bounds it."""
        from django_q.models import Task
        from django_q.tasks import async_task

        timeout = timeout or float(os.environ.get("BENCH_READY_TIMEOUT_S") or 900)
        started = time.monotonic()
        lanes = [None, urgent_lane()] if urgent_lane() else [None]
        probes = {async_task("math.sqrt", 4, save=True, **({"cluster": lane} if lane else {})) for lane in lanes}
        while Task.objects.filter(id__in=probes).count() < len(probes):
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"the workers ran no task within {timeout:g} s:\n{self.tail()}")
            time.sleep(0.2)
        last: list[float] = []
        while time.monotonic() - started < timeout:
            last = [*last[-2:], self.worker_rss_mb()]
            if len(last) == 3 and max(last) <= 1.03 * min(last):
                break
            time.sleep(1)
        return round(time.monotonic() - started, 1)

    def stop(self) -> None:
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # qcluster stops its own workers
        for _name, proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                for pid in [proc.pid, *descendants(proc.pid)]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                proc.wait(timeout=10)
            proc.log.close()
        self.procs = []

    def tail(self, chars: int = 2000) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-chars:]}" for p in sorted(self.log_dir.glob("*.log"))
        )

    def worker_rss_mb(self) -> float:
        """Resident memory of every worker process (each cluster and its children), in MB."""
        pids = [pid for proc in self.workers for pid in [proc.pid, *descendants(proc.pid)]]
        return round(sum(rss_kb(pid) for pid in pids) / 1024, 1)


def rss_kb(pid: int) -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class RssSampler:
    """The workers' resident memory every ``every`` seconds, in a thread."""

    def __init__(self, processes: Processes, every: float = 2.0):
        self.processes, self.every = processes, every
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        started = time.monotonic()
        while not self._stop.is_set():
            self.samples.append((round(time.monotonic() - started, 1), self.processes.worker_rss_mb()))
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def figures(self) -> dict:
        """Flat: the median of the last quarter of the samples within 10 % of the first quarter's
        (the first tenth is left out: imports and first queries)."""
        values = [v for _t, v in self.samples]
        values = values[len(values) // 10 :]
        if len(values) < 4:
            return {"samples": len(values), "flat": None}
        quarter = max(1, len(values) // 4)
        first, last = statistics.median(values[:quarter]), statistics.median(values[-quarter:])
        ratio = round(last / first, 3) if first else None
        return {
            "samples": len(self.samples),
            "first_quarter_mb": round(first, 1),
            "last_quarter_mb": round(last, 1),
            "max_mb": max(values),
            "ratio": ratio,
            "flat": ratio is not None and ratio <= 1.10,
        }


def schedules_install() -> None:
    """The schedules as ``make run`` installs them, the long ones (every 30 minutes and more) due at
    the end of their interval, as in a deployment that has been up a while."""
    from django.utils import timezone
    from django_q.models import Schedule

    from integrations.schedules import SCHEDULES
    from integrations.schedules import schedules_install as install

    install()
    for item in SCHEDULES:
        if item.minutes >= 30:
            Schedule.objects.filter(name=item.name).update(
                next_run=timezone.now() + timezone.timedelta(minutes=item.minutes)
            )


# -- stores -----------------------------------------------------------------------------------
def store_connect(sb, *, products: int, stock: int = 100_000, seed: int = 1):
    """A merchant with ``products`` products (no options) connected to a new sandbox store as the
    wizard's last step does (webhooks to COMPTOIR_PUBLIC_URL, the initial sync, inline), each
    level at ``stock`` on both sides; then the store's quota is the bench's. Returns the
    ``tests.stock_convergence.Run`` (merchant, variants, connection, hash, remote_of, product_of)."""
    from integrations.bigcommerce.api.pacing_backends import default_pacer
    from inventory.services import stock_set
    from tests import stock_convergence as sc

    cfg = sc.Config(
        seed=seed,
        simple_products=products,
        variant_products=0,
        clusters=0,
        kill=False,
        restart=False,
        faults=False,
        initial_max=0,
    )
    runner = sc.Run(cfg, sandbox=sb, database_url=os.environ["DATABASE_URL"], log=say)
    runner.setup(os.environ["COMPTOIR_PUBLIC_URL"])
    for v in runner.variants:
        stock_set(merchant=runner.merchant, variant=v, quantity=stock, idempotency_key=f"bench:fill:{v.pk}")
    q, window_ms = quota()
    sb.set_rate_limit(runner.hash, q, window_ms)  # a fresh window at the bench's quota
    default_pacer().backend.reset(runner.hash)  # forget the fast quota of the setup
    return runner


def last_request_id(sb, store_hash: str) -> int:
    log = sb.request_log(store_hash)
    return log[-1]["id"] if log else 0


def api_calls(sb, store_hash: str, since: int = 0) -> list[dict]:
    return [r for r in sb.request_log(store_hash, since=since) if "/_sandbox" not in r["path"]]


def routes(calls: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in calls:
        key = f"{r['method']} {r['route'] or r['path']} {r['status']}"
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def answer_ms_p99(calls: list[dict]) -> float | None:
    """The sandbox's own answer time (its request log's ``ms``), 99th percentile: whether the
    sandbox, rather than Comptoir, is what limits a figure."""
    return percentile([r["ms"] for r in calls], 0.99) if calls else None


def late_429(calls: list[dict], window_s: float) -> int:
    """429 answers more than one window after the first call."""
    if not calls:
        return 0
    first = calls[0]["at"]
    return sum(1 for r in calls if r["status"] == 429 and r["at"] - first >= window_s)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def delays(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median_s": round(statistics.median(values), 3),
        "p99_s": round(percentile(values, 0.99), 3),
        "max_s": round(max(values), 3),
    }


def push_delays(connection_ids: list[int], since_movement: int) -> list[float]:
    """For each stock change after ``since_movement`` pushed to BigCommerce: from its ledger row to
    the answer of the adjustment that carried it (``StockPush.sent_at`` is written once
    BigCommerce has answered)."""
    from integrations.models import StockPush

    rows = StockPush.objects.filter(
        connection_id__in=connection_ids, movement_id__gt=since_movement, state=StockPush.State.SENT
    ).values_list("movement_id", "sent_at")
    made = movement_times(since_movement)
    return [(sent - made[m]).total_seconds() for m, sent in rows if m in made]


def movement_times(since_movement: int) -> dict:
    from inventory.models import StockMovement

    return dict(StockMovement.objects.filter(pk__gt=since_movement).values_list("pk", "created_at"))


def last_movement() -> int:
    from inventory.models import StockMovement

    return StockMovement.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def pushes_open(connection_ids: list[int] | None = None) -> int:
    from integrations.models import StockPush

    rows = StockPush.objects.filter(state__in=[StockPush.State.PENDING, StockPush.State.UNKNOWN])
    if connection_ids is not None:
        rows = rows.filter(connection_id__in=connection_ids)
    return rows.count()


def wait_pushes_done(connection_ids: list[int] | None = None, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while (left := pushes_open(connection_ids)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


# -- the POS API ------------------------------------------------------------------------------
def device_token(merchant, name: str = "Bench till") -> str:
    from portal.services import device_issue

    return device_issue(merchant=merchant, name=name)[1]


def pos_sell(session, base_url: str, token: str, variant_id: int, key: str) -> int:
    """One item sold through the POS API (``POST /api/v1/purchases``); its HTTP status."""
    answer = session.post(
        f"{base_url}/api/v1/purchases",
        json={"lines": [{"variant_id": variant_id, "quantity": 1}]},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        timeout=30,
    )
    return answer.status_code
