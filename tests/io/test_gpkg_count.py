"""A GeoPackage's own row count (``gpkg_ogr_contents.feature_count``) is what GDAL reads by.

Other tools can leave it stale (a table recreated without the GeoPackage's triggers, rows added
by plain SQL). GDAL then reads that many rows and no more: a registry read from it silently lost
its last rows, and an apply to it added rows that its read-back could not see.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from capacity.errors import RegistryError
from capacity.io.registry import load_registry, write_registry
from capacity.solver.apply import apply_plan
from tests.helpers import tiny_registry
from tests.solver.test_apply_safe import TODAY, _planned


def _without_count_triggers(path: Path) -> None:
    con = sqlite3.connect(path)
    for (name,) in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%feature_count%'"
    ).fetchall():
        con.execute(f'DROP TRIGGER "{name}"')
    con.commit()
    con.close()


def test_a_table_with_more_rows_than_its_count_is_refused_naming_both(tmp_path):
    path = tmp_path / "reg.gpkg"
    write_registry(tiny_registry(), path)
    before = len(load_registry(path).occupancy)
    _without_count_triggers(path)
    con = sqlite3.connect(path)
    con.execute(
        "INSERT INTO occupancy (household_id, unit_id, move_in, move_out) "
        "VALUES ('A1', 'B1-3', '2025-01-01', '2025-02-01')"
    )
    con.commit()
    con.close()
    with pytest.raises(RegistryError) as err:
        load_registry(path)
    text = str(err.value)
    assert f"reg.gpkg:occupancy: tabellen har {before + 1} rækker" in text
    assert f"optælling (gpkg_ogr_contents) siger {before}" in text
    assert "feature_count = NULL WHERE table_name = 'occupancy'" in text


def test_an_apply_keeps_the_count_where_the_triggers_are_gone(tmp_path):
    path, plan = _planned(tmp_path, "reg.gpkg")
    _without_count_triggers(path)
    before = load_registry(path)
    done = apply_plan(path, plan, today=TODAY)
    after = load_registry(path)
    assert done.moved_in > 0
    assert len(after.occupancy) == len(before.occupancy) + done.moved_in
