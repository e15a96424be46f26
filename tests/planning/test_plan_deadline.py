"""The plan's time limit (issue 16): every HiGHS child of a plan and of its value of uncertainty
ends by the deadline, parts the limit leaves no time for are skipped and named, and the summary
says which limit stopped the run. No wall-clock time is asserted: the tests check the limits the
solver is given and what the summary says."""

from __future__ import annotations

import dataclasses
import time

import pytest
import typer
from typer.testing import CliRunner

from capacity.cli.app import user_errors
from capacity.cli.plan import plan
from capacity.io.registry import write_registry
from capacity.planning import plan as plan_module
from capacity.planning.deadline import KILL_AFTER, TimeLimitTooShort
from capacity.planning.explain import explanation_md
from capacity.planning.plan import make_plan
from capacity.solver.clock import STOPPED_BY
from tests.helpers import make_registry, tiny_registry
from tests.planning.conftest import pavilion, policy, scenario, scenario_text

runner = CliRunner()


def two_sites():
    """Two pavilion sites and a wave of 8 singles in month 4: a plan with a price."""
    return make_registry(sites=[pavilion(), pavilion("P2", dx=3000)], policy=policy())


def wave():
    return scenario([2, 2, 2, 6, 2])


@pytest.fixture
def calls(monkeypatch):
    """Every HiGHS child the plan starts, recorded with the wall time of the call (the real
    solver runs)."""
    seen: list[dict] = []
    real = plan_module.solve_highs

    def recording(form, **kw):
        seen.append(dict(kw, called=time.time()))
        return real(form, **kw)

    monkeypatch.setattr(plan_module, "solve_highs", recording)
    return seen


def test_every_child_of_a_plan_and_its_value_ends_by_the_deadline(calls):
    limit, reg, sc = 4.0, two_sites(), wave()
    begun = time.time()
    res = make_plan(reg, sc, samples=4, seed=1, time_limit=limit, value=True)
    assert calls, "no solver was started"
    for call in calls:
        assert call["deadline"] is not None, "a child without a deadline"
        assert call["deadline"] <= begun + limit + 0.01
        assert call["called"] + call["time_limit"] <= call["deadline"] + 0.01
        assert call["grace"] <= KILL_AFTER
    s = res.summary
    assert s["stopped_by"] in STOPPED_BY
    v = s["value_of_uncertainty"]
    if not v["complete"]:
        assert s["stopped_by"] == "wall_clock"
    for part in ("average_path", "wait_and_see_bound"):
        assert (v[part] is None) == (part in v["skipped"])
    if v["wait_and_see_bound"] is not None:
        assert v["wait_and_see_bound"] <= s["objective"] + 1e-6


def test_a_limit_the_plan_uses_up_skips_the_value_of_uncertainty_and_says_so(monkeypatch):
    """The plan's search runs to its deadline (as HiGHS does on a large model): no part of the
    value of uncertainty is started, each is named as skipped for the time limit, and the
    values there are stay valid (no numbers invented)."""
    started: list[dict] = []
    real = plan_module.solve_highs

    def to_the_limit(form, **kw):
        started.append(kw)
        out = real(form, **kw)
        time.sleep(max(kw["deadline"] - time.time(), 0.0))
        return dataclasses.replace(out, status="TIME_LIMIT")

    monkeypatch.setattr(plan_module, "solve_highs", to_the_limit)
    res = make_plan(two_sites(), wave(), samples=4, seed=1, time_limit=2.0, value=True)
    assert len(started) == 1, "a part of the value of uncertainty was solved after the deadline"
    s, v = res.summary, res.summary["value_of_uncertainty"]
    assert s["stopped_by"] == "wall_clock"
    assert v["skipped"] == {"average_path": "time_limit", "wait_and_see_bound": "time_limit"}
    assert v["complete"] is False
    for key in ("average_path", "wait_and_see_bound", "value_of_perfect_information_at_most"):
        assert v[key] is None
    assert v["stochastic"] == pytest.approx(s["objective"])
    assert v["stochastic_bound"] <= v["stochastic"] + 1e-6
    assert s["bound"] <= s["objective"] + 1e-6
    text = explanation_md(res, 1000)
    assert "blev ikke løst inden for tidsgrænsen" in text
    assert "blev ikke beregnet inden for tidsgrænsen" in text


def test_a_search_cut_before_it_had_a_bound_shows_a_bound_below_the_plan(monkeypatch):
    """HiGHS ended by its limit with a plan but no bound: the summary's bound is still a lower
    bound (never the plan's own cost, which would read as a gap of 0)."""
    real = plan_module.solve_highs

    def without_bound(form, **kw):
        return dataclasses.replace(real(form, **kw), status="TIME_LIMIT", bound=None)

    monkeypatch.setattr(plan_module, "solve_highs", without_bound)
    res = make_plan(two_sites(), wave(), samples=4, seed=1, time_limit=10)
    s = res.summary
    assert s["bound"] < s["objective"]
    assert s["gap"] > 0
    assert s["status"] == "feasible" and s["stopped_by"] == "wall_clock"


def test_a_plan_that_ends_at_its_gap_says_so():
    res = make_plan(two_sites(), wave(), samples=4, seed=1, time_limit=30)
    s = res.summary
    assert s["stopped_by"] == {"optimal": "optimal", "within_gap": "deterministic"}[s["status"]]


def test_a_limit_too_short_for_any_plan_is_an_error_and_starts_no_solver(monkeypatch):
    def never(form, **kw):
        raise AssertionError("a solver was started with no time left for it")

    monkeypatch.setattr(plan_module, "solve_highs", never)
    with pytest.raises(TimeLimitTooShort, match="--time-limit"):
        make_plan(two_sites(), wave(), samples=4, seed=1, time_limit=0.2, value=True)


def test_the_command_refuses_a_limit_too_short_with_exit_2(tmp_path):
    local = typer.Typer()
    local.command()(user_errors(plan))
    local.command()(lambda: None)  # a second command keeps ``plan`` a subcommand
    reg = tmp_path / "reg"
    write_registry(tiny_registry(), reg)
    sc = tmp_path / "wave.toml"
    sc.write_text(scenario_text([2, 2, 2, 6, 2]), encoding="utf-8")
    args = ["plan", str(reg), "--scenario", str(sc), "--time-limit", "0.1"]
    result = runner.invoke(local, [*args, "--samples", "4", "--out", str(tmp_path / "p")])
    assert result.exit_code == 2, result.output
    assert "for kort" in result.output and "--time-limit" in result.output
    assert not (tmp_path / "p").exists()


def test_a_part_without_a_plan_for_another_reason_is_not_blamed_on_the_clock(monkeypatch):
    """The average path found infeasible (not cut): named with its reason, and the run was not
    stopped by the time limit."""
    monkeypatch.setattr(plan_module, "_average_path", lambda m, rp, until: ({}, "infeasible"))
    res = make_plan(two_sites(), wave(), samples=4, seed=1, time_limit=60, value=True)
    v = res.summary["value_of_uncertainty"]
    assert v["skipped"] == {"average_path": "infeasible"} and v["average_path"] is None
    assert v["complete"] is False and v["cut_by_time_limit"] is False
    assert res.summary["stopped_by"] in ("optimal", "deterministic")
