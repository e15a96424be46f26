"""A reviewed plan is applied as the user saved it (audit 53a M5): a plan saved by Danish Excel
as CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import typer
from typer.testing import CliRunner

from capacity.cli.app import user_errors
from capacity.cli.place import place
from capacity.io.registry import load_registry, write_registry
from tests.helpers import PLACE_DAY, tiny_registry

runner = CliRunner()
app = typer.Typer()


@app.callback()
def _main() -> None:
    """A local app with ``place`` only."""


app.command()(user_errors(place))


def _run(*args):
    return runner.invoke(app, ["place", *map(str, args)], env={"COLUMNS": "400"})


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))}


def _as_danish_excel(plan: Path) -> None:
    """Save the plan's CSV files as Danish Excel does: ``;``, UTF-8 with BOM, CRLF."""
    for name in ("placements.csv", "modules.csv"):
        rows = list(csv.reader((plan / name).read_text(encoding="utf-8").splitlines()))
        buf = io.StringIO()
        csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(rows)
        (plan / name).write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


def _planned(tmp_path: Path, *extra) -> tuple[Path, Path]:
    reg, plan = tmp_path / "reg", tmp_path / "plan"
    write_registry(tiny_registry(), reg)
    made = _run(reg, "--date", PLACE_DAY, "--out", plan, *extra)
    assert made.exit_code == 0, made.output
    return reg, plan


def test_a_plan_saved_by_danish_excel_is_applied_as_planned(tmp_path):
    reg, plan = _planned(tmp_path)
    planned = pd.read_csv(plan / "placements.csv", dtype=str)[["household_id", "unit_id"]]
    assert len(planned) > 0
    _as_danish_excel(plan)
    applied = _run(reg, "--out", plan, "--apply")
    assert applied.exit_code == 0, applied.output
    occ = load_registry(reg).occupancy
    moved_in = occ[occ["move_in"] == pd.Timestamp(PLACE_DAY)][["household_id", "unit_id"]]
    assert sorted(map(tuple, moved_in.to_numpy())) == sorted(map(tuple, planned.to_numpy()))


def test_a_plan_saved_by_danish_excel_is_still_checked(tmp_path):
    reg, plan = _planned(tmp_path)
    text = (plan / "placements.csv").read_text(encoding="utf-8").splitlines()
    first = text[1].split(",")
    text[1] = ",".join([first[0], "NOWHERE", *first[2:]])
    (plan / "placements.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    _as_danish_excel(plan)
    before = _snapshot(reg)
    applied = _run(reg, "--out", plan, "--apply")
    assert applied.exit_code == 2
    assert "ukendt bolig 'NOWHERE'; den er ikke i registret" in applied.output
    assert _snapshot(reg) == before
