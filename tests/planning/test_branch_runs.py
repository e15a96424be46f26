"""Scenario runs go through the plan of the branch they drew, and count the households moved
because their home went (issue 14: "relocations as the plan says, the same branches")."""

from __future__ import annotations

import numpy as np
import pytest

from capacity.errors import UserError
from capacity.planning.plan import BRANCH_COLUMNS, make_plan
from capacity.planning.plan_input import read_branches
from capacity.planning.simulate import run_scenarios
from capacity.reports.plan_output import write_plan
from tests.planning.test_plan_decisions import WAVE, scenario, wave_site


def test_a_plan_without_branches_leaves_no_branches_of_an_earlier_plan(tmp_path):
    """``scenarios --plan`` reads ``branches.csv`` beside ``plan.csv``: one left from an earlier
    plan with a wave would replace this plan's modules in every run."""
    reg, out = wave_site(), tmp_path / "plan"
    write_plan(make_plan(reg, scenario(8, WAVE.format(p=0.3)), samples=1, time_limit=20), out, 1000)
    assert (out / "branches.csv").is_file()
    (out / "noter.txt").write_text("mine")
    res = make_plan(reg, scenario(8), samples=1, time_limit=20)
    write_plan(res, out, 1000)
    assert res.branches is None and not (out / "branches.csv").exists()
    assert (out / "noter.txt").read_text() == "mine"


def test_the_plan_differs_by_branch_and_each_run_takes_its_branchs_plan(tmp_path):
    # The wave (12 singles in May 2027, probability 0.3) pays for keeping the 3 modules until
    # it is known (test_plan_decisions); then they come down without it and stay with it.
    reg, sc = wave_site(), scenario(8, WAVE.format(p=0.3))
    res = make_plan(reg, sc, samples=1, time_limit=20)
    per = res.branches
    assert list(per.columns) == BRANCH_COLUMNS
    standing = per.pivot_table("modules_standing", "waves", "month")
    assert standing.loc["1"].tolist() == [3] * 8  # with the wave: kept all along
    assert standing.loc[""].iloc[:3].tolist() == [3, 3, 3]  # shared until the wave is known
    assert standing.loc[""].iloc[-1] == 0  # without it: taken down
    # the plan shows the most probable branch (without the wave)
    assert res.modules["modules_standing"].tolist() == standing.loc[""].tolist()

    write_plan(res, tmp_path / "plan", 1000)
    back = read_branches(tmp_path / "plan" / "branches.csv")
    assert back["waves"].tolist() == per["waves"].tolist()

    own = run_scenarios(reg, sc, plan=res.plan, modules=res.modules, branches=back, samples=400)
    same = run_scenarios(reg, sc, plan=res.plan, modules=res.modules, samples=400)
    assert own.summary["plan_per_branch"] is True
    assert same.summary["plan_per_branch"] is False
    # each run with the wave finds the 12 beds kept for it: no shortage at all
    assert own.summary["risk_any_shortage"] == 0.0
    # with the one plan (no wave) for every run, about 30 % of the runs are short
    assert abs(same.summary["risk_any_shortage"] - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 400)
    # beds: the branches' beds weighed by their probabilities
    assert own.months["beds"].iloc[-1] == pytest.approx(0.3 * 12)


def test_a_scenario_branch_the_plan_has_no_plan_for_is_refused():
    reg, sc = wave_site(), scenario(8, WAVE.format(p=0.3))
    res = make_plan(reg, sc, samples=1, time_limit=20)
    only_wave = res.branches[res.branches["waves"] == "1"]
    with pytest.raises(UserError, match=r"ingen plan for scenariets gren 'uden bølge'"):
        run_scenarios(reg, sc, plan=res.plan, modules=res.modules, branches=only_wave, samples=5)


def test_a_certain_wave_runs_through_the_plan_of_the_branch_where_it_comes():
    # The same plan, scored where the wave is certain (a sensitivity case): every run takes the
    # plan of the branch with the wave, so none is short.
    reg = wave_site()
    res = make_plan(reg, scenario(8, WAVE.format(p=0.3)), samples=1, time_limit=20)
    sure = scenario(8, WAVE.format(p=1.0))
    out = run_scenarios(
        reg, sure, plan=res.plan, modules=res.modules, branches=res.branches, samples=50
    )
    assert out.summary["risk_any_shortage"] == 0.0
    assert "plan_per_branch" not in out.summary  # one branch: nothing to say


def test_a_round_trip_is_found_and_costed():
    # Three empty modules at 20,000 a month; a certain wave of 12 singles in August 2027. Keeping
    # them 7 months costs 140,000 a module, taking them down and ordering them again 20,000
    # (teardown 10,000 + setup 10,000): the plan makes the round trip, and says so.
    from tests.planning.test_plan_decisions import module_type, pavilion, registry, units_of

    t = module_type(
        "R-T",
        "R",
        modules_now=3,
        modules_max=3,
        cost_month_per_module=20_000,
        cost_setup_per_module=10_000,
        cost_teardown_per_module=10_000,
    )
    reg = registry([pavilion("R")], [t], units_of("R-T", "R", 3))
    wave = "[[arrivals.waves]]\nstart = 8\nmonths = 1\nhouseholds = 12\n"
    res = make_plan(reg, scenario(10, wave), samples=1, time_limit=20)
    (trip,) = res.summary["round_trips"]
    assert (trip["type_id"], trip["modules"], trip["down"]) == ("R-T", 3, "2027-01")
    assert trip["up"] == "2027-07"  # a month's lead time before the wave
    assert trip["cost"] == 3 * 20_000 and trip["probability"] == pytest.approx(1.0)
