"""Issue 16 for the proposal: ``--time-limit`` is the whole command's, shared among the plans
(``capacity.planning.budget``); what does not fit is left out and the paper says which and why.

The clock is a fake one that a recording ``make_plan`` moves on by the seconds each plan is
given, so the tests check the rule, not the machine's speed."""

from __future__ import annotations

import json

import pytest

import capacity.planning.proposal as proposal_module
from capacity.cli.app import progress_text
from capacity.errors import UserError
from capacity.planning.budget import MIN_LIMIT
from capacity.planning.deadline import TimeLimitTooShort
from capacity.planning.feasible import PlanTimeout
from capacity.planning.plan import make_plan
from capacity.planning.proposal import UserOption, make_proposal
from capacity.reports.proposal_output import write_proposal
from tests.helpers import make_registry, make_unit
from tests.planning.conftest import pavilion, policy, scenario

OWN = [
    UserOption("Ingen nye", no_new_modules=True),
    UserOption("Behold 2", keep={"P1": 2}),
    UserOption("Ingen nye grunde", no_new_sites=True),
]


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def standing():
    """One pavilion site with three modules standing and demand beyond them."""
    site = pavilion(modules_now=3, cost_teardown_per_module=0, cost_month_per_module=100)
    units = [make_unit(f"M{i}", "P1", beds=4) for i in (1, 2, 3)]
    return make_registry(sites=[site], units=units, policy=policy())


@pytest.fixture
def recorded(monkeypatch):
    """``make_plan`` recorded: (time_limit, option title) per call; each call moves the fake
    clock on by ``used`` of the seconds it was given (the plan itself runs with 10 s)."""
    clock, calls, used = Clock(), [], {"share": 1.0}

    def fake(reg, sc, *, time_limit, **kw):
        calls.append(time_limit)
        clock.now += used["share"] * time_limit
        return make_plan(reg, sc, time_limit=10, **kw)

    monkeypatch.setattr(proposal_module, "make_plan", fake)
    return clock, calls, used


def propose(reg, clock, limit, own=OWN):
    """The proposal on a small scenario, with the fake clock when given."""
    more = {} if clock is None else {"clock": clock}
    sc = scenario([3, 3, 3], stay=8, horizon=6)
    return make_proposal(reg, sc, samples=2, runs=20, own=own, time_limit=limit, **more)


def test_plans_that_use_all_their_time_stay_within_the_limit(standing, recorded, tmp_path):
    clock, calls, _ = recorded
    paper = propose(standing, clock, 12)
    assert sum(calls) <= 12 and clock.now - 100 <= 12
    assert len(calls) == 3  # D, A and C: too little was left for the user's options
    assert [k for k, _ in paper.stopped.options] == ["E", "F", "G"]
    keys = {k for o in paper.options for k in (o.key, *o.same_as)}
    assert keys == {"A", "B", "C", "D"}
    assert any("Mulighed F (Behold 2) er ikke planlagt" in n for n in paper.notes)
    write_proposal(paper, tmp_path / "out", 1000)
    md = (tmp_path / "out" / "proposal.md").read_text(encoding="utf-8")
    assert (
        "Mulighed E (Ingen nye) er ikke planlagt: den nåede ikke frem inden for tidsgrænsen " in md
    )
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["time"]["limit_seconds"] == 12
    assert [o["key"] for o in summary["time"]["options_left_out"]] == ["E", "F", "G"]


def test_plans_that_end_early_leave_time_for_every_option(standing, recorded):
    clock, calls, used = recorded
    used["share"] = 0.1
    paper = propose(standing, clock, 20)
    assert clock.now - 100 <= 20 and len(calls) >= 6
    assert not paper.stopped and paper.sensitivity is not None
    keys = {k for o in paper.options for k in (o.key, *o.same_as)}
    assert keys == {"A", "B", "C", "D", "E", "F", "G"}


def test_the_status_quo_and_the_main_options_are_planned_first(standing, recorded):
    clock, _, used = recorded
    used["share"] = 0.1
    seen = []
    make_proposal(
        standing,
        scenario([3, 3, 3], stay=8, horizon=6),
        samples=2,
        runs=20,
        own=OWN[:1],
        time_limit=60,
        clock=clock,
        stage=seen.append,
    )
    planned = [s.split()[1] for s in seen if s.startswith("Planlægger")]
    assert planned[:4] == ["D", "A", "C", "E"]
    assert set(planned[4:]) <= {"B"}


def test_a_limit_too_short_for_the_main_options_is_refused(standing):
    with pytest.raises(UserError, match=f"--time-limit {MIN_LIMIT} eller mere"):
        propose(standing, None, MIN_LIMIT - 1)


def test_the_progress_line_names_the_stage_and_the_seconds():
    line = progress_text("da", 0.0, 30, stage="Planlægger A (laveste forventede omkostning)")
    assert line.startswith("Planlægger A (laveste forventede omkostning): ")
    assert line.endswith(" af 30 s")


def test_the_robust_variants_left_out_are_named(standing, recorded):
    clock, calls, _ = recorded
    sc = scenario([30, 30, 30], stay=8, horizon=6)  # more than the site can ever hold
    paper = make_proposal(standing, sc, samples=2, runs=20, time_limit=12, clock=clock)
    assert sum(calls) <= 12 and len(calls) == 4  # D, A, C and B for the 0.9 quantile
    assert paper.stopped.quantiles == (0.95, 0.975)
    assert any("ikke planlagt for kvantil 0,95, 0,975" in n for n in paper.notes)


@pytest.mark.parametrize("late", [PlanTimeout, TimeLimitTooShort])
def test_an_own_option_without_a_plan_in_its_share_is_left_out(
    standing, recorded, monkeypatch, late
):
    """Whether the plan's search found nothing in time or its model was not even built."""
    clock, calls, used = recorded
    used["share"] = 0.1
    recording = proposal_module.make_plan

    def timeout_at_f(reg, sc, *, time_limit, **kw):
        if len(calls) == 4:  # D, A, C, E, then F
            calls.append(time_limit)
            raise late("Ingen kapacitetsplan fundet inden for tidsgrænsen")
        return recording(reg, sc, time_limit=time_limit, **kw)

    monkeypatch.setattr(proposal_module, "make_plan", timeout_at_f)
    paper = propose(standing, clock, 20)
    assert [k for k, _ in paper.stopped.options] == ["F"]  # G is still tried, and planned
    keys = {k for o in paper.options for k in (o.key, *o.same_as)}
    assert keys == {"A", "B", "C", "D", "E", "G"}
    assert any("Mulighed F (Behold 2) er ikke planlagt" in n for n in paper.notes)


def test_a_main_option_without_a_plan_in_its_share_names_a_limit(standing, recorded, monkeypatch):
    clock, calls, _ = recorded
    recording = proposal_module.make_plan

    def timeout_at_a(reg, sc, *, time_limit, **kw):
        if len(calls) == 1:  # D, then A
            raise PlanTimeout("Ingen kapacitetsplan fundet inden for tidsgrænsen")
        return recording(reg, sc, time_limit=time_limit, **kw)

    monkeypatch.setattr(proposal_module, "make_plan", timeout_at_a)
    with pytest.raises(UserError, match=r"Mulighed A .* --time-limit 24 eller mere"):
        propose(standing, clock, 12)


@pytest.fixture
def slow_scoring(monkeypatch, recorded):
    """Every plan distinct, and each scoring of one on the runs moves the fake clock on by
    ``used["scoring"]`` seconds (a large registry's scenario runs)."""
    clock, calls, used = recorded
    real, plans = proposal_module.score, iter(range(1000))

    def score(*args, **kwargs):
        clock.now += used["scoring"]
        return real(*args, **kwargs)

    monkeypatch.setattr(proposal_module, "score", score)
    monkeypatch.setattr(proposal_module, "plan_key", lambda made: next(plans))
    return clock, calls, used


@pytest.mark.parametrize("scoring", [1.0, 3.0])
def test_the_main_options_keep_time_for_their_own_scoring(standing, slow_scoring, scoring):
    """Plans that use all their share and scorings that take time end within the limit."""
    clock, calls, used = slow_scoring
    used["scoring"] = scoring
    propose(standing, clock, 20, own=())
    assert clock.now - 100 <= 20


def test_main_options_whose_scoring_leaves_too_little_are_refused_in_time(standing, slow_scoring):
    clock, calls, used = slow_scoring
    used["scoring"] = 6.0
    with pytest.raises(UserError, match=r"Mulighed A .* ville få for lidt .* --time-limit 40"):
        propose(standing, clock, 20, own=())
    assert clock.now - 100 <= 20
