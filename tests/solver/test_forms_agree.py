"""One source of truth (issue 16): the two MIP forms of facility location are held equal.

With new modules and nobody movable, placement is single-source capacitated facility location,
written twice as a MIP: ``linear.linear_form`` reads the CP-SAT model (every term and rule), and
``textbook.textbook_form`` writes the separable part of it from ``problem.problem_of`` (pair
costs, module setup, unplaced penalty). What the textbook form leaves out are the *district
terms*: the missing daycare slots of ``school_daycare``, ``family_cluster`` and ``spread`` (the
pair terms ``transport``, school minutes, ``buildings_first`` and ``external_score`` are in its
pair costs). Each of them is ``>= 0`` (non-negative weights, ``Policy``; an excess and a slot
count bounded below by 0; the cluster's districts less at most one). They are zero where their
weight is 0 or no daycare district has a number of free slots (``soft.daycare_slots``), and
otherwise wherever a placement exceeds no cap and no slots and keeps families in one district.

The properties: on any placement the textbook objective is the whole model's (``evaluate``) less
exactly its district terms, so equal where they are off and never above where they are on; and
the two forms' optima are equal where the district terms are off (the same problem), the
textbook's a lower bound of the whole model's where they are on.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from capacity.model.domain import Domain, build_domain
from capacity.model.placement import build_model
from capacity.model.soft import separable
from capacity.solver.greedy import greedy_assignment
from capacity.solver.highs import run_highs
from capacity.solver.linear import LinearForm, cpsat_model, linear_form
from capacity.solver.problem import Problem, problem_of
from capacity.solver.result import Result
from capacity.solver.scoring import evaluate
from capacity.solver.textbook import textbook_form
from tests import helpers
from tests.helpers import PLACE_DAY
from tests.solver.test_solve import small_worlds

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DISTRICT_TERMS = ("family_cluster", "spread")  # and school_daycare's daycare-slot parts
LIMIT = 20.0  # seconds for HiGHS on a form of a few dozen columns (it proves in milliseconds)


def _domain(reg, district_terms: bool) -> Domain:
    """The domain of ``reg`` with new modules; without the district terms unless asked: the
    spread and cluster weights 0 and no daycare district with a number of free slots (the pair
    costs, school minutes included, stay as they are)."""
    dom = build_domain(reg, PLACE_DAY, allow_new_modules=True)
    assume(any(u.new_module for u in dom.units.values()) and not dom.movable)
    if district_terms:
        return dom
    return replace(
        dom,
        weights={**dom.weights, **dict.fromkeys(DISTRICT_TERMS, 0)},
        districts={did: replace(d, free_slots={}) for did, d in dom.districts.items()},
    )


def _left_out(dom: Domain, result: Result) -> int:
    """The weighted district terms of a scored placement: the explanation's rows of
    ``family_cluster`` and ``spread`` and the daycare-slot rows of ``school_daycare`` (whose
    other rows have a household as subject)."""
    ex = result.explanation
    households = {h.id for h in dom.households}
    daycare = (ex["term"] == "school_daycare") & ~ex["subject"].isin(households)
    return int(ex.loc[ex["term"].isin(DISTRICT_TERMS) | daycare, "weighted"].sum())


def _columns(
    dom: Domain, prob: Problem, pairs: np.ndarray, modules: np.ndarray, placement: dict
) -> np.ndarray:
    """The textbook form's column vector of ``placement``: its pairs, the modules it uses and
    each earlier module of their site (modules go up in order), the households it leaves out."""
    col = {uid: k for k, uid in enumerate(prob.units)}
    want = np.array([col[u] if (u := placement[h]) is not None else -1 for h in prob.households])
    x = (want[pairs[:, 0]] == pairs[:, 1]).astype(float)
    used = set(want[want >= 0].tolist())
    y = np.zeros(len(modules))
    for i, k in enumerate(modules):
        site = dom.units[prob.units[k]].site_id
        later = [m for m in modules[i:] if dom.units[prob.units[m]].site_id == site]
        y[i] = float(any(m in used for m in later))
    return np.concatenate([x, y, (want < 0).astype(float)])


def _textbook_optimum(dom: Domain) -> tuple[int, dict[str, str | None]]:
    """HiGHS's proven optimum of the textbook form and its placement."""
    prob = problem_of(dom)
    form, pairs, _ = textbook_form(dom, prob)
    out = run_highs(form, time_limit=LIMIT)
    assert out.status == "OPTIMAL"
    chosen = np.round(out.values[: len(pairs)]) == 1
    placement = dict.fromkeys(prob.households)
    for i, k in pairs[chosen]:
        placement[prob.households[i]] = prob.units[k]
    return round(out.objective), placement


def _whole_optimum(dom: Domain) -> tuple[int, dict[str, str | None]]:
    """HiGHS's proven optimum of the CP-SAT model's own linear form and its placement."""
    m = build_model(dom)
    out = run_highs(linear_form(m.cp), time_limit=LIMIT)
    assert out.status == "OPTIMAL"
    placement = dict.fromkeys(h.id for h in dom.households)
    for (hid, uid), var in m.x.items():
        if round(out.values[var.index]) == 1:
            placement[hid] = uid
    return round(out.objective), placement


TINY = helpers.tiny_registry()  # families in two districts: the cluster term is on


@SETTINGS
@given(small_worlds(max_households=4, max_units=3), st.booleans(), st.integers(0, 3))
@example(TINY, True, 0)
@example(TINY, False, 1)
def test_the_textbook_objective_is_the_whole_one_less_the_district_terms(reg, district, drop):
    """On the textbook optimum's placement, greedy's and the optimum with one household left
    out, the textbook form's objective (of the placement's column vector, which meets every row)
    is the whole model's (``evaluate``) less exactly the placement's district terms, which are
    ``>= 0``: equal where they are off, never above where they are on. So the textbook form
    drops only what ``portfolio``'s docstring says it drops, terms that cannot be negative,
    which is what makes HiGHS's bound on it a bound of the whole model."""
    dom = _domain(reg, district)
    prob = problem_of(dom)
    form, pairs, modules = textbook_form(dom, prob)
    objective, best = _textbook_optimum(dom)
    placed = [h for h, u in best.items() if u is not None]
    fewer = {**best, placed[drop % len(placed)]: None} if placed else best
    for name, placement in (
        ("optimum", best),
        ("greedy", greedy_assignment(dom)),
        ("one out", fewer),
    ):
        x = _columns(dom, prob, pairs, modules, placement)
        assert form.violation(x) == 0, name
        textbook = round(form.objective(x))
        if placement is best:
            assert textbook == objective
        whole = evaluate(dom, placement)
        left_out = _left_out(dom, whole)
        assert left_out >= 0, name
        assert textbook + left_out == whole.objective, name
        assert textbook <= whole.objective, name
        if not district:
            assert left_out == 0 and textbook == whole.objective, name


@SETTINGS
@given(small_worlds(max_households=4, max_units=3), st.booleans())
@example(TINY, True)
@example(TINY, False)
def test_the_two_forms_have_the_same_optimum_without_the_district_terms(reg, district):
    """HiGHS's optimum of the textbook form equals its optimum of ``linear_form`` of the CP-SAT
    model where the district terms are off (the same facility-location problem, written twice),
    and is a lower bound of it where they are on (the bound the HiGHS lane reports for the whole
    model). Each optimum's placement scores its optimum on the whole model (``evaluate``; plus
    its district terms for the textbook's)."""
    dom = _domain(reg, district)
    textbook, best = _textbook_optimum(dom)
    whole, found = _whole_optimum(dom)
    assert evaluate(dom, found).objective == whole
    scored = evaluate(dom, best)
    assert scored.objective - _left_out(dom, scored) == textbook
    assert textbook <= whole <= scored.objective
    if not district:
        assert textbook == whole


@SETTINGS
@given(small_worlds(max_households=4, max_units=3), st.booleans())
@example(TINY, True)
@example(TINY, False)
def test_cp_sat_and_highs_prove_the_same_textbook_optimum(reg, district):
    """``linear.cpsat_model`` writes the textbook form for CP-SAT (the portfolio's CP-SAT lane):
    CP-SAT's proven optimum equals HiGHS's on the same form, and its values meet every row."""
    dom = _domain(reg, district)
    form, _, _ = textbook_form(dom, problem_of(dom))
    objective, _ = _textbook_optimum(dom)
    model, cols = cpsat_model(form)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = LIMIT
    assert solver.solve(model) == cp_model.OPTIMAL
    x = np.array([solver.value(c) for c in cols], dtype=float)
    assert form.violation(x) == 0
    assert round(solver.objective_value) == round(form.objective(x)) == objective


def _form(draw) -> LinearForm:
    """A small integer ``LinearForm``: columns with finite bounds, rows of distinct columns with
    non-zero coefficients and bounds that may be open."""
    n = draw(st.integers(1, 6))
    lower = np.array(draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)), dtype=float)
    width = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=float)
    rows = draw(
        st.lists(
            st.tuples(
                st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True),
                st.lists(st.integers(-9, 9).filter(bool), min_size=n, max_size=n),
                st.one_of(st.just(-np.inf), st.integers(-20, 0).map(float)),
                st.one_of(st.just(np.inf), st.integers(0, 20).map(float)),
            ),
            max_size=5,
        )
    )
    return LinearForm(
        col_lower=lower,
        col_upper=lower + width,
        integer=np.ones(n, dtype=bool),
        cost=np.array(draw(st.lists(st.integers(-9, 9), min_size=n, max_size=n)), dtype=float),
        offset=float(draw(st.integers(-9, 9))),
        start=np.cumsum([0] + [len(r[0]) for r in rows]).astype(np.int64),
        index=np.array([j for r in rows for j in r[0]], dtype=np.int64),
        value=np.array([v for r in rows for v in r[1][: len(r[0])]], dtype=float),
        row_lower=np.array([r[2] for r in rows], dtype=float),
        row_upper=np.array([r[3] for r in rows], dtype=float),
    )


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_cpsat_model_is_the_inverse_of_linear_form(data):
    """Read back (``linear_form``), the CP-SAT model of a form is the form: the same bounds,
    rows (as column -> coefficient), costs and offset."""
    form = _form(data.draw)
    back = linear_form(cpsat_model(form)[0])
    assert np.array_equal(back.col_lower, form.col_lower)
    assert np.array_equal(back.col_upper, form.col_upper)
    assert np.array_equal(back.cost, form.cost) and back.offset == form.offset
    assert np.array_equal(back.row_lower, form.row_lower)
    assert np.array_equal(back.row_upper, form.row_upper)
    for k in range(form.constraints):
        mine = slice(form.start[k], form.start[k + 1])
        theirs = slice(back.start[k], back.start[k + 1])
        assert dict(zip(back.index[theirs], back.value[theirs], strict=True)) == dict(
            zip(form.index[mine], form.value[mine], strict=True)
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cost": np.array([0.5])}, "a cost is fractional"),
        ({"cost": np.array([np.nan])}, "a cost is not a number"),
        ({"col_upper": np.array([np.inf])}, "a column bound is infinite"),
        ({"cost": np.array([1e17])}, "a cost is larger"),
        ({"integer": np.zeros(1, dtype=bool)}, "a column is continuous"),
    ],
)
def test_cpsat_model_refuses_what_cp_sat_cannot_take(change, message):
    form = LinearForm(
        col_lower=np.zeros(1),
        col_upper=np.ones(1),
        integer=np.ones(1, dtype=bool),
        cost=np.array([1.0]),
        offset=0.0,
        start=np.zeros(1, dtype=np.int64),
        index=np.zeros(0, dtype=np.int64),
        value=np.zeros(0),
        row_lower=np.zeros(0),
        row_upper=np.zeros(0),
    )
    cpsat_model(form)  # the form itself is fine
    with pytest.raises(ValueError, match=message):
        cpsat_model(replace(form, **change))


def test_separable_holds_only_where_no_left_out_term_can_count():
    """``soft.separable`` (what the portfolio's CP-SAT lane relies on) on the tiny registry:
    false with its district terms; true with them off; with only the cluster term on and no
    family to place, true while resident families live in one district and false once they
    live in two, where the cluster term is a constant above zero for every placement."""
    dom = build_domain(TINY, PLACE_DAY, allow_new_modules=True)
    assert not separable(dom)
    off = replace(
        dom,
        weights={**dom.weights, "spread": 0, "family_cluster": 0},
        districts={did: replace(d, free_slots={}) for did, d in dom.districts.items()},
    )
    assert separable(off)
    cluster = replace(
        off,
        weights={**off.weights, "family_cluster": dom.weights["family_cluster"]},
        households=tuple(h for h in off.households if not h.has_children),
    )
    assert [r.site_id for r in cluster.residents if r.has_children] == ["B1"]  # district W
    assert separable(cluster)
    moved = next(r for r in cluster.residents if not r.has_children)
    two = replace(
        cluster,
        residents=tuple(
            replace(r, site_id="P1", has_children=True) if r is moved else r
            for r in cluster.residents
        ),
    )
    assert not separable(two)
    for world, constant in ((cluster, 0), (two, dom.weights["family_cluster"])):
        scored = evaluate(world, greedy_assignment(world))
        assert _left_out(world, scored) == constant
