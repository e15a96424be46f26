"""The neighbourhood search after the machinery (``portfolio.onwards``): on a separable model it
goes on from the machinery's placement, never worse, with a valid bound; it leaves a proven
answer, a model with district terms and a placement outside its pairs as they are; and the race
on a large separable model gives the machinery ``MACHINERY_SHARE`` of the limit, then hands the
search HiGHS's placements and HiGHS the search's."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from capacity.bench import sscflp
from capacity.model.domain import Domain, add_pairs, build_domain
from capacity.solver import fixing, portfolio, solve
from capacity.solver.clock import Clock
from capacity.solver.greedy import greedy_assignment
from capacity.solver.result import Result
from capacity.solver.scoring import evaluate
from capacity.solver.settle import classes_of, lowered
from capacity.solver.solve import place

DAY = pd.Timestamp("2027-01-01").date()


def _holmberg(shared_dir: Path, name: str) -> tuple[sscflp.Instance, Domain, int]:
    inst = sscflp.load(shared_dir / "benchmarks" / "sscflp", "holmberg", name)
    reg = sscflp.to_registry(inst)
    dom = add_pairs(build_domain(reg, DAY, allow_new_modules=True, with_pairs=False))
    return inst, dom, sscflp.PLACE_SCALE * sscflp.registry_scale(inst)


def _machinery(dom: Domain, fix: fixing.Fixing) -> Result:
    """The machinery's answer as the race would get it: the heuristic's placement, scored on
    the whole domain, not proven, with the Lagrangian bound."""
    return replace(fix.placed, status="FEASIBLE", best_bound=lowered(fix.bound), solver="lagrange")


def _onwards(dom: Domain, mine: Result, within: Domain, clock: Clock, **kw) -> Result:
    return portfolio.onwards(
        dom,
        mine,
        within=within,
        budget=30.0,
        clock=clock,
        seed=0,
        lang="en",
        started=time.perf_counter(),
        **kw,
    )


def test_the_search_goes_on_from_the_machinerys_placement_to_the_optimum(shared_dir):
    """From the greedy placement on p2, over every pair, with a deterministic budget and a clock
    set wide so that it does not cut: the same answer on any machine, the optimum, proven by a
    step that freed every unit, never worse than the start, scored on the whole domain."""
    inst, dom, scale = _holmberg(shared_dir, "p2")
    greedy = evaluate(dom, greedy_assignment(dom), lang="en")
    mine = replace(greedy, status="FEASIBLE", best_bound=0.0, solver="greedy")
    assert mine.objective > inst.optimum * scale  # something to find
    clock = Clock(600.0)
    got = _onwards(dom, mine, dom, clock)
    assert not clock.cut
    assert got.objective == inst.optimum * scale
    assert got.status == "OPTIMAL" and got.best_bound <= got.objective
    assert got.solver == "greedy + nabolagssøgning"
    assert got.options["neighbourhoods"]["from"] == mine.objective
    assert evaluate(dom, classes_of(dom, got), lang="en").objective == got.objective
    again = _onwards(dom, mine, dom, Clock(600.0))
    assert again.placements.equals(got.placements)


def test_the_search_moves_to_a_better_placement_from_highs(shared_dir):
    """A peer (the HiGHS lane) that holds the optimum: the search takes it from the greedy
    placement, marks the clock cut (the peer's placement came on its wall clock), and offered
    its start first to its own peer (for HiGHS)."""
    inst, dom, scale = _holmberg(shared_dir, "p2")
    best = portfolio.highs_lane(
        dom, seed=0, lang="en", started=time.perf_counter(), clock=Clock(60)
    )
    assert best.objective == inst.optimum * scale
    prob = portfolio.problem_of(dom)
    _, pairs, modules = portfolio.textbook_form(dom, prob)
    from_highs, to_highs = portfolio.Incumbent(), portfolio.Incumbent()
    from_highs.offer(portfolio.start_values(prob, pairs, modules, classes_of(dom, best))[1])
    offered = []
    to_highs.offer = offered.append  # records what HiGHS would be given
    greedy = evaluate(dom, greedy_assignment(dom), lang="en")
    mine = replace(greedy, status="FEASIBLE", best_bound=0.0, solver="greedy")
    clock = Clock(600.0)
    got = _onwards(dom, mine, dom, clock, peer=from_highs, share=to_highs)
    assert got.objective == inst.optimum * scale
    assert clock.cut
    start = portfolio.start_values(prob, pairs, modules, classes_of(dom, mine))[1]
    assert (offered[0] == start).all()


def test_a_proven_answer_a_model_with_district_terms_and_a_foreign_pair_are_left(
    shared_dir, tiny_registry
):
    inst, dom, _ = _holmberg(shared_dir, "p1")
    fix = fixing.fix_pairs(dom, lang="en")
    mine = _machinery(dom, fix)
    proven = replace(mine, status="OPTIMAL")
    assert _onwards(dom, proven, fix.domain, Clock(60)) is proven
    # a placement on a pair the search's MIP does not hold
    placed = classes_of(dom, mine)
    hid = next(h for h, u in placed.items() if u is not None)
    within = replace(fix.domain, pairs={**fix.domain.pairs, hid: ()})
    assert _onwards(dom, mine, within, Clock(60)) is mine
    # the tiny registry's families in two districts: the textbook MIP is not the whole model
    tiny = build_domain(tiny_registry, DAY, allow_new_modules=True)
    tiny_fix = fixing.fix_pairs(tiny, lang="en")
    tiny_mine = _machinery(tiny, tiny_fix)
    assert _onwards(tiny, tiny_mine, tiny_fix.domain, Clock(60)) is tiny_mine


def test_the_race_on_a_large_separable_model_hands_placements_both_ways(shared_dir, monkeypatch):
    """Above ``PLAIN_MAX_PAIRS``: the machinery gets ``MACHINERY_SHARE`` of the limit (its
    budget and its deadline), the search the rest of the budget on the run's clock, and the
    search's peer and share are the HiGHS lane's incumbent and offered placements. (The HiGHS
    lane is left without a placement, so that it cannot end the machinery first.)"""
    inst, _, _ = _holmberg(shared_dir, "p1")
    monkeypatch.setattr(portfolio, "PLAIN_MAX_PAIRS", 0)
    monkeypatch.setattr(portfolio, "highs_lane", lambda dom, **kw: None)
    seen: dict = {}
    real_race, real_fixing = portfolio.race, solve._fixing

    def race(dom, other, **kw):
        seen["race"] = kw
        return real_race(dom, other, **kw)

    def machinery(dom, run, fix=None):
        seen["machinery"] = run
        return real_fixing(dom, run, fix)

    def onwards(dom, mine, **kw):
        seen["onwards"] = kw
        return mine

    monkeypatch.setattr(portfolio, "race", race)
    monkeypatch.setattr(solve, "_fixing", machinery)
    monkeypatch.setattr(portfolio, "onwards", onwards)
    limit = portfolio.MIN_LIMIT
    result = place(sscflp.to_registry(inst), DAY, time_limit=limit, allow_new_modules=True)
    assert result.options["lane"] == "fixing"
    share = portfolio.MACHINERY_SHARE
    run, kw = seen["machinery"], seen["onwards"]
    assert run.time_limit == limit * share
    assert run.clock.deadline <= run.clock.started + limit * share
    assert kw["budget"] == limit * (1 - share)
    assert kw["clock"].deadline > run.clock.deadline
    assert kw["peer"] is seen["race"]["incumbent"] and kw["share"] is seen["race"]["offered"]
    assert isinstance(kw["peer"], portfolio.Incumbent)
    assert isinstance(kw["share"], portfolio.Incumbent)
    assert kw["within"] is seen["race"]["within"]
