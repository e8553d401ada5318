"""Run every benchmark of this package (or those named), each in a process of its own on a database of
its own, and end with one table: figure, goal, value, met.

    python -m bench                      # all of them
    python -m bench client_throughput    # one
    python -m bench --tiny               # every bench once at a tiny size (CI: none can rot);
                                         # an option --x-y sets BENCH_X_Y=1 for the modules

Each module has ``main() -> dict`` (prints its lines, returns its figures) and ``summary(figures)``
(the table's rows). Isolation (bench/_processes.py): a bench runs in ``python -m bench._one NAME``,
in a process group of its own, with its own database — a PostgreSQL database created for it and
dropped after when ``BENCH_POSTGRES_URL`` answers (``make bench`` sets it), else a SQLite file in a
temporary folder — so that nothing one bench leaves (a connection, rows, a cluster) reaches the next.
A bench that outlives ``BENCH_TIMEOUT`` seconds, or Ctrl-C/SIGTERM, stops it and every process it
started, including those it put in groups of their own.
"""

import os
import pkgutil
import signal
import sys
import time

from bench import _processes

TINY = {  # BENCH_TINY: every bench once, small; the figures are not the goals' (the table says "tiny")
    "BENCH_PRODUCTS": "6",
    "BENCH_UPDATE": "3",
    "BENCH_MEMORY_SIZES": "5,10",
    "BENCH_QUOTA": "150",
    "BENCH_WINDOW_S": "3",
    "BENCH_CALLS": "60",
    "BENCH_STARTS": "1",
    "BENCH_STOCK_EVENTS": "10",
    "BENCH_STOCK_RATE": "10",
    "BENCH_STOCK_SALES": "40",
    "BENCH_STOCK_VARIANTS": "5",
    "BENCH_STOCK_SECONDS": "2",
    "BENCH_RECONCILE_VARIANTS": "50",
    "BENCH_CONVERGENCE_OPERATIONS": "60",
    "BENCH_CONVERGENCE_SIMPLE": "4",
    "BENCH_CONVERGENCE_VARIANT_PRODUCTS": "1",
    "BENCH_SANDBOX_VARIANTS": "100",
    "BENCH_SANDBOX_PRODUCTS": "100",
    "BENCH_SANDBOX_ORDERS": "50",
    "BENCH_SANDBOX_REPEAT": "3",
}


def modules() -> list[str]:
    here = os.path.dirname(__file__)
    return sorted(m.name for m in pkgutil.iter_modules([here]) if not m.name.startswith("_"))


def table(rows: list[tuple[str, str, str, str, bool | None]]) -> str:
    marks = {True: "✔", False: "✖", None: "–"}
    head = ("bench", "figure", "goal", "value", "met")
    body = [(b, f, g, v, marks[m]) for b, f, g, v, m in rows]
    widths = [max(len(str(r[i])) for r in [head, *body]) for i in range(5)]
    line = "-+-".join("-" * w for w in widths)
    out = [" | ".join(str(c).ljust(w) for c, w in zip(head, widths, strict=True)), line]
    out += [" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    for flag in [a for a in argv if a.startswith("--")]:
        os.environ["BENCH_" + flag[2:].replace("-", "_").upper()] = "1"
    if os.environ.get("BENCH_TINY") == "1":
        for name, value in TINY.items():
            os.environ.setdefault(name, value)
    names = [a for a in argv if not a.startswith("--")] or modules()
    unknown = [n for n in names if n not in modules() and "." not in n]  # a dotted path: a module elsewhere
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(modules())}", file=sys.stderr)
        return 2
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _processes.count_signal)
    timeout = float(os.environ.get("BENCH_TIMEOUT") or 3600)
    _processes.become_subreaper()
    services = _processes.services()
    print(f"== benches on {services.describe()}; each in its own process and database", flush=True)
    rows: list[tuple[str, str, str, str, bool | None]] = []
    failed = []
    for name in names:
        if _processes.stop_requested():
            break
        started = time.monotonic()
        print(f"== {name}", flush=True)
        outcome = _processes.run_one(name, services=services, timeout=timeout)
        print(f"   ({time.monotonic() - started:.1f} s)", flush=True)
        if outcome.error:
            failed.append(name)
            rows.append((name, "ran to its end", "yes", outcome.error, False))
        rows += [(name, *row) for row in outcome.summary]
    tiny = " (tiny sizes: the run shows each bench works, not the goals)" if os.environ.get("BENCH_TINY") else ""
    print(f"\n== summary{tiny}\n{table(rows)}", flush=True)
    if _processes.stop_requested():
        print("Stopped: the benches after it did not run.", flush=True)
        return 130
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
