"""A move booked ahead (a ``move_in`` or ``move_out`` after today): plan, scenarios and proposal
refuse a start before its month (``supply.starts_after_records``), and ``validate`` says so first.
Before, ``validate`` was quiet and the plan's refusal was the first word of it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from capacity.errors import UserError
from capacity.io.registry import write_registry
from capacity.io.validate import validate_path
from capacity.planning.supply import supply
from tests.planning.test_overdue import _registry, _scenario


def _booked(days: int):
    """R2's move-in ``days`` after today (R1 has no expected move-out)."""
    reg = _registry(None)
    occ = reg.occupancy.copy()
    day = pd.Timestamp(dt.date.today() + dt.timedelta(days=days))
    occ.loc[occ["household_id"] == "R2", "move_in"] = day
    return reg.with_layers(occupancy=occ), day


def test_validate_warns_of_a_move_in_booked_ahead_naming_the_first_month_to_start(tmp_path):
    reg, day = _booked(400)
    write_registry(reg, tmp_path / "reg")
    (problem,) = [p for p in validate_path(tmp_path / "reg") if p.column == "move_in"]
    assert problem.severity == "warning"
    assert f"husstand R2 flytter ind {day:%Y-%m-%d}, efter i dag" in problem.message
    assert f"kan derfor først starte i {day:%Y-%m}" in problem.message
    # and the plan's refusal says the same month
    sc = _scenario().model_copy(update={"start": f"{day.year - 1}-01"})
    with pytest.raises(UserError, match=f"lad det starte i {day:%Y-%m} eller senere"):
        supply(reg, sc)


def test_moves_up_to_today_are_not_booked_ahead(tmp_path):
    reg, _ = _booked(0)
    write_registry(reg, tmp_path / "reg")
    assert not [p for p in validate_path(tmp_path / "reg") if "efter i dag" in p.message]
