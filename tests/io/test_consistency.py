"""Pavilion sites and their units (modules) agree: validation finds every contradiction (issue 14).

Each test writes a one-site registry whose units contradict the site's module columns, and asserts
the problem's layer, row, column, severity and fix. Before ``check_modules`` all of them validated.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from capacity.errors import Problem
from capacity.io.registry import write_registry
from capacity.io.validate import validate_path
from tests.helpers import (
    ORIGIN,
    make_household,
    make_occupancy,
    make_registry,
    make_site,
    make_unit,
    square_district,
)

OLD = dt.date(2026, 5, 1)


def registry_on_disk(
    tmp_path: Path, *, now: int, most: int, units: int, residents: int = 0, beds: int = 4
) -> Path:
    """Pavilion site P1 (4 beds per module) with ``units`` units, the first ``residents`` lived in;
    the first unit has ``beds`` beds."""
    site = make_site("P1", kind="pavilion_site", modules_now=now, modules_max=most)
    rows = [make_unit(f"P1-M{i}", "P1", beds=beds if i == 1 else 4) for i in range(1, units + 1)]
    hh = [make_household(f"R{i}", arrival_date=OLD) for i in range(1, residents + 1)]
    occ = [make_occupancy(f"R{i}", f"P1-M{i}", move_in=OLD) for i in range(1, residents + 1)]
    town = square_district("T", "town", ORIGIN[0] - 1000, ORIGIN[1] - 1000, 2000, 5000)
    reg = make_registry(districts=[town], sites=[site], units=rows, households=hh, occupancy=occ)
    path = tmp_path / "reg"
    write_registry(reg, path)
    return path


def found(path: Path, column: str) -> list[Problem]:
    """Problems of ``check_modules`` at ``column`` (each must say a fix after ';')."""
    out = [p for p in validate_path(path) if p.column == column and "pavillongrund" in p.message]
    assert all(";" in p.message for p in out), out
    return out


def test_agreeing_units_and_modules_give_no_problem(tmp_path):
    assert validate_path(registry_on_disk(tmp_path, now=3, most=5, units=3, residents=3)) == []


def test_more_units_than_modules_max_is_an_error_on_the_site(tmp_path):
    (p,) = found(registry_on_disk(tmp_path, now=2, most=2, units=3), "modules_max")
    assert (p.severity, p.source, p.row) == ("error", "sites.csv", "P1 (linje 2)")
    assert "3 boliger" in p.message and "modules_max 2" in p.message


def test_residents_in_more_units_than_modules_now_is_an_error(tmp_path):
    (p,) = found(registry_on_disk(tmp_path, now=2, most=4, units=3, residents=3), "modules_now")
    assert p.severity == "error"
    assert "har beboere i 3 boliger" in p.message and "modules_now til mindst 3" in p.message


def test_units_other_than_modules_now_is_a_warning(tmp_path):
    (p,) = found(registry_on_disk(tmp_path, now=2, most=4, units=3), "modules_now")
    assert p.severity == "warning"


@pytest.mark.parametrize("beds", [3, 6])
def test_a_module_with_other_beds_than_beds_per_module_is_a_warning_on_the_unit(tmp_path, beds):
    (p,) = found(registry_on_disk(tmp_path, now=2, most=4, units=2, beds=beds), "beds")
    assert (p.severity, p.source, p.row) == ("warning", "units.csv", "P1-M1 (linje 2)")
    assert f"har {beds} senge" in p.message and "beds_per_module 4" in p.message


def test_the_bundled_sample_still_validates_without_problems(sample_gpkg):
    assert validate_path(sample_gpkg) == []
