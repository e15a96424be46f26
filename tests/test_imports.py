"""No import cycles: every module of ``capacity`` imports alone in a fresh interpreter, every
module but the commands imports the project's own modules at the top, where a cycle would show, never inside a
function where it would hide (issue 16), and the graph of the imports between ``capacity``
modules, read from the source with the ones inside functions, has no cycle."""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "capacity"
# the commands import their work when they run (``--help`` stays quick), and each bench case
# imports its solver in the process that runs it
LAZY_ALLOWED = ("cli/", "bench/suites.py")


def _modules() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts[-1] == "__main__":
            continue
        out.append(".".join(parts))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("module", _modules())
def test_module_imports_alone(module):
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]


def _imports_in_functions(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            names = []
            if isinstance(inner, ast.Import):
                names = [a.name for a in inner.names]
            elif isinstance(inner, ast.ImportFrom) and inner.level == 0 and inner.module:
                names = [inner.module]
            found += [
                f"{path.name}:{inner.lineno} {n}" for n in names if n.split(".")[0] == "capacity"
            ]
    return found


def test_modules_import_the_project_at_the_top():
    hidden = [
        hit
        for path in sorted(PACKAGE.rglob("*.py"))
        if not path.relative_to(PACKAGE).as_posix().startswith(LAZY_ALLOWED)
        for hit in _imports_in_functions(path)
    ]
    assert hidden == []


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:``: imports for annotations only, never run."""
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import that runs, at the top or inside a function, outside ``if TYPE_CHECKING:``."""
    found, todo = [], [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif not _type_checking_only(node):
            todo.extend(ast.iter_child_nodes(node))
    return found


def _targets(node: ast.Import | ast.ImportFrom, package: str, known: set[str]) -> set[str]:
    """The ``capacity`` modules an import runs: ``from a.b import c`` is ``a.b.c`` when that is a
    module, else ``a.b`` (``package``: the package a relative import starts from)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            start = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*start, base] if base else start)
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
    return {n for n in names if n in known}


def _import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported capacity module: line of its first import}, top level and in functions."""
    paths = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    graph: dict[str, dict[str, int]] = {}
    for here, path in paths.items():
        package = here if path.name == "__init__.py" else here.rpartition(".")[0]
        edges = graph.setdefault(here, {})
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _targets(node, package, set(paths)) - {here}:
                edges[target] = min(edges.get(target, node.lineno), node.lineno)
    return graph


def _cycle(graph: dict[str, dict[str, int]]) -> list[str]:
    """A cycle of imports, in import order (``a`` imports ``b`` ... imports ``a``); none: []."""
    try:
        graphlib.TopologicalSorter({m: set(edges) for m, edges in graph.items()}).prepare()
    except graphlib.CycleError as exc:
        return list(reversed(exc.args[1]))
    return []


def test_no_import_cycle_even_inside_functions():
    """An import inside a function may not close a cycle that the top-level imports would show."""
    graph = _import_graph()
    cycle = _cycle(graph)
    shown = " -> ".join(f"{a}:{graph[a][b]}" for a, b in zip(cycle, cycle[1:], strict=False))
    assert cycle == [], f"import cycle: {shown} -> {cycle[-1] if cycle else ''}"


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3, "d": 4}, "d": {}}
    assert _cycle(graph) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b": 1}, "b": {}}) == []
