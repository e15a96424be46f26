"""Which new modules to put up: a Lagrangian heuristic, CP-SAT's hint and a valid lower bound.

With new pavilion modules, placement is single-source capacitated facility location: per-pair
CP-SAT alone stalls on large instances (OR-Library capa1, 100 modules x 1,000 households:
42 % above the optimum after 60 s). This module works on the model's separable part as numpy
arrays (households x units; ``problem_of``) and builds no solver model; ``solve_domain`` then
lets CP-SAT finish on the kernel it finds.

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
lifts the bound from 2.1 % to 0.07 % below capa1's optimum. ``sum(mu)`` plus the units' values
is a lower bound for every ``mu`` (weak duality). The prices follow subgradient steps (Polyak's
step towards the best placement found, the step factor halved when the bound stalls).

The bound covers the whole objective: the terms left out (``spread`` excess, ``school_daycare``'s
missing daycare slots, ``family_cluster``'s districts beyond the first) are each ``>= 0`` for any
placement (non-negative variables and weights ``>= 0``, ``policy.Weights``), and the order in
which a site's modules go up only breaks symmetry.

The placement
-------------
Every few steps the units the relaxation puts up (with standing units, which cost nothing) are
repaired to enough beds and households assigned by regret (largest gap between their cheapest
and second cheapest unit first), then improved by moves of one household and swaps of two
(vectorised over all pairs). Then ``refine`` opens, closes or swaps modules, trying the sets in
the order of their Lagrangian bound (capa2: 0.88 % -> 0.07 % above the optimum). Work is
counted in steps, never in seconds: the same input gives the same placement.

Measured
--------
``place(..., formulation="pairs", allow_new_modules=True, time_limit=60)``, 2 cores, wall
seconds of the whole call; % above the known optimum, and the bound's % below it:

- capa1: 0.078 % above, bound 0.068 % below, 40 s (plain per-pair CP-SAT: 42 % above);
- capa2-4: at most 0.002 % above, bounds 0.001-0.20 % below, 11-42 s;
- capb1-4: 0.006 / 0.009 / 0.334 / 0.110 % above, bounds 0.008-0.35 % below, 20-41 s;
- capc1-4: 0.017 / 0.000 / 0.305 / 0.031 % above, bounds 0.05-0.46 % below, 14-39 s;
- Yang 80-400-1..3 (32,000 pairs): 1.05 / 0.66 / 0.50 % above, bounds 0.7-0.8 % below,
  30-34 s (plain per-pair CP-SAT on 80-400-1: 2.9 % above after 132 s).

The remaining gap is the assignment on nearly full modules (Yang's sets leave 2 beds spare),
where moves of one or two households stall.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from capacity.model.domain import Domain
from capacity.model.soft import SCORE_SCALE

if TYPE_CHECKING:
    from capacity.solver.result import Result

INF = np.inf
DP_LIMIT = 20_000_000  # cells of the covering table above which its LP relaxation is used


@dataclass(frozen=True)
class Problem:
    """The separable part of a placement model as arrays (``H`` households, ``U`` units).

    Attributes
    ----------
    households, units : ids in row and column order.
    cost : weighted household-level cost of each pair (``soft.pair_cost``), ``inf`` where the
        pair is not allowed (H, U).
    weight : what the household uses of the unit's capacity (H, U).
    capacity : free beds of a shareable unit, ``size`` of a class of single units (U,).
    setup : weighted setup cost of a new module, 0 for a standing unit (U,).
    penalty : weighted cost of leaving the household unplaced (H,).
    persons : persons per household (H,).
    """

    households: tuple[str, ...]
    units: tuple[str, ...]
    cost: np.ndarray
    weight: np.ndarray
    capacity: np.ndarray
    setup: np.ndarray
    penalty: np.ndarray
    persons: np.ndarray
    beds: np.ndarray

    @property
    def allowed(self) -> np.ndarray:
        return np.isfinite(self.cost)


def problem_of(dom: Domain) -> Problem:
    """The arrays of ``dom`` (with its pairs), costs exactly as ``soft.pair_cost`` counts them."""
    hh, uids = dom.households, tuple(dom.units)
    col = {uid: j for j, uid in enumerate(uids)}
    units = [dom.units[u] for u in uids]
    sites = [dom.sites[u.site_id] for u in units]
    persons = np.array([h.persons for h in hh], dtype=float)
    w = dom.weights
    cost = np.outer(persons, [w["transport"] * s.station_minutes for s in sites])
    cost += np.outer(persons, [w["buildings_first"] * s.pavilion for s in sites])
    new = np.array([h.new for h in hh], dtype=bool)
    school = np.where(
        new[:, None], [s.receiving_minutes for s in sites], [s.school_minutes for s in sites]
    )
    cost += w["school_daycare"] * np.array([h.school_children for h in hh])[:, None] * school
    for i, h in enumerate(hh):  # a movable resident's move: 1 anywhere but its own unit
        if h.current_unit is not None:
            cost[i] += w["moves"] * (np.array(uids) != h.current_unit)
    cost += w["external_score"] * _score_costs(dom, uids)
    allowed = np.zeros_like(cost, dtype=bool)
    for i, h in enumerate(hh):
        allowed[i, [col[u] for u in dom.pairs[h.id]]] = True
    weight, capacity = _weights(dom, units, persons)
    setup = np.array(
        [w["new_modules"] * s.setup_kdkk * u.new_module for u, s in zip(units, sites, strict=True)],
        dtype=float,
    )
    arriving = np.array([h.current_unit is None and not h.unaccompanied_minor for h in hh], bool)
    return Problem(
        tuple(h.id for h in hh),
        uids,
        np.where(allowed, cost, INF),
        weight,
        capacity,
        setup,
        np.where(arriving, w["unplaced"] * persons, 0.0),
        persons,
        np.array([u.free_beds * u.size for u in units], dtype=float),
    )


def _score_costs(dom: Domain, uids: tuple[str, ...]) -> np.ndarray:
    """``-half_up(SCORE_SCALE * score)`` per (household, unit), 0 without a score (vectorised)."""
    row = {h.id: i for i, h in enumerate(dom.households)}
    site_ids = sorted({u.site_id for u in dom.units.values()})
    scol = {s: j for j, s in enumerate(site_ids)}
    by_site = np.zeros((len(row), len(site_ids)))
    keys = [(row[h], scol[s], v) for (h, s), v in dom.scores.items() if h in row and s in scol]
    if keys:
        i, j, v = (np.array(a) for a in zip(*keys, strict=True))
        by_site[i, j] = -np.floor(SCORE_SCALE * v.astype(float) + 0.5)
    return by_site[:, [scol[dom.units[u].site_id] for u in uids]]


def _weights(dom: Domain, units: list, persons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Capacity use per pair and capacity per unit (see ``Problem``)."""
    shareable = np.array([u.shareable for u in units], dtype=bool)
    beds = np.array([u.free_beds for u in units], dtype=float)
    family = np.array([h.has_children for h in dom.households], dtype=bool)
    weight = np.where(shareable, persons[:, None], 1.0)
    weight = np.where(family[:, None] & shareable, beds, weight)
    capacity = np.where(shareable, beds, [float(u.size) for u in units])
    return weight, capacity


# --- the relaxation ---------------------------------------------------------------------------


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


# --- the placement ----------------------------------------------------------------------------


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


# --- the loop ---------------------------------------------------------------------------------


@dataclass
class Ascent:
    """Where the subgradient ascent stands: best bound with its unit scores, best placement."""

    bound: float = -INF
    base: float = 0.0  # sum of the prices at the best bound
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


def lagrange(prob: Problem, steps: int = 300, every: int = 10, patience: int = 15) -> Ascent:
    """Subgradient ascent on the prices with a placement every ``every`` steps (see the module)."""
    mu, alpha, stall, at = start_prices(prob), 2.0, 0, Ascent()
    free, seen = np.isfinite(prob.cost).any(axis=1), set()
    for step in range(steps):
        x, value = knapsacks(prob, mu)
        score = prob.setup + value
        if at.demand:
            up, val = cover(score, prob.beds, at.demand)
        else:
            up, val = score < 0, score[score < 0].sum()
        low = mu.sum() + val
        stall = 0 if low > at.bound + 1e-9 * abs(at.bound) else stall + 1
        if low > at.bound:
            at.bound, at.base, at.score = low, mu.sum(), score
        alpha, stall = (alpha / 2, 0) if stall >= patience else (alpha, stall)
        if step % every == 0 and up.tobytes() not in seen:
            seen.add(up.tobytes())
            at.offer(prob, placement(prob, up.copy(), score))
        g = np.where(free, 1.0 - x[:, up].sum(axis=1), 0.0)
        g[(mu >= prob.penalty) & (g > 0)] = 0.0
        norm, target = float(g @ g), at.best.objective()
        if norm == 0 or alpha < 1e-4 or target - at.bound <= 1e-9 * abs(at.bound):
            break
        mu = np.minimum(mu + alpha * (target - low) / norm * g, prob.penalty)
    at.steps = step + 1
    return at


def refine(prob: Problem, at: Ascent, evaluations: int = 40, width: int = 12) -> None:
    """Move the best placement's modules: open one, close one, or both (a swap).

    Each candidate set ``Y`` has the bound ``sum(mu) + sum of its units' scores`` at the best
    prices (no placement on exactly ``Y`` costs less); candidates below the best placement's
    cost are placed in the order of that bound, the ``width`` best closed modules only.
    """
    tried: set[bytes] = set()
    module = prob.setup > 0
    standing = np.minimum(at.score[~module], 0.0).sum()
    for _ in range(evaluations):
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


def everyone_placed(prob: Problem, plan: Plan) -> float | None:
    """The persons every better placement houses, when that is provable, else None.

    If ``plan`` houses every household that has an allowed unit, and leaving any one of them
    unplaced costs more than ``plan`` even with every other household at its cheapest (most
    negative) pair, a placement better than ``plan`` houses them all: their beds are needed.
    """
    free = np.isfinite(prob.cost).any(axis=1)
    if (plan.assignment()[free] < 0).any() or not free.any():
        return None
    floor = np.minimum(prob.cost.min(axis=1), 0.0)[free].sum()
    if prob.penalty[free].min() + floor < plan.objective():
        return None
    return float(prob.persons[free].sum())


# --- the domain -------------------------------------------------------------------------------

# Allowed pairs from which ``solve_domain`` starts from this heuristic. Size alone does not tell:
# at 6,000 pairs plain CP-SAT proves Holmberg p56 optimal in about 3 s where the heuristic ends
# 0.1 % above, yet leaves Yang 30-200-1 0.93 % above after 137 s where it reaches 0.32 % in 12 s.
# 20,000 keeps every Holmberg and OR-Library cap61-134 instance (at most 6,000) as it was.
MIN_PAIRS = 20_000
KERNEL_WIDTH = 5  # cheapest units per household the kernel keeps (besides its own)
STEPS_PER_UNIT, MAX_STEPS = 20, 1000
MOVES_PER_UNIT, MAX_MOVES = 3, 150
KERNEL_SHARE, MIN_KERNEL_SHARE = 0.33, 0.1
STEP_WORK, PLACE_WORK = 1e-7, 6e-7  # the heuristic's work per pair cell, in CP-SAT units


@dataclass(frozen=True)
class Opening:
    """The heuristic's outcome on a ``Domain``.

    Attributes
    ----------
    assignment : household id -> unit class id or None (a site's modules put up in order).
    objective : its separable objective (the model's, less the terms ``>= 0`` left out).
    bound : a lower bound of the model's objective (the best Lagrangian bound).
    kernel : the domain with each household's pairs cut to its ``KERNEL_WIDTH`` cheapest units
        among the standing units and the modules put up, and its own.
    steps, evaluations : subgradient steps and open sets placed.
    time_limit : CP-SAT's budget on the kernel.
    """

    assignment: dict[str, str | None]
    objective: float
    bound: float
    kernel: Domain
    steps: int
    evaluations: int
    time_limit: float


def applies(dom: Domain) -> bool:
    """Whether ``solve_domain`` should start from this heuristic: new modules, a large model,
    nobody movable (a movable resident must be placed, which the heuristic does not enforce)."""
    return (
        any(u.new_module for u in dom.units.values())
        and not dom.movable
        and sum(len(p) for p in dom.pairs.values()) >= MIN_PAIRS
    )


def open_modules(dom: Domain, time_limit: float) -> Opening:
    """Run the heuristic on ``dom`` (see the module): ascent, then module moves.

    Its work is counted, not timed: ``STEPS_PER_UNIT`` subgradient steps and ``MOVES_PER_UNIT``
    placements per unit of ``time_limit`` (at most ``MAX_STEPS`` and ``MAX_MOVES``). CP-SAT gets
    ``KERNEL_SHARE`` of the limit on the kernel, less the heuristic's work (``STEP_WORK`` and
    ``PLACE_WORK`` per household x unit cell: about seconds on this project's machine), and at
    least ``MIN_KERNEL_SHARE``: with a limit of 60, on capa1 (100,000 cells, 942 steps, 120
    placements, 14 s) 6 units, on Yang's 80-400-1 (32,000 cells, 506 steps, 26 placements, 3 s)
    17.7. CP-SAT's units ran 2-3 times slower than the wall clock on these kernels.
    """
    steps = int(min(MAX_STEPS, STEPS_PER_UNIT * time_limit))
    evaluations = int(min(MAX_MOVES, MOVES_PER_UNIT * time_limit))
    prob = problem_of(dom)
    at = lagrange(prob, steps=steps)
    refine(prob, at, evaluations=evaluations)
    assign = in_order(dom, prob, at.best.assignment())
    return Opening(
        {
            hid: prob.units[k] if k >= 0 else None
            for hid, k in zip(prob.households, assign, strict=True)
        },
        at.best.objective(),
        at.bound,
        replace(dom, pairs=kernel_pairs(prob, assign)),
        at.steps,
        at.evaluations,
        kernel_budget(prob, at, time_limit),
    )


def kernel_budget(prob: Problem, at: Ascent, time_limit: float) -> float:
    """CP-SAT's budget on the kernel (see ``open_modules``); deterministic, from counts."""
    cells = prob.cost.size
    work = cells * (STEP_WORK * at.steps + PLACE_WORK * at.evaluations)
    return max(MIN_KERNEL_SHARE * time_limit, KERNEL_SHARE * time_limit - work)


def in_order(dom: Domain, prob: Problem, assign: np.ndarray) -> np.ndarray:
    """``assign`` with each site's used modules renamed to its first ones (``new_module_put_up``:
    a site's modules go up in order; they are identical, so the cost is the same)."""
    col = {uid: j for j, uid in enumerate(prob.units)}
    by_site: dict[str, list[int]] = {}
    for uid, u in dom.units.items():
        if u.new_module:
            by_site.setdefault(u.site_id, []).append(col[uid])
    rename = np.arange(len(prob.units))
    used = set(assign[assign >= 0].tolist())
    for modules in by_site.values():
        mine = [k for k in modules if k in used]
        rename[mine] = modules[: len(mine)]
    return np.where(assign >= 0, rename[np.maximum(assign, 0)], -1)


def kernel_pairs(prob: Problem, assign: np.ndarray) -> dict[str, tuple[str, ...]]:
    """Each household's ``KERNEL_WIDTH`` cheapest allowed units among the standing units and the
    modules ``assign`` puts up, and its own unit (sorted ids, as ``hard.allowed_units``)."""
    keep = prob.setup == 0
    keep[assign[assign >= 0]] = True
    cost = np.where(keep, prob.cost, INF)
    width = min(KERNEL_WIDTH, cost.shape[1])
    near = np.argpartition(cost, width - 1, axis=1)[:, :width]
    out = {}
    for i, hid in enumerate(prob.households):
        cols = {int(k) for k in near[i] if np.isfinite(cost[i, k])}
        cols |= {int(assign[i])} - {-1}
        out[hid] = tuple(sorted(prob.units[k] for k in cols))
    return out


def settle(
    dom: Domain, result: Result | None, lag: Opening, *, seed: int, lang: str, started: float
) -> Result:
    """The better of CP-SAT's placement on the kernel and the heuristic's, scored on ``dom``.

    Scored by ``solve.evaluate`` on the whole domain (its explanation and alternatives are the
    whole model's). The bound is the Lagrangian one (CP-SAT's covers only the kernel): status
    ``OPTIMAL`` only when the objective reaches it, else ``FEASIBLE``.
    """
    from capacity.solver.solve import evaluate

    if result is not None and result.objective <= lag.objective:
        chosen, solver = classes_of(dom, result), "lagrange+cpsat"
    else:
        chosen, solver = lag.assignment, "lagrange (bedre end CP-SAT)"
    scored = evaluate(dom, chosen, lang=lang, started=started)
    bound = lag.bound - 1e-9 * abs(lag.bound) - 1e-6  # float sums: the bound is a little lower
    total = time.perf_counter() - started
    build = result.build_seconds if result is not None else total
    return replace(
        scored,
        status="OPTIMAL" if scored.objective <= math.ceil(bound) else "FEASIBLE",
        solver=solver,
        best_bound=bound,
        seed=seed,
        build_seconds=round(build, 3),
        solve_seconds=round(total - build, 3),
    )


def classes_of(dom: Domain, result: Result) -> dict[str, str | None]:
    """Household id -> unit class id of a ``Result`` (its placements name real units)."""
    cls = {real: uid for uid, u in dom.units.items() for real in u.ids}
    out: dict[str, str | None] = {h.id: None for h in dom.households}
    out.update(
        {
            hid: cls[uid]
            for hid, uid in zip(
                result.placements["household_id"], result.placements["unit_id"], strict=True
            )
        }
    )
    return out
