"""The opening heuristic's placement: a ``Plan`` on a set of units, filled by regret, improved.

Every few steps the units the relaxation puts up (``capacity.solver.lagrange``; with standing
units, which cost nothing) are repaired to enough beds and households assigned by regret (largest
gap between their cheapest and second cheapest unit first), then improved by moves of one
household and swaps of two (vectorised over all pairs): ``placement``. ``lagrange.refine`` then
moves the modules themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capacity.solver.problem import INF, Problem


@dataclass
class Plan:
    """A placement on a set of usable units; the last column is "unplaced" (its penalty).

    Attributes
    ----------
    cols : unit index (into ``Problem.units``) per column, -1 for the last.
    cost, weight : the problem's columns plus the unplaced one (H, K + 1).
    capacity : (K + 1,), ``inf`` for the unplaced column.
    at : each household's column (H,); load : capacity used per column (K + 1,).
    """

    cols: np.ndarray
    cost: np.ndarray
    weight: np.ndarray
    capacity: np.ndarray
    setup: np.ndarray
    at: np.ndarray
    load: np.ndarray

    def objective(self) -> float:
        rows = np.arange(len(self.at))
        used = np.bincount(self.at, minlength=len(self.cols)) > 0
        return float(self.cost[rows, self.at].sum() + self.setup[used].sum())

    def assignment(self) -> np.ndarray:
        """Unit index per household, -1 unplaced."""
        return self.cols[self.at]


def plan_on(prob: Problem, usable: np.ndarray) -> Plan:
    """An empty ``Plan`` (everyone unplaced) on the units ``usable`` and every standing unit."""
    cols = np.flatnonzero(usable | (prob.setup == 0))
    h = len(prob.households)
    return Plan(
        np.append(cols, -1),
        np.column_stack([prob.cost[:, cols], prob.penalty]),
        np.column_stack([prob.weight[:, cols], np.zeros(h)]),
        np.append(prob.capacity[cols], INF),
        np.append(prob.setup[cols], 0.0),
        np.full(h, len(cols)),
        np.zeros(len(cols) + 1),
    )


def regret_fill(plan: Plan) -> None:
    """Place everyone, largest regret first (second cheapest column minus cheapest), each in its
    cheapest column with room left; the regrets are taken once, before placing."""
    two = np.partition(plan.cost, 1, axis=1)[:, :2] if plan.cost.shape[1] > 1 else plan.cost
    regret = np.nan_to_num(two[:, -1] - two[:, 0], posinf=np.finfo(float).max)
    plan.load[:] = 0.0
    for h in np.argsort(-regret, kind="stable"):
        fits = plan.load + plan.weight[h] <= plan.capacity
        k = int(np.argmin(np.where(fits, plan.cost[h], INF)))
        plan.at[h] = k
        plan.load[k] += plan.weight[h, k]


def shifts(plan: Plan) -> bool:
    """Move single households to a cheaper column with room, best gains first, until none."""
    moved = False
    rows = np.arange(len(plan.at))
    while True:
        now = plan.cost[rows, plan.at]
        fits = plan.load + plan.weight <= plan.capacity
        delta = np.where(fits, plan.cost - now[:, None], INF)
        best = np.argmin(delta, axis=1)
        gain = delta[rows, best]
        done = 0
        for h in np.flatnonzero(gain < -1e-9)[np.argsort(gain[gain < -1e-9], kind="stable")]:
            k = best[h]
            if plan.load[k] + plan.weight[h, k] <= plan.capacity[k]:
                plan.load[plan.at[h]] -= plan.weight[h, plan.at[h]]
                plan.load[k] += plan.weight[h, k]
                plan.at[h] = k
                done += 1
        if not done:
            return moved
        moved = True


def swaps(plan: Plan) -> bool:
    """Exchange two households' columns where both fit and the cost falls, best first.

    Only households not in their cheapest column can gain, so rows are those, columns everyone.
    """
    rows = np.arange(len(plan.at))
    now = plan.cost[rows, plan.at]
    movers = np.flatnonzero(now > plan.cost.min(axis=1) + 1e-9)
    if not len(movers):
        return False
    there = plan.cost[movers][:, plan.at]  # mover into each household's column
    back = plan.cost[rows, plan.at[movers][:, None]]  # each household into the mover's column
    delta = there + back - now[movers, None] - now[None, :]
    slack = plan.capacity - plan.load
    w_there = plan.weight[movers][:, plan.at]
    w_back = plan.weight[rows, plan.at[movers][:, None]]
    own = plan.weight[rows, plan.at]
    ok = (w_there - own[None, :] <= slack[plan.at][None, :]) & (
        w_back - own[movers, None] <= slack[plan.at[movers]][:, None]
    )
    delta = np.where(ok & (plan.at[movers][:, None] != plan.at[None, :]), delta, INF)
    return _apply_swaps(plan, movers, delta)


def _apply_swaps(plan: Plan, movers: np.ndarray, delta: np.ndarray) -> bool:
    """Apply the improving swaps of ``delta`` (movers x households), best first, each household
    at most once per round; capacities are checked again against the loads as they stand."""
    flat = np.flatnonzero(delta < -1e-9)
    if not len(flat):
        return False
    flat = flat[np.argsort(delta.ravel()[flat], kind="stable")]
    touched = np.zeros(len(plan.at), dtype=bool)
    done = False
    for i, h2 in zip(*np.unravel_index(flat, delta.shape), strict=True):
        h1 = movers[i]
        if touched[h1] or touched[h2]:
            continue
        k1, k2 = int(plan.at[h1]), int(plan.at[h2])
        into1 = plan.load[k1] + plan.weight[h2, k1] - plan.weight[h1, k1]
        into2 = plan.load[k2] + plan.weight[h1, k2] - plan.weight[h2, k2]
        if into1 > plan.capacity[k1] or into2 > plan.capacity[k2]:
            continue
        touched[h1] = touched[h2] = done = True
        plan.load[k1], plan.load[k2] = into1, into2
        plan.at[h1], plan.at[h2] = k2, k1
    return done


def improve(plan: Plan, rounds: int = 200) -> None:
    """Shifts and swaps until neither gains (or ``rounds`` swap rounds)."""
    shifts(plan)
    for _ in range(rounds):
        if not swaps(plan):
            break
        shifts(plan)


def placement(prob: Problem, usable: np.ndarray, rank: np.ndarray) -> Plan:
    """A placement on ``usable`` units, with modules added in ``rank`` order (best first) while
    the beds fall short of the persons who would rather be placed than not."""
    cheapest = prob.cost.min(axis=1)
    wanted = prob.persons[cheapest < prob.penalty].sum()
    usable = usable | (prob.setup == 0)
    for u in np.argsort(rank, kind="stable"):
        if prob.beds[usable].sum() >= wanted:
            break
        usable[u] = True
    plan = plan_on(prob, usable)
    regret_fill(plan)
    improve(plan)
    return plan
