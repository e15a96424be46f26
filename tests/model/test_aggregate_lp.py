"""The count model built as arrays (``aggregate_lp.count_form``) is ``build_aggregate``'s model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capacity.model.aggregate import (
    candidates,
    household_types,
    usable_units,
)
from capacity.model.aggregate_lp import count_form
from capacity.model.aggregate_rules import build_aggregate
from capacity.model.domain import Domain, build_domain
from capacity.sample import synthetic_registry
from capacity.solver.highs import solve_highs
from capacity.solver.linear import LinearForm, linear_form
from tests.helpers import PLACE_DAY
from tests.solver.test_solve import small_worlds


def _rows(f: LinearForm) -> list[tuple]:
    """Each row as (columns, values, lower, upper): terms sorted by column, zeros dropped, the
    first coefficient positive."""
    out = []
    for r in range(f.constraints):
        cols, vals = f.index[f.start[r] : f.start[r + 1]], f.value[f.start[r] : f.start[r + 1]]
        order = np.argsort(cols, kind="stable")
        keep = vals[order] != 0
        cols, vals = cols[order][keep], vals[order][keep]
        lo, hi = f.row_lower[r], f.row_upper[r]
        if len(vals) and vals[0] < 0:  # ``a <= b`` and ``-a >= -b`` are one row
            vals, lo, hi = -vals, -hi, -lo
        out.append((tuple(cols.tolist()), tuple(vals.tolist()), lo, hi))
    return out


def _both(dom: Domain, k: int | None = None) -> tuple[LinearForm, LinearForm, list]:
    types = household_types(dom)
    cand = candidates(dom, types, usable_units(dom), k)
    direct = count_form(dom, types, cand)
    return linear_form(build_aggregate(dom, types, cand).cp), direct.form, direct.keys


def _assert_same(dom: Domain, k: int | None = None) -> LinearForm:
    via_cpsat, direct, keys = _both(dom, k)
    assert direct.variables == via_cpsat.variables
    for name in ("col_lower", "col_upper", "cost"):
        assert np.array_equal(getattr(direct, name), getattr(via_cpsat, name)), name
    assert direct.offset == via_cpsat.offset
    assert _rows(direct) == _rows(via_cpsat)  # row for row, in the same order
    types = {t.id: t for t in household_types(dom)}
    assert all(direct.col_upper[i] == types[tid].count for i, (tid, _) in enumerate(keys))
    return direct


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_worlds(max_households=6, max_units=5), st.booleans())
def test_the_array_built_count_model_is_the_cpsat_one(reg, modules):
    """Residents, daycare slots, scores, required districts, modules: the same rows."""
    _assert_same(build_domain(reg, PLACE_DAY, allow_new_modules=modules, with_pairs=False))


@pytest.mark.parametrize("modules", [False, True])
@pytest.mark.parametrize("off", [None, "school_daycare", "family_cluster", "spread"])
def test_the_same_model_on_a_generated_municipality(modules, off):
    """300 households, 40 sites, every term weighed (or one of them switched off); the LP
    optimum is the same too."""
    dom = build_domain(
        synthetic_registry(300, 40, seed=7), PLACE_DAY, allow_new_modules=modules, with_pairs=False
    )
    if off:
        dom = replace(dom, weights={**dom.weights, off: 0})
    direct = _assert_same(dom)
    via_cpsat = linear_form(
        build_aggregate(
            dom,
            household_types(dom),
            candidates(dom, household_types(dom), usable_units(dom), None),
        ).cp
    )
    a = solve_highs(direct, time_limit=30, relax=True)
    b = solve_highs(via_cpsat, time_limit=30, relax=True)
    assert a.status == b.status == "OPTIMAL"
    assert a.objective == pytest.approx(b.objective, rel=1e-9)


def test_the_same_model_on_short_candidate_lists():
    """Not every type on every site (the cheapest 3 with cover): still the same rows."""
    dom = build_domain(synthetic_registry(200, 30, seed=3), PLACE_DAY, with_pairs=False)
    _assert_same(dom, k=3)
