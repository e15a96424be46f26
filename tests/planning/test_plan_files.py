"""A plan's files agree before the scenario runs take them: plan.csv's beds per site and month are
the beds its modules.csv gives a pavilion site and the registry gives a building (0: closed), and
modules.csv is one branch's plan of branches.csv. Files of two plans, or beds edited by hand, are
refused naming the first (site, month) that differ, never run with other beds than the plan
shows."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from capacity.cli import app
from capacity.errors import UserError
from capacity.io.registry import write_registry
from capacity.planning.plan import make_plan
from capacity.planning.plan_input import plan_homes
from capacity.planning.simulate import run_scenarios
from capacity.planning.supply import supply
from tests.helpers import tiny_registry
from tests.planning.conftest import scenario, scenario_text
from tests.planning.test_plan_decisions import WAVE, wave_site
from tests.planning.test_plan_decisions import scenario as wave_scenario

SC = scenario([1], stay=2, horizon=3)
SCENARIO_TOML = scenario_text([1], stay=2, horizon=3)


def plan_frame(b1: list[int], standing: list[int], beds_per_module: int = 4) -> pd.DataFrame:
    """A plan.csv frame of ``tiny_registry`` (B1: 9 beds; P1: one module type, 4 beds each) over
    the three months of ``SC``: B1's beds and P1's modules standing per month."""
    months = supply(tiny_registry(), SC).months
    rows = [("B1", m, 0, b, 0) for m, b in zip(months, b1, strict=True)]
    rows += [("P1", m, n, n * beds_per_module, 0) for m, n in zip(months, standing, strict=True)]
    return pd.DataFrame(rows, columns=["site_id", "month", "modules_standing", "beds", "cost"])


def modules_frame(standing: list[int]) -> pd.DataFrame:
    """A modules.csv frame: P1's one module type standing per month of ``SC``, none moved."""
    months = supply(tiny_registry(), SC).months
    return pd.DataFrame(
        {
            "site_id": "P1",
            "module_type_id": "P1",
            "month": months,
            "modules_standing": standing,
            "units_moved": 0,
        }
    )


def test_a_plan_whose_beds_its_modules_and_buildings_give_runs_with_them():
    plan = plan_frame([9, 9, 0], [2, 3, 3])
    res = run_scenarios(tiny_registry(), SC, plan=plan, modules=modules_frame([2, 3, 3]), samples=2)
    assert res.months["beds"].tolist() == [17, 21, 12]  # B1 closed in the third month


def test_plan_csv_of_one_plan_with_modules_csv_of_another_is_refused():
    plan, other = plan_frame([9, 9, 9], [2, 2, 2]), modules_frame([2, 3, 0])
    sup = supply(tiny_registry(), SC)
    with pytest.raises(UserError) as err:
        plan_homes(plan, sup, other)  # before: run with modules.csv's 12 and 0 beds at P1
    text = str(err.value)
    assert "P1 2027-02: 8 i plan.csv mod 12 ifølge modules.csv" in text
    assert "P1 2027-03: 8 i plan.csv mod 0 ifølge modules.csv" in text
    assert "P1 2027-01" not in text  # the month where they agree is not named


def test_a_building_given_other_beds_than_the_registrys_is_refused():
    sup = supply(tiny_registry(), SC)
    with pytest.raises(UserError, match="B1 2027-01: 5 i plan.csv mod 9 ifølge registret"):
        plan_homes(plan_frame([5, 5, 5], [2, 2, 2]), sup, modules_frame([2, 2, 2]))


def test_beds_that_are_not_whole_modules_are_refused_without_modules_csv():
    plan = plan_frame([9, 9, 9], [2, 2, 2]).drop(columns="modules_standing")
    plan.loc[plan["site_id"] == "P1", "beds"] = [8, 6, 8]  # before: 6 beds ran as 1 module
    sup = supply(tiny_registry(), SC)
    with pytest.raises(UserError, match=r"P1 2027-02: 6 i plan.csv mod 4 ifølge modulernes senge"):
        plan_homes(plan, sup)
    assert plan_homes(plan_frame([9, 9, 9], [2, 1, 2]).drop(columns="modules_standing"), sup).any()


def test_modules_csv_that_is_no_branch_of_branches_csv_is_refused():
    reg, sc = wave_site(), wave_scenario(8, WAVE.format(p=0.3))
    res = make_plan(reg, sc, samples=1, time_limit=20)
    wave = res.branches[res.branches["waves"] == "1"]
    other = pd.concat([wave.assign(branch="uden bølge", waves=""), wave])  # another plan's
    with pytest.raises(UserError, match="modules.csv er ikke planen for nogen af grenene"):
        run_scenarios(reg, sc, plan=res.plan, modules=res.modules, branches=other, samples=5)
    own = run_scenarios(
        reg, sc, plan=res.plan, modules=res.modules, branches=res.branches, samples=5
    )
    assert own.summary["plan_per_branch"] is True


def test_branches_csv_of_another_plan_is_refused_without_modules_csv():
    """Without modules.csv, plan.csv's beds must still be those of one of the branches."""
    reg, sc = wave_site(), wave_scenario(8, WAVE.format(p=0.3))
    res = make_plan(reg, sc, samples=1, time_limit=20)
    wave = res.branches[res.branches["waves"] == "1"]
    none = wave.assign(modules_standing=0, homes=0, beds=0)
    other = pd.concat([none.assign(branch="uden bølge", waves=""), none])  # another plan's
    with pytest.raises(UserError, match="plan.csv's senge er ikke nogen af grenenes"):
        run_scenarios(reg, sc, plan=res.plan, branches=other, samples=5)
    assert run_scenarios(reg, sc, plan=res.plan, branches=res.branches, samples=5).months.size


def test_scenarios_command_refuses_files_of_two_plans_with_exit_2(tmp_path):
    reg = tmp_path / "reg"
    write_registry(tiny_registry(), reg)
    (tmp_path / "sc.toml").write_text(SCENARIO_TOML, encoding="utf-8")
    (tmp_path / "plan").mkdir()
    plan_frame([9, 9, 9], [2, 2, 2]).to_csv(tmp_path / "plan" / "plan.csv", index=False)
    modules_frame([2, 2, 2]).to_csv(tmp_path / "plan" / "modules.csv", index=False)
    args = ["scenarios", str(reg), "-s", str(tmp_path / "sc.toml")]
    args += ["--plan", str(tmp_path / "plan" / "plan.csv"), "--samples", "2"]
    good = CliRunner().invoke(app, args)
    assert good.exit_code == 0, good.output
    modules_frame([2, 3, 3]).to_csv(tmp_path / "plan" / "modules.csv", index=False)
    bad = CliRunner().invoke(app, args)
    assert bad.exit_code == 2, bad.output
    flat = " ".join(bad.output.split())
    assert "P1 2027-02: 8 i plan.csv mod 12 ifølge modules.csv" in flat
    assert "Traceback" not in bad.output
