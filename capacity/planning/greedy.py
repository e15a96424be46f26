"""The scenario runs' placement policy: a greedy of households into homes of their kind.

numpy only, so that worker processes start fast. This is our own simple greedy, not the
placement model's: for 1,000 runs it places households into homes per site and kind of home (no
soft terms), which is what capacity questions need and is much faster.

Per run and month: homes per site and kind come from the plan; current residents leave at their
expected move-out; new households (and those still waiting) are placed whole, in arrival order,
into a home their kind fits (``capacity.model.homes``: the placement's rules): beside adult-only
residents of a shareable home when it may and there is room, else into an empty home, the homes
it does not need kept for those who do (an adult avoids family homes, a household without the
need avoids accessible ones), then the site in priority order (buildings first, then nearest the
station). A household moves only when the home it lives in goes (modules taken down, a building
closed: the homes of the newest households first; it then waits like an arrival); it leaves at
arrival + stay. Households waiting are short of a home that month. Current residents are households of every run, housed at their site from month 0
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
    homes: np.ndarray  # (J, C, T) homes per site, kind of home and month
    beds: np.ndarray  # (C,) beds per home of each kind
    fit: np.ndarray  # (K, C) an empty home of kind c may take a household of kind k
    share: np.ndarray  # (K, C) a household of kind k may share a home of kind c with adults
    spare: np.ndarray  # (K, C) 2 / 1 / 0: home c has a flag kind k does not need (kept for others)
    category: np.ndarray  # (K,) index of each kind of household into homes.CATEGORIES
    kind_family: np.ndarray  # (K,) the kind has children
    resident_site: np.ndarray  # per current resident household: site index
    resident_size: np.ndarray  # persons
    resident_leave: np.ndarray  # first month index without a home
    resident_stay: np.ndarray  # (households, m): remaining stay drawn per run (zeros: fixed)
    resident_leave_by_stay: np.ndarray  # (households, m): leave month for a stay of m + 1 months
    resident_class: np.ndarray  # kind of home each resident lives in (-1: outside the homes)
    resident_unit: np.ndarray  # distinct unit index (households sharing a unit share it)
    resident_kind: np.ndarray  # kind of household
    order: np.ndarray  # site indices in priority order
    seed: int
    purpose: int
    samples: int


ROWS = 9  # short, housed, free beds; persons short by category (3); households short (3)


def run_chunk(inp: RunInput, start: int, stop: int) -> np.ndarray:
    """Runs ``start`` to ``stop``: an array (stop - start, ROWS, T): persons short, persons
    housed, beds free, then persons and households short by kind of household (single, family,
    accessible)."""
    gens = generators(inp.seed, inp.purpose, inp.samples)[start:stop]
    T = inp.homes.shape[2]
    return np.stack([run_one(inp, g) for g in gens]) if gens else np.zeros((0, ROWS, T))


@dataclass
class _Homes:
    """The homes of one run: pairs (site, kind of home) and their unit slots."""

    pair_class: np.ndarray  # (P,)
    count: np.ndarray  # (P, T) homes standing
    rank: np.ndarray  # (K, P) preference of each kind of household (lower first; big: no fit)
    slot_pair: np.ndarray  # (U,)
    free: np.ndarray  # (U,) beds free
    n: np.ndarray  # (U,) households living there
    fam: np.ndarray  # (U,) holds a family (or a household that may not share)
    slot_class: np.ndarray  # (U,) kind of home of each slot
    used: np.ndarray  # (P,) slots lived in


NO = 1 << 30


def _homes(inp: RunInput) -> tuple[_Homes, dict]:
    """Pairs in site priority order, each kind's preference over them, and empty slots."""
    J, C, T = inp.homes.shape
    pairs = [(j, c) for j in inp.order for c in range(C) if inp.homes[j, c].max() > 0]
    pc = np.array([c for _, c in pairs], dtype=np.int64)
    count = np.array([inp.homes[j, c] for j, c in pairs], dtype=np.int64).reshape(len(pairs), T)
    pos = np.arange(len(pairs))
    order = np.lexsort((pos, inp.beds[pc]))  # fewest beds first, then site priority
    best_fit = np.empty(len(pairs), np.int64)
    best_fit[order] = np.arange(len(pairs))
    rank = np.where(inp.fit[:, pc], inp.spare[:, pc] * len(pairs) + best_fit[None, :], NO)
    slots = count.max(axis=1)
    slot_pair = np.repeat(pos, slots)
    h = _Homes(
        pc,
        count,
        rank,
        slot_pair,
        inp.beds[pc][slot_pair].astype(np.int64),
        np.zeros(len(slot_pair), np.int64),
        np.zeros(len(slot_pair), bool),
        pc[slot_pair],
        np.zeros(len(pairs), np.int64),
    )
    return h, {p: i for i, p in enumerate(pairs)}


def run_one(inp: RunInput, rng: np.random.Generator) -> np.ndarray:
    """One run: the rows of ``run_chunk`` per month, shape (ROWS, T)."""
    a, _ = with_residents(inp, draw(inp.dm, rng), rng)  # arrivals drawn first
    homes, pair_of = _homes(inp)
    T = homes.count.shape[1]
    slot = np.full(len(a.month), -1, np.int64)
    waiting = _move_in_residents(inp, a, homes, pair_of, slot)
    nxt, n = len(inp.resident_site), len(a.month)
    out = np.zeros((ROWS, T), np.int64)
    for t in range(T):
        _leave(a, homes, slot, t)
        waiting = sorted(_evict(a, homes, slot, t) + waiting)
        while nxt < n and a.month[nxt] <= t:
            waiting.append(nxt)
            nxt += 1
        waiting = _place_all(inp, a, homes, slot, waiting, t)
        w = np.asarray(waiting, dtype=np.int64)
        cat = inp.category[a.kind[w]]
        out[0, t] = int(a.persons[w].sum())
        housed = int(a.persons[slot >= 0].sum())
        out[1, t] = housed
        out[2, t] = int((homes.count[:, t] * inp.beds[homes.pair_class]).sum()) - housed
        out[3:6, t] = np.bincount(cat, weights=a.persons[w], minlength=3)[:3]
        out[6:9, t] = np.bincount(cat, minlength=3)[:3]
    return out


def _place_all(
    inp: RunInput, a: Arrivals, homes: _Homes, slot: np.ndarray, waiting: list[int], t: int
) -> list[int]:
    """Place the waiting largest first, then in arrival order; return those still waiting.

    Homes only fill up within the month, so once a kind of household finds no home, the others
    of its kind are not tried again that month."""
    left, failed = [], set()
    for i in sorted(waiting, key=lambda i: (-a.persons[i], i)):
        if a.leave[i] <= t:
            continue
        k = int(a.kind[i])
        if k in failed or not _place(inp, a, homes, slot, i, t):
            failed.add(k)
            left.append(i)
    return sorted(left)


def _move_in_residents(
    inp: RunInput, a: Arrivals, homes: _Homes, pair_of: dict, slot: np.ndarray
) -> list[int]:
    """Current residents into slots of their site and kind of home; those without one wait."""
    waiting, unit_slot = [], {}
    for i in range(len(inp.resident_site)):
        key = (int(inp.resident_site[i]), int(inp.resident_class[i]))
        p = pair_of.get(key)
        u = unit_slot.get(int(inp.resident_unit[i]))
        if u is None and p is not None:
            empty = np.flatnonzero((homes.slot_pair == p) & (homes.n == 0))
            u = int(empty[0]) if len(empty) else None
        if u is None:
            waiting.append(i)
            continue
        unit_slot[int(inp.resident_unit[i])] = u
        _occupy(inp, a, homes, slot, i, u)
    return waiting


def _occupy(inp: RunInput, a: Arrivals, homes: _Homes, slot: np.ndarray, i: int, u: int) -> None:
    slot[i] = u
    homes.free[u] -= a.persons[i]
    if homes.n[u] == 0:
        homes.used[homes.slot_pair[u]] += 1
    homes.n[u] += 1
    c = homes.slot_class[u]
    homes.fam[u] |= bool(a.family[i]) or not inp.share[a.kind[i], c]


def _vacate(a: Arrivals, homes: _Homes, slot: np.ndarray, i: int) -> None:
    u = slot[i]
    slot[i] = -1
    homes.free[u] += a.persons[i]
    homes.n[u] -= 1
    if homes.n[u] == 0:
        homes.fam[u] = False
        homes.used[homes.slot_pair[u]] -= 1


def _leave(a: Arrivals, homes: _Homes, slot: np.ndarray, t: int) -> None:
    """Households at the end of their stay move on to permanent housing."""
    for i in np.flatnonzero((a.leave <= t) & (slot >= 0)):
        _vacate(a, homes, slot, int(i))


def _evict(a: Arrivals, homes: _Homes, slot: np.ndarray, t: int) -> list[int]:
    """Where homes went (modules down, a building closed), the newest households' homes go first:
    their households wait again."""
    out: list[int] = []
    used = homes.used.copy()
    for p in np.flatnonzero(used > homes.count[:, t]):
        units = np.flatnonzero((homes.slot_pair == p) & (homes.n > 0))
        newest = [int(np.flatnonzero(slot == u).max()) for u in units]
        for u in units[np.argsort(newest, kind="stable")[::-1]][: used[p] - homes.count[p, t]]:
            for i in np.flatnonzero(slot == u):
                _vacate(a, homes, slot, int(i))
                out.append(int(i))
    return out


def _place(inp: RunInput, a: Arrivals, homes: _Homes, slot: np.ndarray, i: int, t: int) -> bool:
    """Place household ``i``: beside adults where it may share, else in an empty home."""
    k, p = int(a.kind[i]), int(a.persons[i])
    rank = homes.rank[k]
    if not a.family[i]:
        ok = (homes.n > 0) & ~homes.fam & (homes.free >= p) & inp.share[k, homes.slot_class]
        ok &= rank[homes.slot_pair] < NO
        if ok.any():
            cand = np.flatnonzero(ok)
            _occupy(inp, a, homes, slot, i, int(cand[np.argmin(rank[homes.slot_pair[cand]])]))
            return True
    room = np.where(homes.count[:, t] > homes.used, rank, NO)
    best = int(np.argmin(room)) if len(room) else 0
    if not len(room) or room[best] >= NO:
        return False
    u = int(np.flatnonzero((homes.slot_pair == best) & (homes.n == 0))[0])
    _occupy(inp, a, homes, slot, i, u)
    return True


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
        np.concatenate([inp.kind_family[inp.resident_kind], a.family]),
        np.concatenate([leave, a.leave]),
        np.concatenate([inp.resident_kind, a.kind]),
    )
    site = np.concatenate([rank[inp.resident_site], np.full(len(a.month), -1, np.int64)])
    return both, site
