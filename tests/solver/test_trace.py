"""Seconds to a 1 % gap: recorded on the placement paths, never after the run ended."""

from __future__ import annotations

import pytest

from capacity.solver.solve import place
from capacity.solver.trace import within
from tests.helpers import PLACE_DAY


def test_within_is_the_relative_gap():
    assert within(100.0, 99.0, 1.0) and not within(100.0, 98.9, 1.0)
    assert within(-100.0, -101.0, 1.0) and within(0.0, 0.0, 1.0)


@pytest.mark.parametrize("solver", ["cpsat", "highs"])
@pytest.mark.parametrize("formulation", ["pairs", "aggregate"])
def test_a_proven_placement_knows_when_it_came_within_one_percent(
    tiny_registry, solver, formulation
):
    result = place(
        tiny_registry, PLACE_DAY, solver=solver, formulation=formulation, allow_new_modules=True
    )
    assert result.status == "OPTIMAL"
    wall = result.build_seconds + result.solve_seconds
    assert result.seconds_to_1pct is not None
    assert 0 <= result.seconds_to_1pct <= wall + 0.01


def test_greedy_has_no_bound_and_no_time_to_a_gap(tiny_registry):
    result = place(tiny_registry, PLACE_DAY, solver="greedy")
    assert result.best_bound is None and result.seconds_to_1pct is None
