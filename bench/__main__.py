"""Run every benchmark module of this package (or those named) and print their figures.

    python -m bench                      # all of them
    python -m bench client_throughput    # one
    python -m bench product_sync --full  # an option: sets BENCH_FULL=1 for the modules

Each module has a ``main() -> dict`` that prints its own lines and returns its figures.
"""

import importlib
import os
import pkgutil
import sys
import time


def modules() -> list[str]:
    here = os.path.dirname(__file__)
    return sorted(m.name for m in pkgutil.iter_modules([here]) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
    import django

    django.setup()
    for flag in [a for a in argv if a.startswith("--")]:
        os.environ["BENCH_" + flag[2:].replace("-", "_").upper()] = "1"
    names = [a for a in argv if not a.startswith("--")] or modules()
    unknown = set(names) - set(modules())
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(modules())}", file=sys.stderr)
        return 2
    for name in names:
        started = time.monotonic()
        print(f"== {name}", flush=True)
        importlib.import_module(f"bench.{name}").main()
        print(f"   ({time.monotonic() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
