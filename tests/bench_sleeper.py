"""A bench for tests/test_bench_runner.py: it starts a process in a session of its own (as a bench
starts a django-q2 cluster) and one in its own group, writes their pids, then sleeps (or, with
BENCH_SLEEPER_RETURN=1, returns at once and leaves them running). Its own SIGINT handling stops
nothing it started: only the runner can."""

import json
import os
import subprocess
import sys
import time

SLEEP = [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(600)"]


def main() -> dict:
    apart = subprocess.Popen(SLEEP, start_new_session=True)
    near = subprocess.Popen(SLEEP)
    with open(os.environ["BENCH_SLEEPER_PIDS"], "w") as out:
        json.dump([apart.pid, near.pid, os.getpid()], out)
    if os.environ.get("BENCH_SLEEPER_RETURN") != "1":
        time.sleep(600)
    return {"slept": 0}


def summary(figures: dict) -> list[tuple[str, str, str, bool | None]]:
    return [("sleeper figure", "0", str(figures["slept"]), figures["slept"] == 0)]
