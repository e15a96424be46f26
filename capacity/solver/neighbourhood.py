"""Large-neighbourhood search on the textbook MIP of facility location, on one core.

From a placement, each step frees a few units that lie near one another, every household placed
at one of them or left out, and every household placed elsewhere that would pay less at one of
them (``freed_households``), keeps every other column of the textbook MIP
(``capacity.solver.textbook``) at its value, and solves the small MIP that is left in CP-SAT,
hinted with the placement. Its answer replaces the placement when it is no worse, so equal
placements are walked through. A tree search on the whole MIP spends its effort on the bound; on
instances it cannot prove, a search over whole neighbourhoods of units (which units to put up,
which households go there) finds better placements than the tree search's own local moves
(measured in ``docs/benchmarks.md``).

Units lie near one another when their households cost about the same at both: the distance of
two units is the mean difference of their pair costs over the households allowed at both. A
step frees a unit drawn at random and its nearest ``k - 1`` others; ``k`` starts at ``FIRST``,
grows by one after ``STREAK`` steps solved to optimality in a row (the neighbourhoods are too
easy) and shrinks by one after a step that was not (too hard for ``STEP``).

The placement the steps start from is the walk's. Where the walk has not got cheaper for
``STALL`` steps, and the caller gave the MIP's capacities, it makes an exchange of modules
(``capacity.solver.exchange``): of the exchanges not yet tried from its placement, the best
estimated whose repaired placement leaves out no household more than the walk does (else the
best estimated). The walk moves to the repaired placement, which can cost more than its own, and
the steps reoptimise the households from there; where ``DESCENT`` steps in a row have not
lowered the walk and it is still above the best placement so far, the walk goes back to that
one. Steps of near units cannot make an exchange of modules far apart, which the better
placements of instances whose capacity barely covers the demand need (measured in
``docs/benchmarks.md``).

Another search may hand over its placements (``peer``: in the race, HiGHS's incumbents on the
same MIP); before each step the search moves to the peer's placement when it is better than its
best, so that each search goes on from the better of the two.

Deterministic without a peer: a seeded generator, CP-SAT with one worker and ``STEP``
deterministic units per step, the steps counted against a deterministic budget; the wall clock
only guards. A peer's placements arrive when its wall clock has them: taking one marks the
clock cut (``Clock.mark_cut``), so that ``summary.json`` does not call the run deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import numpy as np
from ortools.sat.python import cp_model

from capacity.solver.clock import Clock
from capacity.solver.exchange import Capacities, household_columns, ranked, repaired
from capacity.solver.settle import reaches
from capacity.solver.stages import run as solve_once

STEP = 2.0  # deterministic units a step may take
FIRST = 4  # units freed by the first step
STREAK = 10  # steps solved to optimality in a row before a step frees one unit more
MIN_UNITS = 2  # the fewest units a step frees
STALL = 20  # steps that did not lower the walk's objective before an exchange of modules
DESCENT = 20  # steps in a row not lowering the walk after an exchange before going back


def unit_order(pairs: np.ndarray, cost: np.ndarray, units: int) -> np.ndarray:
    """Per unit, every unit from the nearest (itself first) to the farthest (see the module):
    ``pairs`` is the (household, unit) of each pair, ``cost`` its cost. Units that share no
    household are farthest. Summed per household over its own pairs, so the work grows with
    the squares of the households' pair counts, not with units x units x households."""
    diff = np.zeros((units, units))
    shared = np.zeros((units, units))
    households = int(pairs[:, 0].max()) + 1 if len(pairs) else 0
    for at in household_columns(pairs, households):
        where = np.ix_(pairs[at, 1], pairs[at, 1])  # a household's units are distinct
        diff[where] += np.abs(cost[at][:, None] - cost[at][None, :])
        shared[where] += 1.0
    distance = np.where(shared > 0, diff / np.maximum(shared, 1.0), np.inf)
    np.fill_diagonal(distance, -1.0)
    return np.argsort(distance, axis=1, kind="stable")


def freed_households(
    pairs: np.ndarray, cost: np.ndarray, chosen: np.ndarray, units: np.ndarray, households: int
) -> np.ndarray:
    """Which households a step over ``units`` frees (a mask over households): every household
    placed at one of them, every household left out, and every household placed elsewhere
    that would pay less at one of them: the households most likely to move into the freed
    units (without them, no step could move a household there from a unit kept fixed).
    ``pairs`` is the (household, unit) of each pair, ``cost`` its cost, ``chosen`` whether the
    placement uses it."""
    placed_at = np.full(households, -1)
    placed_at[pairs[chosen, 0]] = pairs[chosen, 1]
    paying = np.full(households, np.inf)  # left out: any unit is worth a look
    paying[pairs[chosen, 0]] = cost[chosen]
    cheaper = np.isin(pairs[:, 1], units) & (cost < paying[pairs[:, 0]])
    freed = np.isin(placed_at, units) | (placed_at < 0)
    freed[pairs[cheaper, 0]] = True
    return freed


def improve(
    model: cp_model.CpModel,
    cols: list,
    cost: np.ndarray,
    pairs: np.ndarray,
    modules: np.ndarray,
    values: np.ndarray,
    *,
    units: int,
    budget: float,
    clock: Clock,
    seed: int,
    bound: float | None = None,
    peer: Callable[[], np.ndarray | None] | None = None,
    share: Callable[[np.ndarray], None] | None = None,
    caps: Capacities | None = None,
) -> tuple[np.ndarray, int, int, bool]:
    """The best placement found from ``values`` (every column of ``model``: the textbook MIP
    with ``cost`` per column, its ``x`` columns the ``pairs``, then one ``y`` column per unit in
    ``modules``, then one ``z`` column per household) within ``budget`` deterministic units and
    ``clock``'s deadline: its column values, its objective, the steps taken, and whether it is
    proven optimal.

    ``peer`` returns another search's latest placement of the same MIP (every column, feasible)
    or ``None``; the search moves to it when it costs less than the best placement so far.
    ``share`` is given the start and each better placement the search finds, for the peer.
    With ``caps`` (the MIP's capacity rows and module order), the walk makes an exchange of
    modules after ``STALL`` steps that did not lower its objective (see the module).

    Stops at the budget, at the deadline, when the objective reaches ``bound``, or after a step
    that freed every unit (and so every household) was solved to optimality: that step solved
    the whole MIP, and its answer is proven optimal."""
    n_x, n_y = len(pairs), len(modules)
    households = len(cols) - n_x - n_y
    if clock.passed() or not len(pairs):  # without pairs, everyone is left out: nothing to do
        return np.asarray(values, dtype=float), round(float(cost @ values)), 0, False
    order = unit_order(pairs, cost[:n_x], units)
    centres = np.unique(pairs[:, 1])  # a unit without pairs has no neighbours to speak of
    index = np.array([c.index for c in cols], dtype=np.int64)
    y_col = np.full(units, -1)
    y_col[modules] = n_x + np.arange(n_y)
    z_col = n_x + n_y + np.arange(households)
    rng = np.random.default_rng(seed)
    best_values = np.round(values).astype(np.int64)
    best = round(float(cost @ best_values))
    walk, walking = best_values, best  # the walk's placement and objective
    if share is not None:
        share(best_values.astype(float))
    size, streak, used, steps = min(FIRST, units), 0, 0.0, 0
    # steps that did not lower the walk; steps left after an exchange; exchanges made
    stall, descent, tried = 0, 0, set()
    while used < budget and not clock.passed():
        taken, found = _better_of(best_values, best, peer, cost)
        if taken is not best_values:  # the peer's placement came when its wall clock had it
            clock.mark_cut()
            best_values, best, walk, walking, descent = taken, found, taken, found, 0
        if bound is not None and reaches(best, bound - 1e-6):
            break
        steps += 1
        if caps is not None and stall >= STALL and not descent:
            stall = 0
            made = _exchange(pairs, cost, modules, walk, caps, tried, units=units)
            if made is not None:
                walk, walking, descent = made, round(float(cost @ made)), DESCENT
            continue
        freed_units = order[int(centres[rng.integers(len(centres))]), :size]
        freed_h = freed_households(pairs, cost[:n_x], walk[:n_x] == 1, freed_units, households)
        free = np.zeros(len(cols), dtype=bool)
        free[:n_x] = freed_h[pairs[:, 0]]
        ys = y_col[freed_units]
        free[ys[ys >= 0]] = True
        free[z_col[freed_h]] = True
        cp = _solved(model, index, walk, free, rng, min(STEP, budget - used), clock)
        used += cp.deterministic_time
        if cp.status == cp_model.OPTIMAL:
            streak += 1
            if streak >= STREAK:
                size, streak = min(size + 1, units), 0
        else:
            size, streak = max(size - 1, min(MIN_UNITS, units)), 0
        stall += 1
        if cp.status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = np.array(cp.response_proto.solution, dtype=np.int64)[index]
            found = round(float(cost @ values))
            if found < walking:
                stall = 0
            if found <= walking:
                walk, walking = values, found
            if walking < best:
                best_values, best, descent, tried = walk, walking, 0, set()
                clock.report(best, bound)
                if share is not None:
                    share(best_values.astype(float))
            if cp.status == cp_model.OPTIMAL and len(freed_units) == units:
                return walk.astype(float), walking, steps, True  # the whole MIP, solved
        if descent:
            descent = DESCENT if stall == 0 else descent - 1
            if not descent and walking > best:  # the exchange led nowhere better: back
                walk, walking = best_values, best
    return best_values.astype(float), best, steps, False


def _solved(
    model: cp_model.CpModel,
    index: np.ndarray,
    values: np.ndarray,
    free: np.ndarray,
    rng: np.random.Generator,
    budget: float,
    clock: Clock,
):
    """CP-SAT (one worker, ``budget`` deterministic units) on ``model`` with every column that
    ``free`` does not mark fixed at ``values``, hinted with ``values``."""
    sub = model.clone()
    variables = sub.proto.variables
    for k in np.flatnonzero(~free):
        domain = variables[index[k]].domain
        domain.clear()
        domain.extend((int(values[k]), int(values[k])))
    sub.clear_hints()
    sub.proto.solution_hint.vars.extend(index.tolist())
    sub.proto.solution_hint.values.extend(values.tolist())
    return solve_once(
        SimpleNamespace(cp=sub),
        workers=1,
        seed=int(rng.integers(1 << 30)),
        budget=budget,
        interleave=False,
        clock=clock,
    )


def _exchange(
    pairs: np.ndarray,
    cost: np.ndarray,
    modules: np.ndarray,
    walk: np.ndarray,
    caps: Capacities,
    tried: set,
    *,
    units: int,
) -> np.ndarray | None:
    """The first exchange of ``exchange.ranked`` from ``walk`` not in ``tried`` whose repaired
    placement (``exchange.repaired``) leaves out no household more than ``walk`` does, else the
    first not tried: added to ``tried``, its placement returned; ``None`` where none is left.
    The steps that follow reoptimise the households: a few of them reach further below the
    repaired placement than CP-SAT over every household at once does in the same budget, and
    a household left out costs them many steps."""
    left_out = walk[len(pairs) + len(modules) :].sum()
    first = None
    for _, made in ranked(pairs, cost, modules, walk, caps, units=units):
        if made in tried:
            continue
        start = repaired(pairs, cost, modules, walk, caps, made, units=units)
        if start[len(pairs) + len(modules) :].sum() <= left_out:
            tried.add(made)
            return start
        first = (made, start) if first is None else first
    if first is None:
        return None
    tried.add(first[0])
    return first[1]


def _better_of(
    current: np.ndarray, best: int, peer: Callable[[], np.ndarray | None] | None, cost: np.ndarray
) -> tuple[np.ndarray, int]:
    """``current`` (the best placement so far) and its objective ``best``, or the peer's
    placement and its objective where that costs less."""
    other = None if peer is None else peer()
    if other is None:
        return current, best
    if other.shape != current.shape:
        raise ValueError(f"the peer's placement has {other.size} columns, not {current.size}")
    values = np.round(other).astype(np.int64)
    found = round(float(cost @ values))
    return (values, found) if found < best else (current, best)
