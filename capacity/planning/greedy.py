"""The scenario runs' placement policy: an aggregated greedy by household size × site free beds.

numpy only, so that worker processes start fast. This is our own simple greedy, not the
placement model's: for 1,000 runs it places households on free beds per site (no units, no
soft terms), which is what capacity questions need and is much faster.

Per run and month: beds per site come from the plan; current residents leave at their expected
move-out; new households (and those still waiting) are placed whole, in arrival order, on the first
site in priority order (buildings first, then nearest the station) with enough free beds; a
household never moves; it leaves at arrival + stay. Persons waiting, and persons above the beds of
a site whose modules were taken down under them, are short of a bed that month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capacity.planning.sampling import Arrivals, DemandModel, draw, generators


@dataclass(frozen=True)
class RunInput:
    """Everything one chunk of runs needs (small and picklable)."""

    dm: DemandModel
    beds: np.ndarray  # (J, T) beds per site and month
    residents: np.ndarray  # (J, T) current residents per site and month
    order: np.ndarray  # site indices in priority order
    seed: int
    purpose: int
    samples: int


def run_chunk(inp: RunInput, start: int, stop: int) -> np.ndarray:
    """Runs ``start`` to ``stop``: an array (stop - start, 3, T) of short, housed and free beds."""
    gens = generators(inp.seed, inp.purpose, inp.samples)[start:stop]
    return np.stack([run_one(inp, g) for g in gens]) if gens else np.zeros((0, 3, inp.beds.shape[1]))


def run_one(inp: RunInput, rng: np.random.Generator) -> np.ndarray:
    """One run: persons short, persons housed and beds free per month, shape (3, T)."""
    a = draw(inp.dm, rng)
    beds, residents = inp.beds[inp.order], inp.residents[inp.order]
    J, T = beds.shape
    gone = np.zeros((J, T + 1), np.int64)  # persons of new households leaving, by month
    cur = np.zeros(J, np.int64)  # persons of new households living at each site
    waiting: list[int] = []
    nxt, n = 0, len(a.month)
    out = np.zeros((3, T), np.int64)
    for t in range(T):
        cur += gone[:, t]
        while nxt < n and a.month[nxt] <= t:
            waiting.append(nxt)
            nxt += 1
        waiting = _place(a, waiting, beds[:, t] - residents[:, t] - cur, cur, gone, t)
        housed = residents[:, t] + cur
        out[0, t] = np.maximum(housed - beds[:, t], 0).sum() + int(a.persons[waiting].sum())
        out[1, t] = np.minimum(housed, beds[:, t]).sum()
        out[2, t] = np.maximum(beds[:, t] - housed, 0).sum()
    return out


def _place(a: Arrivals, waiting: list[int], free: np.ndarray, cur: np.ndarray, gone: np.ndarray,
           t: int) -> list[int]:
    """Place waiting households greedily; return those still waiting (and still needing a bed)."""
    left = []
    for i in waiting:
        if a.leave[i] <= t:
            continue
        p = int(a.persons[i])
        ok = np.flatnonzero(free >= p)
        if len(ok):
            j = ok[0]
            free[j] -= p
            cur[j] += p
            gone[j, min(int(a.leave[i]), gone.shape[1] - 1)] -= p
        else:
            left.append(i)
    return left
