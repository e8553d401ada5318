"""The process tree, read from /proc (Linux): who descends from whom, and whether a process recorded
earlier is still the same one. Shared by the bench runner (``bench._processes``), the bench drivers
(``bench._driver``) and the tests that check a stop leaves nothing behind (``tests/test_run_all.py``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple


class Proc(NamedTuple):
    parent: int
    group: int  # process group
    state: str  # "R", "S", … ("Z": a zombie, dead; its parent has not waited for it)
    started: int  # clock ticks after boot: with the pid, it names one process (pids are reused)


def proc_stat(pid: int) -> Proc | None:
    """What /proc says of ``pid``, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (comm) ": a comm may hold spaces and ")"
    return Proc(int(fields[1]), int(fields[2]), fields[0], int(fields[19]))


def processes() -> dict[int, Proc]:
    """Every live process (zombies left out: they are dead)."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := proc_stat(int(entry))) is not None and info.state != "Z":
            found[int(entry)] = info
    return found


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) of live processes and of the children they reaped (a gunicorn
    worker replaced after its requests is in its master's ``cutime``, a PostgreSQL backend whose
    connection closed in the postmaster's): the difference of two readings of a tree is what it
    used in between, whichever of its processes ended meanwhile."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    return total / TICKS


def tree(root: int) -> list[int]:
    """``root`` and the live processes below it."""
    return [root, *descendants(root)]


def descendants(root: int) -> dict[int, Proc]:
    """The live processes below ``root``: its children, theirs, and so on."""
    children: dict[int, list[tuple[int, Proc]]] = {}
    for pid, info in processes().items():
        children.setdefault(info.parent, []).append((pid, info))
    family: dict[int, Proc] = {}
    frontier = [root]
    while frontier:
        for pid, info in children.get(frontier.pop(), []):
            if pid not in family:
                family[pid] = info
                frontier.append(pid)
    return family


def alive(seen: dict[int, Proc]) -> list[int]:
    """The processes of ``seen`` still running: the same pid with the same start time, not a zombie."""
    return [
        pid
        for pid, info in seen.items()
        if (now := proc_stat(pid)) is not None and now.state != "Z" and now.started == info.started
    ]
