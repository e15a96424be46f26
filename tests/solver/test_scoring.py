"""``evaluate`` scores a placement on a model of its own pairs only, and says what the whole
model says: the same objective, explanation, placements, unplaced reasons and alternatives, and
the same verdict on a placement that breaks a rule of the model."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capacity.model.domain import build_domain
from capacity.model.placement import build_model
from capacity.model.soft import pair_cost
from capacity.solver.alternatives import PairCosts, pair_bound
from capacity.solver.result import Result
from capacity.solver.scoring import EVALUATE_LIMIT, evaluate, scored_pairs
from capacity.solver.solve import place
from capacity.solver.stages import solve_in_stages
from tests.helpers import PLACE_DAY
from tests.solver.test_solve import small_worlds


def _whole(dom, assignment) -> Result | None:
    """The placement scored on the model of every allowed pair, each household fixed."""
    m = build_model(dom, fixed=assignment)
    return solve_in_stages(
        m, time_limit=EVALUATE_LIMIT, seed=0, lang="da", workers=1, started=0.0, solver="greedy"
    )


def _frames(r: Result) -> list[pd.DataFrame]:
    return [r.placements, r.unplaced, r.modules, r.explanation, r.alternatives]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_worlds(), st.booleans(), st.booleans(), st.data())
def test_scoring_on_the_placement_pairs_says_what_the_whole_model_says(reg, moves, modules, data):
    dom = build_domain(reg, PLACE_DAY, allow_moves=moves, allow_new_modules=modules)
    assignment = {
        h.id: data.draw(st.sampled_from([None, *dom.pairs[h.id]])) for h in dom.households
    }
    whole = _whole(dom, assignment)
    try:
        mine = evaluate(dom, assignment)
    except ValueError:
        assert whole is None
        return
    assert whole is not None
    assert mine.objective == whole.objective
    for a, b in zip(_frames(mine), _frames(whole), strict=True):
        pd.testing.assert_frame_equal(a, b)
    smaller = scored_pairs(dom, assignment)
    assert all(len(smaller[h.id]) <= 2 for h in dom.households)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_worlds(max_households=5, max_units=5), st.booleans(), st.booleans())
def test_the_pairs_bound_is_at_most_the_optimum(reg, moves, modules):
    result = place(reg, PLACE_DAY, allow_moves=moves, allow_new_modules=modules, workers=1)
    assert result.status == "OPTIMAL"
    dom = build_domain(reg, PLACE_DAY, allow_moves=moves, allow_new_modules=modules)
    assert pair_bound(dom) <= result.objective


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_worlds(max_households=6, max_units=8), st.booleans(), st.booleans())
def test_pair_costs_on_arrays_are_pair_cost(reg, moves, modules):
    dom = build_domain(reg, PLACE_DAY, allow_moves=moves, allow_new_modules=modules)
    costs = PairCosts(dom)
    for h in dom.households:
        assert costs.of(h).tolist() == [pair_cost(h, dom.units[u], dom) for u in dom.pairs[h.id]]
