"""Fixtures of the hostile suite: a tiny registry on disk in every form, a small scenario, a plan,
a scenario run's months, and the runner that checks each command's ending."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from capacity.cli import app
from capacity.io.registry import write_registry
from tests import helpers

SCENARIO = """name = "test"
start = "2027-01"
horizon_months = 6
include_waiting = false
[arrivals]
per_month = [1, 0, 2, 0, 0, 1]
[uncertainty]
kind = "none"
[[household_types]]
name = "single"
adults = 1
share = 1
[stay]
kind = "empirical"
months = [6]
weights = [1]
"""
PLAN = "site_id,month,modules_up,modules_standing,modules_down,beds,cost,binding\n" + "".join(
    f"P1,2027-0{m},0,2,0,8,16000,True\nB1,2027-0{m},0,0,0,9,0,True\n" for m in range(1, 7)
)
MONTHS = "month,p_shortage,expected_short,expected_occupied,p10_occupied,p90_occupied,beds\n" + (
    "".join(f"2027-0{m},0.1,0.5,10,8,12,17\n" for m in range(1, 7))
)

runner = CliRunner()


@dataclass(frozen=True)
class World:
    """Paths of good inputs, to be combined with one bad one at a time."""

    root: Path
    gpkg: Path
    xlsx: Path
    folder: Path
    scenario: Path
    plan: Path
    scenarios: Path


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> World:
    """The tiny registry as .gpkg, .xlsx and a folder; a 6-month scenario; a plan folder with
    plan.csv; a scenarios folder with months.csv and summary.json."""
    root = tmp_path_factory.mktemp("hostile")
    reg = helpers.tiny_registry()
    for name in ("tiny.gpkg", "tiny.xlsx", "tiny"):
        write_registry(reg, root / name)
    (root / "scenario.toml").write_text(SCENARIO, encoding="utf-8")
    (root / "plan").mkdir()
    (root / "plan" / "plan.csv").write_text(PLAN, encoding="utf-8")
    (root / "runs").mkdir()
    (root / "runs" / "months.csv").write_text(MONTHS, encoding="utf-8")
    run = '{"start": "2027-01", "horizon_months": 6, "months_at_risk": []}'  # MONTHS' run
    (root / "runs" / "summary.json").write_text(run, encoding="utf-8")
    return World(
        root,
        root / "tiny.gpkg",
        root / "tiny.xlsx",
        root / "tiny",
        root / "scenario.toml",
        root / "plan",
        root / "runs",
    )


def check(args: list[str | Path]) -> str:
    """Run a command in process: it must end with exit 0 or 2, no traceback, no escape code."""
    result = runner.invoke(app, [str(a) for a in args])
    shown = result.output
    assert result.exit_code in (0, 2), (args, result.exit_code, shown, repr(result.exception))
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert "Traceback" not in shown, (args, shown)
    assert "\x1b" not in shown and "\x07" not in shown, (args, shown)
    return shown


def check_error(args: list[str | Path], *words: str) -> str:
    """As ``check``, and the command must refuse (exit 2) with each of ``words`` in its message."""
    result = runner.invoke(app, [str(a) for a in args])
    shown = result.output
    assert result.exit_code == 2, (args, result.exit_code, shown, repr(result.exception))
    assert "Traceback" not in shown, (args, shown)
    flat = " ".join(shown.split())
    for word in words:
        assert word in flat, (args, word, shown)
    return shown


def make_fifo(path: Path) -> Path:
    """A named pipe at ``path`` (reading it blocks until someone writes)."""
    os.mkfifo(path)
    return path
