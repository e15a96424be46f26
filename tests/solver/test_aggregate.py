"""The aggregated formulation reaches the per-pair optimum, and its placements pass the checker."""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings

from capacity.errors import UserError
from capacity.model.aggregate import AggregateModel, candidates, household_types, usable_units
from capacity.model.domain import build_domain
from capacity.solver import aggregate, counts, highs
from capacity.solver.aggregate import choose_formulation
from capacity.solver.clock import Clock
from capacity.solver.packing import pack_exact, pack_site, repair
from capacity.solver.solve import place
from tests.helpers import PLACE_DAY, make_household, make_unit, placement_world
from tests.solver.test_solve import _check, small_worlds


@pytest.mark.parametrize("solver", ["cpsat", "highs"])
def test_aggregate_equals_pairs_on_the_tiny_registry(tiny_registry, solver):
    pairs = place(tiny_registry, PLACE_DAY, formulation="pairs", allow_new_modules=True)
    agg = place(
        tiny_registry, PLACE_DAY, formulation="aggregate", solver=solver, allow_new_modules=True
    )
    _check(tiny_registry, agg, allow_new_modules=True)
    assert agg.status == "OPTIMAL" and agg.objective == pairs.objective
    assert agg.options["formulation"] == "aggregate"
    # the best other site of each arriving household, as the per-pair explanation has it
    arriving = set(agg.placements["household_id"]) - set(tiny_registry.occupancy["household_id"])
    with_alt = set(pairs.alternatives["household_id"]) & arriving
    assert with_alt and set(agg.alternatives["household_id"]) == with_alt
    both = agg.placements.merge(pairs.placements, on=["household_id", "site_id"])
    alt = agg.alternatives.merge(pairs.alternatives, on="household_id", suffixes=("", "_p"))
    alt = alt[alt["household_id"].isin(both["household_id"])]
    assert not alt.empty and (alt["extra_cost"] == alt["extra_cost_p"]).all()
    assert (alt["alt_site_id"] != alt.merge(agg.placements, on="household_id")["site_id"]).all()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_worlds(max_households=5, max_units=4))
def test_aggregate_equals_pairs_on_generated_registries(reg):
    for kw in (dict(), dict(allow_new_modules=True)):
        pairs = place(reg, PLACE_DAY, formulation="pairs", workers=1, **kw)
        agg = place(reg, PLACE_DAY, formulation="aggregate", solver="cpsat", workers=1, **kw)
        _check(reg, agg, **kw)
        assert agg.status == "OPTIMAL" and agg.objective == pairs.objective


def test_a_site_that_does_not_pack_is_refined_until_it_does():
    """3 + 3 + 2 persons fit the site's 8 beds and every size row, not its two 4-bed units: the
    site is refined and the pair of 2 goes unplaced, exactly as the per-pair model decides."""
    units = [
        make_unit("U4", "B", beds=4, shareable=True),
        make_unit("V4", "B", beds=4, shareable=True),
    ]
    people = [
        make_household("A", adults=3),
        make_household("C", adults=3),
        make_household("D", adults=2),
    ]
    reg = placement_world(units=units, households=people)
    pairs = place(reg, PLACE_DAY, formulation="pairs")
    agg = place(reg, PLACE_DAY, formulation="aggregate", solver="cpsat")
    _check(reg, agg)
    assert agg.objective == pairs.objective and len(agg.unplaced) == 1
    # the same reason as the per-pair model gives (it reads every unit the household fits)
    assert agg.unplaced["reason"].tolist() == pairs.unplaced["reason"].tolist()
    assert agg.options["aggregate"]["refined_sites"] == 1


def test_households_alike_share_a_type(tiny_registry):
    dom = build_domain(tiny_registry, PLACE_DAY, with_pairs=False)
    types = household_types(dom)
    members = [h for t in types for h in t.members]
    assert sorted(members) == sorted(h.id for h in dom.arriving if not h.unaccompanied_minor)
    assert all(len({dom.household(h).persons for h in t.members}) == 1 for t in types)


def test_pack_site_reports_what_is_left():
    reg = placement_world(
        units=[make_unit("U", "B", beds=2)],
        households=[make_household("A", adults=2), make_household("C")],
    )
    dom = build_domain(reg, PLACE_DAY)
    placed, left = pack_site(dom, list(dom.arriving), list(dom.units.values()), "B", 0)
    assert placed == {"A": "U"} and [h.id for h in left] == ["C"]


def test_exact_packing_packs_what_best_fit_leaves():
    """4+3 | 3+2 fill a 7-bed and a 5-bed unit; best fit puts 4 in the 5 and strands the 2."""
    units = [
        make_unit("U7", "B", beds=7, shareable=True),
        make_unit("U5", "B", beds=5, shareable=True),
    ]
    sizes = (("A", 4), ("C", 3), ("D", 3), ("E", 2), ("F", 1))
    people = [make_household(k, adults=n) for k, n in sizes]
    dom = build_domain(placement_world(units=units, households=people), PLACE_DAY)
    pool, arriving = list(dom.units.values()), sorted(dom.arriving, key=lambda h: h.id)
    _, left = pack_site(dom, arriving[:4], pool, "B", 0)
    assert [h.id for h in left] == ["E"]
    packed = pack_exact(dom, arriving[:4], pool, "B", 0)
    assert packed is not None and set(packed) == {"A", "C", "D", "E"}
    for uid, beds in (("U7", 7), ("U5", 5)):
        assert sum(dom.household(h).persons for h, u in packed.items() if u == uid) <= beds
    # one more person does not fit the 12 beds: proven, not guessed
    assert pack_exact(dom, arriving, pool, "B", 0) is None


@pytest.mark.parametrize("solver", ["cpsat", "highs"])
def test_the_lp_chosen_candidates_reach_the_optimum_and_bound_it(
    tiny_registry, solver, monkeypatch
):
    """Above the size limit the LP over every site picks the candidates; its optimum is a
    valid bound. Forced here on the tiny registry: the same optimum as the per-pair model."""
    monkeypatch.setattr(aggregate, "CANDIDATE_VARIABLES", 0)
    pairs = place(tiny_registry, PLACE_DAY, formulation="pairs", allow_new_modules=True)
    agg = place(
        tiny_registry, PLACE_DAY, formulation="aggregate", solver=solver, allow_new_modules=True
    )
    _check(tiny_registry, agg, allow_new_modules=True)
    info = agg.options["aggregate"]
    assert info["candidates_per_type"] is not None and info["lp_bound"] is not None
    assert agg.objective == pairs.objective
    assert agg.best_bound == info["lp_bound"] <= agg.objective


def test_formulation_choice(tiny_registry):
    dom = build_domain(tiny_registry, PLACE_DAY, with_pairs=False)
    assert choose_formulation(dom, "auto", solver="cpsat") == "pairs"
    with pytest.raises(UserError, match="ukendt formulering"):
        choose_formulation(dom, "both", solver="cpsat")
    moving = build_domain(tiny_registry, PLACE_DAY, allow_moves=True, with_pairs=False)
    with pytest.raises(UserError, match="allow-moves"):
        choose_formulation(moving, "aggregate", solver="cpsat")


def test_auto_aggregates_by_size_but_not_with_scores(tiny_registry, monkeypatch):
    """Above the size limit ``auto`` aggregates; with a scores layer every household is a type
    of its own, so it keeps the per-pair model."""
    from dataclasses import replace

    monkeypatch.setattr(aggregate, "PAIRS_LIMIT", 0)
    dom = build_domain(tiny_registry, PLACE_DAY, with_pairs=False)
    assert not dom.scores and choose_formulation(dom, "auto", solver="cpsat") == "aggregate"
    scored = replace(dom, scores={(dom.arriving[0].id, next(iter(dom.sites))): 1.0})
    assert choose_formulation(scored, "auto", solver="cpsat") == "pairs"
    assert choose_formulation(scored, "aggregate", solver="cpsat") == "aggregate"


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_worlds(max_households=5, max_units=4))
def test_vectorised_type_costs_are_the_pair_costs(reg):
    """The count model's coefficients are ``soft.pair_cost``, to the unit."""
    from capacity.model.aggregate import site_unit, type_site_costs
    from capacity.model.soft import pair_cost

    dom = build_domain(reg, PLACE_DAY, allow_new_modules=True, with_pairs=False)
    types = household_types(dom)
    keys = {(t.id, sid): None for t in types for sid in sorted(dom.sites)}
    costs = type_site_costs(dom, keys, types)
    by_id = {t.id: t for t in types}
    for (tid, sid), cost in costs.items():
        assert cost == pair_cost(by_id[tid].rep, site_unit(dom, sid), dom)


def test_without_the_lp_the_cheapest_sites_still_give_a_checked_placement(
    tiny_registry, monkeypatch
):
    """A limit too short for the LP: no bound, but every household the per-pair model places
    is placed, and the checker holds."""
    from capacity.solver import counts, highs

    real = highs.solve_highs

    def no_lp(form, **kw):
        if kw.get("relax"):
            return highs.HighsOutcome("NO_SOLUTION", note="limit")
        return real(form, **kw)

    monkeypatch.setattr(aggregate, "CANDIDATE_VARIABLES", 0)
    monkeypatch.setattr(counts, "solve_highs", no_lp)
    pairs = place(tiny_registry, PLACE_DAY, formulation="pairs", allow_new_modules=True)
    agg = place(
        tiny_registry, PLACE_DAY, formulation="aggregate", solver="highs", allow_new_modules=True
    )
    _check(tiny_registry, agg, allow_new_modules=True)
    assert agg.options["aggregate"]["lp_bound"] is None and agg.best_bound is None
    assert len(agg.unplaced) == len(pairs.unplaced)


def test_repair_houses_the_families_first():
    """Left over: an adult and a family, one family flat free. The flat is the family's (the
    adult has no other place either way); adults first had left the family out."""
    from capacity.model.aggregate import candidates, usable_units
    from capacity.model.aggregate_rules import build_aggregate
    from capacity.solver.packing import repair

    units = [make_unit("F", "B", beds=4)]
    people = [make_household("A0", adults=1), make_household("K1", children_ages=(3, 7))]
    dom = build_domain(placement_world(units=units, households=people), PLACE_DAY)
    types = household_types(dom)
    usable = usable_units(dom)
    m = build_aggregate(dom, types, candidates(dom, types, usable, None))
    out = repair(dom, m, {h.id: None for h in dom.households}, usable)
    assert out == {"A0": None, "K1": "F"}


def test_a_round_is_proven_only_when_no_integer_fits_below_its_objective():
    """Count objectives are integers: within a relative gap a solver says optimal, but 31,443
    against a bound of 31,442 is not proven (the optimum may be 31,442)."""
    assert counts.proven(31_443.000_000_1, 31_443.0)
    assert counts.proven(10.0, 9.999_95)  # float noise under the bound
    assert not counts.proven(31_443.0, 31_442.0)
    assert not counts.proven(31_427.0, 31_426.000_000_03)


def _greedy_placed(reg) -> int:
    """How many households the greedy placement (``repair`` from nothing) houses."""
    dom = build_domain(reg, PLACE_DAY, allow_new_modules=True, with_pairs=False)
    types = household_types(dom)
    usable = usable_units(dom)
    ground = AggregateModel(dom, types, candidates(dom, types, usable, None))
    return sum(uid is not None for uid in repair(dom, ground, {}, usable).values())


@pytest.mark.parametrize("solver", ["cpsat", "highs"])
def test_without_counts_from_any_round_the_answer_is_the_greedy_placement(
    tiny_registry, solver, monkeypatch
):
    """No round finds counts in its seconds: the answer is the greedy placement, checked and
    labelled so, not everyone unplaced."""
    none = counts.CountSolution("UNKNOWN", None, None, None)
    monkeypatch.setattr(aggregate, "solve_counts", lambda m, **kw: none)
    agg = place(
        tiny_registry, PLACE_DAY, formulation="aggregate", solver=solver, allow_new_modules=True
    )
    _check(tiny_registry, agg, allow_new_modules=True)
    assert agg.status == "UNKNOWN"
    assert agg.solver == f"greedy ({aggregate.ENGINES[solver]} fandt ingen løsning)"
    arriving = set(agg.placements["household_id"]) - set(tiny_registry.occupancy["household_id"])
    assert len(arriving) == _greedy_placed(tiny_registry) > 0


def test_a_round_worse_than_the_greedy_placement_loses_to_it(tiny_registry, monkeypatch):
    """A round whose counts place nobody (its own optimum by a wrong model, say) scores worse
    than the greedy placement: the greedy one is the answer, labelled so."""
    nobody = counts.CountSolution("OPTIMAL", 0.0, 0.0, lambda var: 0)
    monkeypatch.setattr(aggregate, "solve_counts", lambda m, **kw: nobody)
    agg = place(
        tiny_registry, PLACE_DAY, formulation="aggregate", solver="highs", allow_new_modules=True
    )
    _check(tiny_registry, agg, allow_new_modules=True)
    assert agg.solver == "greedy (bedre end HiGHS)" and agg.status == "FEASIBLE"
    arriving = set(agg.placements["household_id"]) - set(tiny_registry.occupancy["household_id"])
    assert len(arriving) == _greedy_placed(tiny_registry) > 0


def test_the_lp_is_stopped_when_the_greedy_placement_leaves_no_time(tiny_registry, monkeypatch):
    """The LP runs beside the greedy placement; once the limit has passed it is stopped, not
    waited for, and the answer is the greedy placement."""
    seen, done = {}, threading.Event()

    def endless_lp(form, *, stop=None, **kw):
        seen["stopped"] = stop is not None and stop.wait(timeout=120)
        done.set()
        return highs.HighsOutcome("STOPPED")

    monkeypatch.setattr(aggregate, "CANDIDATE_VARIABLES", 0)
    monkeypatch.setattr(counts, "solve_highs", endless_lp)
    agg = place(
        tiny_registry,
        PLACE_DAY,
        formulation="aggregate",
        solver="highs",
        allow_new_modules=True,
        time_limit=aggregate.MIN_ROUND + 3.0,
    )
    _check(tiny_registry, agg, allow_new_modules=True)
    assert done.wait(timeout=30) and seen == {"stopped": True}
    assert agg.solver == "greedy (ingen tid til HiGHS)" and agg.best_bound is None
    assert agg.options["aggregate"]["rounds"] == 0


def test_the_greedy_placement_and_the_lp_bound_are_shown_as_progress(tiny_registry, monkeypatch):
    """A long aggregate run shows progress: the greedy placement's objective first, then the
    LP's bound beside it; the answer is never worse than what was shown."""
    shown = []
    monkeypatch.setattr(aggregate, "CANDIDATE_VARIABLES", 0)
    clock = Clock(10.0, progress=lambda objective, bound: shown.append((objective, bound)))
    agg = place(
        tiny_registry,
        PLACE_DAY,
        formulation="aggregate",
        solver="highs",
        allow_new_modules=True,
        time_limit=10.0,
        clock=clock,
    )
    assert [bound for _, bound in shown] == [None, agg.options["aggregate"]["lp_bound"]]
    assert all(objective >= agg.objective for objective, _ in shown)
