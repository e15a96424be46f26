"""No import cycles: every module of ``capacity`` imports alone in a fresh interpreter, and the
solver imports the project's own modules at the top, where a cycle would show, never inside a
function where it would hide (issue 16)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "capacity"
# apply.py and verify.py read and write the registry; they import io lazily at the moment of
# applying and belong to the apply work (issue 17), not to the placement engine
LAZY_ALLOWED = {"apply.py", "verify.py"}


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


def test_solver_imports_the_project_at_the_top():
    hidden = [
        hit
        for path in sorted((PACKAGE / "solver").glob("*.py"))
        if path.name not in LAZY_ALLOWED
        for hit in _imports_in_functions(path)
    ]
    assert hidden == []
