"""Drawing sampled runs: numpy only, so worker processes (local pool, Dask) start fast.

Every sampled run draws from its own ``numpy.random.Generator``, seeded from
``SeedSequence([seed, purpose]).spawn(n)[i]`` by run index, so run ``i`` is the same whichever
process or machine draws it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PLAN, RUNS, QUANTILE = 1, 2, 3  # purposes of the seed sequences


@dataclass(frozen=True)
class Arrivals:
    """The arrivals of one sampled run (the households waiting today are month 0).

    Attributes
    ----------
    month : arrival month index, sorted ascending.
    persons : persons per household.
    family : True when the household has children.
    leave : first month index in which the household no longer needs a bed (month + stay).
    """

    month: np.ndarray
    persons: np.ndarray
    family: np.ndarray
    leave: np.ndarray


@dataclass(frozen=True)
class DemandModel:
    """What is needed to draw runs: expected households per month, the mix, stay lengths."""

    mean: np.ndarray  # expected arriving households per month, shape (T,)
    shares: np.ndarray  # probability of each household type
    persons: np.ndarray  # persons per type
    family: np.ndarray  # type has children
    stay_pmf: np.ndarray  # P(stay = m + 1 months), m = 0..max-1
    waiting_persons: np.ndarray  # households waiting today (placed from month 0)
    waiting_family: np.ndarray
    kind: str
    dispersion: float

    @property
    def months(self) -> int:
        """Months of the horizon."""
        return len(self.mean)


def draw(dm: DemandModel, rng: np.random.Generator) -> Arrivals:
    """Draw one run: households per month, their type and stay (waiting households in month 0)."""
    T = dm.months
    counts = _counts(dm, rng)
    n = int(counts.sum())
    month = np.repeat(np.arange(T), counts)
    types = rng.choice(len(dm.shares), size=n, p=dm.shares)
    persons = np.concatenate([dm.waiting_persons, dm.persons[types]])
    family = np.concatenate([dm.waiting_family, dm.family[types]])
    month = np.concatenate([np.zeros(len(dm.waiting_persons), np.int64), month])
    stay = rng.choice(len(dm.stay_pmf), size=len(month), p=dm.stay_pmf) + 1
    return Arrivals(month, persons, family, month + stay)


def _counts(dm: DemandModel, rng: np.random.Generator) -> np.ndarray:
    if dm.kind == "none":
        return np.floor(dm.mean + rng.random(dm.months)).astype(np.int64)  # unbiased rounding
    if dm.kind == "poisson":
        return rng.poisson(dm.mean)
    k = dm.dispersion
    p = k / (k + np.maximum(dm.mean, 1e-12))
    return np.where(dm.mean > 0, rng.negative_binomial(k, p), 0)


def persons_present(a: Arrivals, months: int) -> np.ndarray:
    """Persons needing a bed in every month, shape (months,), from one run's arrivals."""
    delta = np.zeros(months + 1, np.int64)
    np.add.at(delta, np.minimum(a.month, months), a.persons)
    np.add.at(delta, np.minimum(a.leave, months), -a.persons)
    return np.cumsum(delta)[:months]


def generators(seed: int, purpose: int, n: int) -> list[np.random.Generator]:
    """One generator per run, seeded by run index (independent of workers and backend)."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence([seed, purpose]).spawn(n)]
