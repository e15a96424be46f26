"""The scenario runs' placement policy: a greedy of households into homes of their kind.

Per run and month: homes per site and kind come from the plan (the plan of the run's branch when
the plan differs by branch); current residents leave at their expected move-out; new households
(and those still waiting) are placed whole, in arrival order, into a home their kind fits
(``capacity.model.homes``: the placement's rules): beside adult-only residents of a shareable
home when it may and there is room, else into an empty home, the homes it does not need kept for
those who do (an adult avoids family homes, a household without the need avoids accessible
ones), then the site in priority order (buildings first, then nearest the station). A household
moves only when the home it lives in goes (modules taken down, a building closed: the homes of
the newest households first; it is counted as relocated and then waits like an arrival); it
leaves at arrival + stay. Households waiting are short of a home that month. Current residents
are households of every run, housed at their site from month 0 until their expected move-out
(without one, under ``mean_stay``, after a remaining stay drawn per run from the stay
distribution conditioned on the time already spent).

This is our own simple greedy, not the placement model's: it places households into homes per
site and kind of home (no soft terms), which is what capacity questions need. The month loop is
compiled with numba (``_simulate``), since a proposal scores thousands of runs; drawing stays in
numpy (``capacity.planning.sampling``), so run *i* draws the same numbers whether or not the
loop is compiled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from capacity.planning.sampling import Arrivals, DemandModel, draw, draw_resident_leave, generators


@dataclass(frozen=True)
class RunInput:
    """Everything one chunk of runs needs (small and picklable)."""

    dm: DemandModel
    homes: np.ndarray  # (B, J, C, T) homes per branch of the plan, site, kind of home and month
    beds: np.ndarray  # (C,) beds per home of each kind
    fit: np.ndarray  # (K, C) an empty home of kind c may take a household of kind k
    share: np.ndarray  # (K, C) a household of kind k may share a home of kind c with adults
    spare: np.ndarray  # (K, C) 2 / 1 / 0: home c has a flag kind k does not need (kept for others)
    category: np.ndarray  # (K,) index of each kind of household into homes.CATEGORIES
    kind_family: np.ndarray  # (K,) the kind has children
    beyond: np.ndarray  # (K,) no module type's home fits the kind (``Supply.beyond_modules``)
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


# rows of a run: persons short, housed, beds free; persons short by category (3) and households
# short by category (3), both of kinds some module type's home fits; households relocated
# because their home went; persons and households short of kinds no module type's home fits
ROWS = 12
RELOCATED = 9
BEYOND = 10

NO = 1 << 30


@dataclass(frozen=True)
class Homes:
    """The homes of one plan (one branch): pairs (site, kind of home) in site priority order,
    each kind's preference over them, their unit slots and each resident's pair."""

    pair_class: np.ndarray  # (P,)
    count: np.ndarray  # (P, T) homes standing
    rank: np.ndarray  # (K, P) preference of each kind of household (lower first; NO: no fit)
    slot_pair: np.ndarray  # (U,)
    slot_beds: np.ndarray  # (U,) beds of each slot
    resident_pair: np.ndarray  # (residents,) the pair a resident lives in (-1: none)
    resident_unit: np.ndarray  # (residents,) units numbered 0.. (shared units share one)


def homes_of(inp: RunInput, homes: np.ndarray) -> Homes:
    """Pairs in site priority order, each kind's preference over them, empty slots (one plan)."""
    J, C, T = homes.shape
    pairs = [(int(j), c) for j in inp.order for c in range(C) if homes[j, c].max() > 0]
    pc = np.array([c for _, c in pairs], dtype=np.int64)
    count = np.array([homes[j, c] for j, c in pairs], dtype=np.int64).reshape(len(pairs), T)
    pos = np.arange(len(pairs))
    order = np.lexsort((pos, inp.beds[pc]))  # fewest beds first, then site priority
    best_fit = np.empty(len(pairs), np.int64)
    best_fit[order] = np.arange(len(pairs))
    rank = np.where(inp.fit[:, pc], inp.spare[:, pc] * len(pairs) + best_fit[None, :], NO)
    slot_pair = np.repeat(pos, count.max(axis=1))
    pair_of = {p: i for i, p in enumerate(pairs)}
    resident_pair = np.array(
        [
            pair_of.get((int(j), int(c)), -1)
            for j, c in zip(inp.resident_site, inp.resident_class, strict=True)
        ],
        dtype=np.int64,
    )
    unit = np.unique(np.asarray(inp.resident_unit), return_inverse=True)[1].astype(np.int64)
    return Homes(
        pc,
        count,
        rank.astype(np.int64),
        slot_pair.astype(np.int64),
        inp.beds[pc][slot_pair].astype(np.int64),
        resident_pair,
        unit.reshape(-1),
    )


def run_chunk(inp: RunInput, start: int, stop: int) -> np.ndarray:
    """Runs ``start`` to ``stop``: an array (stop - start, ROWS, T): persons short, persons
    housed, beds free, then persons and households short by kind of household (single, family,
    accessible) among the kinds some module type's home fits, then households relocated because
    their home went, then persons and households short of the kinds no module type's home fits
    (``RunInput.beyond``: no order of modules can house them)."""
    gens = generators(inp.seed, inp.purpose, min(stop, inp.samples), start)
    T = inp.homes.shape[-1]
    plans = [homes_of(inp, h) for h in inp.homes]
    out = np.zeros((len(gens), ROWS, T), np.int64)
    for r, g in enumerate(gens):
        out[r] = run_one(inp, g, plans)
    return out


def run_one(
    inp: RunInput, rng: np.random.Generator, plans: list[Homes] | None = None
) -> np.ndarray:
    """One run: the rows of ``run_chunk`` per month, shape (ROWS, T)."""
    drawn = draw(inp.dm, rng)  # arrivals drawn first
    a, _ = with_residents(inp, drawn, rng)
    plans = plans or [homes_of(inp, h) for h in inp.homes]
    h = plans[drawn.branch if len(plans) > 1 else 0]
    out = np.zeros((ROWS, inp.homes.shape[-1]), np.int64)
    _simulate(
        a.month,
        a.persons.astype(np.int64),
        a.family.astype(np.bool_),
        a.leave.astype(np.int64),
        a.kind.astype(np.int64),
        len(inp.resident_site),
        h.resident_pair,
        h.resident_unit,
        h.pair_class,
        h.count,
        h.rank,
        h.slot_pair,
        h.slot_beds,
        inp.beds.astype(np.int64),
        inp.share.astype(np.bool_),
        inp.category.astype(np.int64),
        inp.beyond.astype(np.bool_),
        out,
    )
    return out


@numba.njit(cache=True, nogil=True)
def _simulate(
    month, persons, family, leave, kind, residents, resident_pair, resident_unit,
    pair_class, count, rank, slot_pair, slot_beds, beds, share, category, beyond, out,
):  # fmt: skip
    """The month loop of one run (see the module docstring), writing ``out`` (ROWS, T)."""
    n, P, U, T = len(month), len(pair_class), len(slot_pair), out.shape[1]
    slot = np.full(n, -1, np.int64)
    free = slot_beds.copy()
    lives = np.zeros(U, np.int64)  # households living in each slot
    fam = np.zeros(U, np.bool_)  # holds a family (or a household that may not share)
    used = np.zeros(P, np.int64)  # slots lived in per pair
    waiting = np.zeros(n, np.bool_)
    unit_slot = np.full(max(residents, 1), -1, np.int64)
    for i in range(residents):  # current residents into a slot of their site and kind of home
        u = unit_slot[resident_unit[i]]
        if u < 0 and resident_pair[i] >= 0:
            for s in range(U):
                if slot_pair[s] == resident_pair[i] and lives[s] == 0:
                    u = s
                    break
        if u < 0:
            waiting[i] = True
            continue
        unit_slot[resident_unit[i]] = u
        _occupy(i, u, slot, free, lives, fam, used, persons, family, kind, slot_pair, pair_class,
                share)  # fmt: skip
    nxt = residents
    newest = np.full(U, -1, np.int64)
    for t in range(T):
        for i in range(n):  # households at the end of their stay move on
            if leave[i] <= t and slot[i] >= 0:
                _vacate(i, slot, free, lives, fam, used, persons, slot_pair)
        # where homes went, the newest households' homes go first: they wait again
        newest[:] = -1
        for i in range(n):
            if slot[i] >= 0:
                newest[slot[i]] = i
        for p in range(P):
            extra = used[p] - count[p, t]
            while extra > 0:
                best = -1
                for s in range(U):
                    if (
                        slot_pair[s] == p
                        and lives[s] > 0
                        and (best < 0 or newest[s] > newest[best])
                    ):
                        best = s
                for i in range(n):
                    if slot[i] == best:
                        _vacate(i, slot, free, lives, fam, used, persons, slot_pair)
                        waiting[i] = True
                        out[9, t] += 1
                newest[best] = -1
                extra -= 1
        while nxt < n and month[nxt] <= t:
            waiting[nxt] = True
            nxt += 1
        _place_all(t, waiting, slot, free, lives, fam, used, persons, family, leave, kind,
                   slot_pair, pair_class, count, rank, share)  # fmt: skip
        housed = 0
        for i in range(n):
            if waiting[i]:
                out[0, t] += persons[i]
                if beyond[kind[i]]:
                    out[10, t] += persons[i]
                    out[11, t] += 1
                else:
                    c = category[kind[i]]
                    out[3 + c, t] += persons[i]
                    out[6 + c, t] += 1
            elif slot[i] >= 0:
                housed += persons[i]
        out[1, t] = housed
        total = 0
        for p in range(P):
            total += count[p, t] * beds[pair_class[p]]
        out[2, t] = total - housed


@numba.njit(cache=True, nogil=True)
def _place_all(t, waiting, slot, free, lives, fam, used, persons, family, leave, kind,
               slot_pair, pair_class, count, rank, share):  # fmt: skip
    """Place the waiting largest first, then in arrival order; those whose stay ended leave.

    Homes only fill up within the month, so once a kind of household finds no home, the others
    of its kind are not tried again that month."""
    idx = np.flatnonzero(waiting)
    order = idx[np.argsort(-persons[idx], kind="mergesort")]
    failed = np.zeros(rank.shape[0], np.bool_)
    for i in order:
        if leave[i] <= t:
            waiting[i] = False
            continue
        k = kind[i]
        if failed[k]:
            continue
        if _place(i, t, slot, free, lives, fam, used, persons, family, kind, slot_pair,
                  pair_class, count, rank, share):  # fmt: skip
            waiting[i] = False
        else:
            failed[k] = True


@numba.njit(cache=True, nogil=True)
def _place(i, t, slot, free, lives, fam, used, persons, family, kind, slot_pair, pair_class,
           count, rank, share):  # fmt: skip
    """Place household ``i``: beside adults where it may share, else in an empty home."""
    k, p = kind[i], persons[i]
    U, P = len(slot_pair), len(pair_class)
    if not family[i]:
        best = -1
        for s in range(U):
            r = rank[k, slot_pair[s]]
            if (lives[s] > 0 and not fam[s] and free[s] >= p and share[k, pair_class[slot_pair[s]]]
                    and r < NO and (best < 0 or r < rank[k, slot_pair[best]])):  # fmt: skip
                best = s
        if best >= 0:
            _occupy(i, best, slot, free, lives, fam, used, persons, family, kind, slot_pair,
                    pair_class, share)  # fmt: skip
            return True
    best = -1
    for q in range(P):
        if count[q, t] > used[q] and rank[k, q] < NO and (best < 0 or rank[k, q] < rank[k, best]):
            best = q
    if best < 0:
        return False
    for s in range(U):
        if slot_pair[s] == best and lives[s] == 0:
            _occupy(i, s, slot, free, lives, fam, used, persons, family, kind, slot_pair,
                    pair_class, share)  # fmt: skip
            return True
    return False


@numba.njit(cache=True, nogil=True)
def _occupy(i, u, slot, free, lives, fam, used, persons, family, kind, slot_pair, pair_class,
            share):  # fmt: skip
    slot[i] = u
    free[u] -= persons[i]
    if lives[u] == 0:
        used[slot_pair[u]] += 1
    lives[u] += 1
    fam[u] = fam[u] or family[i] or not share[kind[i], pair_class[slot_pair[u]]]


@numba.njit(cache=True, nogil=True)
def _vacate(i, slot, free, lives, fam, used, persons, slot_pair):
    u = slot[i]
    slot[i] = -1
    free[u] += persons[i]
    lives[u] -= 1
    if lives[u] == 0:
        fam[u] = False
        used[slot_pair[u]] -= 1


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
        a.branch,
    )
    site = np.concatenate([rank[inp.resident_site], np.full(len(a.month), -1, np.int64)])
    return both, site
