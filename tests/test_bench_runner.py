"""`python -m bench` (bench/__main__.py, bench/_processes.py): a bench interrupted by Ctrl-C, stopped
by its timeout, or ending with processes still running leaves nothing behind — including a process
it started in a session of its own — and the run still ends with the summary table.

Each case runs the runner for real on tests/bench_sleeper.py (a bench that starts two sleeping
processes, one in a session of its own, and never stops them itself)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads the process tree from /proc (Linux)")


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start(tmp_path, **env) -> tuple[subprocess.Popen, Path]:
    pids = tmp_path / "pids.json"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BENCH_", "PYTEST_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench", "tests.bench_sleeper"],
        cwd=ROOT,
        env={**clean, "BENCH_SLEEPER_PIDS": str(pids), "DATABASE_URL": "", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, pids


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 600) -> list[int]:
    """The pids the stand-in bench wrote. The bound only stops a hung test: what is asserted is that
    the bench wrote them (not how soon)."""
    wait_until(lambda: (path.exists() and path.read_text()) or proc.poll() is not None, timeout=timeout)
    assert path.exists() and path.read_text(), f"the bench never started (runner exit status {proc.poll()})"
    time.sleep(0.5)  # the runner records the tree every 0.2 s
    return json.loads(path.read_text())


def finish(proc: subprocess.Popen, pids: list[int]) -> str:
    try:
        output, _ = proc.communicate(timeout=120)
    finally:
        for pid in pids:  # never leave them to the next test, whatever failed
            if running(pid):
                os.kill(pid, signal.SIGKILL)
    return output


def test_ctrl_c_stops_the_bench_and_everything_it_started(tmp_path):
    proc, path = start(tmp_path)
    pids = wait_for(path, proc)
    assert all(running(pid) for pid in pids)
    proc.send_signal(signal.SIGINT)
    left = [pid for pid in pids if running(pid)]
    output = finish(proc, pids)
    assert proc.returncode == 130, output
    assert [pid for pid in pids if running(pid)] == [] and left, output
    assert "tests.bench_sleeper | ran to its end | yes | stopped" in " ".join(output.split()).replace(" | ", " | ")


def test_a_bench_past_its_timeout_is_stopped_with_everything_it_started(tmp_path):
    proc, path = start(tmp_path, BENCH_TIMEOUT="60")
    pids = wait_for(path, proc, timeout=60)
    output = finish(proc, pids)
    assert [pid for pid in pids if running(pid)] == [], output
    assert proc.returncode == 1, output
    assert "timed out after 60 s" in output


def test_processes_a_finished_bench_left_are_killed_and_its_row_says_so(tmp_path):
    proc, path = start(tmp_path, BENCH_SLEEPER_RETURN="1")
    output = finish(proc, [])
    pids = json.loads(path.read_text())
    assert [pid for pid in pids if running(pid)] == [], output
    assert proc.returncode == 1, output
    assert "left 2 process(es) running (killed)" in output
