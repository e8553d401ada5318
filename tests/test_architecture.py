"""The house's arrows (STYLE): no import circle between our modules; portal is the ground floor
and imports no other app of ours; the domain apps (catalog, inventory) never import the
integrations app; backoffice, the roof, may import them all and nothing imports it; a private
name stays in its module; the sandbox and the portal meet only over HTTP.

Django's wiring names apps by dotted string, not by import (``INSTALLED_APPS`` in
``portal/settings/``, ``include("backoffice.urls")`` in ``portal/urls.py``): that is the project
listing its rooms, not portal's code depending on them."""

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("portal", "catalog", "inventory", "integrations", "backoffice", "operations")
# The apps whose every module (tests included) this file holds to "no private name across modules".
OWN_RULES = ("portal", "catalog", "inventory", "backoffice", "operations")


def _modules(apps=APPS) -> dict[str, Path]:
    found = {}
    for app in apps:
        for path in (ROOT / app).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts or "tests" in rel.parts:
                continue
            name = ".".join(rel.with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(parts + ([node.module] if node.module else []))
                for alias in node.names:
                    target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    if target in modules and target != name:
                        graph[name].add(target)
            elif isinstance(node, ast.Import):
                graph[name].update(a.name for a in node.names if a.name in modules and a.name != name)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_circle():
    assert _circles(_imports(_modules())) == []


def _imported(path: Path) -> list[tuple[int, str, list[str]]]:
    """Every import in the file, at module level or inside a function: (line, absolute module, names)."""
    rel = path.relative_to(ROOT).with_suffix("")
    package = list(rel.parts if path.name == "__init__.py" else rel.parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - (node.level - 1)] + ([node.module] if node.module else []))
            found.append((node.lineno, base, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name, []) for a in node.names)
    return found


def _python_files(app: str, *, tests: bool) -> list[Path]:
    return [
        p
        for p in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in p.parts and (tests or "tests" not in p.relative_to(ROOT).parts)
    ]


def _targets(app: str, *, tests: bool = False) -> list[tuple[str, str]]:
    return [
        (f"{path.relative_to(ROOT)}:{line}", module)
        for path in _python_files(app, tests=tests)
        for line, module, names in _imported(path)
    ]


def test_portal_is_the_ground_floor_and_imports_no_other_app():
    """Not at module level and not inside a function: the dashboard, the settings page and the
    currency change, which need the domain, live in backoffice."""
    above = {"catalog", "inventory", "integrations", "backoffice", "operations"}
    assert [(where, module) for where, module in _targets("portal") if module.split(".")[0] in above] == []


def test_catalog_and_inventory_import_nothing_from_integrations_nor_backoffice():
    for app in ("catalog", "inventory"):
        found = [(w, m) for w, m in _targets(app) if m.split(".")[0] in ("integrations", "backoffice")]
        assert found == [], app


def test_nothing_imports_backoffice():
    for app in ("portal", "catalog", "inventory", "integrations"):
        assert [(w, m) for w, m in _targets(app, tests=True) if m.split(".")[0] == "backoffice"] == [], app


def test_nothing_imports_operations():
    """Health and metrics read every app; no app depends on them."""
    for app in ("portal", "catalog", "inventory", "integrations", "backoffice"):
        assert [(w, m) for w, m in _targets(app, tests=True) if m.split(".")[0] == "operations"] == [], app


def test_no_private_name_is_imported_from_another_module():
    """A leading underscore stays in its file (STYLE rule 16), tests included."""
    found = []
    for app in OWN_RULES:
        for path in _python_files(app, tests=True):
            for line, module, names in _imported(path):
                private = [n for n in names if n.startswith("_") and not n.startswith("__")]
                private += [part for part in module.split(".") if part.startswith("_") and not part.startswith("__")]
                if private and module.split(".")[0] in APPS:
                    found.append((f"{path.relative_to(ROOT)}:{line}", module, private))
    assert found == []


def test_an_import_inside_a_function_says_which_cycle_forces_it():
    """Imports go at the top, where they show the arrows (tests included); one inside a function
    (a cycle, or Django's app loading in ``AppConfig.ready``) has a comment on the line above
    saying why."""
    silent = []
    for app in OWN_RULES:
        for path in _python_files(app, tests=True):
            lines = path.read_text().splitlines()
            for function in ast.walk(ast.parse("\n".join(lines))):
                if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for node in ast.walk(function):
                    if isinstance(node, (ast.Import, ast.ImportFrom)):
                        above = lines[node.lineno - 2].strip()
                        if not above.startswith("#") and not above.startswith(("from ", "import ")):
                            silent.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert silent == []


def test_domain_apps_never_import_integrations_and_the_sandbox_stands_alone():
    graph = _imports(_modules())
    for name, targets in graph.items():
        if name.split(".")[0] in ("catalog", "inventory", "portal"):
            assert not {t for t in targets if t.startswith("integrations")}, name
    for path in (ROOT / "sandbox").rglob("*.py"):
        if "tests" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [n for n in names if n.split(".")[0] in APPS], path


# -- the connector's rooms (issue 16) ---------------------------------------------------------
TRANSPORT = "integrations.bigcommerce.api"
BINDER = "integrations.bigcommerce.binder"
BINDING_MODELS = re.compile(r"\b(ProductLink|VariantLink|RemoteRef|refs|variant_links|product_links)\b")
BINDING_FIELDS = {"unlinked_at", "remote_product_id", "remote_variant_id", "remote_id", "local_id", "link"}
MAX_LINES = 400


def _integrations() -> dict[str, Path]:
    return _modules(("integrations",))


def _strings(tree) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
    return found


def test_bigcommerce_paths_only_in_the_transport_room():
    """Only ``integrations/bigcommerce/api/`` spells a REST path (``/v2/…``, ``/v3/…``); the
    flows call its named endpoints."""
    path_like = re.compile(r"^/?v[23]/")
    offenders = [
        f"{name}:{line}: {text}"
        for name, path in _integrations().items()
        if not name.startswith(TRANSPORT)
        for line, text in _strings(ast.parse(path.read_text()))
        if path_like.match(text)
    ]
    assert offenders == []


def _binding_writes(tree) -> list[int]:
    """Lines that make, drop, re-point or end a binding (not its sync state)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = ast.unparse(node.func.value)
            method = node.func.attr
            if not BINDING_MODELS.search(receiver):
                continue
            if method in {"create", "bulk_create", "get_or_create", "update_or_create", "delete"}:
                lines.append(node.lineno)
            elif method == "update" and {k.arg for k in node.keywords} & BINDING_FIELDS:
                lines.append(node.lineno)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in BINDING_FIELDS - {"link"}:
                    lines.append(node.lineno)
    return lines


def test_bindings_are_written_only_by_the_binder():
    offenders = {
        name: lines
        for name, path in _integrations().items()
        if name != BINDER and (lines := _binding_writes(ast.parse(path.read_text())))
    }
    assert offenders == {}


def test_the_binder_check_sees_a_binding_write():
    sample = "ProductLink.objects.filter(pk=1).update(unlinked_at=now)\nlink.variant_links.all().delete()\n"
    assert _binding_writes(ast.parse(sample)) == [1, 2]


def test_no_import_of_a_private_name_across_modules():
    modules = _modules()
    offenders = []
    for name, path in modules.items():
        if not name.startswith("integrations"):
            continue
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            if base.split(".")[0] not in APPS:
                continue
            offenders += [f"{name}: {base}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert offenders == []


def test_no_module_of_integrations_is_over_400_lines():
    sizes = {name: len(path.read_text().splitlines()) for name, path in _integrations().items()}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_the_stock_sync_reads_stock_through_inventory():
    """The integrations app reads levels and the ledger through inventory's selectors and
    services, never its tables (inventory alone writes stock, and takes its own locks)."""
    offenders = []
    for name, path in _integrations().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "inventory.models":
                offenders += [f"{name}: {a.name}" for a in node.names if a.name in {"StockLevel", "StockMovement"}]
    assert offenders == []


REGEX_CALLS = {"compile", "match", "fullmatch", "search", "findall", "finditer", "sub", "split"}
KEY_WORDS = re.compile(r"order|line|taken|returned|bigcommerce:|idempotency")


def _key_reads(tree) -> list[int]:
    """Lines that learn something from a ledger key: a lookup on its text (``idempotency_key__…``)
    or a regular expression that speaks of orders, lines or keys."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if any((k.arg or "").startswith("idempotency_key__") for k in node.keywords):
            lines.append(node.lineno)
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "re"
            and func.attr in REGEX_CALLS
            and node.args
            and any(KEY_WORDS.search(text) for _l, text in _strings(node.args[0]))
        ):
            lines.append(node.lineno)
    return lines


def test_no_code_of_integrations_reads_an_order_line_from_a_ledger_key():
    """What an order line did is an ``OrderLineEffect`` row (order, line, kind, the ledger row):
    outside its migrations, which filled the rows once for older keys, nothing in integrations/
    matches a key or filters the ledger on a key's text."""
    offenders = {
        name: lines for name, path in _integrations().items() if (lines := _key_reads(ast.parse(path.read_text())))
    }
    assert offenders == {}


def test_the_key_read_check_sees_a_key_read():
    sample = (
        'rows.filter(idempotency_key__startswith="bigcommerce:")\n'
        're.match(r"^bigcommerce:(\\d+):order:(\\d+)", key)\n'
        're.compile(r"[Ss]ku\\s+(\\S+)")\n'
    )
    assert _key_reads(ast.parse(sample)) == [1, 2]


# -- the lanes: every task leaves through integrations.services.queue ------------------------
QUEUE_MODULE = ROOT / "integrations" / "services" / "queue.py"
TASK_PATH = re.compile(r"^integrations\.tasks\.([a-z_][a-z0-9_]*)$")


def _async_task_uses(tree) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if (isinstance(node, ast.Name) and node.id == "async_task")
        or (isinstance(node, ast.Attribute) and node.attr == "async_task")
        or (isinstance(node, ast.alias) and node.name.rsplit(".", 1)[-1] == "async_task")
    ]


def test_no_async_task_outside_the_queue_module():
    """A task enqueued with django-q2's async_task directly would go to the queue of the cluster
    that happens to run the caller: the urgent lane's work could land on the bulk lane and back."""
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for app in APPS
        for path in _python_files(app, tests=False)
        if path != QUEUE_MODULE
        for line in _async_task_uses(ast.parse(path.read_text()))
    ]
    assert found == [], "enqueue through integrations.services.queue (enqueue / enqueue_on_commit): " + ", ".join(found)


def test_the_async_task_check_sees_a_use():
    tree = ast.parse(
        "from django_q.tasks import async_task\nasync_task('x')\nimport django_q\ndjango_q.tasks.async_task('y')"
    )
    assert _async_task_uses(tree) == [1, 2, 4]


def test_every_task_path_names_a_task_and_has_a_lane():
    """Every dotted path written in the code (enqueued, scheduled, in the lane table) is a function
    of integrations.tasks. A path not in the table is bulk (the table lists the urgent ones)."""
    from integrations import tasks
    from integrations.services.queue import BULK, LANES, URGENT, lane_of

    written = {
        f"{path.relative_to(ROOT)}:{line}": match.group(1)
        for app in APPS
        for path in _python_files(app, tests=False)
        for line, text in _strings(ast.parse(path.read_text()))
        if (match := TASK_PATH.match(text))
    }
    assert len(written) > 20  # the check reads the code
    missing = [f"{where} {name}" for where, name in written.items() if not callable(getattr(tasks, name, None))]
    assert missing == []
    for path, lane in LANES.items():
        assert lane in (URGENT, BULK) and callable(getattr(tasks, TASK_PATH.match(path).group(1), None)), path
    for name in set(written.values()):
        assert lane_of(f"integrations.tasks.{name}") == LANES.get(f"integrations.tasks.{name}", BULK)
    # The lane contract: what a shopper or a cashier waits on is urgent.
    for name in (
        "bigcommerce_stock_push_run",
        "bigcommerce_order_sync",
        "bigcommerce_orders_poll",
        "webhook_event_process",
    ):
        assert lane_of(f"integrations.tasks.{name}") == URGENT, name
    for name in ("bigcommerce_export_run", "bigcommerce_import_chunk", "bigcommerce_stock_reconcile", "journal_prune"):
        assert lane_of(f"integrations.tasks.{name}") == BULK, name
