"""Defects of issue 14 (the capacity plan), each with a test that failed before its fix."""

from __future__ import annotations

import datetime as dt

import numpy as np
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
from capacity.planning.plan_input import plan_beds
from capacity.planning.sampling import conditional_mean_stay, remaining_stay
from capacity.planning.scenario import Scenario, load_scenario, scenario_from_text
from capacity.planning.simulate import run_scenarios
from capacity.planning.supply import supply
from tests.conftest import ROOT
from tests.helpers import (
    make_household,
    make_occupancy,
    make_registry,
    make_site,
    make_unit,
    tiny_registry,
)
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
    # the site may hold modules only from February: the three standing today (and the residents
    # in them) contradict it, and the plan says so before it models anything
    with pytest.raises(
        UserError, match=r"første måned 2027-01: .*\(P1\): 3 moduler i dag, available_from 2027-02"
    ):
        make_plan(reg, scenario([1], horizon=6), samples=2, time_limit=5)


def test_plan_command_on_contradicting_units_stops_at_validation_naming_the_site(tmp_path):
    path = tmp_path / "reg"
    write_registry(_lived_in_three_modules(), path)
    toml = tmp_path / "sc.toml"
    toml.write_text(SCENARIO_6, encoding="utf-8")
    app = typer.Typer()
    app.command()(user_errors(plan))
    app.command("other")(lambda: None)
    res = CliRunner().invoke(
        app, ["plan", str(path), "-s", str(toml), "--out", str(tmp_path / "out")]
    )
    assert res.exit_code == 2, res.output
    assert "P1" in res.output and "modules_now" in res.output
    assert "No capacity plan" not in res.output


# --- defect 2: a resident's remaining stay is the stay distribution given the time spent

MEAN_STAY = "[residents]\nwithout_expected_move_out = 'mean_stay'"


def test_remaining_stay_of_a_geometric_stay_is_memoryless():
    # P(S = k) = p (1 - p)^(k - 1), mean 12: E[S - 24 | S > 24] = 12 (tail cut at 600 months).
    p = 1 / 12
    pmf = p * (1 - p) ** np.arange(600)
    cond = remaining_stay(pmf / pmf.sum(), np.array([0.0, 24.0, 100.0]))
    remaining = conditional_mean_stay(cond) - [0.0, 24.0, 100.0]
    assert remaining == pytest.approx([12, 12, 12], abs=1e-9)


def test_remaining_stay_of_an_empirical_stay_by_hand():
    # stays 3, 12, 24 months with weights 1, 1, 2; after 6 months: 12 (1/3) or 24 (2/3),
    # E[S | S > 6] = 12/3 + 2 * 24/3 = 20, so 14 months remain; after 30 months: undefined.
    pmf = np.zeros(24)
    pmf[[2, 11, 23]] = [0.25, 0.25, 0.5]
    cond = remaining_stay(pmf, np.array([6.0, 30.0]))
    assert cond[0, [11, 23]] == pytest.approx([1 / 3, 2 / 3])
    assert conditional_mean_stay(cond)[0] - 6 == pytest.approx(14)
    assert cond[1].sum() == 0 and np.isnan(conditional_mean_stay(cond)[1])


def _no_arrivals(horizon: int, extra: str) -> Scenario:
    """A scenario from 2027-01 without arrivals or waiting households, with ``extra`` keys."""
    text = SCENARIO_6.replace("level = 1", "level = 0").replace("horizon_months = 6", "")
    return scenario_from_text(
        f"horizon_months = {horizon}\ninclude_waiting = false\n{text}{extra}", "test.toml"
    )


def _one_resident(move_in: dt.date) -> Registry:
    """One resident (4 persons) on building B1 since ``move_in``, no expected move-out."""
    hh = [make_household("R1", adults=2, children_ages=(3, 5), arrival_date=move_in)]
    occ = [make_occupancy("R1", "B1-1", move_in=move_in)]
    units = [make_unit("B1-1", "B1", beds=4)]
    return make_registry(sites=[make_site("B1")], units=units, households=hh, occupancy=occ)


def test_a_resident_past_the_mean_stay_is_not_gone_on_day_one():
    # Geometric stay, mean 12: moved in 2025-01-01 (730 days = 23.98 months before 2027-01), so
    # E[S | S > 23.98] = 23 + 12 = 35 months (1065 days) after move-in: leaves 2027-12-02, so
    # needs a bed until December 2027 (month index 11) and is gone from month 12.
    # Before: move-in + 12 months = 2026-01 lies before the start, gone in month 0.
    geometric = "[stay]\nkind = 'geometric'\nmean_months = 12\nmax_months = 600\n"
    sc = _no_arrivals(14, geometric + MEAN_STAY)
    sup = supply(_one_resident(dt.date(2025, 1, 1)), sc)
    assert sup.resident_persons[0].tolist() == [4] * 12 + [0] * 2
    assert sup.resident_leave.tolist() == [12]


def test_scenario_runs_draw_the_remaining_stay_and_agree_with_the_plan_on_its_mean():
    # Empirical stays 3, 12, 24 months (1:1:2); moved in 2026-07-01, 6 months before the start:
    # the resident leaves 2027-07 (stay 12) with probability 1/3, else 2028-07 (stay 24).
    extra = f"[stay]\nkind = 'empirical'\nmonths = [3, 12, 24]\nweights = [1, 1, 2]\n{MEAN_STAY}"
    sc = _no_arrivals(20, extra)
    reg = _one_resident(dt.date(2026, 7, 1))
    sup = supply(reg, sc)
    # the plan: E[S | S > 6.05] = 20 months after 2026-07-01 = 2028-03-01, month index 14
    assert sup.resident_leave.tolist() == [14]
    assert sup.resident_leave_by_stay[0, [11, 23]].tolist() == [6, 18]
    runs = run_scenarios(reg, sc, samples=3000, seed=5, workers=1)
    housed = runs.months["expected_occupied"].to_numpy() / 4  # share of runs still housed
    assert housed[:6] == pytest.approx(1.0)
    assert housed[6:18] == pytest.approx(2 / 3, abs=3 * np.sqrt(2 / 9 / 3000))
    assert housed[18:].tolist() == [0, 0]
