"""The house's arrows (STYLE): no import circle between our modules, and the domain apps never
import the integrations app; the sandbox and the portal meet only over HTTP."""

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("portal", "catalog", "inventory", "integrations")


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
