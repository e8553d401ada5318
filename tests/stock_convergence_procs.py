"""The processes of a convergence run (``tests.stock_convergence``): django-q2 clusters on both
lanes, Comptoir's web side in a thread (the webhook receiver), the queue the run enqueues to, the
app's token and the faults the sandbox injects."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

URGENT, BULK = "urgent", "bulk"  # the lanes (integrations.services.queue), each with its clusters

ROOT = Path(__file__).resolve().parents[1]
# Shares of the API calls that meet a fault (issue 10): 10 % 5xx (half of them after the write was
# applied), 5 % 429, 3 % timeouts after applying; of the webhooks, 5 % duplicated, 5 % reordered, 2 % dropped.
REQUEST_FAULTS = (
    ("error_before", 0.05),
    ("error_after", 0.05),
    ("rate_limit", 0.05),
    ("timeout_after", 0.03),
)
WEBHOOK_FAULTS = (("webhook_duplicate", 0.05), ("webhook_reorder", 0.05), ("webhook_drop", 0.02))


class Clusters:
    """django-q2 clusters (``manage.py qcluster``), each in its own process group so that a kill
    takes its sentinel, pusher, monitor and worker at once."""

    def __init__(self, env: dict, log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.running: list[subprocess.Popen] = []
        self.killed: list[subprocess.Popen] = []
        self.died: list[dict] = []  # clusters that exited without being asked to (restarted by ``supervise``)
        self._n = 0

    def start(self, lane: str = URGENT) -> subprocess.Popen:
        """A cluster of ``lane``: the urgent lane's (``Q_CLUSTER_NAME`` = the urgent cluster's name),
        or the bulk lane's (the default cluster), as ``make run`` starts them."""
        self._n += 1
        out = open(self.log_dir / f"qcluster-{self._n}-{lane}.log", "wb")  # noqa: SIM115 (closed by stop)
        env = {**self.env, "Q_CLUSTER_NAME": self.env["Q_URGENT_NAME"] if lane == URGENT else self.env["Q_NAME"]}
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc.log = out  # type: ignore[attr-defined]
        proc.lane = lane  # type: ignore[attr-defined]
        self.running.append(proc)
        return proc

    def kill_one(self) -> subprocess.Popen:
        """SIGKILL the first urgent cluster (where stock pushes are in flight)."""
        proc = next(p for p in self.running if p.lane == URGENT)
        self.running.remove(proc)
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group at once: nothing of it is left behind
        proc.wait(timeout=10)
        self.killed.append(proc)
        return proc

    def supervise(self, at: str) -> list[dict]:
        """Start a new cluster for each one that exited on its own (as systemd's Restart=always
        would); returns what it found (the exit code: a negative one is the signal that ended it)."""
        found = []
        for proc in list(self.running):
            if proc.poll() is None:
                continue
            self.running.remove(proc)
            self.killed.append(proc)
            found.append({"at": at, "pid": proc.pid, "returncode": proc.returncode, "log": proc.log.name})
            self.start(proc.lane)
        self.died += found
        return found

    def stop(self) -> None:
        for proc in self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        # One deadline for all: a cluster whose task sleeps in the pacer (a bench's quota of one call
        # in 10 minutes) never stops gracefully, and a wait of 20 s each, one after another, outlasted
        # the time the bench runner gives a stopped bench (its temporary folder was left behind).
        deadline = time.monotonic() + 20
        for proc in self.running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            # Leftovers of the group (a worker the sentinel did not take down), right away: while
            # any member lives, the group id cannot name anyone else. Never later, and never for a
            # group killed earlier (``kill_one`` took it whole): its id may by then be another
            # process's group (pids wrap at 32768 here), another run's cluster.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        for proc in self.running + self.killed:
            proc.log.close()
        self.running = []

    def tail(self, chars: int = 3000) -> str:
        out = []
        for path in sorted(self.log_dir.glob("qcluster-*.log")):
            out.append(f"--- {path.name}\n{path.read_text(errors='replace')[-chars:]}")
        return "\n".join(out)


def web_server():
    """Comptoir's web side in a thread: BigCommerce's webhooks reach it here."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def urgent_name(cluster_name: str) -> str:
    """The urgent lane's cluster of a run whose bulk lane (its Q_NAME) is ``cluster_name``."""
    return f"{cluster_name}-urgent"


@contextlib.contextmanager
def real_queue(cluster_name: str):
    """This process enqueues to the clusters' broker instead of running tasks inline, each task on
    its lane (``integrations.services.queue``) as a web process of the site would."""
    from django.test.utils import override_settings
    from django_q.conf import Conf

    saved = (Conf.SYNC, Conf.CLUSTER_NAME, Conf.PREFIX)
    # The clusters' Q_NAME is the bulk lane's name: its queue's key and the salt of the tasks' signature.
    Conf.SYNC, Conf.CLUSTER_NAME, Conf.PREFIX = False, cluster_name, cluster_name
    try:
        with override_settings(Q_URGENT_CLUSTER=urgent_name(cluster_name)):
            yield
    finally:
        Conf.SYNC, Conf.CLUSTER_NAME, Conf.PREFIX = saved


def queue_size(cluster_name: str) -> int:
    """Tasks waiting on both lanes of the run whose bulk lane is ``cluster_name``."""
    from django_q.brokers import get_broker

    return sum(get_broker(name).queue_size() or 0 for name in (cluster_name, urgent_name(cluster_name)))


def app_token(sandbox, store: dict) -> str:
    """The app's token for ``store``, from the OAuth install of the app Comptoir is configured with
    (webhooks are signed with the app's secret)."""
    from urllib.parse import parse_qs, urlsplit

    from django.conf import settings

    from integrations.bigcommerce.api.oauth import exchange_code
    from integrations.tests.connect_helpers import sandbox_install

    callback = sandbox_install(sandbox, store, client_id=settings.BIGCOMMERCE_CLIENT_ID)
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    redirect = callback.split("?", 1)[0]
    return exchange_code(query["code"], query["scope"], query["context"], redirect).access_token


def faults_for(store_hash: str, *, timeout_s: float) -> list[dict]:
    faults = [
        {"kind": kind, "probability": share, **({"ms": int(timeout_s * 1500)} if kind == "timeout_after" else {})}
        for kind, share in REQUEST_FAULTS
    ]
    faults += [{"kind": kind, "probability": share} for kind, share in WEBHOOK_FAULTS]
    return faults
