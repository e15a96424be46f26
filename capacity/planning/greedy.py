"""The scenario runs' placement policy: an aggregated greedy by household size × site free beds.

numpy only, so that worker processes start fast. This is our own simple greedy, not the
placement model's: for 1,000 runs it places households on free beds per site (no units, no
soft terms), which is what capacity questions need and is much faster.

Per run and month: beds per site come from the plan; current residents leave at their expected
move-out; new households (and those still waiting) are placed whole, in arrival order, on the first
site in priority order (buildings first, then nearest the station) with enough free beds; a
household moves only when the beds it lives in go (modules taken down, a building closed: newest
first; it then waits like an arrival); it leaves at arrival + stay. Persons waiting are short of a
bed that month. Current residents are households of every run, housed at their site from month 0
until their expected move-out (without one, under ``mean_stay``, after a remaining stay drawn per
run from the stay distribution conditioned on the time already spent).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capacity.planning.sampling import (
    Arrivals,
    DemandModel,
    draw,
    draw_resident_leave,
    generators,
)


@dataclass(frozen=True)
class RunInput:
    """Everything one chunk of runs needs (small and picklable)."""

    dm: DemandModel
    beds: np.ndarray  # (J, T) beds per site and month
    resident_site: np.ndarray  # per current resident household: site index
    resident_size: np.ndarray  # persons
    resident_leave: np.ndarray  # first month index without a bed
    resident_stay: np.ndarray  # (households, m): remaining stay drawn per run (zeros: fixed)
    resident_leave_by_stay: np.ndarray  # (households, m): leave month for a stay of m + 1 months
    order: np.ndarray  # site indices in priority order
    seed: int
    purpose: int
    samples: int


def run_chunk(inp: RunInput, start: int, stop: int) -> np.ndarray:
    """Runs ``start`` to ``stop``: an array (stop - start, 3, T) of short, housed and free beds."""
    gens = generators(inp.seed, inp.purpose, inp.samples)[start:stop]
    return (
        np.stack([run_one(inp, g) for g in gens]) if gens else np.zeros((0, 3, inp.beds.shape[1]))
    )


def run_one(inp: RunInput, rng: np.random.Generator) -> np.ndarray:
    """One run: persons short, persons housed and beds free per month, shape (3, T)."""
    a, site = with_residents(inp, draw(inp.dm, rng), rng)  # arrivals drawn first
    beds = inp.beds[inp.order]
    J, T = beds.shape
    waiting: list[int] = []
    nxt, n = int((site >= 0).sum()), len(a.month)
    out = np.zeros((3, T), np.int64)
    for t in range(T):
        site[(a.leave <= t) & (site >= 0)] = -1  # moved on to permanent housing
        waiting = _evict(a, site, beds[:, t]) + waiting
        while nxt < n and a.month[nxt] <= t:
            waiting.append(nxt)
            nxt += 1
        waiting = _place(a, waiting, beds[:, t] - _persons(a, site, J), site, t)
        housed = _persons(a, site, J)
        out[0, t] = int(a.persons[waiting].sum())
        out[1, t] = np.minimum(housed, beds[:, t]).sum()
        out[2, t] = np.maximum(beds[:, t] - housed, 0).sum()
    return out


def with_residents(
    inp: RunInput, a: Arrivals, rng: np.random.Generator | None = None
) -> tuple[Arrivals, np.ndarray]:
    """Current residents first (housed at their site from month 0), then the run's arrivals.

    Residents without an expected move-out under ``mean_stay`` leave after a remaining stay
    drawn from the stay distribution conditioned on the time already spent (with ``rng``).
    """
    leave = inp.resident_leave
    if rng is not None and inp.resident_stay.size:
        leave = draw_resident_leave(leave, inp.resident_stay, inp.resident_leave_by_stay, rng)
    rank = np.empty(len(inp.order), np.int64)
    rank[inp.order] = np.arange(len(inp.order))
    k = len(inp.resident_site)
    both = Arrivals(
        np.concatenate([np.zeros(k, np.int64), a.month]),
        np.concatenate([inp.resident_size, a.persons]),
        np.concatenate([np.zeros(k, bool), a.family]),
        np.concatenate([leave, a.leave]),
    )
    site = np.concatenate([rank[inp.resident_site], np.full(len(a.month), -1, np.int64)])
    return both, site


def _persons(a: Arrivals, site: np.ndarray, J: int) -> np.ndarray:
    """Persons living at each site."""
    return np.bincount(site[site >= 0], weights=a.persons[site >= 0], minlength=J).astype(np.int64)


def _evict(a: Arrivals, site: np.ndarray, room: np.ndarray) -> list[int]:
    """Households whose beds went (modules down, building closed), newest first, wait again."""
    out: list[int] = []
    cur = _persons(a, site, len(room))
    for j in np.flatnonzero(cur > room):
        for i in np.flatnonzero(site == j)[::-1]:
            if cur[j] <= room[j]:
                break
            site[i] = -1
            cur[j] -= a.persons[i]
            out.append(int(i))
    return sorted(out)


def _place(
    a: Arrivals, waiting: list[int], free: np.ndarray, site: np.ndarray, t: int
) -> list[int]:
    """Place waiting households greedily; return those still waiting (and still needing a bed)."""
    left = []
    for i in waiting:
        if a.leave[i] <= t:
            continue
        p = int(a.persons[i])
        ok = np.flatnonzero(free >= p)
        if len(ok):
            free[ok[0]] -= p
            site[i] = ok[0]
        else:
            left.append(i)
    return left
