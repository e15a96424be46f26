"""The neighbourhood search on the textbook MIP: every answer keeps every row, is no worse than
its start, is the same for the same seed, and is the optimum where a step frees every unit."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from capacity.bench import sscflp
from capacity.model.domain import add_pairs, build_domain
from capacity.solver import cpsat_lanes, neighbourhood, portfolio
from capacity.solver.clock import Clock
from capacity.solver.greedy import greedy_assignment
from capacity.solver.linear import cpsat_model
from capacity.solver.problem import problem_of
from capacity.solver.textbook import start_values, textbook_form
from tests.helpers import PLACE_DAY
from tests.solver.test_solve import small_worlds

DAY = pd.Timestamp("2027-01-01").date()


def _textbook(reg):
    dom = build_domain(reg, PLACE_DAY, allow_new_modules=True)
    prob = problem_of(dom)
    form, pairs, modules = textbook_form(dom, prob)
    model, cols = cpsat_model(form)
    nobody = start_values(prob, pairs, modules, {})[1]  # everyone left out: always feasible
    return prob, form, pairs, modules, model, cols, nobody


def _keeps_every_row(form, values: np.ndarray) -> bool:
    sums = np.array(
        [
            float(form.value[a:b] @ values[form.index[a:b]])
            for a, b in zip(form.start[:-1], form.start[1:], strict=True)
        ]
    )
    return bool(np.all(sums >= form.row_lower - 1e-9) and np.all(sums <= form.row_upper + 1e-9))


def _improve(prob, form, pairs, modules, model, cols, start, *, seed=0, budget=5.0, caps=None):
    return neighbourhood.improve(
        model,
        cols,
        form.cost,
        pairs,
        modules,
        start,
        units=len(prob.units),
        budget=budget,
        clock=Clock(30.0),
        seed=seed,
        caps=caps,
    )


def _whole_optimum(model) -> int:
    whole = cp_model.CpSolver()
    whole.parameters.num_workers = 1
    assert whole.solve(model) == cp_model.OPTIMAL
    return round(whole.objective_value)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_worlds(max_households=6, max_units=5), st.integers(0, 3))
def test_every_answer_keeps_every_row_and_is_no_worse_than_its_start(reg, seed):
    """Steps of two units (most worlds have more units): no step's MIP is infeasible (the
    placement it starts from is in it), no answer breaks a row, and a proof is the optimum."""
    prob, form, pairs, modules, model, cols, nobody = _textbook(reg)
    statuses = []

    def recorded(*args, **kw):
        cp = neighbourhood_run(*args, **kw)
        statuses.append(cp.status)
        return cp

    neighbourhood_run = neighbourhood.solve_once
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(neighbourhood, "FIRST", 2)
        patch.setattr(neighbourhood, "solve_once", recorded)
        values, objective, steps, proven = _improve(
            prob, form, pairs, modules, model, cols, nobody, seed=seed
        )
        again = _improve(prob, form, pairs, modules, model, cols, nobody, seed=seed)
    assert (steps >= 1 or not len(pairs)) and len(statuses) == 2 * steps
    assert set(statuses) <= {cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.UNKNOWN}
    assert set(np.unique(values)) <= {0.0, 1.0}
    assert _keeps_every_row(form, values)
    assert objective == round(float(form.cost @ values)) <= round(float(form.cost @ nobody))
    assert not proven or objective == _whole_optimum(model)
    assert np.array_equal(again[0], values)  # deterministic: a seeded generator, counted budgets


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(small_worlds(max_households=6, max_units=4))
def test_a_step_that_frees_every_unit_reaches_the_optimum(reg):
    """With ``FIRST`` at the number of units the first step frees them all and every household:
    the whole MIP, solved to optimality from a start that leaves everyone out."""
    prob, form, pairs, modules, model, cols, nobody = _textbook(reg)
    assume(len(pairs) > 0)  # without pairs nothing is searched: everyone is left out
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(neighbourhood, "FIRST", len(prob.units))
        _, objective, steps, proven = _improve(prob, form, pairs, modules, model, cols, nobody)
    assert objective == _whole_optimum(model)
    assert proven and steps == 1


def test_units_are_ordered_by_how_alike_their_costs_are():
    """Unit 0 and 2 cost the same to each household, unit 1 differs; unit 3 shares none."""
    pairs = np.array([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2], [2, 3]])
    cost = np.array([5.0, 50.0, 6.0, 7.0, 70.0, 7.0, 1.0])
    order = neighbourhood.unit_order(pairs, cost, 4)
    assert order[:, 0].tolist() == [0, 1, 2, 3]  # each unit first
    assert order[0].tolist() == [0, 2, 1, 3] and order[2].tolist() == [2, 0, 1, 3]
    assert order[3, 0] == 3  # shares no household: every other unit is as far


def test_a_step_frees_the_households_of_its_units_and_those_that_would_pay_less_there():
    """Households 0-3 (pairs: household, unit, cost); the step frees unit 1. Household 0 is at
    unit 1; household 1 is at unit 0 and would pay less at unit 1; household 2 is at unit 0 and
    would pay more there; household 3 is left out."""
    pairs = np.array([[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1], [3, 2]])
    cost = np.array([5.0, 3.0, 5.0, 4.0, 5.0, 6.0, 2.0])
    chosen = np.array([False, True, True, False, True, False, False])
    freed = neighbourhood.freed_households(pairs, cost, chosen, np.array([1]), 4)
    assert freed.tolist() == [True, True, False, True]


def _one_household(
    clock: Clock, bound: float | None = None, *, start=(0.0, 1.0), peer=None
) -> tuple:
    """One household, one unit (cost 1) or left out (cost 9), starting left out."""
    model = cp_model.CpModel()
    cols = [model.new_int_var(0, 1, "x"), model.new_int_var(0, 1, "z")]
    model.add(cols[0] + cols[1] == 1)
    model.minimize(cols[0] + 9 * cols[1])
    return neighbourhood.improve(
        model,
        cols,
        np.array([1.0, 9.0]),
        np.array([[0, 0]]),
        np.array([], dtype=np.int64),
        np.array(start),
        units=1,
        budget=5.0,
        clock=clock,
        seed=0,
        bound=bound,
        peer=peer,
    )


def test_the_search_stops_at_the_deadline():
    """A clock already passed: no step runs, the start comes back."""
    values, objective, steps, proven = _one_household(Clock(0.0))
    assert steps == 0 and objective == 9 and not proven and values.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("bound", [9, 10])
def test_the_search_stops_when_the_start_reaches_the_bound(bound):
    _, objective, steps, _ = _one_household(Clock(30.0), bound)
    assert steps == 0 and objective == 9


def test_a_step_over_the_only_unit_places_the_household_and_proves_it():
    values, objective, steps, proven = _one_household(Clock(30.0))
    assert values.tolist() == [1.0, 0.0] and objective == 1 and steps == 1 and proven


def test_a_better_placement_from_the_peer_is_taken_before_a_step():
    """The peer holds the household at its unit (cost 1, the bound): taken, no step needed."""
    held, clock = portfolio.Incumbent(), Clock(30.0)
    held.offer(np.array([1.0, 0.0]))
    values, objective, steps, _ = _one_household(clock, 1, peer=held.take)
    assert values.tolist() == [1.0, 0.0] and objective == 1 and steps == 0
    assert clock.cut  # when the peer's placement came is the wall clock's doing


def test_a_worse_placement_from_the_peer_is_left():
    held, clock = portfolio.Incumbent(), Clock(30.0)
    held.offer(np.array([0.0, 1.0]))
    values, objective, steps, _ = _one_household(clock, 1, start=(1.0, 0.0), peer=held.take)
    assert values.tolist() == [1.0, 0.0] and objective == 1 and steps == 0
    assert not clock.cut


def test_a_peer_without_a_placement_or_with_another_models_is_told_apart():
    assert _one_household(Clock(30.0), peer=portfolio.Incumbent().take)[1] == 1  # none yet
    with pytest.raises(ValueError, match="3 columns, not 2"):
        _one_household(Clock(30.0), peer=lambda: np.zeros(3))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_worlds(max_households=6, max_units=4))
def test_the_search_goes_on_from_the_peers_optimum(reg):
    """The peer holds an optimal placement of the whole MIP: the search takes it before its
    first step and, with the optimum as its bound, ends there without a step."""
    prob, form, pairs, modules, model, cols, nobody = _textbook(reg)
    whole = cp_model.CpSolver()
    whole.parameters.num_workers = 1
    assert whole.solve(model) == cp_model.OPTIMAL
    optimum = np.array([whole.value(c) for c in cols], dtype=float)
    held = portfolio.Incumbent()
    held.offer(optimum)
    values, objective, steps, _ = neighbourhood.improve(
        model,
        cols,
        form.cost,
        pairs,
        modules,
        nobody,
        units=len(prob.units),
        budget=5.0,
        clock=Clock(30.0),
        seed=0,
        bound=whole.objective_value,
        peer=held.take,
    )
    assert objective == round(whole.objective_value) and _keeps_every_row(form, values)
    assert steps == 0 or not len(pairs)


def test_the_cp_sat_lane_searches_neighbourhoods_after_a_short_tree_search(shared_dir, monkeypatch):
    """Delmaire p20 with a tree search too short to prove, hinted with the greedy placement:
    the neighbourhoods start from its
    placement and end no worse, every household placed, the bound below the objective, and
    ``OPTIMAL`` only at the known optimum."""
    inst = sscflp.load(shared_dir / "benchmarks" / "sscflp", "delmaire", "p20")
    reg = sscflp.to_registry(inst)
    dom = add_pairs(build_domain(reg, DAY, allow_new_modules=True, with_pairs=False))
    scale = sscflp.PLACE_SCALE * sscflp.registry_scale(inst)
    monkeypatch.setattr(cpsat_lanes, "TREE_SHARE", 0.01)
    shared = portfolio.Incumbent()
    got = cpsat_lanes.cpsat_lane(
        dom,
        share=shared,
        start=greedy_assignment(dom),
        seed=0,
        lang="en",
        started=time.perf_counter(),
        clock=Clock(60.0),
        budget=5.0,
    )
    searched = got.options["neighbourhoods"]
    assert searched["steps"] >= 1 and got.objective <= searched["from"]
    assert shared.take() is not None  # the start and each better placement, for HiGHS
    assert set(got.placements["household_id"]) == {h.id for h in dom.households}
    assert got.best_bound <= got.objective
    assert got.status != "OPTIMAL" or got.objective == inst.optimum * scale
