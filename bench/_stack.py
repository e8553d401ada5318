"""The throwaway world of a bench, on the side of ``python -m bench``: a database, a broker, a
BigCommerce sandbox at the real quota, and the bench's own process (its *driver*, which starts
Comptoir's web and workers in its process group and measures). Used by ``bench.order_intake``,
``bench.fairness`` and ``bench.many_stores``.

Two stacks:

- ``embedded``: what a fresh ``make run`` uses: a SQLite file and django-q2's ORM broker (the
  cache in the same file);
- ``server``: a PostgreSQL database created for the bench (``bench_<name>_<pid>_<random>`` on the
  server of BENCH_POSTGRES_URL, else of DATABASE_URL when it is PostgreSQL, else
  ``postgres://postgres@127.0.0.1:5432/postgres``) and dropped afterwards, and Redis (broker and
  cache): a ``redis-server`` of its own on a free port without persistence when the binary is
  there (so that no queue of another run meets the bench's), else BENCH_REDIS_URL / REDIS_URL.

Nothing is left behind: the driver runs in a process group of its own, killed as a whole on the
way out (an exception, Ctrl-C, BENCH_TIMEOUT_S); the driver itself stops its group when this
process disappears (``bench._driver.orphan_watch``); the sandbox and Redis are stopped, the
database dropped and the temporary directory removed in ``finally`` (its logs first copied to
BENCH_KEEP_LOGS when set; BENCH_LOG_LEVEL, WARNING by default, is the processes' log level).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACKS = {"embedded": "SQLite + ORM broker (make run's defaults)", "server": "PostgreSQL + Redis"}
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


class StackUnavailable(RuntimeError):
    """The stack asked for cannot be built here (no PostgreSQL, no Redis); the message says why."""


@dataclass
class Stack:
    kind: str
    tmp: Path
    env: dict  # for every Comptoir process of the bench
    sandbox: object = None
    notes: list[str] = field(default_factory=list)

    @property
    def describe(self) -> str:
        return STACKS[self.kind] + (f" ({'; '.join(self.notes)})" if self.notes else "")


def tiny(sizes: dict[str, str]) -> None:
    """With BENCH_TINY=1 (``python -m bench --tiny``), these sizes unless the environment gives others."""
    if os.environ.get("BENCH_TINY") == "1":
        for name, value in sizes.items():
            os.environ.setdefault(name, value)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_server_url() -> str:
    """The server's ``postgres`` database (the bench's own is created beside it)."""
    # Only the server stack parses it.
    from urllib.parse import urlsplit, urlunsplit

    given = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("DATABASE_URL", "")
    parts = urlsplit(given if given.startswith(("postgres://", "postgresql://")) else DEFAULT_POSTGRES)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))


@contextlib.contextmanager
def postgres_database(name: str):
    """A fresh database on the PostgreSQL server, dropped on the way out; yields its URL."""
    # Only the server stack needs psycopg and urllib's parsing: the embedded one never imports them.
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    server = postgres_server_url()
    db = f"bench_{name}_{os.getpid()}_{uuid.uuid4().hex[:6]}".lower()
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise StackUnavailable(
            f"no PostgreSQL at {server} ({str(exc).strip()[:200]}); set BENCH_POSTGRES_URL"
        ) from None
    try:
        admin.execute(f'CREATE DATABASE "{db}"')
        parts = urlsplit(server)
        yield urlunsplit((parts.scheme, parts.netloc, "/" + db, parts.query, ""))
    finally:
        with contextlib.suppress(psycopg.Error):
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.close()


@contextlib.contextmanager
def redis_server(tmp: Path):
    """A Redis of the bench's own (no persistence), or the one given; yields (url, note, pid of the
    bench's own server or None)."""
    binary = shutil.which("redis-server")
    given = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL", "")
    if binary is None:
        if not given:
            raise StackUnavailable("no redis-server binary and no BENCH_REDIS_URL / REDIS_URL")
        yield given, f"Redis at {given}, shared", None
        return
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    command += ["--dir", str(tmp), "--maxclients", "10000"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    break
            if time.monotonic() > deadline or proc.poll() is not None:
                raise StackUnavailable(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0", "its own redis-server", proc.pid
    finally:
        group_stop(proc)


def group_stop(proc: subprocess.Popen, grace: float = 15.0) -> None:
    """SIGTERM to the process group ``proc`` leads, SIGKILL to what is left after ``grace``."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and group_alive(proc.pid):
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def comptoir_env(database_url: str, redis_url: str = "") -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE") and not k.startswith("Q_")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": database_url,
            "DEBUG": "0",  # as in production: DEBUG keeps every query of a worker in memory
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            "COMPTOIR_CACHE_KEY_PREFIX": "bench",  # one prefix for every process: they share the pacer
            "PYTHONUNBUFFERED": "1",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


@contextlib.contextmanager
def stack(name: str, kind: str, *, quota: int, window_s: float, sandbox_env: dict | None = None):
    """The database and broker of ``kind``, migrated, and a sandbox at ``quota`` per ``window_s``
    (``sandbox_env``: more of its environment, e.g. the app credentials of a production stack)."""
    # The sandbox's runner is only needed once a stack is built.
    from sandbox.testing import SandboxProcess

    if kind not in STACKS:
        raise StackUnavailable(f"unknown stack {kind!r}; known: {', '.join(STACKS)}")
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    try:
        with contextlib.ExitStack() as resources:
            notes = []
            if kind == "embedded":
                env = comptoir_env(f"sqlite:///{tmp / 'comptoir.sqlite3'}")
            else:
                database_url = resources.enter_context(postgres_database(name))
                redis_url, note, redis_pid = resources.enter_context(redis_server(tmp))
                notes.append(note)
                env = comptoir_env(database_url, redis_url)
                if redis_pid:
                    env["BENCH_REDIS_PID"] = str(redis_pid)  # whose CPU a driver may measure
            for command in (["migrate", "-v0"], ["createcachetable"]):
                subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
            sandbox = resources.enter_context(
                SandboxProcess(
                    data=str(tmp / "sandbox.sqlite3"),
                    extra_args=["--rate-limit", f"{quota}/{window_s:g}"],
                    env={"SANDBOX_APP_URL": "http://127.0.0.1:8000", **(sandbox_env or {})},
                )
            )
            env["BENCH_SANDBOX_URL"] = sandbox.url
            env["BENCH_SANDBOX_PID"] = str(sandbox.proc.pid)  # whose CPU and memory a driver may measure
            env["BIGCOMMERCE_API_URL"] = sandbox.url
            env["BIGCOMMERCE_LOGIN_URL"] = sandbox.url + "/login"
            env["BENCH_QUOTA"], env["BENCH_WINDOW_S"] = str(quota), f"{window_s:g}"
            env["BENCH_STACK"] = kind
            yield Stack(kind=kind, tmp=tmp, env=env, sandbox=sandbox, notes=notes)
    finally:
        if os.environ.get("BENCH_KEEP_LOGS"):
            # The processes' logs kept (BENCH_LOG_LEVEL=INFO: every task a worker took, and when).
            logs = shutil.ignore_patterns("*.sqlite3*")
            shutil.copytree(tmp, os.environ["BENCH_KEEP_LOGS"], dirs_exist_ok=True, ignore=logs)
        shutil.rmtree(tmp, ignore_errors=True)


def run_driver(st: Stack, module: str, *args: str, extra_env: dict | None = None) -> dict:
    """``python -m <module> <args>`` in a process group of its own with the stack's environment;
    its lines are shown as they come; returns its ``RESULT {json}``. The group is stopped on the
    way out, whatever happens (BENCH_TIMEOUT_S, default 3600, bounds the wait)."""
    timeout = float(os.environ.get("BENCH_TIMEOUT_S", "3600"))
    env = {**st.env, "BENCH_LOG_DIR": str(st.tmp), **(extra_env or {})}
    log = open(st.tmp / f"{module.rsplit('.', 1)[-1]}.log", "w+")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        start_new_session=True,
    )
    result = None
    lines: list[str] = []
    # Past the timeout the group is killed, which ends its output and so the loop below.
    timer = threading.Timer(timeout, lambda: group_stop(proc, grace=5))
    timer.start()
    try:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("RESULT "):
                result = json.loads(line[len("RESULT ") :])
            else:
                print("   " + line.rstrip(), flush=True)
        proc.wait()
    finally:
        timer.cancel()
        group_stop(proc)
        log.seek(0)
        errors = log.read()
        log.close()
    if proc.returncode or result is None:
        raise RuntimeError(
            f"{module} {' '.join(args)} failed ({proc.returncode}):\n{''.join(lines)[-3000:]}\n{errors[-5000:]}"
        )
    return result


def stacks_run(name: str, driver: str, *, default: str, report) -> dict:
    """The bench ``name``'s ``driver`` (a module) on each stack of BENCH_STACKS (``default``: a
    comma-separated list of ``STACKS``), each built afresh at BENCH_QUOTA per BENCH_WINDOW_S; the
    lines of ``report(kind, figures)`` printed after each. Returns ``{"stacks": {kind: figures}}``;
    a stack that cannot be built here is ``{"skipped": why}``."""
    quota = int(os.environ.get("BENCH_QUOTA", "150"))
    window_s = float(os.environ.get("BENCH_WINDOW_S", "30"))
    figures: dict = {"stacks": {}}
    for kind in [k.strip() for k in os.environ.get("BENCH_STACKS", default).split(",") if k.strip()]:
        try:
            with stack(name, kind, quota=quota, window_s=window_s) as st:
                print(f"   -- {kind}: {st.describe}", flush=True)
                got = run_driver(st, driver)
                got["describe"] = st.describe
        except StackUnavailable as exc:
            print(f"   -- {kind}: skipped: {exc}", flush=True)
            figures["stacks"][kind] = {"skipped": str(exc)}
            continue
        figures["stacks"][kind] = got
        for line in report(kind, got):
            print("   " + line, flush=True)
    return figures
