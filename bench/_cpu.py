"""Where a bench's CPU goes: the CPU seconds (user + system, from /proc) each component of the stack
used between two readings, for the stores bench's CPU per sale.

The components: the driver (this process alone: the tills' threads, not the processes it started),
the web (each ``runserver`` or gunicorn process and its workers), each worker lane (the qcluster and
the workers it forked), the sandbox, the bench's own Redis and PostgreSQL. PostgreSQL is the whole
server (the postmaster and every backend, the ones that ended included): its backends come and go
with the connections, so they cannot be told apart by database, and another bench on the same server
counts too.

Django's code is imported inside the functions: this module is imported before ``django.setup()``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench._proctree import TICKS, cpu_seconds, proc_stat, tree

# The order of the rows; the lanes are whatever ``Processes`` started ("bulk", "urgent", "cluster").
ORDER = ["driver", "web", "bulk", "urgent", "cluster", "sandbox", "redis", "postgres"]
COMPTOIR = ("web", "bulk", "urgent", "cluster")  # Comptoir's own part of the stack


def postmaster_pid() -> int | None:
    """The PostgreSQL server's main process (the parent of this process's backend), or None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    info = proc_stat(backend)
    return info.parent if info else None


def components(procs) -> dict[str, list[int]]:
    """Each component's root processes (``procs``: the driver's ``Processes``); its tree is measured,
    except the driver's, which is its own process alone."""
    roots: dict[str, list[int]] = {"driver": [os.getpid()]}
    for name, proc in procs.procs:
        roots.setdefault("web" if name.startswith("web") else name, []).append(proc.pid)
    for name in ("sandbox", "redis"):
        if pid := os.environ.get(f"BENCH_{name.upper()}_PID"):
            roots[name] = [int(pid)]
    if pid := postmaster_pid():
        roots["postgres"] = [pid]
    return dict(sorted(roots.items(), key=lambda kv: ORDER.index(kv[0]) if kv[0] in ORDER else len(ORDER)))


def host_busy_seconds() -> float:
    """CPU seconds every process of the host has used since boot (``/proc/stat``: all but idle and
    iowait), so that what the components do not explain (another bench, a test run) shows."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / TICKS


class CpuMeter:
    """CPU seconds per component between ``start`` and ``stop``."""

    def __init__(self, procs):
        self.procs = procs
        self.roots: dict[str, list[int]] = {}
        self.before: dict[str, float] = {}
        self.host_before = 0.0
        self.started = 0.0

    def reading(self) -> dict[str, float]:
        return {
            name: cpu_seconds([os.getpid()] if name == "driver" else [p for root in roots for p in tree(root)])
            for name, roots in self.roots.items()
        }

    def start(self) -> None:
        self.roots = components(self.procs)
        self.before = self.reading()
        self.host_before = host_busy_seconds()
        self.started = time.monotonic()

    def stop(self, *, sales: int) -> dict:
        """Per component: CPU seconds, and milliseconds per sale (of ``sales``); Comptoir's part
        (web + workers) per sale, and the sales a second one core would hold for it at that cost."""
        after, wall = self.reading(), time.monotonic() - self.started
        used = {name: round(after[name] - self.before[name], 2) for name in self.roots}
        host = host_busy_seconds() - self.host_before
        comptoir = sum(v for k, v in used.items() if k in COMPTOIR)

        def per_sale(seconds: float) -> float | None:
            return round(1000 * seconds / sales, 2) if sales else None

        return {
            "wall_s": round(wall, 1),
            "cores": os.cpu_count(),
            "cpu_s": used,
            "cpu_ms_per_sale": {name: per_sale(s) for name, s in used.items()},
            "total_ms_per_sale": per_sale(sum(used.values())),
            "comptoir_ms_per_sale": per_sale(comptoir),
            "comptoir_sales_per_core_s": round(sales / comptoir, 1) if comptoir and sales else None,
            "busy_share": round(sum(used.values()) / (wall * (os.cpu_count() or 1)), 2) if wall else None,
            # The host's CPU seconds that no component used (another bench or test run on the machine).
            "others_cpu_s": round(host - sum(used.values()), 1),
            "load": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        }
