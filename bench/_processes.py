"""How ``python -m bench`` runs one bench: its own process (group), its own database, and nothing left
behind when it ends, times out or is interrupted.

A bench starts processes of its own (a sandbox, django-q2 clusters), some in process groups of their
own, so a kill of the bench's group alone would miss them. The runner makes itself a "child
subreaper" (Linux): a process whose parent ends is handed to the runner rather than to init, so it
stays in the runner's tree. While the bench runs, every process
descending from the runner is recorded (pid, group, start time) from /proc; when it ends, or is stopped
(SIGINT first, so that its ``finally`` blocks stop what they started; SIGKILL after ``GRACE``), any
recorded process still alive and every group they were in get SIGKILL, and the bench's row says how
many were left.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis

from bench._proctree import Proc, alive, descendants, proc_stat

ROOT = Path(__file__).resolve().parent.parent
# Seconds a stopped bench gets to stop what it started: a stock bench's worker 40 s, then its clusters
# 20 s together (a cluster whose task sleeps in the pacer never stops gracefully).
GRACE = 90.0
TICK = 0.2

signals_received = 0


def count_signal(signum, frame) -> None:
    global signals_received
    signals_received += 1


def stop_requested() -> bool:
    return signals_received > 0


# -- services: PostgreSQL and Redis when they answer -------------------------------------------------
@dataclass
class Services:
    postgres: str = ""  # a server URL (its maintenance database) to create each bench's database in
    redis: str = ""

    def describe(self) -> str:
        db = f"PostgreSQL ({urlsplit(self.postgres).netloc})" if self.postgres else "SQLite files"
        return f"{db}, {'Redis' if self.redis else 'no Redis (the ORM broker)'}"


def services() -> Services:
    found = Services()
    url = os.environ.get("BENCH_POSTGRES_URL", "")
    if url:
        try:
            psycopg.connect(url, connect_timeout=3).close()
            found.postgres = url
        except Exception as error:  # noqa: BLE001 (any failure: the benches run on SQLite instead)
            print(f"   PostgreSQL at {url} does not answer ({error}); SQLite files instead", flush=True)
    url = os.environ.get("BENCH_REDIS_URL", "")
    if url:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=3).ping()
            found.redis = url
        except Exception as error:  # noqa: BLE001
            print(f"   Redis at {url} does not answer ({error}); the ORM broker instead", flush=True)
    return found


def _admin(url: str, statement: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def database_for(name: str, services: Services, folder: Path) -> tuple[str, str]:
    """(DATABASE_URL, database name to drop afterwards or "") for one bench."""
    if not services.postgres:
        return f"sqlite:///{folder / 'bench.sqlite3'}", ""
    db = f"bench_{name.replace('.', '_')}_{os.getpid()}"[:63].lower()
    _admin(services.postgres, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    _admin(services.postgres, f'CREATE DATABASE "{db}"')
    return urlsplit(services.postgres)._replace(path=f"/{db}").geturl(), db


# -- the process tree (bench._proctree) ----------------------------------------------------------
def _kill(seen: dict[int, Proc]) -> None:
    """SIGKILL to each recorded process still alive and to its process group."""
    for pid in alive(seen):
        try:
            os.killpg(seen[pid].group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def become_subreaper() -> None:
    """prctl(PR_SET_CHILD_SUBREAPER): orphans of the benches become the runner's children."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the recording every TICK is what remains
        pass


def reap(pids) -> None:
    """Wait for the runner's own children among ``pids`` (orphans it adopted) so no zombie stays."""
    for pid in pids:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


@dataclass
class Outcome:
    summary: list[tuple[str, str, str, bool | None]] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    error: str = ""


def run_one(name: str, *, services: Services, timeout: float) -> Outcome:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    result_file = folder / "result.json"
    outcome = Outcome()
    drop = ""
    try:
        database_url, drop = database_for(name, services, folder)
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
        env.update({"DATABASE_URL": database_url, "BENCH_RESULT_FILE": str(result_file), "PYTHONUNBUFFERED": "1"})
        env.setdefault("LOG_LEVEL", "WARNING")  # a bench's figures, not a line per request of its processes
        env["MEDIA_ROOT"] = str(folder / "media")
        if drop:
            env["BENCH_DATABASE_URL"] = database_url  # the stock benches migrate it for their processes
        if services.redis:
            env["REDIS_URL"] = services.redis
        proc = subprocess.Popen([sys.executable, "-m", "bench._one", name], cwd=ROOT, env=env, start_new_session=True)
        seen: dict[int, Proc] = {proc.pid: proc_stat(proc.pid) or Proc(os.getpid(), proc.pid, "R", 0)}
        deadline = time.monotonic() + timeout
        while proc.poll() is None and not stop_requested() and time.monotonic() < deadline:
            seen.update(descendants(os.getpid()))
            time.sleep(TICK)
        if proc.poll() is None:
            outcome.error = "stopped" if stop_requested() else f"timed out after {timeout:g} s"
            os.kill(proc.pid, signal.SIGINT)  # its finally blocks stop the sandbox and clusters it started
            grace_end = time.monotonic() + GRACE
            while proc.poll() is None and time.monotonic() < grace_end and signals_received < 2:
                seen.update(descendants(os.getpid()))
                time.sleep(TICK)
        seen.update(descendants(os.getpid()))
        left = [pid for pid in alive(seen) if pid != proc.pid]
        _kill(seen)
        proc.wait()
        reap([pid for pid in seen if pid != proc.pid])
        if left and not outcome.error:
            outcome.error = f"left {len(left)} process(es) running (killed)"
        if proc.returncode and not outcome.error:
            outcome.error = f"exited with status {proc.returncode}"
        if result_file.exists() and not outcome.error:
            data = json.loads(result_file.read_text())
            outcome.figures = data["figures"]
            outcome.summary = [tuple(row) for row in data["summary"]]
    finally:
        if drop:
            try:
                _admin(services.postgres, f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')
            except Exception as error:  # noqa: BLE001
                print(f"   could not drop database {drop}: {error}", flush=True)
        shutil.rmtree(folder, ignore_errors=True)
    return outcome
