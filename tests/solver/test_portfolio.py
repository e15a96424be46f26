"""The facility-location race (``capacity.solver.portfolio``): the textbook MIP reaches a known
optimum, the race keeps the better lane's placement with a valid bound whichever lane is worse,
and a raced ``place`` ends within its limit.

The tests that expect p1's proven optimum state a guarantee: the wall clock is set ``WIDE`` and
checked not to have cut, so what decides is the deterministic budget of a CP-SAT lane (the same
input and seed give the same answer on any machine, whatever its speed) or HiGHS's run to its
proof (a proven optimum is the optimum on any machine); HiGHS has no deterministic budget, and
there ``WIDE`` is only a safety net.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from capacity.bench import sscflp
from capacity.model.domain import Domain, add_pairs, build_domain
from capacity.model.placement import build_model
from capacity.model.soft import separable
from capacity.solver import cpsat_lanes, fixing, portfolio, stages
from capacity.solver.clock import Clock
from capacity.solver.greedy import greedy_assignment
from capacity.solver.scoring import evaluate
from capacity.solver.solve import STRATEGIES, Run, place

DAY = pd.Timestamp("2027-01-01").date()
WIDE = 300.0  # seconds of wall clock, ten times ``portfolio.MIN_LIMIT``: it never decides here
CUT = "the wall clock cut the run: neither a deterministic budget nor a proof decided"


def _holmberg(shared_dir: Path, name: str) -> tuple[sscflp.Instance, Domain, int]:
    inst = sscflp.load(shared_dir / "benchmarks" / "sscflp", "holmberg", name)
    reg = sscflp.to_registry(inst)
    dom = add_pairs(build_domain(reg, DAY, allow_new_modules=True, with_pairs=False))
    return inst, dom, sscflp.PLACE_SCALE * sscflp.registry_scale(inst)


def test_the_textbook_mip_proves_a_known_optimum(shared_dir):
    """HiGHS on the textbook MIP of p1, run to its proof (the wall clock wide, checked not to
    have cut): the proven objective, scored on the whole domain, is the known optimum."""
    inst, dom, scale = _holmberg(shared_dir, "p1")
    started = time.perf_counter()
    clock = Clock(WIDE)
    got = portfolio.highs_lane(dom, seed=0, lang="en", started=started, clock=clock)
    assert not clock.cut, CUT
    assert got.status == "OPTIMAL"
    assert got.objective == inst.optimum * scale  # scored on the whole domain
    assert got.best_bound <= got.objective < got.best_bound + 1


def test_the_race_keeps_highs_when_the_machinery_is_worse(shared_dir):
    """Against a machinery that returns the greedy placement, HiGHS, run to its proof (the wall
    clock wide, checked not to have cut), wins with p1's optimum."""
    inst, dom, scale = _holmberg(shared_dir, "p1")
    started = time.perf_counter()
    worse = evaluate(dom, greedy_assignment(dom), lang="en", started=started)
    assert worse.objective > inst.optimum * scale
    clock = Clock(WIDE)
    got = portfolio.race(dom, lambda: worse, seed=0, lang="en", started=started, clock=clock)
    assert not clock.cut, CUT
    assert got.options["lane"] == "highs"
    assert got.options["lanes"] == {"fixing": worse.objective, "highs": got.objective}
    assert got.objective == inst.optimum * scale and got.status == "OPTIMAL"
    assert got.best_bound <= got.objective


def test_the_mip_over_the_fixings_pairs_from_its_placement_proves_the_same_optimum(shared_dir):
    """HiGHS over the pairs the fixing kept, from its placement, run to its proof (the wall
    clock wide, checked not to have cut), proves p1's optimum: the pruning kept an optimal
    placement, and the placement houses everyone."""
    inst, dom, scale = _holmberg(shared_dir, "p1")
    fix = fixing.fix_pairs(dom, lang="en")
    assert fix.kept < fix.pairs
    started = time.perf_counter()
    clock = Clock(WIDE)
    got = portfolio.highs_lane(
        dom,
        within=fix.domain,
        start=fix.assignment,
        seed=0,
        lang="en",
        started=started,
        clock=clock,
    )
    assert not clock.cut, CUT
    assert got.status == "OPTIMAL" and got.objective == inst.optimum * scale
    assert set(got.placements["household_id"]) == {h.id for h in dom.households}


@pytest.mark.parametrize(("plain_max", "lane"), [(10**9, "cpsat"), (0, "fixing")])
def test_the_race_keeps_the_cp_sat_lane_when_highs_is_worse(
    shared_dir, monkeypatch, plain_max, lane
):
    """Whichever CP-SAT lane runs (the textbook MIP on a small separable model, the fixing
    machinery above ``PLAIN_MAX_PAIRS``), it proves p1's optimum and wins over a worse HiGHS.
    The guarantee: with ``MIN_LIMIT`` as the deterministic budget and two workers, the same
    input and seed give this proof on any machine, whatever its speed (the wall clock is set
    wide and checked not to have cut)."""
    inst, dom, scale = _holmberg(shared_dir, "p1")
    worse = evaluate(dom, greedy_assignment(dom), lang="en")
    # a worse HiGHS lane with a valid but weak bound
    monkeypatch.setattr(portfolio, "highs_lane", lambda dom, **kw: replace(worse, best_bound=0.0))
    monkeypatch.setattr(portfolio, "PLAIN_MAX_PAIRS", plain_max)
    reg = sscflp.to_registry(inst)
    clock = Clock(WIDE)
    result = place(
        reg, DAY, time_limit=portfolio.MIN_LIMIT, allow_new_modules=True, workers=2, clock=clock
    )
    assert not clock.cut, CUT
    assert result.options["lane"] == lane
    assert result.solver.startswith("cpsat")  # the lane's placement, not the heuristic's
    assert result.options["lanes"]["highs"] == worse.objective
    assert result.objective == inst.optimum * scale < worse.objective
    assert result.status == "OPTIMAL"
    assert 0.0 <= result.best_bound <= result.objective


def test_the_cp_sat_lane_proves_a_known_optimum_over_the_fixings_pairs(shared_dir):
    """The textbook MIP in CP-SAT (one worker), over the pairs the fixing kept and hinted with
    its placement, proves p1's optimum, scored on the whole domain, with a bound below it. The
    guarantee: with a deterministic budget of 30, the same input and seed give this proof on
    any machine, whatever its speed (the wall clock is set wide and checked not to have
    cut)."""
    inst, dom, scale = _holmberg(shared_dir, "p1")
    fix = fixing.fix_pairs(dom, lang="en")
    clock = Clock(WIDE)
    got = cpsat_lanes.cpsat_lane(
        dom,
        within=fix.domain,
        start=fix.assignment,
        seed=0,
        lang="en",
        started=time.perf_counter(),
        clock=clock,
        budget=30.0,
    )
    assert not clock.cut, CUT
    assert got.status == "OPTIMAL" and got.objective == inst.optimum * scale
    assert got.solver == "cpsat" and got.options["model_size"]["variables"] > 0
    assert got.best_bound <= got.objective < got.best_bound + 1
    assert set(got.placements["household_id"]) == {h.id for h in dom.households}


def test_the_plain_lane_only_where_the_textbook_mip_is_the_whole_model_and_small(
    shared_dir, tiny_registry, monkeypatch
):
    """Holmberg p1 (separable and small) takes the textbook MIP; the same instance with
    ``PLAIN_MAX_PAIRS`` at its size, and the tiny registry (families in two districts: a
    district term the textbook MIP leaves out), take the machinery."""
    _, dom, _ = _holmberg(shared_dir, "p1")
    fix = fixing.fix_pairs(dom, lang="en")
    assert portfolio.plain_applies(dom, fix)
    monkeypatch.setattr(portfolio, "PLAIN_MAX_PAIRS", fix.pairs)
    assert not portfolio.plain_applies(dom, fix)
    tiny = build_domain(tiny_registry, DAY, allow_new_modules=True)
    assert not separable(tiny)
    assert not portfolio.plain_applies(tiny, fixing.fix_pairs(tiny, lang="en"))


def _run(solver: str, time_limit: float) -> Run:
    return Run(solver, time_limit, 0, "en", None, time.perf_counter(), Clock(time_limit))


def test_the_race_is_the_strategy_for_facility_location_with_cpsat_and_time(shared_dir):
    _, dom, _ = _holmberg(shared_dir, "p1")

    def chosen(solver: str, time_limit: float) -> str:
        return next(s for s in STRATEGIES if s.applies(dom, _run(solver, time_limit))).name

    assert chosen("cpsat", portfolio.MIN_LIMIT) == "portfolio"
    assert chosen("cpsat", portfolio.MIN_LIMIT - 1) == "fixing"
    assert chosen("highs", portfolio.MIN_LIMIT) == "fixing"


@pytest.mark.parametrize("plain_max", [0, 10**9])  # the machinery's lane, the textbook MIP's
def test_a_raced_place_ends_within_its_limit(shared_dir, monkeypatch, plain_max):
    monkeypatch.setattr(portfolio, "MIN_LIMIT", 1.0)  # race at a short limit
    monkeypatch.setattr(portfolio, "PLAIN_MAX_PAIRS", plain_max)
    inst = sscflp.load(shared_dir / "benchmarks" / "sscflp", "holmberg", "p66")
    reg = sscflp.to_registry(inst)
    limit = 3.0
    begun = time.perf_counter()
    result = place(reg, DAY, time_limit=limit, allow_new_modules=True)
    took = time.perf_counter() - begun
    assert took <= limit * 1.05 + 2
    assert result.options["lane"] in portfolio.LANES
    assert result.best_bound is not None and result.best_bound <= result.objective
    lanes = result.options.get("lanes", {})  # none when the machinery proved and HiGHS stopped
    assert all(result.objective <= objective for objective in lanes.values())


def _priority() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


LINUX = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="a single thread's priority is set on Linux only"
)


@LINUX
def test_a_yielding_lane_steps_down_once_within_its_gap_and_never_its_caller():
    """``Yielding.gap``, called from another thread (the HiGHS lane's), lowers the lane's
    thread by ``nice`` steps the first time the gap is within ``at``: not without a bound, not
    above ``at``, not twice, and neither the caller's thread nor the one that called ``gap``.
    Outside a run it lowers nothing; the lane's result or error comes back."""
    caller = _priority()
    yielding = portfolio.Yielding(0.01, 3, time.perf_counter())
    yielding.gap(100.0, 100.0)  # no lane runs yet
    assert yielding.lowered is None
    asked, answered = threading.Event(), threading.Event()
    seen, before, theirs = [], [], []

    def lane() -> str:
        seen.append(_priority())
        asked.set()
        answered.wait(10)
        seen.append(_priority())
        return "placed"

    def highs() -> None:
        asked.wait(10)
        yielding.gap(100.0, -math.inf)  # no bound yet
        yielding.gap(100.0, 98.0)  # 2 %: not within 1 %
        before.append(yielding.lowered)
        yielding.gap(100.0, 99.5)
        yielding.gap(100.0, 100.0)  # within again: not lowered twice
        theirs.append(_priority())
        answered.set()

    other = threading.Thread(target=highs)
    other.start()
    assert yielding.run(lane) == "placed"
    other.join()
    assert seen == [caller, min(caller + 3, 19)] and before == [None] and theirs == [caller]
    assert _priority() == caller and yielding.lowered is not None

    def fails():
        raise ValueError("the lane's own error")

    with pytest.raises(ValueError, match="the lane's own error"):
        portfolio.Yielding(0.01, 3, time.perf_counter()).run(fails)


@LINUX
@pytest.mark.parametrize(
    ("plain_max", "at", "yields"),
    [(10**9, 1.0, True), (10**9, -1.0, False), (0, 1.0, False)],
    ids=["textbook-lane-yields", "textbook-lane-above-its-gap", "machinery-never"],
)
def test_only_the_small_models_cp_sat_lane_yields_and_only_within_its_gap(
    shared_dir, monkeypatch, plain_max, at, yields
):
    """In a raced ``place`` on p44 (not proven within the limit), the CP-SAT lane on the
    textbook MIP yields once HiGHS's gap is within ``YIELD_GAP`` (here: any finite gap, or
    none): it ends ``LANE_NICE`` steps below this thread, and ``yielded_at`` says when. The
    machinery's lane never yields."""
    monkeypatch.setattr(portfolio, "MIN_LIMIT", 1.0)  # race at a short limit
    monkeypatch.setattr(portfolio, "PLAIN_MAX_PAIRS", plain_max)
    monkeypatch.setattr(portfolio, "YIELD_GAP", at)
    seen: list[int] = []
    settle = fixing.settle  # each lane settles its answer last, in its own thread

    def spied(*args, **kwargs):
        seen.append(_priority())
        return settle(*args, **kwargs)

    monkeypatch.setattr(fixing, "settle", spied)
    inst = sscflp.load(shared_dir / "benchmarks" / "sscflp", "delmaire", "p44")
    limit = 10.0  # room for HiGHS's child to start and report while the lane still runs
    got = place(sscflp.to_registry(inst), DAY, time_limit=limit, allow_new_modules=True)
    assert got.options["lane"] in portfolio.LANES
    nice = portfolio.LANE_NICE if yields else 0
    assert seen and set(seen) == {min(_priority() + nice, 19)}
    assert ("yielded_at" in got.options) == yields
    if yields:
        assert 0 < got.options["yielded_at"] <= limit


def test_the_highs_lane_proves_only_what_the_whole_objective_reaches(tiny_registry):
    """The tiny registry keeps families in two districts, a district term the textbook MIP
    leaves out: HiGHS proves the textbook optimum, which is below the whole objective of its
    placement and so no proof for the whole model; the lane, and a race it wins, say FEASIBLE
    with the textbook bound (before, both said OPTIMAL)."""

    dom = build_domain(tiny_registry, DAY, allow_new_modules=True)
    got = portfolio.highs_lane(dom, seed=0, lang="en", started=time.perf_counter(), clock=Clock(30))
    assert got.best_bound <= got.objective
    assert got.objective > math.ceil(got.best_bound)  # the district term is there
    assert got.status == "FEASIBLE"
    raced = portfolio.settle_race(
        dom,
        replace(got, status="FEASIBLE", objective=got.objective + 1),
        got,
        seed=0,
        lang="en",
        started=time.perf_counter(),
    )
    assert raced.options["lane"] == "highs" and raced.status == "FEASIBLE"
    assert raced.best_bound < raced.objective and "refuted" not in raced.options


@pytest.mark.parametrize("false", ["highs", "fixing"])
def test_a_lanes_proof_above_the_other_lanes_objective_is_dropped(tiny_registry, false):
    """A lane that says ``OPTIMAL`` with a bound above the other lane's objective (a false
    proof: no placement costs less than a valid bound) loses its bound and its proof: the race
    ends ``FEASIBLE`` with the other lane's bound, below its objective, and names the lane."""
    dom = build_domain(tiny_registry, DAY, allow_new_modules=True)
    got = portfolio.highs_lane(dom, seed=0, lang="en", started=time.perf_counter(), clock=Clock(30))
    claim = got.objective + 3
    wrong = replace(got, status="OPTIMAL", best_bound=claim)
    if false == "fixing":
        wrong = replace(wrong, objective=claim)
    mine, highs = (got, wrong) if false == "highs" else (wrong, got)
    raced = portfolio.settle_race(dom, mine, highs, seed=0, lang="en", started=time.perf_counter())
    assert raced.options["refuted"] == [false] and raced.status == "FEASIBLE"
    assert raced.best_bound == got.best_bound and raced.best_bound < raced.objective


def test_a_proof_by_highs_ends_the_machinery(shared_dir, monkeypatch):
    """HiGHS proves p1 (run to its proof: the wall clock is wide); the machinery (here a
    stand-in that searches until its clock says stop) is ended then (``Clock.end``), soon after
    the proof however long the proof took, not at the deadline."""
    inst, dom, scale = _holmberg(shared_dir, "p1")
    started = time.perf_counter()
    worse = evaluate(dom, greedy_assignment(dom), lang="en", started=started)
    clock = Clock(WIDE)
    proved, returned = [], []
    highs_lane = portfolio.highs_lane

    def timed_highs_lane(*args, **kwargs):
        got = highs_lane(*args, **kwargs)
        proved.append(time.perf_counter())
        return got

    monkeypatch.setattr(portfolio, "highs_lane", timed_highs_lane)

    def machinery():
        while not clock.passed():
            time.sleep(0.01)
        returned.append(time.perf_counter())
        return worse

    got = portfolio.race(dom, machinery, seed=0, lang="en", started=started, clock=clock)
    assert clock.ended and got.status == "OPTIMAL" and got.objective == inst.optimum * scale
    assert returned[0] - proved[0] < 5.0  # ended by the proof, not at the deadline


def test_ending_a_clock_stops_the_cp_sat_search_running_on_it_and_on_its_parts(shared_dir):
    """A CP-SAT search that runs a minute on Yang 30-200-1 stops soon after ``Clock.end``,
    also when it runs on a part of the clock."""

    inst = sscflp.load(shared_dir / "benchmarks" / "sscflp", "yang", "30-200-1")
    dom = build_domain(sscflp.to_registry(inst), DAY, allow_new_modules=True)
    m = build_model(dom)
    clock = Clock(120.0)
    part = clock.part(0.9)
    out: list = []
    search = threading.Thread(
        target=lambda: out.append(
            stages.run(m, workers=1, seed=0, budget=1e6, interleave=False, clock=part)
        )
    )
    begun = time.perf_counter()
    search.start()
    time.sleep(2.0)
    while search.is_alive() and time.perf_counter() - begun < 60.0:
        clock.end()  # again: a stop asked before CP-SAT has started its search is lost
        search.join(0.05)
    assert not search.is_alive() and out
    assert time.perf_counter() - begun < 30.0  # not the 108 s the part allowed
    assert part.left() == 0.0 and part.passed()
