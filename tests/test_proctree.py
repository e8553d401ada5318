"""bench._proctree: the process tree the bench runner and the stop tests of `make run` read."""

import os
import subprocess
import sys
import time

import pytest

from bench._proctree import alive, descendants

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads the process tree from /proc (Linux)")
GRANDCHILD = "import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); print(p.pid, flush=True); p.wait()"  # noqa: E501


def test_descendants_are_children_and_theirs_and_a_dead_one_is_not_alive():
    child = subprocess.Popen([sys.executable, "-c", GRANDCHILD], stdout=subprocess.PIPE, text=True)
    try:
        grandchild = int(child.stdout.readline())
        family = descendants(os.getpid())
        assert {child.pid, grandchild} <= family.keys()
        assert family[grandchild].parent == child.pid
        assert grandchild in alive(family)
        os.kill(grandchild, 9)
        deadline = time.monotonic() + 30  # a hang guard: the parent reaps it
        while grandchild in alive(family) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert grandchild not in alive(family)  # gone, or a zombie: dead either way
    finally:
        child.kill()
        child.wait()
    assert child.pid not in alive({child.pid: family[child.pid]})
