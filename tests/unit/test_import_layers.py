"""The runtime package's import contract (docs/architecture.md): layers import only
downward, and no module imports itself back through others. Read from the source with
the standard library's `ast`, so an import inside a function (a cold-start deferral)
counts exactly like one at the top: it may not hide a cycle or reach up a layer.
Imports under `if TYPE_CHECKING:` are annotations only and never run; they are not
counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "layers" / "shared" / "python"
PACKAGE = "resource_api"

# Lowest first. A module may import its own layer and the ones before it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ("resource_api.core",)),
    ("metrics", ("resource_api.metrics",)),
    ("frame", ("resource_api.frame",)),
    ("requestlogs", ("resource_api.requestlogs",)),
    ("webhooks", ("resource_api.webhooks",)),
    ("events", ("resource_api.events",)),
    ("resources", ("resource_api.resources",)),
    # What wires the entities together: the route table, the batch endpoint that runs
    # other entities' endpoints, the authorizer, the stream dispatcher, the documented answers.
    ("app", ("resource_api.batch", "resource_api.routes", "resource_api.auth", "resource_api.stream",
             "resource_api.responses", "resource_api")),
)


def modules(root: Path = ROOT) -> dict[str, Path]:
    out = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def layer_of(module: str) -> int:
    best, best_len = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports(known: dict[str, Path]) -> dict[str, dict[str, int]]:
    """module -> {imported module of the package: line}."""
    graph: dict[str, dict[str, int]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        skip = _type_checking_lines(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: dict[str, int] = {}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)) or node.lineno in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                targets = [f"{source}.{a.name}" if f"{source}.{a.name}" in known else source for a in node.names]
            for target in targets:
                if target in known and target != name:
                    edges.setdefault(target, node.lineno)
        graph[name] = edges
    return graph


def upward(graph: dict[str, dict[str, int]]) -> list[str]:
    return sorted(
        f"{m}:{line} imports {t} ({LAYERS[layer_of(t)][0]} is above {LAYERS[layer_of(m)][0]})"
        for m, edges in graph.items()
        for t, line in edges.items()
        if layer_of(t) > layer_of(m)
    )


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_module_is_in_a_layer():
    for name in modules():
        layer_of(name)


def test_no_layer_imports_a_layer_above_it():
    assert upward(imports(modules())) == []


def test_the_package_has_no_import_cycle():
    assert cycles(imports(modules())) == []


def test_the_checks_catch_an_upward_import_and_a_cycle(tmp_path):
    """The contract fails when it should: a scratch package with a core module that
    imports an entity, and two entity modules that import each other in functions."""
    pkg = tmp_path / PACKAGE
    for sub in ("core", "resources"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "db.py").write_text("from ..resources import domain\n")
    (pkg / "resources" / "domain.py").write_text("def f():\n    from . import expand\n")
    (pkg / "resources" / "expand.py").write_text("def g():\n    from . import domain\n")
    graph = imports(modules(tmp_path))
    assert upward(graph) == [
        "resource_api.core.db:1 imports resource_api.resources.domain (resources is above core)"
    ]
    assert cycles(graph) == [["resource_api.resources.domain", "resource_api.resources.expand"]]
