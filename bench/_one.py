"""One benchmark in a process of its own (started by ``python -m bench``): Django set up on the
database the runner gave it (DATABASE_URL), the module's ``main()``, then its ``summary(figures)``;
both written as JSON to BENCH_RESULT_FILE for the runner's table.

    python -m bench._one NAME      # NAME: a module of this package, or a dotted module path
"""

import importlib
import json
import os
import sys


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
    import django

    django.setup()
    name = argv[0]
    module = importlib.import_module(name if "." in name else f"bench.{name}")
    figures = module.main()
    summary = getattr(module, "summary", None)
    try:
        rows = [list(row) for row in summary(figures)] if summary else [["summary()", "present", "missing", False]]
    except Exception as exc:  # noqa: BLE001 (the figures are kept; the table says the summary failed)
        rows = [["summary()", "gives its rows", f"{type(exc).__name__}: {str(exc)[:80]}", False]]
    with open(os.environ["BENCH_RESULT_FILE"], "w") as out:
        json.dump({"figures": figures, "summary": rows}, out, default=str)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
