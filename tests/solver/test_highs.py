"""HiGHS solves the very model CP-SAT solves: the linear form is exact, both reach the same
optimum, the checker holds on HiGHS's placements, and a run ended at the limit falls back to
greedy, labelled."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from capacity.errors import UserError
from capacity.model.domain import build_domain
from capacity.model.placement import build_model
from capacity.solver import fixing, highs, scoring, settle, solve
from capacity.solver.clock import Clock
from capacity.solver.linear import LinearForm, NotLinearError, linear_form
from capacity.solver.solve import place
from tests.helpers import PLACE_DAY
from tests.solver.test_solve import _check, small_worlds


def test_linear_form_is_the_cp_sat_model(tiny_registry):
    """The CP-SAT optimum, as a column vector, meets every row and has the same objective."""
    from ortools.sat.python import cp_model

    m = build_model(build_domain(tiny_registry, PLACE_DAY, allow_new_modules=True))
    form = linear_form(m.cp)
    assert (form.variables, form.constraints) == (
        len(m.cp.proto.variables),
        len(m.cp.proto.constraints),
    )
    cp = cp_model.CpSolver()
    assert cp.solve(m.cp) == cp_model.OPTIMAL
    x = np.array([cp.value(v) for v in _vars(m, form.variables)], dtype=float)
    rows = np.add.reduceat(form.value * x[form.index], form.start[:-1])
    assert np.all(rows >= form.row_lower) and np.all(rows <= form.row_upper)
    assert form.objective(x) == cp.objective_value


def _vars(m, n):
    return [m.cp.get_int_var_from_proto_index(i) for i in range(n)]


def test_a_constraint_that_is_not_linear_is_refused():
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    a, b = model.new_bool_var("a"), model.new_bool_var("b")
    model.add_multiplication_equality(a, [a, b]).with_name("either")
    with pytest.raises(NotLinearError, match="either"):
        linear_form(model)


def test_highs_places_the_tiny_registry_optimally_and_checks(tiny_registry):
    cpsat = place(tiny_registry, PLACE_DAY, allow_new_modules=True)
    result = place(tiny_registry, PLACE_DAY, solver="highs", allow_new_modules=True)
    _check(tiny_registry, result, allow_new_modules=True)
    assert result.status == "OPTIMAL" and result.solver == "highs (lagrange-fixing)"
    assert result.objective == cpsat.objective
    # both solve the pairs Lagrangian fixing keeps (capacity.solver.fixing): the same model,
    # unless CP-SAT's fewest-modules phase pruned again
    highs_size, cpsat_size = result.options["model_size"], cpsat.options["model_size"]
    assert cpsat_size["variables"] <= highs_size["variables"]
    whole = build_model(build_domain(tiny_registry, PLACE_DAY, allow_new_modules=True))
    assert highs_size["variables"] < len(whole.cp.proto.variables)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_worlds(max_households=4, max_units=3))
def test_highs_and_cp_sat_agree_on_generated_registries(reg):
    for kw in (dict(), dict(allow_new_modules=True)):
        cpsat = place(reg, PLACE_DAY, workers=1, **kw)
        result = place(reg, PLACE_DAY, solver="highs", **kw)
        _check(reg, result, **kw)
        assert result.status == cpsat.status == "OPTIMAL"
        assert result.objective == cpsat.objective


def test_highs_ended_at_the_limit_falls_back_to_greedy_labelled(tiny_registry, monkeypatch):
    monkeypatch.setattr(
        solve,
        "solve_highs",
        lambda form, **kw: highs.HighsOutcome("KILLED", note="stoppet efter 9 s"),
    )
    scored = []
    evaluate = scoring.evaluate
    for module in (solve, fixing, settle):
        monkeypatch.setattr(
            module, "evaluate", lambda *a, **kw: scored.append(1) or evaluate(*a, **kw)
        )
    result = place(tiny_registry, PLACE_DAY, solver="highs", allow_new_modules=True)
    assert len(scored) == 1  # the heuristic's placement, by the fixing: not scored again
    greedy = place(tiny_registry, PLACE_DAY, solver="greedy", allow_new_modules=True)
    _check(tiny_registry, result, allow_new_modules=True)
    # the fallback is the Lagrangian heuristic's placement (capacity.solver.fixing), no worse
    assert result.status == "KILLED" and result.solver.startswith("lagrange (HiGHS: killed")
    assert result.objective <= greedy.objective


def test_child_that_overruns_is_killed(tiny_registry, monkeypatch):
    monkeypatch.setattr(highs, "STARTUP_SECONDS", 0.0)
    form = linear_form(build_model(build_domain(tiny_registry, PLACE_DAY)).cp)
    out = highs.solve_highs(form, time_limit=0.001, grace=0.0)
    assert out.status == "KILLED" and out.values is None


def _binary_max(value: np.ndarray, weight: np.ndarray, upper: np.ndarray) -> LinearForm:
    """``max value @ x`` over 0/1 ``x`` with the rows ``weight @ x <= upper``, as a
    ``LinearForm``."""
    rows, n = weight.shape
    return LinearForm(
        col_lower=np.zeros(n),
        col_upper=np.ones(n),
        integer=np.ones(n, dtype=bool),
        cost=-value,
        offset=0.0,
        start=np.arange(0, rows * n + 1, n),
        index=np.tile(np.arange(n), rows),
        value=weight.ravel(),
        row_lower=np.full(rows, -np.inf),
        row_upper=upper,
    )


def _knapsack(n: int = 12):
    """``max value @ x`` over 0/1 ``x`` with one weight row, as a ``LinearForm``."""
    rng = np.random.default_rng(3)
    weight, value = rng.integers(5, 30, n).astype(float), rng.integers(5, 30, n).astype(float)
    return _binary_max(value, weight[None, :], np.array([weight.sum() / 3]))


def test_violation_measures_bounds_rows_and_integrality():
    form = _knapsack()
    assert form.violation(np.zeros(form.variables)) == 0.0
    assert form.violation(np.ones(form.variables)) > 0.5  # the weight row, relatively
    half = np.zeros(form.variables)
    half[0] = 0.5
    assert form.violation(half) == pytest.approx(0.5)
    assert form.violation(np.full(form.variables, -1.0)) >= 1.0
    assert form.violation(np.zeros(form.variables + 1)) == np.inf


def test_the_objective_is_always_that_of_the_values_handed_back():
    """Whatever HiGHS reports, the outcome's objective is ``form.objective(values)``; started
    from a feasible point, the result is never worse than the start."""
    form = _knapsack()
    start = np.zeros(form.variables)
    out = highs.run_highs(form, time_limit=10, start=(np.arange(form.variables), start))
    assert out.status == "OPTIMAL"
    assert out.objective == form.objective(out.values) <= form.objective(start)
    assert form.violation(out.values) <= highs.FEASIBLE


def test_a_better_feasible_incumbent_of_the_callback_is_kept():
    """HiGHS (1.16) can hand back values worse than its incumbent: the callback's better,
    feasible copy is returned with its own objective; an infeasible copy never is."""
    form = _knapsack()
    worse = np.zeros(form.variables)
    better = np.zeros(form.variables)
    better[np.argmin(form.cost)] = 1.0
    values, objective, note = highs._best_of(form, worse, [(form.objective(better), better)], "x")
    assert values is better and objective == form.objective(better) < 0
    assert "callback" in note
    bad = np.ones(form.variables)
    values, objective, _ = highs._best_of(form, worse, [(form.objective(bad), bad)], "x")
    assert values is worse and objective == 0.0
    values, objective, _ = highs._best_of(form, None, [(form.objective(better), better)], "x")
    assert values is better


def test_the_relaxation_start_is_complete_feasible_and_no_worse_than_the_start():
    """The LP's integral part, completed, is a full feasible start; so is the given start's
    completion; the better of the two is returned, with the LP's objective as a valid bound."""
    form = _knapsack(20)
    exact = highs.run_highs(form, time_limit=10)
    given = (np.array([0, 1]), np.zeros(2))  # a partial start: items 0 and 1 left out
    (cols, vals), bound, trace = highs.relaxation_start(
        form, given, time_limit=10, seed=0, threads=1, rel_gap=0.0
    )
    assert np.array_equal(cols, np.arange(form.variables))
    assert form.violation(vals) <= highs.FEASIBLE
    assert bound <= exact.objective <= form.objective(vals)
    without = highs._completed(form, *given, 10, 0, 1, 0.0)
    assert form.objective(vals) <= form.objective(without)
    assert trace and trace[-1][1] == form.objective(vals)


def test_a_start_outside_the_bounds_is_not_completed():
    form = _knapsack()
    assert highs._completed(form, np.array([0]), np.array([2.0]), 10, 0, 1, 0.0) is None


@pytest.mark.parametrize("gap", [0.0, 0.5])
def test_lp_start_keeps_the_answer_and_its_bound_honest(gap):
    """With ``lp_start`` the outcome is feasible, its objective that of its values, within
    ``gap`` of its bound, and the bound below the optimum (a gap of 50 % may end at the start)."""
    form = _knapsack(20)
    exact = highs.run_highs(form, time_limit=10)
    out = highs.run_highs(form, time_limit=10, rel_gap=gap, lp_start=True)
    assert out.status == "OPTIMAL" and form.violation(out.values) <= highs.FEASIBLE
    assert out.objective == form.objective(out.values)
    assert out.bound <= exact.objective + 1e-9
    assert out.objective - out.bound <= gap * abs(out.objective) + 1e-6
    if gap == 0.0:
        assert out.objective == exact.objective


def test_every_better_point_is_saved_and_read_back_when_the_child_is_ended(tmp_path):
    """``run_highs`` hands each better point to ``saved``; what the child saved is what a
    parent that had to end it returns (``TIME_LIMIT``, the point's own objective); a point
    that breaks the form, or none saved, gives nothing."""
    form = _knapsack(20)
    points: list[tuple[np.ndarray, float]] = []
    out = highs.run_highs(
        form, time_limit=10, lp_start=True, saved=lambda x, b: points.append((x.copy(), b))
    )
    assert points and np.array_equal(points[-1][0], out.values)
    assert all(b <= out.objective + 1e-9 for _, b in points)
    dst = tmp_path / "outcome.pickle"
    assert highs._last_incumbent(form, dst, 1.0, "ended") is None
    highs._save(dst)(*points[0])
    back = highs._last_incumbent(form, dst, 1.0, "ended")
    assert back.status == "TIME_LIMIT" and np.array_equal(back.values, points[0][0])
    assert back.objective == form.objective(points[0][0]) and back.bound <= back.objective
    highs._save(dst)(np.ones(form.variables), -np.inf)
    assert highs._last_incumbent(form, dst, 1.0, "ended") is None


def test_a_completed_start_is_kept_and_saved_even_without_an_lp_bound(monkeypatch):
    """Where the LP relaxation is not solved in its share, the completed start is still the
    point kept (returned if HiGHS finds nothing) and saved (read back if the child is ended)."""
    form = _knapsack(20)
    monkeypatch.setattr(highs, "LP_SHARE", 1e-9)  # no LP in time: no bound from it
    points: list[tuple[np.ndarray, float]] = []
    given = (np.arange(form.variables), np.zeros(form.variables))  # complete and feasible
    out = highs.run_highs(
        form,
        time_limit=10,
        start=given,
        lp_start=True,
        saved=lambda x, b: points.append((x.copy(), b)),
    )
    assert points and np.array_equal(points[0][0], np.zeros(form.variables))
    assert points[0][1] == -np.inf
    assert out.values is not None and out.objective <= 0.0


def test_the_child_runs_this_very_package():
    """The HiGHS child imports ``capacity`` from the folder this one comes from, whatever an
    installed copy or the working folder says (``-P`` and ``PACKAGE_ROOT`` first)."""
    import subprocess
    import sys

    env = highs._child_env()
    got = subprocess.run(
        [sys.executable, "-P", "-c", "import capacity; print(capacity.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    ).stdout.strip()
    assert got == str(highs.PACKAGE_ROOT / "capacity" / "__init__.py")


def test_the_childs_saved_point_is_shown_once_per_change(tmp_path):
    """While waiting, the parent reads the point the child saved (``_save``) and shows its
    objective and bound once per new point; no file or a torn one shows nothing."""
    form, shown = _knapsack(), []
    dst = tmp_path / "outcome.pickle"
    look = highs._watch(form, dst, lambda objective, bound: shown.append((objective, bound)))
    look()
    highs._saved_path(dst).write_bytes(b"torn")
    look()
    assert shown == []
    first = np.zeros(form.variables)
    first[0] = 1.0
    highs._save(dst)(first, -np.inf)
    look()
    look()
    second = first.copy()
    second[1] = 1.0
    highs._save(dst)(second, -60.0)
    look()
    assert shown == [(form.objective(first), None), (form.objective(second), -60.0)]


def test_the_childs_feasible_points_are_handed_on_for_another_search(tmp_path):
    """``incumbent`` gets each new saved point's values, a point that breaks a row never."""
    form, handed = _knapsack(), []
    dst = tmp_path / "outcome.pickle"
    look = highs._watch(form, dst, None, handed.append)
    heavy = np.ones(form.variables)  # breaks the weight row
    highs._save(dst)(heavy, -np.inf)
    look()
    light = np.zeros(form.variables)
    light[0] = 1.0
    highs._save(dst)(light, -np.inf)
    look()
    look()
    assert len(handed) == 1 and handed[0].tolist() == light.tolist()
    assert highs._watch(form, dst, None, None) is None


def _one_row(weight: float, upper: float):
    """``min -x0`` over 0/1 ``x0`` with the one row ``weight * x0 <= upper``."""
    return LinearForm(
        col_lower=np.zeros(1),
        col_upper=np.ones(1),
        integer=np.ones(1, dtype=bool),
        cost=-np.ones(1),
        offset=0.0,
        start=np.array([0, 1]),
        index=np.arange(1),
        value=np.array([weight]),
        row_lower=np.array([-np.inf]),
        row_upper=np.array([upper]),
    )


@pytest.mark.parametrize(
    ("upper", "handed"), [(1.0, [[1.0]]), (99_999.5, [])], ids=["rounds", "breaks-when-rounded"]
)
def test_a_point_is_handed_on_rounded_and_only_where_the_rounded_point_keeps_every_row(
    tmp_path, upper, handed
):
    """x0 = 0.999995 is within HiGHS's tolerance of 1 and of ``100,000 x0 <= 99,999.5``; the
    rounded point keeps ``x0 <= 1`` but breaks the second row, so only the first is handed."""
    weight = 1.0 if upper == 1.0 else 100_000.0
    form, got = _one_row(weight, upper), []
    dst = tmp_path / "outcome.pickle"
    look = highs._watch(form, dst, None, lambda values: got.append(values.tolist()))
    highs._save(dst)(np.array([0.999995]), -np.inf)
    look()
    assert got == handed


def test_solve_highs_hands_offered_points_to_its_child(monkeypatch):
    """Through the child process: offered the optimum, HiGHS ends at it (an error in the
    child's wiring would end as ``ERROR``). HiGHS's own proof after a handed point is not
    trusted; the answer is proven by the second search without handed points, in the time
    left, and its bound is that search's. A point offered before the child starts is there
    at HiGHS's first ask, however long the parent waits before its first look (here longer
    than the child takes to solve the knapsack)."""
    monkeypatch.setattr(highs, "STOP_POLL", 30.0)
    form = _knapsack()
    best = highs.run_highs(form, time_limit=10)
    assert best.status == "OPTIMAL"
    out = highs.solve_highs(form, time_limit=10, offered=lambda: best.values)
    assert out.objective == pytest.approx(best.objective)
    assert out.status == "OPTIMAL" and out.bound == pytest.approx(best.objective)
    assert "a search without handed points proved it optimal" in out.note


def test_after_a_handed_point_the_bound_is_the_last_one_before_it(monkeypatch):
    """With the LP relaxation first (``lp_start``), the bound before any point is handed is the
    relaxation's: a point handed at HiGHS's first ask leaves the answer's bound there, below
    the optimum, and the answer not proven, where no time is left to check HiGHS's proof."""
    monkeypatch.setattr(highs, "CHECK_MIN", np.inf)
    form = _knapsack()
    best = highs.run_highs(form, time_limit=10)
    relaxed = highs.run_highs(form, time_limit=10, relax=True)
    out = highs.run_highs(form, time_limit=10, lp_start=True, offered=lambda: best.values)
    assert out.objective == pytest.approx(best.objective)
    assert out.bound == pytest.approx(relaxed.objective) and out.bound < best.objective - 1e-6
    assert out.status == "TIME_LIMIT" and "without handed points" not in out.note


@pytest.mark.parametrize("start", ["worst", "optimum"])
def test_the_check_without_handed_points_proves_or_finds_better(start):
    """The second search (``_checked``) does not take the point it checks as optimal: from
    the empty knapsack (a claim far above the optimum) it ends at the optimum, proven, as it
    does from the optimum itself. It saves only points better than the one checked, each with
    the trusted bound where its own is lower."""
    form = _knapsack()
    best = highs.run_highs(form, time_limit=10)
    point = best.values if start == "optimum" else np.zeros(form.variables)
    floor = best.objective - 1e-3
    saved = []

    def save(x, b):
        saved.append((form.objective(x), b))

    got = highs._checked(form, point, form.objective(point), 10.0, 0, 1, 0.0, save, floor)
    assert got.status == "OPTIMAL" and got.objective == pytest.approx(best.objective)
    assert got.bound == pytest.approx(best.objective)
    if start == "optimum":
        assert saved == []
    else:
        assert saved and all(value < 0 and b >= floor for value, b in saved)
    none = highs._checked(form, point, 0.0, highs.CHECK_MIN / 2, 0, 1, 0.0, None, floor)
    assert none is None


@pytest.mark.parametrize("checked", ["at its limit", "with a bound that reaches"])
def test_the_answer_takes_the_checks_bound_only_where_it_holds(monkeypatch, checked):
    """How ``run_highs`` takes the check's outcome: a check that ends at its limit without a
    bound leaves the answer unproven with the bound from before the handed point; one whose
    bound reaches the objective proves it, whatever the check's own status."""
    form = _knapsack()
    best = highs.run_highs(form, time_limit=10)
    bound = best.objective if checked.startswith("with") else -np.inf
    seen = []

    def fake(form_, values, objective, left, *args):
        seen.append((objective, left))
        return highs.HighsOutcome("TIME_LIMIT", values=values, objective=objective, bound=bound)

    monkeypatch.setattr(highs, "_checked", fake)
    got = highs.run_highs(form, time_limit=10, offered=lambda: best.values)
    assert seen and seen[0][0] == pytest.approx(best.objective) and 0 < seen[0][1] <= 10
    assert got.objective == pytest.approx(best.objective)
    if checked == "at its limit":
        assert got.status == "TIME_LIMIT" and got.bound < best.objective - 1e-6
        assert "a search without handed points did not prove it in the time left" in got.note
    else:
        assert got.status == "OPTIMAL" and got.bound == pytest.approx(best.objective)
        assert "a search without handed points proved it optimal" in got.note


def test_points_offered_by_another_search_reach_the_child_once_each(tmp_path):
    """The parent writes each new offered point (``_feed``); the child reads each once
    (``_taken``), nothing before the first."""
    dst = tmp_path / "outcome.pickle"
    held = [None]
    feed, take = highs._feed(dst, lambda: held[0]), highs._taken(dst)
    feed()
    assert take() is None
    held[0] = np.array([1.0, 0.0])
    feed()
    assert take().tolist() == [1.0, 0.0] and take() is None
    feed()  # the same point again: not written again
    assert take() is None
    held[0] = np.array([0.0, 1.0])
    feed()
    assert take().tolist() == [0.0, 1.0]
    assert highs._feed(dst, None) is None and highs._both(None, None) is None


def test_a_failed_write_of_an_offered_point_is_retried_at_the_next_look(tmp_path, monkeypatch):
    """A write that fails (a full disk: ``write_atomic`` raises ``UserError``) does not end the
    lane; the same point is written at the next look."""
    dst = tmp_path / "outcome.pickle"
    point = np.array([1.0, 0.0])
    feed, take = highs._feed(dst, lambda: point), highs._taken(dst)
    written = highs.write_atomic

    def full(path, data):
        raise UserError(f"{path}: cannot write here (disk full)")

    monkeypatch.setattr(highs, "write_atomic", full)
    feed()
    assert take() is None
    monkeypatch.setattr(highs, "write_atomic", written)
    feed()
    assert take().tolist() == [1.0, 0.0]


@pytest.mark.parametrize("kind", ["optimum", "breaks the row"])
def test_highs_takes_an_offered_point_only_where_it_is_feasible(kind):
    """Offered the optimum, HiGHS ends there, its own proof not trusted (its bounds after a
    handed point are not) but the check's taken; offered a point that breaks the weight row,
    it is not handed over, and HiGHS proves a feasible optimum all the same, unchecked."""
    form = _knapsack()
    best = highs.run_highs(form, time_limit=10)
    point = best.values if kind == "optimum" else np.ones(form.variables)
    asked = []

    def offered():
        asked.append(1)
        return point

    got = highs.run_highs(form, time_limit=10, offered=offered)
    assert got.objective == pytest.approx(best.objective)
    assert got.status == "OPTIMAL" and got.bound == pytest.approx(best.objective)
    assert ("a point was handed to it" in got.note) == (kind == "optimum")
    assert ("a search without handed points proved it" in got.note) == (kind == "optimum")
    assert form.violation(got.values) <= highs.FEASIBLE and asked


def test_solve_highs_shows_its_outcome_last():
    shown = []
    out = highs.solve_highs(
        _knapsack(), time_limit=10, progress=lambda objective, bound: shown.append(objective)
    )
    assert out.status == "OPTIMAL" and shown and shown[-1] == out.objective


def test_place_with_highs_shows_progress_in_the_models_objective(tiny_registry):
    """``place --solver highs`` shows HiGHS's points on the run's clock, in the model's
    objective: the last one shown is the answer's objective."""
    shown = []
    clock = Clock(10.0, progress=lambda objective, bound: shown.append(objective))
    result = place(tiny_registry, PLACE_DAY, solver="highs", formulation="pairs", clock=clock)
    assert result.status == "OPTIMAL" and result.solver == "highs"
    assert shown and shown[-1] == pytest.approx(result.objective)


def test_highs_reports_its_incumbent_and_bound_as_they_move():
    """``moved`` gets HiGHS's incumbent objective and dual bound during the search: never an
    incumbent below the optimum, never a bound above it."""
    form, pairs = _knapsack(40), []
    out = highs.run_highs(form, time_limit=10, moved=lambda p, d: pairs.append((p, d)))
    assert out.status == "OPTIMAL" and pairs
    assert all(p >= out.objective - 1e-6 and d <= out.objective + 1e-6 for p, d in pairs)


def test_the_childs_gauge_is_read_once_per_change_and_at_most_every_gauge_every(
    tmp_path, monkeypatch
):
    """The child writes a new pair (``_gauge``) only when it changed and ``GAUGE_EVERY`` has
    passed since the last write; the parent (``_gauged``) passes each pair written on once."""
    dst, got = tmp_path / "outcome.pickle", []
    moved, look = highs._gauge(dst), highs._gauged(dst, lambda p, d: got.append((p, d)))
    look()
    moved(10.0, 5.0)
    look()
    look()
    moved(9.0, 5.0)  # at once: too soon to be written
    look()
    assert got == [(10.0, 5.0)]
    monkeypatch.setattr(highs, "GAUGE_EVERY", 0.0)
    moved(9.0, 5.0)
    moved(9.0, 5.0)  # no change: not written again
    look()
    look()
    assert got == [(10.0, 5.0), (9.0, 5.0)]
    assert highs._gauged(dst, None) is None


def _multi_knapsack(n: int = 50, rows: int = 5):
    """``max value @ x`` over 0/1 ``x`` with ``rows`` weight rows, each half the total weight,
    values correlated with the weights: HiGHS takes seconds on it, not milliseconds."""
    rng = np.random.default_rng(3)
    weight = rng.integers(10, 100, (rows, n)).astype(float)
    value = weight.sum(axis=0) / rows + rng.integers(0, 10, n)
    return _binary_max(value, weight, weight.sum(axis=1) / 2)


def test_solve_highs_passes_its_childs_gauge_on():
    """Through the child process, on a model HiGHS does not prove within its limit: ``gap``
    gets the child's pairs while the parent waits, the incumbents never better than the
    answer and never rising, the bounds below them."""
    form, pairs = _multi_knapsack(), []
    out = highs.solve_highs(form, time_limit=1.5, gap=lambda p, d: pairs.append((p, d)))
    assert out.objective is not None and len(pairs) >= 2
    primal = [p for p, _ in pairs]
    assert primal == sorted(primal, reverse=True) and primal[-1] >= out.objective - 1e-6
    assert all(d <= p + 1e-6 for p, d in pairs) and np.isfinite(pairs[-1][1])


def test_a_point_no_better_than_highs_incumbent_is_not_handed_to_it():
    """Started from the optimum and offered a worse feasible point at every ask, HiGHS is
    asked, never handed the point (it could not help, and would cost the trust in HiGHS's
    bound), and its own proof stands unchecked."""
    form = _multi_knapsack(20)
    best = highs.run_highs(form, time_limit=10)
    assert best.status == "OPTIMAL"
    worse, asked = np.zeros(form.variables), []

    def offered():
        asked.append(1)
        return worse

    start = (np.arange(form.variables), best.values)
    got = highs.run_highs(form, time_limit=10, start=start, offered=offered)
    assert asked and got.status == "OPTIMAL" and got.note == "Optimal"
    assert got.objective == pytest.approx(best.objective) == got.bound
    assert highs._needed(1.0, np.inf) and highs._needed(1.0, 2.0)
    assert not highs._needed(2.0, 2.0) and not highs._needed(3.0, 2.0)
