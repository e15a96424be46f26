"""The proof rule of ``settle``: an integer objective reaches a valid bound at its ceiling, and a
bound summed in floats is ``lowered`` first so that float noise never proves a placement."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from capacity.solver.settle import lowered, reaches

BOUNDS = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
NOISE = st.floats(min_value=-1e-9, max_value=1e-9)  # relative error of a float sum


@given(BOUNDS)
def test_reaches_the_ceiling_of_the_bound_and_not_one_above(bound):
    assert reaches(math.ceil(bound), bound)
    assert not reaches(math.ceil(bound) + 1, bound)


@given(st.integers(min_value=-(10**8), max_value=10**8), NOISE)
def test_float_noise_on_an_integer_bound_does_not_change_the_verdict(exact, noise):
    bound = lowered(exact * (1 + noise))
    assert reaches(exact, bound)
    assert not reaches(exact + 1, bound)


@given(BOUNDS, NOISE)
def test_lowered_noisy_bound_stays_below_the_exact_one(exact, noise):
    """So ``reaches`` on it never proves an objective above ``ceil(exact)``."""
    assert lowered(exact * (1 + noise)) < exact


def test_a_large_objective_one_above_an_integer_bound_is_not_proven():
    """At tens of millions a slack written as ``bound + 1 - 1e-9`` rounds to ``bound + 1`` and
    would prove an objective one above the bound; the rule does not."""
    for bound in (2e7, 4.9e7, 1e8):
        assert reaches(bound, lowered(bound)) and not reaches(bound + 1, lowered(bound))
        assert bound + 1 <= bound + 1 - 1e-9  # the float slack that rounded away
