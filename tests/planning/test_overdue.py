"""An open stay past its expected move-out: the registry does not say whether the household left.

The plan and the scenario runs refuse it by default and read it as the scenario's
``[residents] overdue_expected_move_out`` says otherwise; ``validate`` warns of it. Before,
``month_index`` read the past date as month 0, so the household silently counted as gone.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from capacity.cli.app import user_errors
from capacity.cli.scenarios import scenarios
from capacity.errors import UserError
from capacity.io.layers import Registry
from capacity.io.registry import write_registry
from capacity.io.stays import overdue_stays
from capacity.io.validate import validate_path
from capacity.planning.scenario import Scenario, scenario_from_text
from capacity.planning.supply import supply
from tests.helpers import (
    make_household,
    make_occupancy,
    make_registry,
    make_site,
    make_unit,
    tiny_registry,
)

LAST_MOVE = dt.date(2026, 11, 18)
SCENARIO = """
name = "uden ankomster"
start = "2027-01"
horizon_months = 6
include_waiting = false
[arrivals]
level = 0
[[household_types]]
name = "single"
adults = 1
share = 1
[residents]
"""


def _registry(expected: dt.date | None) -> Registry:
    """R1 (4 persons) on B1-1 since 2026-01-01, expected to leave on ``expected``, no move-out;
    R2 (1 person) moved into B1-2 on ``LAST_MOVE``, the registry's last recorded move."""
    hh = [
        make_household("R1", adults=2, children_ages=(3, 5), arrival_date=dt.date(2026, 1, 1)),
        make_household("R2", adults=1, arrival_date=LAST_MOVE),
    ]
    occ = [
        make_occupancy("R1", "B1-1", move_in=dt.date(2026, 1, 1), expected_move_out=expected),
        make_occupancy("R2", "B1-2", move_in=LAST_MOVE),
    ]
    units = [make_unit("B1-1", "B1", beds=4), make_unit("B1-2", "B1", beds=1)]
    return make_registry(sites=[make_site("B1")], units=units, households=hh, occupancy=occ)


def _scenario(residents: str = "") -> Scenario:
    return scenario_from_text(SCENARIO + residents, "test.toml")


def test_an_overdue_expected_move_out_is_refused_by_default_naming_the_household():
    with pytest.raises(UserError) as err:
        supply(_registry(dt.date(2026, 6, 1)), _scenario())
    text = str(err.value)
    assert "1 husstand" in text and "R1 (2026-06-01)" in text and "R2" not in text
    assert "til og med 2026-11-18" in text
    assert 'overdue_expected_move_out = "left"' in text and '"unknown"' in text


def test_left_reads_the_overdue_household_as_gone_before_the_start():
    sup = supply(_registry(dt.date(2026, 6, 1)), _scenario("overdue_expected_move_out = 'left'"))
    assert sup.resident_leave.tolist() == [0, 6]
    assert sup.resident_persons[0].tolist() == [1] * 6


def test_unknown_reads_the_overdue_household_as_without_an_expected_move_out():
    stays = _scenario("overdue_expected_move_out = 'unknown'")
    sup = supply(_registry(dt.date(2026, 6, 1)), stays)
    assert sup.resident_leave.tolist() == [6, 6]  # "stay": the whole horizon
    assert sup.resident_persons[0].tolist() == [5] * 6
    mean = "without_expected_move_out = 'mean_stay'\noverdue_expected_move_out = 'unknown'\n"
    mean += "[stay]\nkind = 'empirical'\nmonths = [3, 12, 24]\nweights = [1, 1, 2]\n"
    overdue = supply(_registry(dt.date(2026, 6, 1)), _scenario(mean))
    without = supply(_registry(None), _scenario(mean))
    assert overdue.resident_leave.tolist() == without.resident_leave.tolist()
    assert (overdue.resident_stay == without.resident_stay).all()


def test_an_expected_move_out_after_the_last_recorded_move_is_not_overdue():
    # Due on 2026-12-15, after the registry's last move: it is a forecast, not a missing
    # move-out; the household leaves before the start in month 0, as before.
    sup = supply(_registry(dt.date(2026, 12, 15)), _scenario())
    assert sup.resident_leave.tolist() == [0, 6]


def test_validate_warns_of_an_overdue_stay(tmp_path):
    write_registry(_registry(dt.date(2026, 6, 1)), tmp_path / "reg")
    problems = validate_path(tmp_path / "reg")
    overdue = [p for p in problems if p.column == "expected_move_out"]
    assert [p.severity for p in overdue] == ["warning"]
    assert "husstand R1 skulle flytte 2026-06-01" in overdue[0].message
    assert "til og med 2026-11-18" in overdue[0].message
    write_registry(_registry(dt.date(2026, 12, 15)), tmp_path / "later")
    assert not [p for p in validate_path(tmp_path / "later") if p.column == "expected_move_out"]


def test_scenarios_command_exits_2_on_an_overdue_stay(tmp_path):
    reg = tiny_registry()  # R1 and R2 moved in on 2025-06-01
    occ = reg.occupancy
    occ.loc[occ["household_id"] == "R1", "expected_move_out"] = pd.Timestamp(2025, 9, 1)
    occ.loc[occ["household_id"] == "R2", "move_in"] = pd.Timestamp(2025, 10, 1)
    write_registry(reg, tmp_path / "reg")
    toml = tmp_path / "s.toml"
    toml.write_text(SCENARIO, encoding="utf-8")
    app = typer.Typer()
    app.command()(user_errors(scenarios))
    app.command("other")(lambda: None)  # two commands: the first is called by name
    args = ["scenarios", str(tmp_path / "reg"), "-s", str(toml), "--out", str(tmp_path / "o")]
    res = CliRunner().invoke(app, [*args, "--samples", "2", "--workers", "1"])
    assert res.exit_code == 2, res.output
    assert "R1 (2025-09-01)" in res.output and "Traceback" not in res.output


def test_a_move_in_booked_ahead_makes_no_stay_overdue_before_it_happens(tmp_path):
    # The reviewer's case: one move-in booked for a day to come made the registry's "last
    # recorded move" a future day, and households due to leave after today but before that day
    # were called overdue. The registry is kept until its last move, but not after today.
    today = dt.date.today()
    hh = [
        make_household("R1", adults=2, arrival_date=today - dt.timedelta(days=300)),
        make_household("R2", adults=1, arrival_date=today - dt.timedelta(days=10)),
    ]
    occ = [
        make_occupancy(
            "R1",
            "B1-1",
            move_in=today - dt.timedelta(days=300),
            expected_move_out=today + dt.timedelta(days=20),
        ),
        make_occupancy("R2", "B1-2", move_in=today + dt.timedelta(days=45)),
    ]
    units = [make_unit("B1-1", "B1", beds=4), make_unit("B1-2", "B1", beds=1)]
    reg = make_registry(sites=[make_site("B1")], units=units, households=hh, occupancy=occ)
    assert not overdue_stays(reg.occupancy).any()
    assert overdue_stays(reg.occupancy, today=today + dt.timedelta(days=30)).tolist() == [
        True,
        False,
    ]
    write_registry(reg, tmp_path / "reg")
    assert not [p for p in validate_path(tmp_path / "reg") if p.column == "expected_move_out"]


def test_validate_warns_of_residents_at_a_site_whose_availability_ended(tmp_path):
    # The audit's case: residents living at a site past its available_until, validate silent;
    # placement and plan count no bed there from then.
    reg = _registry(None)
    sites = reg.sites.copy()
    sites["available_until"] = pd.Timestamp(2026, 10, 31)
    write_registry(reg.with_layers(sites=sites), tmp_path / "reg")
    (problem,) = [p for p in validate_path(tmp_path / "reg") if p.column == "available_until"]
    assert problem.severity == "warning"
    assert "lokalitet B1 er til rådighed til og med 2026-10-31, men 2 husstande" in problem.message
    assert "ført til og med 2026-11-18" in problem.message
    sites["available_until"] = pd.Timestamp(2026, 12, 31)  # ends after the last move: fine
    write_registry(reg.with_layers(sites=sites), tmp_path / "later")
    assert not [p for p in validate_path(tmp_path / "later") if p.column == "available_until"]
