"""Run every benchmark module of this package (or those named) and print their figures.

    python -m bench                      # all of them
    python -m bench client_throughput    # one

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
    names = argv or modules()
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
