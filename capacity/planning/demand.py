"""Sampled demand: arriving households per month, their sizes and stay lengths.

Every sampled run draws from its own ``numpy.random.Generator``, seeded from
``SeedSequence([seed, purpose]).spawn(n)[i]`` by run index, so run ``i`` is the same whichever
process or machine draws it. ``purpose`` keeps the plan's samples apart from the fresh samples of
the scenario runs.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from capacity import overview
from capacity.errors import UserError
from capacity.io.layers import Registry
from capacity.model.homes import NeedKind
from capacity.planning.sampling import (
    PLAN,
    QUANTILE,
    RUNS,
    Arrivals,
    DemandModel,
    draw,
    generators,
    households_present,
    persons_present,
)
from capacity.planning.scenario import Scenario

__all__ = [
    "PLAN",
    "QUANTILE",
    "RUNS",
    "Arrivals",
    "DemandModel",
    "draw",
    "generators",
    "persons_present",
    "demand_model",
    "demand_paths",
    "households_present",
    "need_kinds",
    "quantile_path",
]

DAYS_PER_MONTH = 30.4375


def need_kinds(reg: Registry, sc: Scenario) -> list[NeedKind]:
    """The kinds of household of a scenario on a registry, sorted: its household types (no
    accessibility need), the households waiting and the current residents."""
    kinds = {NeedKind(t.persons, bool(t.children_ages), False) for t in sc.household_types}
    wp, wf, wa, _ = waiting(reg)
    kinds |= {NeedKind(int(p), bool(f), bool(a)) for p, f, a in zip(wp, wf, wa, strict=True)}
    kinds |= set(resident_kinds(reg, overview.open_occupancy(reg)))
    return sorted(kinds)


def resident_kinds(reg: Registry, occ: pd.DataFrame) -> list[NeedKind]:
    """The kind of the household of every row of ``occ`` (``overview.open_occupancy`` rows)."""
    hh = reg.households.drop_duplicates("id").set_index("id")
    out = []
    for hid, persons in zip(occ["household_id"], occ["persons"].fillna(0), strict=True):
        row = hh.loc[hid] if hid in hh.index else None
        family = row is not None and len(row["children_ages"]) > 0
        accessible = row is not None and not pd.isna(row["needs_accessible"])
        accessible = accessible and bool(row["needs_accessible"])
        out.append(NeedKind(max(int(persons), 1), bool(family), bool(accessible)))
    return out


def demand_model(reg: Registry, sc: Scenario) -> DemandModel:
    """Expected arrivals, household mix and stay distribution of a scenario on a registry."""
    shares = np.array([t.share for t in sc.household_types], dtype=float)
    shares /= shares.sum()
    persons = np.array([t.persons for t in sc.household_types], dtype=np.int64)
    family = np.array([bool(t.children_ages) for t in sc.household_types])
    pph = float(shares @ persons)
    branches = sc.branches()
    by_branch = np.stack([expected_households(sc, pph, b.waves) for b in branches])
    prob = np.array([b.probability for b in branches], dtype=float)
    mean = prob @ by_branch
    kinds = {k: i for i, k in enumerate(need_kinds(reg, sc))}
    type_kind = np.array(
        [kinds[NeedKind(t.persons, bool(t.children_ages), False)] for t in sc.household_types],
        dtype=np.int64,
    )
    wp, wf, wa, arrival = waiting(reg)
    wm = arrival_month(arrival, sc.month_starts())
    keep = (wm < sc.horizon_months) & sc.include_waiting  # arriving after the horizon: not in it
    wp, wf, wa, wm = wp[keep], wf[keep], wa[keep], wm[keep]
    wk = np.array(
        [kinds[NeedKind(int(p), bool(f), bool(a))] for p, f, a in zip(wp, wf, wa, strict=True)],
        dtype=np.int64,
    )
    return DemandModel(
        mean,
        shares,
        persons,
        family,
        stay_pmf(reg, sc),
        wp,
        wf,
        sc.uncertainty.kind,
        sc.uncertainty.dispersion,
        type_kind,
        wk,
        len(kinds),
        by_branch if len(branches) > 1 else by_branch[:0],
        prob if len(branches) > 1 else prob[:0],
        wm,
    )


def branch_model(dm: DemandModel, b: int) -> DemandModel:
    """The demand model of branch ``b`` alone (its waves certain; no branch drawn per run)."""
    if not len(dm.branch_p):
        return dm
    return dataclasses.replace(
        dm, mean=dm.branch_mean[b], branch_mean=dm.branch_mean[:0], branch_p=dm.branch_p[:0]
    )


def expected_households(
    sc: Scenario, persons_per_household: float, waves: tuple[int, ...] | None = None
) -> np.ndarray:
    """Expected arriving households for each month of the horizon (level + waves, or the list).

    ``waves``: the indices of the waves that come (a branch, ``Scenario.branches``); None: all,
    each weighted by its probability."""
    T, a = sc.horizon_months, sc.arrivals
    unit = persons_per_household if a.unit == "persons" else 1.0
    mean = (
        np.array(a.per_month[:T], dtype=float) if a.per_month is not None else np.full(T, a.level)
    )
    mean = mean / unit
    for i, w in enumerate(a.waves):
        if waves is not None and i not in waves:
            continue
        size = w.households if w.households is not None else w.persons / persons_per_household
        size *= w.probability if waves is None else 1.0
        lo, hi = w.start - 1, min(w.start - 1 + w.months, T)
        if lo < T:
            mean[lo:hi] += size / w.months
    return mean


def stay_pmf(reg: Registry, sc: Scenario) -> np.ndarray:
    """The stay-length distribution in months: ``pmf[m]`` = P(stay = m + 1 months)."""
    s = sc.stay
    n = s.max_months
    if s.kind == "geometric":
        p = 1.0 / s.mean_months
        pmf = p * (1 - p) ** np.arange(n)
    elif s.kind == "empirical":
        pmf = np.zeros(n)
        for m, w in zip(s.months, s.weights, strict=True):
            pmf[min(m, n) - 1] += w
    else:
        months = history_months(reg)
        if len(months) < s.min_history:
            raise UserError(
                f"Scenarienøglen stay.kind = 'from_history' kræver mindst {s.min_history} "
                f"afsluttede ophold i laget occupancy, men registret har {len(months)}; brug "
                "stay.kind = 'geometric', eller sænk stay.min_history."
            )
        pmf = np.bincount(np.clip(months, 1, n) - 1, minlength=n).astype(float)
    return pmf / pmf.sum()


def history_months(reg: Registry) -> np.ndarray:
    """Lengths in whole months (at least 1) of the closed stays in the occupancy layer."""
    occ = reg.occupancy
    closed = occ[occ["move_out"].notna()]
    days = (closed["move_out"] - closed["move_in"]).dt.days.to_numpy(dtype=float)
    return np.maximum(1, np.rint(days / DAYS_PER_MONTH)).astype(np.int64)


def waiting(reg: Registry) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Series]:
    """Persons, family flag, accessibility need and arrival date of the households waiting for a
    home or registered as arriving (``overview.arriving``; not unaccompanied minors)."""
    hh = overview.arriving(reg)
    w = hh[~hh["unaccompanied_minor"].fillna(False).astype(bool)]
    kids = w["children_ages"].map(len).to_numpy(dtype=np.int64)
    persons = w["adults"].fillna(0).to_numpy(dtype=np.int64) + kids
    accessible = w["needs_accessible"].fillna(False).to_numpy(dtype=bool)
    keep = persons > 0
    arrival = w["arrival_date"].reset_index(drop=True)[keep]
    return persons[keep], (kids > 0)[keep], accessible[keep], arrival


def arrival_month(dates: pd.Series, starts: list) -> np.ndarray:
    """Index of the month of the horizon each date falls in (``starts``: the first days of its
    months and of the month after it): 0 for a date before the horizon or none (arrived
    already), ``len(starts) - 1`` for one after it."""
    firsts = np.array([np.datetime64(d, "s") for d in starts])
    values = dates.to_numpy(dtype="datetime64[s]")
    idx = np.clip(np.searchsorted(firsts, values, side="right") - 1, 0, len(starts) - 1)
    return np.where(np.isnat(values), 0, idx).astype(np.int64)


def demand_paths(dm: DemandModel, n: int, seed: int, purpose: int = PLAN) -> np.ndarray:
    """Persons needing a bed (new arrivals and the waiting) per run and month, shape (n, T)."""
    return np.stack([persons_present(draw(dm, g), dm.months) for g in generators(seed, purpose, n)])


def demand_homes(dm: DemandModel, n: int, seed: int, purpose: int = PLAN) -> np.ndarray:
    """Households needing a home per run, month and kind, shape (n, T, kinds).

    The same draws as ``demand_paths`` (same seed and purpose, same runs)."""
    return np.stack(
        [households_present(draw(dm, g), dm.months, dm.kinds) for g in generators(seed, purpose, n)]
    ).reshape(n, dm.months, dm.kinds)


def quantile_path(dm: DemandModel, q: float, seed: int, n: int = 500) -> np.ndarray:
    """The ``q`` quantile of demand month by month, over ``n`` sampled runs (rounded up)."""
    paths = demand_paths(dm, n, seed, QUANTILE)
    return np.ceil(np.quantile(paths, q, axis=0, method="higher")).astype(np.int64)


def quantile_homes(dm: DemandModel, q: float, seed: int, n: int = 500) -> np.ndarray:
    """The ``q`` quantile of households per month and kind over ``n`` runs, shape (T, kinds)."""
    paths = demand_homes(dm, n, seed, QUANTILE)
    return np.quantile(paths, q, axis=0, method="higher").astype(np.int64)


def month_index(dates: pd.Series, starts: list) -> np.ndarray:
    """Index of the first month starting on or after each date; ``len(starts) - 1`` (the month
    after the horizon) when that is later, never or NaT."""
    firsts = np.array([np.datetime64(d, "s") for d in starts])
    values = dates.to_numpy(dtype="datetime64[s]")
    idx = np.minimum(np.searchsorted(firsts, values, side="left"), len(starts) - 1)
    return np.where(np.isnat(values), len(starts) - 1, idx)
