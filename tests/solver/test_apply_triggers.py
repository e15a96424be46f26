"""``place --apply`` into a GeoPackage with the user's triggers: what a trigger changes in the
registry's tables is found before the commit and refused, the registry left as it was; a trigger
that writes only to a table of the user's own keeps working (audit 53a M2)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
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

# a default expected move-out six months after move-in, as a user might add one
DEFAULT_MOVE_OUT = (
    "CREATE TRIGGER occ_default AFTER INSERT ON occupancy WHEN NEW.expected_move_out IS NULL "
    "BEGIN UPDATE occupancy SET expected_move_out = strftime('%Y-%m-%dT00:00:00', NEW.move_in, "
    "'+6 months') WHERE fid = NEW.fid; END;"
)
# a trigger that changes another registry table than the one written
FEWER_BEDS = (
    "CREATE TRIGGER beds_down AFTER INSERT ON occupancy "
    "BEGIN UPDATE units SET beds = beds - 1 WHERE id = NEW.unit_id; END;"
)


def _run(*args):
    return runner.invoke(app, ["place", *map(str, args)], env={"COLUMNS": "400"})


def _planned(tmp_path: Path, trigger: str) -> tuple[Path, Path]:
    """A GeoPackage registry with ``trigger`` and a plan made from it."""
    reg, plan = tmp_path / "reg.gpkg", tmp_path / "plan"
    write_registry(tiny_registry(), reg)
    with contextlib.closing(sqlite3.connect(reg)) as conn, conn:
        conn.executescript(trigger)
    made = _run(reg, "--date", PLACE_DAY, "--out", plan)
    assert made.exit_code == 0, made.output
    return reg, plan


@pytest.mark.parametrize(
    ("trigger", "table", "name"),
    [(DEFAULT_MOVE_OUT, "occupancy", "occ_default"), (FEWER_BEDS, "units", "beds_down")],
)
def test_a_trigger_that_changes_the_registry_is_refused_before_the_commit(
    tmp_path, trigger, table, name
):
    reg, plan = _planned(tmp_path, trigger)
    before = reg.read_bytes()
    applied = _run(reg, "--out", plan, "--apply")
    assert applied.exit_code == 2, applied.output
    assert applied.exception is None or isinstance(applied.exception, SystemExit)
    text = " ".join(applied.output.split())
    assert (
        f"{reg}: en trigger eller en anden regel i databasen ændrede tabellen {table}, da "
        f"planen blev skrevet (trigger: {name} på occupancy)"
    ) in text
    assert "Intet blev skrevet; registret er uændret." in text
    assert reg.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan", "reg.gpkg"]  # no backup kept


def test_a_trigger_that_logs_to_its_own_table_keeps_working(tmp_path):
    log = (
        "CREATE TABLE moves_log (household_id TEXT, unit_id TEXT);"
        "CREATE TRIGGER occ_log AFTER INSERT ON occupancy BEGIN "
        "INSERT INTO moves_log VALUES (NEW.household_id, NEW.unit_id); END;"
    )
    reg, plan = _planned(tmp_path, log)
    planned = pd.read_csv(plan / "placements.csv", dtype=str)[["household_id", "unit_id"]]
    applied = _run(reg, "--out", plan, "--apply")
    assert applied.exit_code == 0, applied.output
    with contextlib.closing(sqlite3.connect(reg)) as conn:
        logged = conn.execute("SELECT household_id, unit_id FROM moves_log").fetchall()
    assert sorted(logged) == sorted(map(tuple, planned.to_numpy())) and logged
    occ = load_registry(reg).occupancy
    assert set(planned["household_id"]) <= set(occ["household_id"])
