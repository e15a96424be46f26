"""The opening heuristic's Lagrangian relaxation: prices, knapsacks, the bound and the ascent.

The relaxation
--------------
"A household goes to at most one unit" is relaxed with a price ``mu[h]`` per household (at most
its unplaced penalty). What is left splits by unit: each unit takes the households whose reduced
cost ``cost[h, u] - mu[h]`` is negative, as a knapsack over its capacity (persons <= free beds;
a family in a shareable unit uses all its beds, since it lives there alone; a class of ``size``
single units takes ``size`` households), solved as an LP (sorted by ratio, all units at once),
and is put up when its setup cost plus that value is negative. Once a placement housing
everyone is known and leaving anyone out provably costs more (``everyone_placed``), the units
put up must also hold everyone's persons (``cover``: a covering knapsack over the units), which
lifts the bound where capacities are tight. ``sum(mu)`` plus the units' values
is a lower bound for every ``mu`` (weak duality). The prices follow subgradient steps (Polyak's
step towards the best placement found, the step factor halved when the bound stalls).

The bound covers the whole objective: the terms left out (``spread`` excess, ``school_daycare``'s
missing daycare slots, ``family_cluster``'s districts beyond the first) are each ``>= 0`` for any
placement (non-negative variables and weights ``>= 0``, ``policy.Weights``), and the order in
which a site's modules go up only breaks symmetry.

The ascent
----------
Every few steps of the ascent (``lagrange``) the units the relaxation puts up are placed
(``capacity.solver.moves``). Then ``refine`` opens, closes or swaps modules, trying the sets in
the order of their Lagrangian bound. Work is counted in steps, never in seconds: the same input
gives the same placement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from capacity.solver.moves import Plan, improve, placement, plan_on, regret_fill
from capacity.solver.problem import INF, Problem

if TYPE_CHECKING:
    from capacity.solver.clock import Clock

DP_LIMIT = 20_000_000  # cells of the covering table above which its LP relaxation is used


def knapsacks(prob: Problem, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every unit's LP knapsack at prices ``mu``: fractions taken (H, U) and value (U,).

    A unit takes the households of negative reduced cost in order of reduced cost per unit of
    capacity, the last one fractionally; all units at once (one sort of the H x U matrix).
    """
    rc = prob.cost - mu[:, None]
    take = rc < 0
    w = np.where(take, prob.weight, 0.0)
    ratio = np.divide(rc, w, out=np.zeros_like(rc), where=take)
    order = np.argsort(ratio, axis=0, kind="stable")
    w = np.take_along_axis(w, order, axis=0)
    r = np.take_along_axis(np.where(take, rc, 0.0), order, axis=0)
    room = prob.capacity - (np.cumsum(w, axis=0) - w)
    frac = np.clip(np.divide(room, w, out=np.zeros_like(room), where=w > 0), 0.0, 1.0)
    x = np.zeros_like(frac)
    np.put_along_axis(x, order, frac, axis=0)
    return x, (frac * r).sum(axis=0)


def start_prices(prob: Problem) -> np.ndarray:
    """Each household's cheapest pair with its share of the setup cost, at most its penalty."""
    share = prob.cost + prob.setup * prob.weight / np.maximum(prob.capacity, 1.0)
    return np.minimum(share.min(axis=1), prob.penalty)


def cover(score: np.ndarray, beds: np.ndarray, demand: float) -> tuple[np.ndarray, float]:
    """The units to put up at ``score`` (setup plus knapsack value) whose beds hold ``demand``.

    Units of negative score go up anyway; the beds still missing are covered at least cost:
    exactly by dynamic programming over beds (in units of their gcd) when that table is small,
    else by its LP relaxation (sorted by score per bed, the last unit counted in part): both a
    lower bound of the covering problem, so of the model. Returns the units and their value.
    """
    up = score < 0
    missing = demand - beds[up].sum()
    if missing <= 0:
        return up, float(score[up].sum())
    rest = np.flatnonzero(~up)
    step = int(np.gcd.reduce(beds[rest].astype(np.int64))) or 1
    need, size = int(-(-missing // step)), (beds[rest] // step).astype(np.int64)
    if need * len(rest) > DP_LIMIT:
        order = rest[np.argsort(score[rest] / np.maximum(beds[rest], 1), kind="stable")]
        before = np.cumsum(beds[order]) - beds[order]
        part = np.clip((missing - before) / np.maximum(beds[order], 1), 0.0, 1.0)
        up[order[part > 0]] = True
        return up, float(score[score < 0].sum() + part @ score[order])
    best, took = np.full(need + 1, INF), np.zeros((len(rest), need + 1), dtype=bool)
    best[0], reach = 0.0, np.arange(need + 1)
    for n, u in enumerate(rest):
        via = best[np.maximum(reach - size[n], 0)] + score[u]
        took[n] = via < best
        best = np.minimum(best, via)
    if not np.isfinite(best[need]):
        return up | (beds > 0), -INF  # the beds cannot hold everyone: no bound from covering
    r = need
    for n in range(len(rest) - 1, -1, -1):
        if took[n, r]:
            up[rest[n]], r = True, max(r - size[n], 0)
    return up, float(score[score < 0].sum() + best[need])


def units_up(score: np.ndarray, beds: np.ndarray, demand: float | None) -> tuple[np.ndarray, float]:
    """The relaxation's units and their value: ``cover`` once a demand is known, else the units
    of negative score."""
    if demand:
        return cover(score, beds, demand)
    return score < 0, float(score[score < 0].sum())


def subgradient(
    prob: Problem, mu: np.ndarray, x: np.ndarray, up: np.ndarray, free: np.ndarray
) -> np.ndarray:
    """``1 - times placed`` per household with an allowed unit (0 where a price at its penalty
    would rise further)."""
    g = np.where(free, 1.0 - x[:, up].sum(axis=1), 0.0)
    g[(mu >= prob.penalty) & (g > 0)] = 0.0
    return g


# --- the loop ---------------------------------------------------------------------------------


@dataclass
class Ascent:
    """Where the subgradient ascent stands: best bound with its unit scores, best placement."""

    bound: float = -INF
    base: float = 0.0  # sum of the prices at the best bound
    mu: np.ndarray | None = None  # the prices at the best bound
    score: np.ndarray | None = None  # setup + knapsack value per unit at the best bound
    best: Plan | None = None
    demand: float | None = None  # persons every better placement houses (``everyone_placed``)
    steps: int = 0
    evaluations: int = 0

    def offer(self, prob: Problem, plan: Plan) -> bool:
        """Keep ``plan`` if it is the best so far."""
        self.evaluations += 1
        if self.best is not None and plan.objective() >= self.best.objective():
            return False
        self.best = plan
        self.demand = self.demand or everyone_placed(prob, plan)
        return True


def lagrange(
    prob: Problem,
    steps: int = 300,
    every: int = 10,
    patience: int = 15,
    clock: Clock | None = None,
) -> Ascent:
    """Subgradient ascent on the prices with a placement every ``every`` steps (see the module),
    ended early (after a placement: there is always one) once ``clock``'s deadline has passed."""
    mu, alpha, stall, at = start_prices(prob), 2.0, 0, Ascent()
    free, seen = np.isfinite(prob.cost).any(axis=1), set()
    for step in range(steps):
        if step > 0 and at.best is not None and clock is not None and clock.passed():
            step -= 1
            break
        x, value = knapsacks(prob, mu)
        score = prob.setup + value
        up, val = units_up(score, prob.beds, at.demand)
        low = mu.sum() + val
        stall = 0 if low > at.bound + 1e-9 * abs(at.bound) else stall + 1
        if low > at.bound:
            at.bound, at.base, at.score, at.mu = low, mu.sum(), score, mu
        alpha, stall = (alpha / 2, 0) if stall >= patience else (alpha, stall)
        if step % every == 0 and up.tobytes() not in seen:
            seen.add(up.tobytes())
            at.offer(prob, placement(prob, up.copy(), score))
        g = subgradient(prob, mu, x, up, free)
        norm, target = float(g @ g), at.best.objective()
        if norm == 0 or alpha < 1e-4 or target - at.bound <= 1e-9 * abs(at.bound):
            break
        mu = np.minimum(mu + alpha * (target - low) / norm * g, prob.penalty)
    at.steps = step + 1
    return at


def refine(
    prob: Problem, at: Ascent, evaluations: int = 40, width: int = 12, clock: Clock | None = None
) -> None:
    """Move the best placement's modules: open one, close one, or both (a swap); no more once
    ``clock``'s deadline has passed.

    Each candidate set ``Y`` has the bound ``sum(mu) + sum of its units' scores`` at the best
    prices (no placement on exactly ``Y`` costs less); candidates below the best placement's
    cost are placed in the order of that bound, the ``width`` best closed modules only.
    """
    tried: set[bytes] = set()
    module = prob.setup > 0
    standing = np.minimum(at.score[~module], 0.0).sum()
    for _ in range(evaluations):
        if clock is not None and clock.passed():
            return
        used = np.zeros(len(prob.units), dtype=bool)
        used[at.best.assignment()[at.best.assignment() >= 0]] = True
        used &= module
        shut = np.flatnonzero(module & ~used)
        shut = shut[np.argsort(at.score[shut], kind="stable")[:width]]
        sets = [used.copy() for _ in range(len(shut) * (1 + used.sum()) + used.sum())]
        k = 0
        for b in shut:
            sets[k][b] = True
            k += 1
            for a in np.flatnonzero(used):
                sets[k][b], sets[k][a] = True, False
                k += 1
        for a in np.flatnonzero(used):
            sets[k][a] = False
            k += 1
        sets = [y for y in sets if y.tobytes() not in tried]
        if at.demand:
            sets = [y for y in sets if prob.beds[y | ~module].sum() >= at.demand]
        if not sets:
            return
        lows = np.array([at.base + standing + at.score[y].sum() for y in sets])
        pick = int(np.argmin(lows))
        if lows[pick] >= at.best.objective():
            return
        tried.add(sets[pick].tobytes())
        plan = plan_on(prob, sets[pick])
        regret_fill(plan)
        improve(plan)
        at.offer(prob, plan)


def everyone_placed(prob: Problem, plan: Plan, objective: float | None = None) -> float | None:
    """The persons every better placement houses, when that is provable, else None.

    If ``plan`` houses every household that has an allowed unit, and leaving any one of them
    unplaced costs more than ``plan`` even with every other household at its cheapest (most
    negative) pair, a placement better than ``plan`` houses them all: their beds are needed.
    ``objective`` is ``plan``'s cost to beat (default its separable cost; the whole model's
    cost, with the terms left out, where the bound must hold for the whole objective).
    """
    free = np.isfinite(prob.cost).any(axis=1)
    if (plan.assignment()[free] < 0).any() or not free.any():
        return None
    floor = np.minimum(prob.cost.min(axis=1), 0.0)[free].sum()
    if prob.penalty[free].min() + floor < (plan.objective() if objective is None else objective):
        return None
    return float(prob.persons[free].sum())
