"""The neighbourhood search after the machinery (``cpsat_lanes.onwards``): on a separable model it
goes on from the machinery's placement, never worse, with a valid bound; it leaves a proven
answer, a model with district terms and a placement outside its pairs as they are; and the race
on a large separable model gives the machinery ``MACHINERY_SHARE`` of the limit, then hands the
search HiGHS's placements and HiGHS the search's."""

from __future__ import annotations

import time
from dataclasses import replace

import pandas as pd

from capacity.bench import sscflp
from capacity.io.registry import load_registry
from capacity.model.domain import Domain, add_pairs, build_domain
from capacity.model.soft import separable
from capacity.solver import cpsat_lanes, fixing, portfolio, solve
from capacity.solver.clock import Clock
from capacity.solver.greedy import greedy_assignment
from capacity.solver.problem import problem_of
from capacity.solver.result import Result
from capacity.solver.scoring import evaluate
from capacity.solver.settle import classes_of, lowered
from capacity.solver.solve import place
from capacity.solver.textbook import start_values, textbook_form
from tests.solver.test_portfolio import DAY, _holmberg

SAMPLE_DAY = pd.Timestamp("2026-12-01").date()  # the sample's reference date


def _machinery(dom: Domain, fix: fixing.Fixing) -> Result:
    """The machinery's answer as the race would get it: the heuristic's placement, scored on
    the whole domain, not proven, with the Lagrangian bound."""
    return replace(fix.placed, status="FEASIBLE", best_bound=lowered(fix.bound), solver="lagrange")


def _onwards(
    dom: Domain, mine: Result, within: Domain, clock: Clock, **kw: portfolio.Incumbent
) -> Result:
    return cpsat_lanes.onwards(
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
    """A peer (the HiGHS lane) that holds the optimum: the search takes it before its first step
    (with the optimum as its bound it then stops: no step of its own found it), marks the clock
    cut (the peer's placement came on its wall clock), and offered its start first to its own
    peer (for HiGHS)."""
    inst, dom, scale = _holmberg(shared_dir, "p2")
    best = portfolio.highs_lane(
        dom, seed=0, lang="en", started=time.perf_counter(), clock=Clock(60)
    )
    assert best.objective == inst.optimum * scale
    prob = problem_of(dom)
    _, pairs, modules = textbook_form(dom, prob)
    from_highs, to_highs = portfolio.Incumbent(), portfolio.Incumbent()
    from_highs.offer(start_values(prob, pairs, modules, classes_of(dom, best))[1])
    offered = []
    to_highs.offer = offered.append  # records what HiGHS would be given
    greedy = evaluate(dom, greedy_assignment(dom), lang="en")
    mine = replace(greedy, status="FEASIBLE", best_bound=best.objective, solver="greedy")
    clock = Clock(600.0)
    got = _onwards(dom, mine, dom, clock, peer=from_highs, share=to_highs)
    assert got.objective == inst.optimum * scale and got.status == "OPTIMAL"
    assert got.options["neighbourhoods"]["steps"] == 0
    assert clock.cut
    start = start_values(prob, pairs, modules, classes_of(dom, mine))[1]
    assert (offered[0] == start).all()


def test_a_proof_at_the_machinerys_objective_is_kept(shared_dir):
    """The machinery's placement is the optimum, without a proof: no step finds a better one,
    and the step that frees every unit proves it; the answer is the search's proof, not the
    unproven placement (so that the race can stop HiGHS)."""
    inst, dom, scale = _holmberg(shared_dir, "p2")
    best = portfolio.highs_lane(
        dom, seed=0, lang="en", started=time.perf_counter(), clock=Clock(60)
    )
    assert best.objective == inst.optimum * scale
    mine = replace(best, status="FEASIBLE", best_bound=0.0, solver="lagrange")
    clock = Clock(600.0)
    got = _onwards(dom, mine, dom, clock)
    assert not clock.cut
    assert got.objective == mine.objective and got.status == "OPTIMAL"
    assert 0.0 < got.best_bound <= got.objective
    assert got.options["neighbourhoods"]["steps"] > 0


def test_a_sites_modules_are_put_in_order_before_the_search(sample_gpkg):
    """A placement on a site's second pavilion module while its first stands empty (which the
    whole model allows, at the first's setup cost) is no point of the textbook MIP, whose rows
    put a site's modules up in order: the search starts from the same placement on the first
    module instead."""
    dom = add_pairs(
        build_domain(
            load_registry(sample_gpkg), SAMPLE_DAY, allow_new_modules=True, with_pairs=False
        )
    )
    prob = problem_of(dom)
    _, pairs, _ = textbook_form(dom, prob)
    by_site: dict[str, list[str]] = {}
    for uid, u in dom.units.items():
        if u.new_module:
            by_site.setdefault(u.site_id, []).append(uid)
    site, modules = next((s, m) for s, m in by_site.items() if len(m) > 1)
    first, second = modules[0], modules[1]
    hid = next(h for h, allowed in dom.pairs.items() if first in allowed and second in allowed)
    placed = {h.id: None for h in dom.households} | {hid: second}
    start = cpsat_lanes._start(dom, prob, pairs, placed)
    assert start == placed | {hid: first}
    # without the first module's pair, the ordered placement is no point of the MIP
    col = {uid: k for k, uid in enumerate(prob.units)}
    h = prob.households.index(hid)
    keep = ~((pairs[:, 0] == h) & (pairs[:, 1] == col[first]))
    assert cpsat_lanes._start(dom, prob, pairs[keep], placed) is None


def test_a_proven_answer_a_model_with_district_terms_and_a_foreign_pair_are_left(
    shared_dir, tiny_registry
):
    """``mine`` comes back as it is where it is proven, where its placement uses a pair the
    search's MIP does not hold, and where the textbook MIP is not the whole model."""
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
    assert not separable(tiny)
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
    monkeypatch.setattr(cpsat_lanes, "onwards", onwards)
    limit = portfolio.MIN_LIMIT
    result = place(sscflp.to_registry(inst), DAY, time_limit=limit, allow_new_modules=True)
    assert result.options["lane"] == "fixing"
    share = cpsat_lanes.MACHINERY_SHARE
    run, kw = seen["machinery"], seen["onwards"]
    assert run.time_limit == limit * share
    assert run.clock.deadline <= run.clock.started + limit * share
    assert kw["budget"] == limit * (1 - share)
    assert kw["clock"].deadline > run.clock.deadline
    assert kw["peer"] is seen["race"]["incumbent"] and kw["share"] is seen["race"]["offered"]
    assert isinstance(kw["peer"], portfolio.Incumbent)
    assert isinstance(kw["share"], portfolio.Incumbent)
    assert kw["within"] is seen["race"]["within"]
