"""One source of truth (issue 16, item 4): every vectorised or aggregated form of a pair cost, a
static rule or a district term equals the scalar one of ``soft.py`` and ``hard.py``, on random
small domains (residents, scores, required districts, daycare slots, modules, moves)."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields, replace

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from capacity.model import hard
from capacity.model.aggregate import (
    SIZES,
    candidates,
    capacity_array,
    fits,
    household_types,
    site_arrays,
    site_pair_costs,
    site_unit,
    size_cut,
    size_cut_array,
    unit_arrays,
    usable_units,
)
from capacity.model.aggregate_rules import GROUPS, build_aggregate, unit_capacity
from capacity.model.domain import Household, build_domain
from capacity.model.placement import build_model
from capacity.model.reasons import unplaced_reason
from capacity.model.soft import (
    PAIR_COEFS,
    SITE_TERMS,
    daycare_demand,
    daycare_slots,
    pair_cost,
    school_coef,
    site_coef,
)
from capacity.solver.problem import problem_of
from tests.helpers import PLACE_DAY
from tests.solver.test_solve import small_worlds

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(small_worlds(max_households=5, max_units=4), st.booleans())
def test_site_pair_costs_are_pair_costs(reg, modules):
    """The vectorised cost of a household on every site is ``soft.pair_cost`` site by site."""
    dom = build_domain(reg, PLACE_DAY, allow_new_modules=modules)
    sids = sorted(dom.sites)
    site = site_arrays(dom, sids)
    for h in dom.arriving:
        costs = site_pair_costs(h, dom, sids, site)
        assert costs.tolist() == [pair_cost(h, site_unit(dom, s), dom) for s in sids]


@SETTINGS
@given(small_worlds(max_households=5, max_units=4), st.booleans(), st.booleans())
def test_problem_arrays_are_pair_costs_and_allowed_pairs(reg, moves, modules):
    """``problem_of``: ``soft.pair_cost`` on every allowed pair (moves included), ``inf`` on
    every pair ``hard.allowed_units`` leaves out."""
    dom = build_domain(reg, PLACE_DAY, allow_moves=moves, allow_new_modules=modules)
    prob = problem_of(dom)
    for i, h in enumerate(dom.households):
        for j, uid in enumerate(prob.units):
            if uid in dom.pairs[h.id]:
                assert prob.cost[i, j] == pair_cost(h, dom.units[uid], dom)
            else:
                assert prob.cost[i, j] == np.inf


@SETTINGS
@given(small_worlds(max_households=5, max_units=4))
def test_site_terms_read_one_factor_table(reg):
    """Each site coefficient of ``PAIR_COEFS`` is ``site_coef`` of the same name."""
    dom = build_domain(reg, PLACE_DAY, allow_new_modules=True)
    for h in dom.households:
        for u in dom.units.values():
            for name in SITE_TERMS:
                assert PAIR_COEFS[name](h, u, dom) == site_coef(name, h, u, dom)


@SETTINGS
@given(small_worlds(max_households=5, max_units=4), st.booleans())
def test_unit_capacity_is_positive_exactly_where_the_static_rules_hold(reg, modules):
    """The count model's per-unit capacity (scalar and array) takes a household where every
    static rule of ``hard.py`` holds, and no other (required districts are per site)."""
    dom = build_domain(reg, PLACE_DAY, allow_new_modules=modules, with_pairs=False)
    units = [u for us in usable_units(dom).values() for u in us]
    arrays = unit_arrays(units, {sid: i for i, sid in enumerate(sorted(dom.sites))})
    for h in dom.arriving:
        if h.unaccompanied_minor:
            continue
        for k, u in enumerate(units):
            cap = unit_capacity(u, h.persons, h.has_children, h.needs_accessible)
            district_ok = (
                h.required_district is None or h.required_district in dom.sites[u.site_id].within
            )
            assert (cap > 0 and district_ok) == fits(h, u, dom)
            assert capacity_array(arrays, h.persons, h.has_children, h.needs_accessible)[k] == cap
    for a in SIZES:
        assert size_cut_array(arrays, a).tolist() == [size_cut(u, a) for u in units]
        for _, family, accessible in GROUPS:
            got = capacity_array(arrays, a, family, accessible).tolist()
            assert got == [unit_capacity(u, a, family, accessible) for u in units]


@SETTINGS
@given(small_worlds(max_households=5, max_units=4), st.booleans())
def test_candidate_sites_are_where_the_static_rules_allow_a_unit(reg, modules):
    """``candidates`` without a limit (on ``usable_units``): the sites with a unit, standing or
    new, that every static rule allows for the type."""
    dom = build_domain(reg, PLACE_DAY, allow_new_modules=modules, with_pairs=False)
    types = household_types(dom)
    cand = candidates(dom, types, usable_units(dom), None)
    for t in types:
        every = dom.units.values()
        assert cand[t.id] == sorted({u.site_id for u in every if fits(t.rep, u, dom)})


def _solve(model: cp_model.CpModel) -> float | None:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 20
    status = solver.solve(model)
    return solver.objective_value if status == cp_model.OPTIMAL else None


@SETTINGS
@given(small_worlds(max_households=5, max_units=4), st.randoms(use_true_random=False))
def test_the_count_model_scores_a_placement_as_the_pair_model(reg, rnd):
    """Fix a random placement: the count model with its counts fixed has the per-pair model's
    objective, district terms (spread caps, families together, daycare slots) included."""
    dom = build_domain(reg, PLACE_DAY)
    chosen = _random_placement(dom, rnd)
    expected = _solve(build_model(dom, fixed=chosen).cp)
    assume(expected is not None)  # the random placement broke a model rule (beds, families)
    assert _count_model_score(dom, chosen) == expected


def _random_placement(dom, rnd) -> dict[str, str | None]:
    return {
        h.id: rnd.choice([None] if h.unaccompanied_minor else [None, *dom.pairs[h.id]])
        for h in dom.arriving
    }


def _count_model_score(dom, chosen: dict[str, str | None]) -> float | None:
    """``build_aggregate``'s objective with its counts fixed to ``chosen``."""
    types = household_types(dom)
    m = build_aggregate(dom, types, candidates(dom, types, usable_units(dom), None))
    counts: dict[tuple[str, str], int] = {}
    for t in types:
        for hid in t.members:
            if chosen[hid] is not None:
                key = (t.id, dom.units[chosen[hid]].site_id)
                counts[key] = counts.get(key, 0) + 1
    assert set(counts) <= set(m.n)
    for key, var in m.n.items():
        m.cp.add(var == counts.get(key, 0))
    return _solve(m.cp)


@SETTINGS
@given(
    small_worlds(max_households=5, max_units=4),
    st.randoms(use_true_random=False),
    st.sampled_from([0, 1, None]),
    st.sampled_from([0, 1, None]),
)
def test_school_daycare_is_one_demand_against_one_slot_table(reg, rnd, young, older):
    """Only ``school_daycare`` weighed, a random placement, few free slots (0-2 years: ``young``,
    3-5: ``older``; ``None``: not known): the pair model (``soft``) and the count model
    (``aggregate_rules``) score it as plain Python does from ``school_coef``, ``daycare_demand``
    and ``daycare_slots``: child-minutes to school plus, per daycare district and age group, the
    children beyond its free slots. (The array-built form ``aggregate_lp`` has the count model's
    rows: ``tests/model/test_aggregate_lp.py``.)"""
    dom = build_domain(reg, PLACE_DAY)
    slots = {"0-2": young, "3-5": older}
    districts = {
        did: replace(d, free_slots=slots) if d.kind == "daycare" else d
        for did, d in dom.districts.items()
    }
    weights = {**{k: 0 for k in dom.weights}, "school_daycare": 1}
    dom = replace(dom, weights=weights, districts=districts)
    chosen = _random_placement(dom, rnd)
    expected = _solve(build_model(dom, fixed=chosen).cp)
    assume(expected is not None)  # the random placement broke a model rule (beds, families)
    placed = {hid: dom.units[uid] for hid, uid in chosen.items() if uid is not None}
    minutes = sum(school_coef(dom.household(hid), u, dom) for hid, u in placed.items())
    missing = 0
    for (did, group), slots in daycare_slots(dom).items():
        children = sum(
            daycare_demand(dom.household(hid), group)
            for hid, u in placed.items()
            if dom.sites[u.site_id].districts.get("daycare") == did
        )
        missing += max(0, children - slots)
    assert expected == minutes + missing
    assert _count_model_score(dom, chosen) == expected


def _field_values(dom, rnd) -> dict:
    """A random value for every field of ``Household``."""
    districts = sorted({d for s in dom.sites.values() for d in s.within})
    return dict(
        id=f"H-twin{rnd.randint(0, 99)}",
        persons=rnd.randint(1, 8),
        adults=rnd.randint(0, 4),
        children_ages=tuple(rnd.randint(0, 17) for _ in range(rnd.randint(0, 3))),
        needs_accessible=rnd.random() < 0.5,
        unaccompanied_minor=rnd.random() < 0.2,
        required_district=rnd.choice([None, *districts]),
        arrival_date=PLACE_DAY - dt.timedelta(days=rnd.randint(0, 400)),
        new=rnd.random() < 0.5,
        current_unit=rnd.choice([None, *sorted(dom.units)]),
    )


@SETTINGS
@given(
    small_worlds(max_households=5, max_units=4), st.booleans(), st.randoms(use_true_random=False)
)
def test_households_alike_by_static_key_are_allowed_and_refused_alike(reg, modules, rnd):
    """A household's twin gets a random value in every field that leaves ``hard.static_key``
    unchanged: every static rule gives both the same verdict on every unit, and the unplaced
    reason (memoised by that key) is the same. A field the rules read but the key leaves out
    would change in the twin and fail here."""
    dom = build_domain(reg, PLACE_DAY, allow_new_modules=modules)
    bare = replace(dom, pairs={h.id: () for h in dom.households})
    names = [f.name for f in fields(Household)]
    for h in dom.households:
        values = _field_values(dom, rnd)
        assert sorted(values) == sorted(names)  # a new field needs a random value here
        twin = h
        for name in names:
            tried = replace(twin, **{name: values[name]})
            if hard.static_key(tried) == hard.static_key(h):
                twin = tried
        for u in dom.units.values():
            assert [r(twin, u, dom) for r in hard.STATIC_RULES] == [
                r(h, u, dom) for r in hard.STATIC_RULES
            ]
        memo: dict = {}
        first = unplaced_reason(h, bare, "en", static=memo)
        assert unplaced_reason(twin, bare, "en", static=memo) == first
        assert unplaced_reason(twin, bare, "en") == first


@SETTINGS
@given(small_worlds(max_households=5, max_units=4), st.booleans(), st.booleans())
def test_pairs_run_once_per_static_key_are_each_households_own(reg, moves, modules):
    """``add_pairs`` runs the static rules once per ``hard.static_key`` and adds a resident's
    own unit: each household's pairs are what the rules give it alone, in the units' order."""
    dom = build_domain(reg, PLACE_DAY, allow_moves=moves, allow_new_modules=modules)
    for h in dom.households:
        alone = tuple(
            uid
            for uid, u in sorted(dom.units.items())
            if uid == h.current_unit or all(r(h, u, dom) for r in hard.STATIC_RULES)
        )
        assert dom.pairs[h.id] == alone
