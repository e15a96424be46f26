"""The textbook MIP of facility location, and a solver's answer to it as a scored placement.

``textbook_form`` writes the separable part of the model (``problem.problem_of``: the arrays the
Lagrangian heuristics use, costs exactly as ``soft.pair_cost`` counts them) as a ``LinearForm``:
a column per allowed pair, per new module and per household (left out, at its penalty); each
household placed once or left out (an equality), each unit's capacity (times its module's
column for a new module), the strong linking rows ``x_hu <= y_u``, and a site's modules put up
in order. The terms the arrays leave out are all ``>= 0``, and the pairs the fixing removed are
used by no placement better than its heuristic's (whose pairs are kept), so a solver's bound on
it (HiGHS's or CP-SAT's, ``capacity.solver.portfolio``) is a bound of the whole model's optimum;
its placement is scored on the whole domain (``scored``) before it can win, and called optimal
only where that whole objective reaches the bound. The model's own linear form
(``linear.linear_form``) is the same problem, but it holds each household's unplaced penalty
inside every one of its pair coefficients and its household rows are inequalities; HiGHS proves
more on the textbook form (measured in ``docs/benchmarks.md``). ``capacities`` gives the MIP's
capacity rows and module order as arrays, for the neighbourhood search's exchanges of modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from capacity.model.domain import Domain
from capacity.solver.exchange import Capacities
from capacity.solver.linear import LinearForm
from capacity.solver.opening import in_order
from capacity.solver.problem import Problem
from capacity.solver.result import Result
from capacity.solver.scoring import evaluate
from capacity.solver.settle import lowered, reaches


def textbook_form(dom: Domain, prob: Problem) -> tuple[LinearForm, np.ndarray, np.ndarray]:
    """The textbook MIP of ``prob`` (see the module), the pair of each ``x`` column and the unit
    of each ``y`` column.

    Columns: ``x`` per allowed pair (household-major), ``y`` per new module, ``z`` per household
    (left out, at ``prob.penalty``). Returns the form and, per ``x`` column, its (household row,
    unit column) in ``prob``, and per ``y`` column its unit column.
    """
    hs, us = np.nonzero(prob.allowed)
    n_x, n_h, n_u = len(hs), len(prob.households), len(prob.units)
    modules = [k for k, uid in enumerate(prob.units) if dom.units[uid].new_module]
    y_of = np.full(n_u, -1)
    y_of[modules] = n_x + np.arange(len(modules))
    z0 = n_x + len(modules)
    cost = np.concatenate([prob.cost[hs, us], prob.setup[modules], prob.penalty])
    rows: list[tuple[float, float, np.ndarray, np.ndarray]] = []
    at = np.searchsorted(hs, np.arange(n_h + 1))  # ``hs`` is sorted: household-major
    for i in range(n_h):  # placed once or left out
        cols = np.append(np.arange(at[i], at[i + 1]), z0 + i)
        rows.append((1.0, 1.0, cols, np.ones(len(cols))))
    by_unit = np.argsort(us, kind="stable")
    ut = np.searchsorted(us[by_unit], np.arange(n_u + 1))
    for k in range(n_u):
        xs = by_unit[ut[k] : ut[k + 1]]
        if not len(xs):
            continue
        w = prob.weight[hs[xs], k]
        if y_of[k] < 0:
            rows.append((-np.inf, float(prob.capacity[k]), xs, w))
            continue
        rows.append((-np.inf, 0.0, np.append(xs, y_of[k]), np.append(w, -prob.capacity[k])))
        rows.extend((-np.inf, 0.0, np.array([x, y_of[k]]), np.array([1.0, -1.0])) for x in xs)
    previous = previous_modules(dom, prob, np.array(modules, dtype=np.int64))
    for j in np.flatnonzero(previous >= 0):  # a site's modules in order
        rows.append((-np.inf, 0.0, n_x + np.array([j, previous[j]]), np.array([1.0, -1.0])))
    n_col = z0 + n_h
    form = LinearForm(
        col_lower=np.zeros(n_col),
        col_upper=np.ones(n_col),
        integer=np.ones(n_col, dtype=bool),
        cost=cost.astype(float),
        offset=0.0,
        start=np.cumsum([0] + [len(r[2]) for r in rows]).astype(np.int64),
        index=np.concatenate([np.zeros(0), *(r[2] for r in rows)]).astype(np.int64),
        value=np.concatenate([np.zeros(0), *(r[3] for r in rows)]).astype(float),
        row_lower=np.array([r[0] for r in rows], dtype=float),
        row_upper=np.array([r[1] for r in rows], dtype=float),
    )
    return form, np.stack([hs, us], axis=1), np.array(modules, dtype=np.int64)


def previous_modules(dom: Domain, prob: Problem, modules: np.ndarray) -> np.ndarray:
    """Per module of ``modules`` (unit columns of ``prob``, in column order), the position in
    ``modules`` of its site's module before it, ``-1`` for a site's first: a site's modules go
    up in order (``new_module_put_up``)."""
    site = [dom.units[prob.units[k]].site_id for k in modules]
    return np.array(
        [j - 1 if j and site[j - 1] == site[j] else -1 for j in range(len(modules))],
        dtype=np.int64,
    )


def capacities(dom: Domain, prob: Problem, pairs: np.ndarray, modules: np.ndarray) -> Capacities:
    """The capacity rows and module order of ``textbook_form``'s MIP, for exchanges of modules
    (``capacity.solver.exchange``)."""
    return Capacities(
        weight=prob.weight[pairs[:, 0], pairs[:, 1]],
        capacity=prob.capacity.astype(float),
        previous=previous_modules(dom, prob, modules),
    )


def scored(
    dom: Domain,
    within: Domain,
    prob: Problem,
    pairs: np.ndarray,
    values: np.ndarray | None,
    *,
    proven: bool,
    bound: float | None,
    solver: str,
    seed: int,
    lang: str,
    started: float,
) -> Result | None:
    """A lane's column ``values`` of the textbook MIP as a placement (modules in order) scored
    on ``dom``, labelled ``OPTIMAL`` only where the whole objective reaches the textbook
    ``bound`` (the textbook MIP leaves the district terms out); ``None`` without values or
    where the arrays allowed what a rule of the model does not."""
    if values is None:
        return None
    chosen = values[: len(pairs)] > 0.5
    assign = np.full(len(prob.households), -1)
    assign[pairs[chosen, 0]] = pairs[chosen, 1]
    assign = in_order(within, prob, assign)
    assignment = {
        hid: (prob.units[k] if k >= 0 else None)
        for hid, k in zip(prob.households, assign, strict=True)
    }
    try:
        placed = evaluate(dom, assignment, lang=lang, started=started)
    except ValueError:  # the arrays allowed what a rule of the model does not: not an answer
        return None
    if bound is not None:
        bound = lowered(bound)
    proven = proven and bound is not None and reaches(placed.objective, bound)
    return replace(
        placed,
        status="OPTIMAL" if proven else "FEASIBLE",
        solver=solver,
        seed=seed,
        best_bound=bound,
    )


def start_values(
    prob: Problem, pairs: np.ndarray, modules: np.ndarray, start: Mapping[str, str | None]
) -> tuple[np.ndarray, np.ndarray]:
    """Every column's value in the placement ``start`` (the pairs it uses, the modules it puts
    up, the households it leaves out), as a solver's start (HiGHS) or hint (CP-SAT)."""
    col = {uid: k for k, uid in enumerate(prob.units)}
    want = np.array(
        [col[u] if (u := start.get(hid)) is not None else -1 for hid in prob.households],
        dtype=np.int64,
    )
    used = np.zeros(len(prob.units), dtype=bool)
    used[want[want >= 0]] = True
    x = want[pairs[:, 0]] == pairs[:, 1]
    values = np.concatenate([x, used[modules], want < 0]).astype(float)
    return np.arange(len(values)), values
