"""Defects of issue 14 (the capacity plan), each with a test that failed before its fix."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from capacity.cli.app import user_errors
from capacity.cli.plan import plan
from capacity.cli.scenarios import scenarios
from capacity.errors import UserError
from capacity.io.layers import Registry
from capacity.io.registry import load_registry, write_registry
from capacity.model.domain import build_domain
from capacity.planning.plan import make_plan
from capacity.planning.scenario import load_scenario
from capacity.planning.simulate import plan_beds
from capacity.planning.supply import supply
from tests.conftest import ROOT
from tests.helpers import make_household, make_occupancy, make_registry, make_unit, tiny_registry
from tests.planning.conftest import pavilion, scenario

SCENARIOS = ROOT / "data" / "scenarios"


def test_plan_and_placement_give_every_sample_site_the_same_station_minutes(sample_gpkg):
    # Before: the plan rounded up (P03 6, P04 10, P05 24 min.), placement half up (5, 9, 23).
    reg = load_registry(sample_gpkg)
    sup = supply(reg, load_scenario(SCENARIOS / "wave.toml"))
    dom = build_domain(reg, dt.date(2026, 12, 1), with_pairs=False)
    placement = {sid: site.station_minutes for sid, site in dom.sites.items()}
    assert dict(zip(sup.ids, sup.minutes.tolist(), strict=True)) == placement
    assert placement["P03"] == 5  # 5.45 minutes by the straight line, rounded half up


# --- defect 1: a plan shorter than the scenario is refused, never filled with today's capacity


def _plan_for(sup, months: int, beds: int = 4) -> pd.DataFrame:
    """A plan frame with ``beds`` beds per site for the first ``months`` months of ``sup``."""
    rows = [(sid, m, beds) for sid in sup.ids for m in sup.months[:months]]
    return pd.DataFrame(rows, columns=["site_id", "month", "beds"])


def test_a_plan_shorter_than_the_scenario_is_refused_naming_the_months():
    sup = supply(tiny_registry(), scenario([0], horizon=6))
    with pytest.raises(UserError, match=r"2027-05–2027-06 \(2 af 6\)"):
        plan_beds(_plan_for(sup, 4), sup)  # before: months 5 and 6 counted today's capacity


def test_a_plan_without_a_site_of_the_registry_is_refused():
    sup = supply(tiny_registry(), scenario([0], horizon=3))
    plan = _plan_for(sup, 3)
    with pytest.raises(UserError, match="mangler lokalitet.*P1"):
        plan_beds(plan[plan["site_id"] != "P1"], sup)


def test_a_plan_with_a_month_twice_or_without_beds_is_refused():
    sup = supply(tiny_registry(), scenario([0], horizon=3))
    plan = _plan_for(sup, 3)
    with pytest.raises(UserError, match="flere rækker for B1 2027-02"):
        plan_beds(pd.concat([plan, plan.iloc[[1]]]), sup)  # before: the beds were added up
    with pytest.raises(UserError, match="ingen senge.*B1 2027-02"):
        plan_beds(plan.assign(beds=plan["beds"].where(plan.index != 1)), sup)


def test_a_plan_in_any_row_order_or_longer_than_the_scenario_gives_the_same_beds():
    sup = supply(tiny_registry(), scenario([0], horizon=3))
    longer = supply(tiny_registry(), scenario([0], horizon=5))
    plan = _plan_for(longer, 5).assign(beds=range(10))
    beds = plan_beds(plan.iloc[::-1], sup)
    assert beds.tolist() == [[0, 1, 2], [5, 6, 7]]


def test_scenarios_command_refuses_a_short_plan_with_exit_2(tmp_path):
    reg, path = tiny_registry(), tmp_path / "reg"
    write_registry(reg, path)
    toml = tmp_path / "sc.toml"
    toml.write_text(SCENARIO_6, encoding="utf-8")
    sup = supply(reg, scenario([0], horizon=6))
    _plan_for(sup, 4).to_csv(tmp_path / "plan.csv", index=False)
    app = typer.Typer()
    app.command()(user_errors(scenarios))
    app.command("other")(lambda: None)  # two commands: the first is called by name
    args = ["scenarios", str(path), "-s", str(toml), "--plan", str(tmp_path / "plan.csv")]
    res = CliRunner().invoke(app, [*args, "--samples", "2", "--workers", "1"])
    assert res.exit_code == 2, res.output
    assert "2027-05–2027-06" in res.output
    assert "Traceback" not in res.output


SCENARIO_6 = """
name = "seks"
start = "2027-01"
horizon_months = 6
[arrivals]
level = 1
[[household_types]]
name = "single"
adults = 1
share = 1
"""


# --- defect 3: an infeasible plan names the site and the cause, in Danish


def _lived_in_three_modules(**site) -> Registry:
    """Pavilion site P1 with three units, each with a resident (not validated: built in code)."""
    row = pavilion(**{"modules_now": 2, "modules_max": 4, **site})
    units = [make_unit(f"M{i}", "P1", beds=4) for i in (1, 2, 3)]
    hh = [make_household(f"R{i}", arrival_date=dt.date(2026, 5, 1)) for i in (1, 2, 3)]
    occ = [make_occupancy(f"R{i}", f"M{i}", move_in=dt.date(2026, 5, 1)) for i in (1, 2, 3)]
    return make_registry(sites=[row], units=units, households=hh, occupancy=occ)


def test_residents_in_more_modules_than_stand_name_the_site_and_modules_now():
    # Before: "No capacity plan found (solver status infeasible); raise the time limit ..."
    with pytest.raises(UserError) as exc:
        make_plan(_lived_in_three_modules(), scenario([1], horizon=6), samples=2, time_limit=5)
    text = str(exc.value)
    assert "P1 (Site P1): beboerne bor i 3 moduler, men sites.modules_now er 2" in text
    assert "time limit" not in text and "No capacity plan" not in text


def test_residents_at_a_site_not_yet_available_name_the_month():
    reg = _lived_in_three_modules(modules_now=3, available_from=dt.date(2027, 2, 1))
    # the site may hold modules only from February; ordered in January they stand from March
    with pytest.raises(UserError, match="bor der stadig i 2027-01, men grunden er ikke"):
        make_plan(reg, scenario([1], horizon=6), samples=2, time_limit=5)


def test_plan_command_on_contradicting_units_stops_at_validation_naming_the_site(tmp_path):
    path = tmp_path / "reg"
    write_registry(_lived_in_three_modules(), path)
    toml = tmp_path / "sc.toml"
    toml.write_text(SCENARIO_6, encoding="utf-8")
    app = typer.Typer()
    app.command()(user_errors(plan))
    app.command("other")(lambda: None)
    res = CliRunner().invoke(app, ["plan", str(path), "-s", str(toml), "--out", str(tmp_path)])
    assert res.exit_code == 2, res.output
    assert "P1" in res.output and "modules_now" in res.output
    assert "No capacity plan" not in res.output
