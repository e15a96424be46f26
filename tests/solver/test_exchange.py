"""Exchanges of modules: the estimate is the exchange's true change where capacities do not
bind, every improving exchange is proposed, every exchange made is a point of the MIP, and the
search that makes them keeps every row and is no worse than its start."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from capacity.bench import sscflp
from capacity.bench.sscflp import Instance
from capacity.model.domain import add_pairs, build_domain
from capacity.solver import exchange, neighbourhood
from capacity.solver.exchange import Capacities
from capacity.solver.linear import cpsat_model
from capacity.solver.problem import problem_of
from capacity.solver.textbook import capacities, start_values, textbook_form
from tests.solver.test_neighbourhood import _improve, _keeps_every_row, _whole_optimum

DAY = pd.Timestamp("2027-01-01").date()


def _arrays(costs: np.ndarray, setup: np.ndarray, up: list[int], capacity: float):
    """Every household allowed at every unit, every unit a module on its own site, weight 1;
    the modules ``up`` put up and each household at its cheapest of them."""
    households, units = costs.shape
    pairs = np.array(list(itertools.product(range(households), range(units))))
    cost = np.concatenate([costs.ravel(), setup, np.full(households, 1e6)])
    values = np.zeros(len(cost))
    values[len(pairs) + np.array(up)] = 1
    at = np.array(up)[np.argmin(costs[:, up], axis=1)]
    values[np.arange(households) * units + at] = 1
    caps = Capacities(
        weight=np.ones(len(pairs)),
        capacity=np.full(units, capacity),
        previous=np.full(units, -1),
    )
    return pairs, cost, np.arange(units), values, caps


def _objective(costs: np.ndarray, setup: np.ndarray, up) -> float:
    """With capacities that never bind: the setups plus each household at its cheapest."""
    up = sorted(up)
    return float(setup[up].sum() + costs[:, up].min(axis=1).sum())


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(3, 6), st.integers(4, 7))
def test_where_capacities_do_not_bind_every_improving_exchange_is_proposed_at_its_change(
    seed, households, units
):
    """Capacities that hold everyone: the best placement with given modules puts each
    household at its cheapest, so the estimate is exact; every one-for-one and two-for-two
    exchange that lowers the objective is proposed, best first, and no other."""
    rng = np.random.default_rng(seed)
    costs = rng.integers(1, 30, size=(households, units)).astype(float)
    setup = rng.integers(0, 20, size=units).astype(float)
    up = sorted(rng.choice(units, size=2, replace=False).tolist())
    pairs, cost, modules, values, caps = _arrays(costs, setup, up, capacity=households)
    got = exchange.ranked(pairs, cost, modules, values, caps, units=units)
    now = _objective(costs, setup, up)
    assert now == float(cost @ values)
    down = [j for j in range(units) if j not in up]
    want = {}
    for k in (1, 2):
        for gone, new in itertools.product(
            itertools.combinations(up, k), itertools.combinations(down, k)
        ):
            change = _objective(costs, setup, set(up) - set(gone) | set(new)) - now
            if change < 0:
                want[(gone, new)] = change
    assert {made: change for change, made in got} == pytest.approx(want)
    assert [change for change, _ in got] == sorted(change for change, _ in got)


def test_an_exchange_that_leaves_too_little_capacity_is_not_proposed():
    """Two households at module 0 (capacity 2); module 1 (capacity 1) costs nothing but holds
    one: the exchange would leave a household without room."""
    costs = np.array([[10.0, 0.0], [10.0, 0.0]])
    pairs, cost, modules, values, caps = _arrays(costs, np.zeros(2), [0], capacity=2)
    assert exchange.ranked(pairs, cost, modules, values, caps, units=2)
    small = Capacities(caps.weight, np.array([2.0, 1.0]), caps.previous)
    assert exchange.ranked(pairs, cost, modules, values, small, units=2) == []


def test_a_sites_modules_are_exchanged_in_order():
    """Modules 0 and 1 on one site, 2 on another; 0 up. Module 1 may go up (its site's module
    before it is up), module 0 may go down (the site's last up); with 0 down, 1 may not go up."""
    costs = np.array([[5.0, 1.0, 1.0]])
    pairs, cost, modules, values, caps = _arrays(costs, np.zeros(3), [0], capacity=1)
    ordered = Capacities(caps.weight, caps.capacity, np.array([-1, 0, -1]))
    got = [made for _, made in exchange.ranked(pairs, cost, modules, values, ordered, units=3)]
    assert got == [((0,), (2,))]  # 0 for 1 would leave 1 up without 0


def test_the_households_of_a_module_put_down_move_heaviest_first_to_their_cheapest_room():
    """Module 0 goes down for module 1 (capacity 2). Household 0 (weight 2) takes module 1;
    household 1 (weight 1) would rather go there too but finds no room and goes to standing unit
    2; household 2 finds no room anywhere and is left out."""
    pairs = np.array([[0, 0], [0, 1], [1, 0], [1, 1], [1, 2], [2, 0], [2, 1], [2, 2]])
    costs = np.array([1.0, 2.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0])
    weight = np.array([2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    caps = Capacities(weight, np.array([4.0, 2.0, 1.0]), np.array([-1, -1]))
    cost = np.concatenate([costs, [0.0, 0.0], [100.0, 100.0, 100.0]])
    values = np.zeros(len(cost))
    values[[0, 2, 5]] = 1  # everyone at module 0
    values[8] = 1
    made = exchange.repaired(pairs, cost, np.array([0, 1]), values, caps, ((0,), (1,)), units=3)
    assert np.flatnonzero(made[:8]).tolist() == [1, 4]
    assert made[8:10].tolist() == [0, 1] and made[10:].tolist() == [0, 0, 1]


def test_a_household_without_room_takes_a_place_freed_by_moving_one_household_on():
    """Module 0 goes down for module 1 (capacity 3). Household 0 (weight 2) takes module 1;
    household 1 (weight 2) finds no room at module 1 or at standing unit 2 (capacity 2, where
    household 2 of weight 1 is), but household 2 can move on to standing unit 3 (capacity 1):
    household 1 takes unit 2 and nobody is left out."""
    # household 0 at units 0, 1, 2; household 1 at units 0, 1, 2; household 2 at units 2, 3
    pairs = np.array([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2], [2, 2], [2, 3]])
    costs = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 5.0])
    weight = np.array([2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.0])
    caps = Capacities(weight, np.array([4.0, 3.0, 2.0, 1.0]), np.array([-1, -1]))
    cost = np.concatenate([costs, [0.0, 0.0], [100.0, 100.0, 100.0]])
    values = np.zeros(len(cost))
    values[[0, 3, 6, 8]] = 1  # households 0 and 1 at module 0, household 2 at unit 2
    made = exchange.repaired(pairs, cost, np.array([0, 1]), values, caps, ((0,), (1,)), units=4)
    assert np.flatnonzero(made[:8]).tolist() == [1, 5, 7]
    assert made[8:10].tolist() == [0, 1] and made[10:].tolist() == [0, 0, 0]


@st.composite
def facility_worlds(draw):
    """A random single-source facility location instance as a registry (``sscflp.to_registry``:
    a pavilion site with one module per facility) and a start: modules drawn at random put up,
    each household in a random order at its cheapest of them with room, else left out."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, m = draw(st.integers(3, 6)), draw(st.integers(4, 9))
    demand, capacity = rng.integers(1, 5, m), rng.integers(3, 12, n)
    inst = Instance(
        "random/x", capacity, rng.integers(0, 30, n), demand, rng.integers(1, 30, (n, m)), 1, None
    )
    dom = add_pairs(
        build_domain(sscflp.to_registry(inst), DAY, allow_new_modules=True, with_pairs=False)
    )
    prob = problem_of(dom)
    form, pairs, modules = textbook_form(dom, prob)
    model, cols = cpsat_model(form)
    up = modules[rng.random(len(modules)) < 0.5]
    load, placed = np.zeros(len(prob.units)), {}
    for h in rng.permutation(len(prob.households)):
        room = [k for k in up if load[k] + prob.weight[h, k] <= prob.capacity[k]]
        k = min(room, key=lambda k: prob.cost[h, k]) if room else None
        placed[prob.households[h]] = None if k is None else prob.units[k]
        if k is not None:
            load[k] += prob.weight[h, k]
    start = start_values(prob, pairs, modules, placed)[1]
    start[len(pairs) + np.flatnonzero(np.isin(modules, up))] = 1  # up, if empty too
    return prob, form, pairs, modules, model, cols, capacities(dom, prob, pairs, modules), start


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facility_worlds())
def test_every_exchange_made_is_a_point_of_the_mip(world):
    prob, form, pairs, modules, model, cols, caps, start = world
    assert _keeps_every_row(form, start)
    got = exchange.ranked(pairs, form.cost, modules, start, caps, units=len(prob.units))
    event(f"exchanges proposed: {min(len(got), 3)}{'+' if len(got) > 3 else ''}")
    for change, made in got:
        point = exchange.repaired(
            pairs, form.cost, modules, start, caps, made, units=len(prob.units)
        )
        assert change < 0 and _keeps_every_row(form, point.astype(float))
        ys = point[len(pairs) : len(pairs) + len(modules)]
        assert not ys[list(made[0])].any() and ys[list(made[1])].all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facility_worlds())
def test_the_search_makes_the_first_exchange_that_leaves_out_no_one_more(world):
    """Of the exchanges not tried, in rank order, the search makes the first whose repaired
    placement leaves out no more households than the walk does, and the first at all where
    every one leaves out more."""
    prob, form, pairs, modules, model, cols, caps, start = world
    units = len(prob.units)
    got = exchange.ranked(pairs, form.cost, modules, start, caps, units=units)
    out = len(pairs) + len(modules)
    repairs = [
        exchange.repaired(pairs, form.cost, modules, start, caps, made, units=units)
        for _, made in got
    ]
    keeps = [k for k, r in enumerate(repairs) if r[out:].sum() <= start[out:].sum()]
    tried: set = set()
    made = neighbourhood._exchange(pairs, form.cost, modules, start, caps, tried, units=units)
    if not got:
        assert made is None and not tried
        return
    want = keeps[0] if keeps else 0
    event("a repair leaves out no one more" if keeps else "every repair leaves out more")
    assert np.array_equal(made, repairs[want]) and tried == {got[want][1]}


def test_where_every_repair_leaves_someone_out_the_search_makes_the_best_ranked_exchange():
    """Module 0 (setup 10) goes down for module 1 (capacity 3, setup 0): household 0 (weight 2)
    takes module 1, household 1 (weight 2) finds no room there or at standing unit 2, where
    household 2 (weight 1, allowed only there) cannot move on. The only exchange leaves it out,
    and the search still makes it."""
    # household 0 at units 0, 1; household 1 at units 0, 1, 2; household 2 at unit 2
    pairs = np.array([[0, 0], [0, 1], [1, 0], [1, 1], [1, 2], [2, 2]])
    weight = np.array([2.0, 2.0, 2.0, 2.0, 2.0, 1.0])
    caps = Capacities(weight, np.array([4.0, 3.0, 2.0]), np.array([-1, -1]))
    cost = np.concatenate([np.ones(6), [10.0, 0.0], [100.0, 100.0, 100.0]])
    modules = np.array([0, 1])
    values = np.zeros(len(cost), dtype=np.int64)
    values[[0, 2, 5, 6]] = 1  # households 0 and 1 at module 0, household 2 at unit 2
    assert [made for _, made in exchange.ranked(pairs, cost, modules, values, caps, units=3)] == [
        ((0,), (1,))
    ]
    tried: set = set()
    made = neighbourhood._exchange(pairs, cost, modules, values, caps, tried, units=3)
    assert tried == {((0,), (1,))}
    assert np.flatnonzero(made[:6]).tolist() == [1, 5]
    assert made[6:8].tolist() == [0, 1] and made[8:].tolist() == [0, 1, 0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facility_worlds(), st.integers(0, 3))
def test_the_search_with_exchanges_keeps_every_row_and_is_no_worse_than_its_start(world, seed):
    """An exchange after every step that did not lower the walk, and back after two steps: the
    answer keeps every row, costs no more than the start, is the same for the same seed, and
    a proof is the optimum."""
    prob, form, pairs, modules, model, cols, caps, start = world

    def search():
        return _improve(prob, form, pairs, modules, model, cols, start, seed=seed, caps=caps)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(neighbourhood, "FIRST", 2)
        patch.setattr(neighbourhood, "STALL", 1)
        patch.setattr(neighbourhood, "DESCENT", 2)
        values, objective, _, proven = search()
        again = search()
    assert set(np.unique(values)) <= {0.0, 1.0} and _keeps_every_row(form, values)
    assert objective == round(float(form.cost @ values)) <= round(float(form.cost @ start))
    assert not proven or objective == _whole_optimum(model)
    assert np.array_equal(again[0], values)
