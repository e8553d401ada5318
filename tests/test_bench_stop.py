"""A stock bench stopped by a timeout (SIGTERM to the bench) or Ctrl-C (SIGINT to its terminal's
process group) leaves no process behind: not its sandbox, not its worker, not the worker's
django-q2 clusters (each in a process group of its own).

Each case starts ``python -m bench stock_reconciliation`` for real at a tiny size, waits until
its clusters run, records every process it started (their children included), signals it and
checks that none of them, and nothing in their process groups, is alive once it has returned.
"""

import os
import signal
import subprocess
import sys
import threading

import pytest

from tests.test_run_all import ROOT, base_env, cmdline, descendants, kill_leftovers, still_running

STARTUP_TIMEOUT = 300  # seconds: migrations, a sandbox, an export and a cluster on a loaded machine
pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads the process tree from /proc (Linux)")


class Bench:
    """``python -m bench stock_reconciliation`` in a session of its own (as a terminal runs it)."""

    def __init__(self, env: dict):
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench", "stock_reconciliation"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()

    def wait_for(self, needle: str, timeout: float) -> None:
        with self.changed:
            self.changed.wait_for(lambda: needle in "".join(self.lines) or self.proc.poll() is not None, timeout)
        assert needle in "".join(self.lines), self.output()

    def output(self) -> str:
        return "".join(self.lines)[-6000:]


@pytest.mark.parametrize(
    "stop",
    [
        lambda proc: proc.send_signal(signal.SIGTERM),  # `timeout` ends the bench
        lambda proc: os.killpg(proc.pid, signal.SIGINT),  # Ctrl-C: the terminal's whole foreground group
    ],
    ids=["sigterm", "ctrl-c"],
)
def test_a_stopped_stock_bench_leaves_no_process(tmp_path, stop):
    env = {
        **base_env(),
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "BENCH_RECONCILE_VARIANTS": "25",
        "BENCH_WINDOW_S": "600",  # a check slow enough to be stopped while it runs
        "BENCH_QUOTA": "1",
        "TMPDIR": str(tmp_path),
    }
    bench = Bench(env)
    recorded: dict = {}
    try:
        bench.wait_for("setup done", timeout=STARTUP_TIMEOUT)
        recorded = descendants(bench.proc.pid)
        commands = [cmdline(pid) for pid in recorded]
        assert any("qcluster" in c for c in commands), commands
        assert any("-m sandbox" in c for c in commands) and any("bench._stock_worker" in c for c in commands)
        stop(bench.proc)
        bench.proc.wait(timeout=120)
        assert still_running(recorded) == [], bench.output()
        assert not list(tmp_path.glob("bench-stock-*")), "the bench's temporary folder is removed"
    finally:
        if bench.proc.poll() is None:
            os.killpg(bench.proc.pid, signal.SIGKILL)
        kill_leftovers(recorded)
