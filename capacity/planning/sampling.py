"""Drawing sampled runs: numpy only, so worker processes (local pool, Dask) start fast.

Every sampled run draws from its own ``numpy.random.Generator``, seeded from
``SeedSequence([seed, purpose]).spawn(n)[i]`` by run index, so run ``i`` is the same whichever
process or machine draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PLAN, RUNS, QUANTILE = 1, 2, 3  # purposes of the seed sequences


@dataclass(frozen=True)
class Arrivals:
    """The arrivals of one sampled run, in order of month (within a month the households waiting
    or registered as arriving come first).

    Attributes
    ----------
    month : arrival month index, sorted ascending.
    persons : persons per household.
    family : True when the household has children.
    leave : first month index in which the household no longer needs a bed (month + stay).
    kind : index of the household's kind (``DemandModel.kind_persons`` ...: persons, children,
        needs accessibility), which decides the homes it fits (``capacity.model.homes``).
    branch : the scenario's branch the run drew (``Scenario.branches``; 0 with one branch).
    """

    month: np.ndarray
    persons: np.ndarray
    family: np.ndarray
    leave: np.ndarray
    kind: np.ndarray
    branch: int = 0


@dataclass(frozen=True)
class DemandModel:
    """What is needed to draw runs: expected households per month, the mix, stay lengths."""

    mean: np.ndarray  # expected arriving households per month, shape (T,)
    shares: np.ndarray  # probability of each household type
    persons: np.ndarray  # persons per type
    family: np.ndarray  # type has children
    stay_pmf: np.ndarray  # P(stay = m + 1 months), m = 0..max-1
    waiting_persons: np.ndarray  # households waiting or registered as arriving (``waiting_month``)
    waiting_family: np.ndarray
    kind: str
    dispersion: float
    type_kind: np.ndarray  # kind index of each household type
    waiting_kind: np.ndarray  # kind index of each waiting household
    kinds: int  # number of kinds of household (``need_kinds``)
    # branches (``Scenario.branches``) when the scenario has uncertain waves, else empty: every
    # run first draws its branch, then its arrivals around that branch's expectation
    branch_mean: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (B, T)
    branch_p: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (B,)
    # month each waiting household needs a home from: 0 when it has arrived by the horizon's
    # start, else the month of its arrival date (those arriving after the horizon are left out)
    waiting_month: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def months(self) -> int:
        """Months of the horizon."""
        return len(self.mean)


def draw(dm: DemandModel, rng: np.random.Generator) -> Arrivals:
    """Draw one run: households per month, their type and stay (waiting households in the month
    they need a home from, ``DemandModel.waiting_month``)."""
    T = dm.months
    mean, branch = dm.mean, 0
    if len(dm.branch_p) > 1:
        branch = int(rng.choice(len(dm.branch_p), p=dm.branch_p / dm.branch_p.sum()))
        mean = dm.branch_mean[branch]
    counts = _counts(dm, mean, rng)
    n = int(counts.sum())
    month = np.repeat(np.arange(T), counts)
    types = rng.choice(len(dm.shares), size=n, p=dm.shares)
    persons = np.concatenate([dm.waiting_persons, dm.persons[types]])
    family = np.concatenate([dm.waiting_family, dm.family[types]])
    kind = np.concatenate([dm.waiting_kind, dm.type_kind[types]]).astype(np.int64)
    month = np.concatenate([dm.waiting_month, month])
    stay = rng.choice(len(dm.stay_pmf), size=len(month), p=dm.stay_pmf) + 1
    # the runs admit arrivals month by month in this order: a household registered for a late
    # month must not come before the scenario's earlier ones (stable: the waiting stay first)
    o = np.argsort(month, kind="stable")
    return Arrivals(month[o], persons[o], family[o], (month + stay)[o], kind[o], branch)


def _counts(dm: DemandModel, mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if dm.kind == "none":
        return np.floor(mean + rng.random(dm.months)).astype(np.int64)  # unbiased rounding
    if dm.kind == "poisson":
        return rng.poisson(mean)
    k = dm.dispersion
    p = k / (k + np.maximum(mean, 1e-12))
    return np.where(mean > 0, rng.negative_binomial(k, p), 0)


def persons_present(a: Arrivals, months: int) -> np.ndarray:
    """Persons needing a bed in every month, shape (months,), from one run's arrivals."""
    delta = np.zeros(months + 1, np.int64)
    np.add.at(delta, np.minimum(a.month, months), a.persons)
    np.add.at(delta, np.minimum(a.leave, months), -a.persons)
    return np.cumsum(delta)[:months]


def households_present(a: Arrivals, months: int, kinds: int) -> np.ndarray:
    """Households needing a home per month and kind, shape (months, kinds), from one run."""
    delta = np.zeros((months + 1, kinds), np.int64)
    np.add.at(delta, (np.minimum(a.month, months), a.kind), 1)
    np.add.at(delta, (np.minimum(a.leave, months), a.kind), -1)
    return np.cumsum(delta, axis=0)[:months]


def remaining_stay(pmf: np.ndarray, elapsed: np.ndarray) -> np.ndarray:
    """The stay distribution conditioned on the months already spent, one row per resident.

    ``out[i, m]`` = P(S = m + 1 | S > elapsed[i]) for the stay S of ``pmf`` (``pmf[m]`` =
    P(S = m + 1)). A row is all zeros when P(S > elapsed[i]) = 0: the resident has already stayed
    longer than any stay of the distribution, which then says nothing about the rest.
    This is the one definition of a current resident's remaining stay: the plan uses its mean
    (``conditional_mean_stay``), the scenario runs draw from it (``draw_resident_leave``).
    """
    months = np.arange(1, len(pmf) + 1, dtype=float)
    w = pmf[None, :] * (months[None, :] > np.asarray(elapsed, dtype=float)[:, None])
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w), where=total > 0)


def conditional_mean_stay(cond: np.ndarray) -> np.ndarray:
    """E[S | S > elapsed] per row of ``remaining_stay`` (NaN for an all-zero row)."""
    months = np.arange(1, cond.shape[1] + 1, dtype=float)
    total = cond.sum(axis=1)
    mean = cond @ months
    return np.where(total > 0, mean, np.nan)


def draw_resident_leave(
    leave: np.ndarray, cond: np.ndarray, leave_by_stay: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Residents' leave months with the rows of ``cond`` that are not all zero drawn anew.

    ``leave_by_stay[i, m]`` is the month index resident ``i`` leaves in when the whole stay is
    ``m + 1`` months; the other residents keep ``leave``. Draws nothing when no row is sampled,
    so the runs' random streams are unchanged then.
    """
    rows = np.flatnonzero(cond.sum(axis=1) > 0)
    if not len(rows):
        return leave
    u = rng.random(len(rows))
    cdf = np.cumsum(cond[rows], axis=1)
    m = np.minimum((cdf < u[:, None] * cdf[:, -1:]).sum(axis=1), cond.shape[1] - 1)
    out = leave.copy()
    out[rows] = leave_by_stay[rows, m]
    return out


def generators(seed: int, purpose: int, n: int, start: int = 0) -> list[np.random.Generator]:
    """Generators of runs ``start`` to ``n`` - 1, seeded by run index (independent of workers and
    backend): run *i*'s seed is child *i* of ``SeedSequence([seed, purpose])``, as ``spawn(n)[i]``
    would give, made directly so that a chunk costs its own runs only."""
    root = [seed, purpose]
    return [
        np.random.default_rng(np.random.SeedSequence(root, spawn_key=(i,))) for i in range(start, n)
    ]
