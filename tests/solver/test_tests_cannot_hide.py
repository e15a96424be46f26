"""Tests that cannot hide (issue 16, item 8): a test never skips because one of the project's own
modules fails to import; such an import error must fail the run."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _own_module_skips(path: Path, root: Path = TESTS) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name != "importorskip":
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and str(arg.value).split(".")[0] == "capacity":
            found.append(f"{path.relative_to(root)}:{node.lineno} {arg.value}")
    return found


def test_no_test_skips_on_an_own_module():
    hits = [hit for path in sorted(TESTS.rglob("*.py")) for hit in _own_module_skips(path)]
    assert hits == []


def test_the_check_sees_an_own_module_skip(tmp_path):
    path = tmp_path / "test_x.py"
    path.write_text(
        'import pytest\nm = pytest.importorskip("capacity.solver.solve")\n'
        'n = pytest.importorskip("distributed")\n'
        "from pytest import importorskip\n"
        'o = importorskip("capacity.io")\n'
    )
    assert _own_module_skips(path, tmp_path) == [
        "test_x.py:2 capacity.solver.solve",
        "test_x.py:5 capacity.io",
    ]
