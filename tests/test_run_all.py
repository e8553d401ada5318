"""`make run`'s processes (scripts/run_all.py: web, a worker per lane, sandbox) listen on the ports they are
given and stop together whatever signals arrive: no process is left behind and no port stays busy.

Each case starts run_all.py for real, on a migrated SQLite file in a temporary folder and on free
ports, records every process it started (their children included), signals it twice and checks
that none of them is alive and that both ports are free once run_all.py has returned.
"""

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from bench._proctree import Proc, descendants, processes
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT = 120  # seconds: a loaded machine starts three Django/sandbox processes slowly
pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads the process tree from /proc (Linux)")


def free_port() -> int:
    """A free port below the ephemeral range: between this look and run_all.py's bind, no
    outgoing connection of another test can be given it as its local port."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    rng = random.Random()
    while True:
        port = rng.randrange(max(1024, low - 12000), low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def port_in_use(port: int) -> bool:
    """Something listens on the port (a connection is accepted)."""
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def cmdline(pid: int) -> str:
    try:
        return " ".join(Path(f"/proc/{pid}/cmdline").read_text().split("\0"))
    except (FileNotFoundError, ProcessLookupError):
        return ""


def still_running(recorded: dict[int, Proc]) -> list[int]:
    """Recorded processes still alive (the same start time: not a reused pid; zombies are dead),
    and any live process in one of their process groups (a child started after the recording)."""
    groups = {info.group for info in recorded.values()}
    return [
        pid
        for pid, info in processes().items()
        if (pid in recorded and recorded[pid].started == info.started) or info.group in groups
    ]


class RunAll:
    """scripts/run_all.py as `make run` starts it (or another script: `make serve`'s), its output
    collected line by line."""

    def __init__(self, env: dict, script: str = "scripts/run_all.py"):
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.proc = subprocess.Popen(
            [sys.executable, script],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()

    def wait_for_output(self, *needles: str, timeout: float) -> None:
        def seen():
            text = "".join(self.lines)
            return all(n in text for n in needles) or self.proc.poll() is not None

        with self.changed:
            self.changed.wait_for(seen, timeout=timeout)
        missing = [n for n in needles if n not in "".join(self.lines)]
        assert not missing, f"not seen: {missing}\n" + self.output()

    def output(self) -> str:
        return "".join(self.lines)[-6000:]


def kill_leftovers(recorded) -> None:
    for pid in still_running(recorded):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def base_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COMPTOIR_", "BIGCOMMERCE_"))}
    for name in ("SANDBOX_APP_URL", "SANDBOX_APP_CLIENT_ID", "SANDBOX_APP_CLIENT_SECRET", "Q_SYNC", "PORT"):
        env.pop(name, None)
    return {**env, "DJANGO_SETTINGS_MODULE": "portal.settings.base", "REDIS_URL": ""}


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory) -> Path:
    """A SQLite file migrated once for the module, as `make run` prepares var/comptoir.sqlite3."""
    path = tmp_path_factory.mktemp("run-all") / "comptoir.sqlite3"
    env = {**base_env(), "DATABASE_URL": f"sqlite:///{path}"}
    for command in (["migrate", "-v0"], ["createcachetable"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    return path


@pytest.fixture
def run_env(tmp_path, migrated_database):
    """The environment of `make run` on a scratch folder: a copy of the migrated database, media
    and the sandbox's storage under tmp_path, two free ports, the ORM broker."""
    database = tmp_path / "comptoir.sqlite3"
    shutil.copyfile(migrated_database, database)
    return {
        **base_env(),
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SANDBOX_DATA": str(tmp_path / "sandbox.sqlite3"),
        "Q_NAME": f"runall-{os.getpid()}-{tmp_path.name}",
        "Q_URGENT_NAME": f"runall-{os.getpid()}-{tmp_path.name}-urgent",
        "Q_WORKERS": "1",
        "PORT": str(web := free_port()),
        "SANDBOX_PORT": str(next(p for p in iter(free_port, None) if p != web)),
    }


def lanes(run: RunAll, recorded: dict) -> list[str]:
    """The lane (Q_CLUSTER_NAME) of each qcluster run_all.py started itself."""
    found = []
    for pid, info in recorded.items():
        if info.parent == run.proc.pid and "qcluster" in cmdline(pid):
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            found += [v.split(b"=", 1)[1].decode() for v in environ if v.startswith(b"Q_CLUSTER_NAME=")]
    return found


def start(env) -> tuple[RunAll, dict]:
    """run_all.py, once web, worker and sandbox are up; returns it and the processes it started."""
    web, sandbox = int(env["PORT"]), int(env["SANDBOX_PORT"])
    run = RunAll(env)
    run.wait_for_output(
        f"Starting development server at http://127.0.0.1:{web}/",
        f"Sandbox listening on http://127.0.0.1:{sandbox}",
        f"[{env['Q_NAME']}] running.",  # django-q2's "Q Cluster … [queue] running.": the bulk lane
        f"[{env['Q_URGENT_NAME']}] running.",  # and the urgent lane
        timeout=STARTUP_TIMEOUT,
    )
    assert wait_until(lambda: port_in_use(web) and port_in_use(sandbox), timeout=30), run.output()
    return run, descendants(run.proc.pid)


def stop(run: RunAll, recorded: dict, signals: list[int], *, during_shutdown: bool) -> None:
    first, *more = signals
    run.proc.send_signal(first)
    if during_shutdown:  # the next ones once the shutdown has begun: one of the processes is gone
        assert wait_until(lambda: len(still_running(recorded)) < len(recorded), timeout=30), run.output()
    for signum in more:
        run.proc.send_signal(signum)
    assert run.proc.wait(timeout=60) == 0


@pytest.mark.parametrize(
    ("signals", "during_shutdown"),
    [
        ([signal.SIGTERM, signal.SIGTERM], False),  # a process manager and make, at once
        ([signal.SIGINT, signal.SIGTERM], False),
        ([signal.SIGINT, signal.SIGINT, signal.SIGTERM], True),  # Ctrl-C, Ctrl-C again, then SIGTERM
    ],
    ids=["term-term-at-once", "int-term-at-once", "int-then-int-term-in-shutdown"],
)
def test_stopping_leaves_no_process_and_no_busy_port(run_env, signals, during_shutdown):
    run, recorded = start(run_env)
    try:
        commands = {cmdline(pid) for pid in recorded}
        assert any("runserver" in c for c in commands) and any("-m sandbox" in c for c in commands)
        # Two workers, one per lane, both stopped below with the others.
        assert sorted(lanes(run, recorded)) == sorted([run_env["Q_NAME"], run_env["Q_URGENT_NAME"]])
        stop(run, recorded, signals, during_shutdown=during_shutdown)
        assert still_running(recorded) == [], run.output()
        assert not port_in_use(int(run_env["PORT"])) and not port_in_use(int(run_env["SANDBOX_PORT"]))
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
        kill_leftovers(recorded)


def test_the_ports_are_the_settings_and_one_process_ending_stops_the_others(run_env):
    web, sandbox = run_env["PORT"], run_env["SANDBOX_PORT"]
    run, recorded = start(run_env)
    try:
        run.wait_for_output(f"http://127.0.0.1:{web}", f"http://127.0.0.1:{sandbox}/manage/", timeout=5)
        with urllib.request.urlopen(f"http://127.0.0.1:{web}/accounts/login/", timeout=30) as answer:
            assert answer.status == 200
        # The sandbox's app registration calls Comptoir back on PORT.
        request = urllib.request.Request(
            f"http://127.0.0.1:{sandbox}/_sandbox/apps",
            data=json.dumps({"client_id": "probe", "client_secret": "probe-secret"}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert json.loads(answer.read())["app_url"] == f"http://127.0.0.1:{web}"
        # One of the three ending by itself stops the others, and says so in the exit status.
        sandbox_pid = next(
            pid for pid, info in recorded.items() if info.parent == run.proc.pid and "-m sandbox" in cmdline(pid)
        )
        os.kill(sandbox_pid, signal.SIGKILL)
        assert run.proc.wait(timeout=60) == 1
        assert still_running(recorded) == [], run.output()
        assert not port_in_use(int(web)) and not port_in_use(int(sandbox))
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
        kill_leftovers(recorded)


def test_a_busy_port_is_named_with_the_setting_that_changes_it(run_env):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", int(run_env["PORT"])))
        holder.listen()
        result = subprocess.run(
            [sys.executable, "scripts/run_all.py"], cwd=ROOT, env=run_env, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 1
    assert f"Port {run_env['PORT']} (web) is in use" in result.stdout + result.stderr
    assert "PORT=" in result.stdout + result.stderr
