"""Exchanges of modules for the neighbourhood search: put one or two modules down, one or two
others up, and let every household move.

A neighbourhood of units that lie near one another (``capacity.solver.neighbourhood``) cannot
leave a placement whose modules are the wrong ones when the better modules lie elsewhere: where
the capacity put up barely exceeds the demand, putting one module down for another costs more
than it saves, and only two for two (whose capacities add up to about the same) pays. This
module proposes such exchanges and builds the placement each one starts from:

- ``ranked``: every exchange of one module for one, and (where the count allows) of two for two,
  that keeps the capacity put up at or above what the households use and whose estimate costs
  less than the placement, best first. The estimate: the setup costs put up less those put down,
  plus, per household, the cheaper of its own pair and the modules put up, where the households
  at the modules put down take their cheapest pair among the units left up (capacities aside).
- ``repaired``: the placement with the exchange made, the households at the modules put down
  moved one by one (the heaviest first) to their cheapest unit with room; where none has room,
  to a unit where one household placed there can move on to another unit with room (the
  cheapest such pair of moves); else left out. A point of the MIP, from which the search's
  steps reoptimise the households.

Only modules whose site's order allows it are exchanged: one that is its site's last module up
can go down, one whose site's module before it is up (or that is its site's first) can go up.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

MAX_WORK = 20_000_000  # household-exchange evaluations before two-for-two exchanges are left out
MAX_RANKED = 64  # exchanges kept, best first


@dataclass(frozen=True)
class Capacities:
    """The textbook MIP's capacity rows and module order (``capacity.solver.textbook``), which
    an exchange must keep.

    Attributes
    ----------
    weight : per ``x`` column, what the household uses of the unit's capacity.
    capacity : per unit, its capacity (times its ``y`` column for a module).
    previous : per ``y`` column, the ``y`` column of its site's module before it, ``-1`` for a
        site's first.
    """

    weight: np.ndarray
    capacity: np.ndarray
    previous: np.ndarray


Exchange = tuple[tuple[int, ...], tuple[int, ...]]  # (``y`` columns put down, ``y`` columns up)


def household_columns(pairs: np.ndarray, households: int) -> list[np.ndarray]:
    """Per household (``0 .. households - 1``), the indices of its pairs (``pairs`` holds the
    (household, unit) of each), in their order in ``pairs``."""
    by_household = np.argsort(pairs[:, 0], kind="stable")
    ends = np.searchsorted(pairs[by_household, 0], np.arange(households + 1))
    return [by_household[a:b] for a, b in itertools.pairwise(ends)]


def ranked(
    pairs: np.ndarray,
    cost: np.ndarray,
    modules: np.ndarray,
    values: np.ndarray,
    caps: Capacities,
    *,
    units: int,
) -> list[tuple[float, Exchange]]:
    """The exchanges worth trying from the placement ``values`` (every column of the textbook
    MIP: ``x`` per pair, ``y`` per module, ``z`` per household; ``cost`` per column), each with
    its estimated change of the objective (below zero), best first, at most ``MAX_RANKED`` (see
    the module)."""
    n_x, n_y = len(pairs), len(modules)
    households = len(values) - n_x - n_y
    if not n_y or not n_x:
        return []
    up = values[n_x : n_x + n_y] > 0.5
    nxt = np.full(n_y, -1)
    has_prev = caps.previous >= 0
    nxt[caps.previous[has_prev]] = np.flatnonzero(has_prev)
    down_ok = np.flatnonzero(up & ((nxt < 0) | ~up[np.maximum(nxt, 0)]))
    up_ok = np.flatnonzero(~up & ((caps.previous < 0) | up[np.maximum(caps.previous, 0)]))
    if not len(down_ok) or not len(up_ok):
        return []
    dense = np.full((households, units), np.inf)
    dense[pairs[:, 0], pairs[:, 1]] = cost[:n_x]
    penalty = cost[n_x + n_y :]
    chosen = values[:n_x] > 0.5
    at = np.full(households, -1)
    at[pairs[chosen, 0]] = pairs[chosen, 1]
    now = penalty.copy()
    now[pairs[chosen, 0]] = cost[:n_x][chosen]
    standing = np.ones(units, dtype=bool)
    standing[modules] = False
    is_up = standing.copy()
    is_up[modules[up]] = True
    spare = caps.capacity[is_up].sum() - caps.weight[chosen].sum()
    # per household, its three cheapest units up: the cheapest left when one or two go down
    open_cost = np.where(is_up[None, :], dense, np.inf)
    width = min(3, units)
    top = np.argsort(open_cost, axis=1, kind="stable")[:, :width]
    top_cost = np.take_along_axis(open_cost, top, axis=1)
    setup, cap = cost[n_x : n_x + n_y], caps.capacity[modules]

    downs: list[tuple[int, ...]] = [(j,) for j in down_ok]
    ups: list[tuple[int, ...]] = [(j,) for j in up_ok]
    two = len(down_ok) >= 2 and len(up_ok) >= 2
    n_two = len(down_ok) * (len(down_ok) - 1) // 2 * len(up_ok) * (len(up_ok) - 1) // 2
    n_ups = len(up_ok) * (len(up_ok) - 1) // 2
    moving = max(2 * households // max(int(up.sum()), 1), 1)  # households at two modules
    if two and n_two * moving + n_ups * households <= MAX_WORK:
        downs += list(itertools.combinations(down_ok.tolist(), 2))
        ups += list(itertools.combinations(up_ok.tolist(), 2))
    up_cost = np.stack([dense[:, modules[list(u)]].min(axis=1) for u in ups])  # (ups, H)
    gain = np.minimum(now[None, :], up_cost).sum(axis=1) - now.sum()  # the modules up alone
    up_setup = np.array([setup[list(u)].sum() for u in ups])
    up_cap = np.array([cap[list(u)].sum() for u in ups])
    up_size = np.array([len(u) for u in ups])
    # a module up needs its site's module before it up: not one put down by the same exchange
    before = np.full((len(ups), 2), -1)
    for k, u in enumerate(ups):
        before[k, : len(u)] = caps.previous[list(u)]
    found: list[tuple[float, Exchange]] = []
    for down in downs:
        gone = modules[list(down)]
        moved = np.flatnonzero(np.isin(at, gone))
        fits = (up_size == len(down)) & (spare + up_cap - cap[list(down)].sum() >= 0)
        fits &= ~np.isin(before, down).any(axis=1)
        if not fits.any():
            continue
        left = np.where(np.isin(top[moved], gone), np.inf, top_cost[moved]).min(axis=1)
        left = np.minimum(left, penalty[moved])
        here = up_cost[np.ix_(fits, moved)]
        change = (np.minimum(left[None, :], here) - np.minimum(now[moved][None, :], here)).sum(1)
        estimate = gain[fits] + change + up_setup[fits] - setup[list(down)].sum()
        for k, e in zip(np.flatnonzero(fits), estimate, strict=True):
            if e < 0:
                found.append((float(e), (tuple(int(j) for j in down), ups[k])))
    found.sort()
    return found[:MAX_RANKED]


def repaired(
    pairs: np.ndarray,
    cost: np.ndarray,
    modules: np.ndarray,
    values: np.ndarray,
    caps: Capacities,
    exchange: Exchange,
    *,
    units: int,
) -> np.ndarray:
    """The placement ``values`` with ``exchange`` made (see the module): every column, a point
    of the MIP."""
    n_x, n_y = len(pairs), len(modules)
    down, put_up = exchange
    out = np.round(values).astype(np.int64)
    out[n_x + np.array(down)] = 0
    out[n_x + np.array(put_up)] = 1
    is_up = np.ones(units, dtype=bool)
    is_up[modules] = out[n_x : n_x + n_y] == 1
    gone = modules[list(down)]
    chosen = out[:n_x] == 1
    moved = np.isin(pairs[:, 1], gone) & chosen
    out[:n_x][moved] = 0
    load = np.zeros(units)
    np.add.at(load, pairs[chosen & ~moved, 1], caps.weight[chosen & ~moved])
    heaviest = np.argsort(-caps.weight[moved], kind="stable")
    columns = household_columns(pairs, len(values) - n_x - n_y)
    for h in pairs[moved, 0][heaviest]:
        mine = columns[h][is_up[pairs[columns[h], 1]]]
        room = load[pairs[mine, 1]] + caps.weight[mine] <= caps.capacity[pairs[mine, 1]]
        if room.any():
            best = mine[room][np.argmin(cost[mine[room]])]
            out[best] = 1
            load[pairs[best, 1]] += caps.weight[best]
        elif not _shifted(pairs, cost, caps, out, load, is_up, columns, mine):
            out[n_x + n_y + h] = 1  # left out: the solver places it if it can
    return out


def _shifted(
    pairs: np.ndarray,
    cost: np.ndarray,
    caps: Capacities,
    out: np.ndarray,
    load: np.ndarray,
    is_up: np.ndarray,
    columns: list[np.ndarray],
    mine: np.ndarray,
) -> bool:
    """Place a household (its ``x`` columns at units up: ``mine``) at a unit without room for
    it by moving one household placed there to another unit with room, the cheapest such
    pair of moves; ``out`` and ``load`` updated. ``False`` where no such pair exists."""
    best, made = np.inf, None
    placed = out[: len(pairs)] == 1
    for j in mine:
        unit = pairs[j, 1]
        need = load[unit] + caps.weight[j] - caps.capacity[unit]
        for g in np.flatnonzero(placed & (pairs[:, 1] == unit) & (caps.weight >= need)):
            other = columns[pairs[g, 0]]
            other = other[is_up[pairs[other, 1]] & (pairs[other, 1] != unit)]
            other = other[
                load[pairs[other, 1]] + caps.weight[other] <= caps.capacity[pairs[other, 1]]
            ]
            if len(other):
                k = other[np.argmin(cost[other])]
                change = cost[j] + cost[k] - cost[g]
                if change < best:
                    best, made = change, (j, g, k)
    if made is None:
        return False
    j, g, k = made
    out[[g, j, k]] = 0, 1, 1
    load[pairs[j, 1]] += caps.weight[j] - caps.weight[g]
    load[pairs[k, 1]] += caps.weight[k]
    return True
