"""Lagrangian reduced-cost fixing: leave out the pairs no placement as good as a known one uses.

For models with new modules (single-source capacitated facility location; CP-SAT alone solves
them, but slowly where capacities are tight) below ``opening.MIN_PAIRS`` for CP-SAT, at any size
for HiGHS, ``solve_domain`` first runs the Lagrangian heuristic (``capacity.solver.lagrange``)
for a placement, scored by the model (``UB``), and prices ``mu``, then removes every pair
``(h, u)`` whose lower bound exceeds ``UB``, and the solver solves the rest from the heuristic's
placement.

The bound of a pair
-------------------
At prices ``mu`` the relaxation's value is ``sum(mu)`` plus the units put up (``lagrange.cover``
of the unit scores ``setup_u + K_u(cap_u)``, ``K_u(c)`` the unit's knapsack value over the
reduced costs at capacity ``c``). Every placement with ``h`` in ``u`` is a solution of the
relaxation with ``u`` up and ``h`` in ``u``: it costs at least
``sum(mu) + cover(u forced up) + max(score_u, setup_u + rc_hu + K_u(cap_u - w_hu)) - score_u``.
``K_u`` here may take ``h`` once more (it only lowers the value); a set holding ``h`` is one
of the sets ``K_u(cap_u)`` ranges over, hence the ``max``. Knapsacks are exact
(``exact_knapsacks``: dynamic programming over integer capacity, all units at once) when weights
and capacities are integers and the table is small, else their LP relaxation
(``lagrange.knapsacks``), a lower value: the bound holds either way. The bound covers the whole
objective: the terms the arrays leave out are ``>= 0`` (``capacity.solver.lagrange``).

Why the pruned model's optimum is the whole model's
---------------------------------------------------
Only pairs whose bound exceeds ``UB`` (by more than a float tolerance) go. A placement of cost
below ``UB`` uses none of them (with the covering demand: such a placement houses everyone,
see below), so it stays feasible, and so does the heuristic's own (its pairs are kept anyway).
Hence ``opt(pruned) = opt(model)``, and a lower bound CP-SAT proves on the pruned model is one
of the whole model; ``OPTIMAL`` there is optimal here.

The cover row
-------------
When the heuristic houses everyone and leaving anyone out provably costs at least ``UB``
(``lagrange.everyone_placed`` against the scored ``UB``), every better placement houses
everyone's persons, so the beds of the standing units and the modules put up hold them: the
pair bounds use that demand, and ``cover_row`` adds the row to CP-SAT's model (it removes only
placements no better than the heuristic's, which stays feasible).

"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from capacity.model.domain import Domain
from capacity.model.placement import PlacementModel, build_model
from capacity.solver.lagrange import (
    cover,
    everyone_placed,
    knapsacks,
    lagrange,
    refine,
    subgradient,
    units_up,
)
from capacity.solver.opening import in_order
from capacity.solver.problem import INF, Problem, problem_of
from capacity.solver.scoring import evaluate
from capacity.solver.settle import keep_better, labelled, lowered

if TYPE_CHECKING:
    from capacity.solver.clock import Clock
    from capacity.solver.result import Result

TABLE_CELLS = 100_000  # units x (capacity + 1) of a knapsack table: exact at most this
DP_BUDGET = 60_000_000  # table cells (candidates x units x capacity) the exact ascent fills
LP_STEPS, DP_STEPS, MOVES = 600, 50, 60  # subgradient steps (LP, then exact knapsacks), placements
DP_ALPHA = 0.25  # the exact ascent starts near the LP ascent's best prices: a small first step
PATIENCE = 15
STEP_WORK, PLACE_WORK = 1e-7, 6e-7  # as ``opening``: work per pair cell, in CP-SAT units
DP_WORK = 1e-8  # per knapsack table cell (candidates x units x capacity), in CP-SAT units
MIN_SHARE = 0.5  # CP-SAT keeps at least this share of the limit (HiGHS, less the form: 0.25)


@dataclass(frozen=True)
class Fixing:
    """What the fixing step hands to CP-SAT.

    Attributes
    ----------
    domain : ``dom`` with every pair whose bound exceeds ``objective`` removed.
    assignment : the heuristic's placement (household id -> unit class id or None), cost
        ``objective``; every one of its pairs is kept.
    objective : its objective as the model scores it (``UB``).
    bound : the Lagrangian lower bound of the whole model at the prices used.
    demand : persons every placement as good houses (``lagrange.everyone_placed``), or None.
    kept, pairs : pairs kept and pairs before.
    exact : whether the knapsacks were exact.
    work : the steps and placements done, in CP-SAT's deterministic units (counted, never
        timed: ``STEP_WORK`` and ``PLACE_WORK`` per pair cell, ``DP_WORK`` per table cell).
    units : unit class ids in the column order of ``score`` and ``low``.
    score : each unit's setup plus knapsack value at the prices used (lower: more wanted).
    low : the bound of each pair (households in ``dom.households`` order x ``units``; see
        ``pair_bounds``), for pruning again against a better placement.
    placed : ``assignment`` as ``scoring.evaluate`` scored it (in the caller's language), for
        ``settle`` to hand back when it wins instead of scoring it again (scoring is slow on
        thousands of pairs).
    scoring : the wall seconds that took: what scoring another placement will take about (HiGHS,
        whose limit is wall-clock, leaves it free).
    """

    domain: Domain
    assignment: dict[str, str | None]
    objective: float
    bound: float
    demand: float | None
    kept: int
    pairs: int
    exact: bool
    work: float
    units: tuple[str, ...] = ()
    score: np.ndarray | None = None
    low: np.ndarray | None = None
    placed: Result | None = None
    scoring: float = 0.0


def applies(dom: Domain) -> bool:
    """New modules, nobody movable (the heuristic leaves movable residents' rule aside)."""
    return any(u.new_module for u in dom.units.values()) and not dom.movable


def fix_pairs(dom: Domain, *, lang: str = "da", clock: Clock | None = None) -> Fixing:
    """Heuristic placement, exact-knapsack ascent, then the pairs no good placement uses.

    ``UB`` is the heuristic placement's objective as the model scores it (``scoring.evaluate``:
    with the terms the arrays leave out), so every pair bound, a bound of the separable part,
    is also one of the whole objective. Work is counted, never timed: ``LP_STEPS`` and
    ``DP_STEPS`` subgradient steps and ``MOVES`` module moves, so the same domain gives the
    same pairs, unless ``clock``'s deadline ends the steps first.
    """

    prob = problem_of(dom)
    at = lagrange(prob, steps=LP_STEPS, clock=clock)
    refine(prob, at, evaluations=MOVES, clock=clock)
    assign = in_order(dom, prob, at.best.assignment())
    chosen = {
        hid: prob.units[k] if k >= 0 else None
        for hid, k in zip(prob.households, assign, strict=True)
    }
    scoring_start = time.perf_counter()
    placed = evaluate(dom, chosen, lang=lang)
    scoring, ub = time.perf_counter() - scoring_start, float(placed.objective)
    demand = everyone_placed(prob, at.best, ub)
    exact = exact_applies(prob)
    mu, cells = at.mu, 0
    if exact:
        mu, _, cells = ascent(prob, at.mu, at.bound, ub, demand, clock)
    low, bound, score = pair_bounds(prob, mu, demand, exact)
    low = np.where(prob.allowed, low, INF)
    pairs, kept = pruned(prob.households, prob.units, low, chosen, ub)
    return Fixing(
        replace(dom, pairs=pairs),
        chosen,
        ub,
        bound,
        demand,
        kept,
        int(prob.allowed.sum()),
        exact,
        prob.cost.size * (STEP_WORK * at.steps + PLACE_WORK * at.evaluations) + DP_WORK * cells,
        prob.units,
        score,
        low,
        placed,
        scoring,
    )


def pruned(
    households: tuple[str, ...],
    units: tuple[str, ...],
    low: np.ndarray,
    chosen: dict[str, str | None],
    ub: float,
) -> tuple[dict[str, tuple[str, ...]], int]:
    """The pairs whose bound ``low`` is at most ``ub`` (a float tolerance above), and those of
    ``chosen`` (a placement of cost ``ub``) anyway: a float safeguard. Returns them and their
    count."""
    keep = low <= ub + 1e-9 * abs(ub) + 1e-6
    col = {uid: k for k, uid in enumerate(units)}
    for i, hid in enumerate(households):
        if chosen.get(hid) is not None:
            keep[i, col[chosen[hid]]] = True
    pairs = {
        hid: tuple(sorted(units[k] for k in np.flatnonzero(keep[i])))
        for i, hid in enumerate(households)
    }
    return pairs, int(keep.sum())


# --- exact knapsacks ------------------------------------------------------------------------


def exact_applies(prob: Problem) -> bool:
    """Integer weights and capacities, and a knapsack table of at most ``TABLE_CELLS`` (units x
    capacity); larger tables keep the LP knapsacks."""
    if not len(prob.units) or not (
        np.array_equal(prob.weight, np.round(prob.weight))
        and np.array_equal(prob.capacity, np.round(prob.capacity))
    ):
        return False
    return len(prob.units) * (int(prob.capacity.max()) + 1) <= TABLE_CELLS


def exact_knapsacks(prob: Problem, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every unit's 0-1 knapsack at prices ``mu``, exactly: taken (H, U), value (U,), table.

    ``table[u, c]`` is the least sum of negative reduced costs of households fitting in
    capacity ``c`` of unit ``u``. One pass over the households in each unit's order of reduced
    cost (the k-th candidate of every unit at once), a table row per unit (units x capacity).
    """
    rc = prob.cost - mu[:, None]
    w = prob.weight.astype(np.int64)
    cap = prob.capacity.astype(np.int64)
    units = np.arange(len(cap))
    top = int(cap.max())
    cand = (rc < 0) & (w <= cap)
    order = np.argsort(np.where(cand, rc, INF), axis=0, kind="stable")
    count = cand.sum(axis=0)
    table = np.zeros((len(cap), top + 1))
    reach = np.arange(top + 1)[None, :]
    took = np.zeros((int(count.max()), len(cap), top + 1), dtype=bool)
    for k in range(len(took)):
        h = order[k]
        src = reach - np.where(k < count, w[h, units], top + 1)[:, None]
        via = table[units[:, None], np.maximum(src, 0)] + rc[h, units][:, None]
        np.less(via, table, out=took[k])
        took[k] &= src >= 0
        np.copyto(table, via, where=took[k])
    x = np.zeros_like(rc)
    c = cap.copy()
    for k in range(len(took) - 1, -1, -1):
        t = took[k, units, c]
        x[order[k, t], units[t]] = 1.0
        c -= np.where(t, w[order[k], units], 0)
    return x, table[units, cap], table


def ascent(
    prob: Problem,
    mu: np.ndarray,
    bound: float,
    ub: float,
    demand: float | None,
    clock: Clock | None = None,
) -> tuple[np.ndarray, float, int]:
    """``DP_STEPS`` subgradient steps on exact knapsacks from ``mu`` (Polyak's step towards
    ``ub``, halved after ``PATIENCE`` steps without a better bound), fewer once ``DP_BUDGET``
    table cells are filled or ``clock``'s deadline has passed.

    Returns the best prices, their bound and the knapsack table cells filled (the work).
    """
    best, alpha, stall, free = mu, DP_ALPHA, 0, prob.allowed.any(axis=1)
    cells = 0
    for _ in range(DP_STEPS):
        if clock is not None and clock.passed():
            break
        x, value, table = exact_knapsacks(prob, mu)
        cells += table.size * int(((prob.cost - mu[:, None]) < 0).sum(axis=0).max())
        up, val = units_up(prob.setup + value, prob.beds, demand)
        low = mu.sum() + val
        if low > bound + 1e-9 * abs(bound):
            best, bound, stall = mu, low, 0
        else:
            stall += 1
        if stall >= PATIENCE:
            alpha, stall = alpha / 2, 0
        g = subgradient(prob, mu, x, up, free)
        norm = float(g @ g)
        if norm == 0 or alpha < 1e-4 or ub - bound <= 1e-9 * abs(bound) or cells > DP_BUDGET:
            break
        mu = np.minimum(mu + alpha * (ub - low) / norm * g, prob.penalty)
    return best, bound, cells


# --- the bound of each pair -------------------------------------------------------------------


def pair_bounds(
    prob: Problem, mu: np.ndarray, demand: float | None, exact: bool
) -> tuple[np.ndarray, float, np.ndarray]:
    """A lower bound of every placement with ``h`` in ``u``, per pair (H, U; see the module),
    the relaxation's bound at ``mu``, and each unit's score (setup plus knapsack value).

    Pairs whose household does not fit the unit's capacity get ``-inf`` (never removed here).
    """
    cap = prob.capacity
    rest = cap[None, :] - prob.weight
    if exact:
        _, value, table = exact_knapsacks(prob, mu)
        cols = np.arange(len(cap))[None, :]
        k_rest = table[cols, np.maximum(rest, 0).astype(np.int64)]
    else:
        _, value = knapsacks(prob, mu)
        k_rest = _lp_values(prob, mu, rest)
    score = prob.setup + value
    forced = prob.setup[None, :] + (prob.cost - mu[:, None]) + k_rest
    low = mu.sum() + _forced_cover(score, prob.beds, demand)[None, :]
    low = low + np.maximum(score[None, :], forced) - score[None, :]
    bound = float(mu.sum() + units_up(score, prob.beds, demand)[1])
    return np.where(rest >= 0, low, -INF), bound, score


def _forced_cover(score: np.ndarray, beds: np.ndarray, demand: float | None) -> np.ndarray:
    """The relaxation's value of the units with unit ``u`` put up, for each ``u``."""
    out = np.empty(len(score))
    for u in range(len(score)):
        others = np.arange(len(score)) != u
        if demand:
            _, value = cover(score[others], beds[others], demand - beds[u])
        else:
            value = float(np.minimum(score[others], 0.0).sum())
        out[u] = value + score[u]
    return out


def _lp_values(prob: Problem, mu: np.ndarray, rest: np.ndarray) -> np.ndarray:
    """Each unit's LP knapsack value at capacity ``rest[h, u]`` (H, U): the greedy curve of
    cumulative weight against cumulative reduced cost, read off by linear interpolation."""
    rc = prob.cost - mu[:, None]
    out = np.zeros_like(rc)
    for u in range(rc.shape[1]):
        take = np.flatnonzero(rc[:, u] < 0)
        if not len(take):
            continue
        w = prob.weight[take, u]
        order = np.argsort(rc[take, u] / w, kind="stable")
        weights = np.concatenate([[0.0], np.cumsum(w[order])])
        values = np.concatenate([[0.0], np.cumsum(rc[take, u][order])])
        out[:, u] = np.interp(np.maximum(rest[:, u], 0.0), weights, values)
    return out


def model_of(fix: Fixing) -> PlacementModel:
    """The model of the pairs ``fix`` kept, with its ``cover_row``: what a solver solves after
    the fixing (the first search, and the lanes' second one on a phase's ``Fixing``)."""

    m = build_model(fix.domain)
    cover_row(m, fix.demand)
    return m


def cover_row(m: PlacementModel, demand: float | None) -> None:
    """Add ``standing beds + sum(beds * put_up) >= demand`` to ``m`` (see the module)."""
    if not demand:
        return
    beds = {uid: u.free_beds * u.size for uid, u in m.dom.units.items()}
    standing = sum(b for uid, b in beds.items() if uid not in m.open)
    modules = [beds[uid] * var for uid, var in m.open.items()]
    need = int(np.ceil(demand - 1e-9)) - standing
    m.cp.add(sum(modules) >= need).with_name("everyone_housed")


def budget(fix: Fixing, time_limit: float) -> float:
    """CP-SAT's deterministic budget: ``time_limit`` less the fixing's counted work (in the same
    units), at least ``MIN_SHARE`` of it."""
    return max(MIN_SHARE * time_limit, time_limit - fix.work)


def settle(
    dom: Domain,
    result: Result | None,
    fix: Fixing,
    *,
    seed: int,
    lang: str,
    started: float,
    engine: str = "CP-SAT",
    scored: bool = False,
) -> Result:
    """The solver's placement on the pruned pairs or the heuristic's, whichever the whole model
    scores lower (``settle.keep_better``), scored on ``dom`` (unless ``scored``: ``result``
    already is); ``engine`` names the solver (CP-SAT or HiGHS) in the labels.

    The solver's bound on the pruned model is the whole model's (see the module), as is the
    Lagrangian one: the larger is reported, ``OPTIMAL`` when the solver proved it or the objective
    reaches the bound.
    """
    bound = lowered(fix.bound)
    if result is not None and result.best_bound is not None:
        bound = max(bound, result.best_bound)  # the whole model's, whichever placement wins
    placed, mine = keep_better(
        dom,
        result,
        fix.assignment,
        lower=fix.objective,
        scored=fix.placed,
        found_scored=scored,
        lang=lang,
        started=started,
    )
    if mine:
        solver, proven = f"{result.solver} (lagrange-fixing)", result.status == "OPTIMAL"
    else:
        solver, proven = f"lagrange (bedre end {engine})", False
    return labelled(
        placed,
        result,
        bound=bound,
        proven=proven,
        solver=solver,
        seed=seed,
        started=started,
        seconds_to_1pct=result.seconds_to_1pct if result is not None else None,
    )
