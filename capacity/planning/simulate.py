"""Scenario runs (Monte Carlo): many fresh demand samples through a plan, month by month.

Runs are split into chunks by run index; each run is seeded by its index
(``SeedSequence([seed, RUNS]).spawn(samples)[i]``), and the chunks are put back in index order,
so the numbers are the same on 1 worker, N local processes or a Dask cluster.
"""

from __future__ import annotations

import atexit
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np
import pandas as pd

from capacity.errors import UserError
from capacity.io.layers import Registry
from capacity.model.homes import CATEGORIES, category_index, fit_tables
from capacity.planning.demand import RUNS, demand_model
from capacity.planning.greedy import BEYOND, RELOCATED, RunInput, run_chunk
from capacity.planning.plan_input import branch_homes, plan_homes
from capacity.planning.sampling import DemandModel
from capacity.planning.scenario import Scenario
from capacity.planning.supply import Supply, supply

CHUNK = 50  # runs per task
AT_RISK = 0.1  # a month is at risk when more runs than this share are short in it


@dataclass(frozen=True)
class ScenarioResult:
    """Per month and whole-horizon figures of the scenario runs.

    Attributes
    ----------
    months : ``month, p_shortage, expected_short, p90_short, expected_occupied, p10_occupied,
        p90_occupied, beds, expected_free, p10_free, expected_relocated``, one row per month (the
        10-90 % band of occupancy is ``p10_occupied`` to ``p90_occupied``; relocated: households
        moved because their home went, e.g. a module taken down under them).
    summary : ``risk_any_shortage`` (share of runs with a shortage in any month),
        ``expected_shortage_person_months``, ``shortage_by_kind`` (per category of household,
        of the kinds some module type's home fits), ``beyond_modules`` (the shortage of the
        kinds none fits, ``Supply.beyond_modules``: its person- and household-months and the
        share of runs with it), ``expected_relocations``, ``first_month_at_risk``,
        ``samples``, ``seed``, ``start`` and ``horizon_months`` (the months of ``months``: the
        reports check a months.csv against them), ``plan_per_branch`` (with several branches and a
        plan), ...
    """

    months: pd.DataFrame
    summary: dict


def input_for(
    reg: Registry,
    sc: Scenario,
    plan: pd.DataFrame | None,
    samples: int,
    seed: int,
    sup: Supply | None = None,
    modules: pd.DataFrame | None = None,
    branches: pd.DataFrame | None = None,
    dm: DemandModel | None = None,
) -> RunInput:
    """The runs' input: homes per site, kind and month from ``plan`` (or today's capacity), per
    branch of the scenario when ``branches`` gives the plan of each (``branch_homes``), who fits
    which home (``capacity.model.homes``) and demand (``dm``: the scenario's, when the caller
    already has it: it depends on the registry and the scenario only)."""
    sup = sup or supply(reg, sc)
    if plan is None:
        homes = sup.homes(sup.current_modules())[None]
    elif branches is None:
        homes = plan_homes(plan, sup, modules)[None]
    else:
        homes = branch_homes(plan, sup, branches, sc, modules)
    order = np.lexsort((sup.minutes, sup.pavilion))  # buildings first, then nearest the station
    fit, share = fit_tables(sup.kinds, sup.classes)
    return RunInput(
        dm or demand_model(reg, sc),
        homes.astype(np.int64),
        np.array([c.beds for c in sup.classes], dtype=np.int64),
        fit,
        share,
        spare_flags(sup),
        category_index(sup.kinds),
        np.array([k.family for k in sup.kinds], dtype=bool),
        sup.beyond_modules,
        sup.resident_site,
        sup.resident_size,
        sup.resident_leave,
        sup.resident_stay,
        sup.resident_leave_by_stay,
        sup.resident_class,
        sup.resident_unit,
        sup.resident_kind,
        order,
        seed,
        RUNS,
        samples,
    )


def spare_flags(sup: Supply) -> np.ndarray:
    """(K, C): 2 when home c is accessible and kind k does not need it, 1 when it is a family
    home and k has no children, else 0: the runs keep such homes for those who need them."""
    acc = np.array([[c.accessible and not k.accessible for c in sup.classes] for k in sup.kinds])
    fam = np.array([[c.family_ok and not k.family for c in sup.classes] for k in sup.kinds])
    return (2 * acc + fam).reshape(len(sup.kinds), len(sup.classes)).astype(np.int64)


def run_scenarios(
    reg: Registry,
    sc: Scenario,
    *,
    plan: pd.DataFrame | None = None,
    samples: int = 1000,
    seed: int = 0,
    workers: int | None = None,
    dask: str | object | None = None,
    progress: bool = False,
    sup: Supply | None = None,
    modules: pd.DataFrame | None = None,
    branches: pd.DataFrame | None = None,
) -> ScenarioResult:
    """Monte Carlo runs of a scenario through a plan (or today's capacity when ``plan`` is None).

    Parameters
    ----------
    reg, sc : registry and scenario.
    plan : a plan frame (``site_id, month, beds``); None keeps today's buildings and modules.
    modules : the plan's modules per type and month (``PlanResult.modules``, ``modules.csv``);
        needed where a site has several module types.
    branches : the plan's modules per branch of the scenario (``PlanResult.branches``,
        ``branches.csv``): each run goes through the plan of the branch it drew; None: the one
        plan in every branch (the summary's ``plan_per_branch`` says which).
    samples : number of runs (fresh samples, not the plan's).
    seed : same seed, same numbers, whatever ``workers`` or backend.
    workers : local processes (default 1: this process; the runs are compiled, and starting
        processes pays only for many thousands of runs).
    dask : a scheduler address ``tcp://host:port`` or a ``distributed.Client``.
    progress : show a rich progress bar.

    Returns
    -------
    ScenarioResult
    """
    if samples < 1:
        raise UserError("Brug --samples >= 1.")
    inp = input_for(reg, sc, plan, samples, seed, sup, modules, branches)
    bounds = [(i, min(i + CHUNK, samples)) for i in range(0, samples, CHUNK)]
    if dask is not None:
        parts = _on_dask(inp, bounds, dask, progress)
    else:
        parts = _local(inp, bounds, workers or 1, progress)
    return summarise(np.concatenate(parts), sc, seed, expected_beds(inp), per_branch(plan, inp))


def score(
    reg: Registry,
    sc: Scenario,
    plan: pd.DataFrame,
    runs: int,
    seed: int,
    workers: int | None,
    sup: Supply,
    modules: pd.DataFrame | None = None,
    branches: pd.DataFrame | None = None,
    dm: DemandModel | None = None,
) -> tuple[ScenarioResult, np.ndarray]:
    """The scenario runs of a plan and their raw array (runs, ROWS, T), for paired comparisons.

    Every plan is run with the same ``seed``: run *i* draws the same arrivals for every plan.
    ``dm``: the scenario's demand model, made once by a caller scoring many plans.
    """
    inp = input_for(reg, sc, plan, runs, seed, sup, modules, branches, dm)
    bounds = [(i, min(i + CHUNK, runs)) for i in range(0, runs, CHUNK)]
    raw = np.concatenate(_local(inp, bounds, workers or 1, False))
    return summarise(raw, sc, seed, expected_beds(inp), per_branch(plan, inp)), raw


def remediable_short(raw: np.ndarray) -> np.ndarray:
    """Persons short per run and month (runs, T) of the raw runs (runs, ROWS, T), leaving out
    households no module type's home fits (``Supply.beyond_modules``): the shortage an order of
    modules can remedy, on which a proposal compares its options."""
    return raw[:, 0] - raw[:, BEYOND]


def expected_beds(inp: RunInput) -> np.ndarray:
    """Beds standing per month, expected over the branches (by their probabilities)."""
    beds = (inp.homes * inp.beds[None, None, :, None]).sum(axis=(1, 2))  # (B, T)
    if len(beds) == 1:
        return beds[0]
    p = inp.dm.branch_p / inp.dm.branch_p.sum()
    return p @ beds


def per_branch(plan: pd.DataFrame | None, inp: RunInput) -> bool | None:
    """Whether the runs went through a plan per branch (None: no plan or one branch)."""
    if plan is None or len(inp.dm.branch_p) < 2:
        return None
    return len(inp.homes) > 1


def _local(
    inp: RunInput, bounds: list[tuple[int, int]], workers: int, progress: bool
) -> list[np.ndarray]:
    from rich.progress import Progress

    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("Scenariekørsler", total=bounds[-1][1])
        if workers <= 1:
            parts = []
            for a, b in bounds:
                parts.append(run_chunk(inp, a, b))
                bar.advance(task, b - a)
            return parts
        pool = _pool(workers)
        futures = [pool.submit(run_chunk, inp, a, b) for a, b in bounds]
        parts = []
        for (a, b), f in zip(bounds, futures, strict=True):
            parts.append(f.result())
            bar.advance(task, b - a)
        return parts


_POOLS: dict[int, ProcessPoolExecutor] = {}


def _pool(workers: int) -> ProcessPoolExecutor:
    """A process pool of ``workers`` kept for the process's life: a proposal scores many plans,
    and starting processes each time would cost more than the runs. Spawned, not forked (no
    fork of a threaded process: CP-SAT, Dask); the workers import numpy only."""
    if workers not in _POOLS:
        _POOLS[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
        atexit.register(_POOLS[workers].shutdown)
    return _POOLS[workers]


def _on_dask(
    inp: RunInput, bounds: list[tuple[int, int]], dask: str | object, progress: bool
) -> list[np.ndarray]:
    from rich.progress import Progress

    try:
        from distributed import Client
    except ImportError:
        raise UserError(
            "--dask kræver dask.distributed: pip install 'dask[distributed]'."
        ) from None
    own = isinstance(dask, str)
    try:
        client = Client(dask, timeout="10s") if own else dask
    except (OSError, ValueError) as exc:  # ValueError: not an address (no port, say)
        raise UserError(
            f"Kan ikke nå Dask-scheduleren på {dask} ({exc}); start den, eller ret --dask."
        ) from None
    try:
        shared = client.scatter(inp, broadcast=True)
        futures = [client.submit(run_chunk, shared, a, b, pure=False) for a, b in bounds]
        with Progress(disable=not progress, transient=True) as bar:
            task = bar.add_task("Scenariekørsler (Dask)", total=bounds[-1][1])
            parts = []
            for (a, b), f in zip(bounds, futures, strict=True):
                parts.append(f.result())
                bar.advance(task, b - a)
        return parts
    finally:
        if own:
            client.close()


def summarise(
    runs: np.ndarray,
    sc: Scenario,
    seed: int,
    beds: np.ndarray,
    plan_per_branch: bool | None = None,
) -> ScenarioResult:
    """Per-month probabilities and quantiles from the runs (runs, ROWS, T); ``plan_per_branch``
    is recorded in the summary when the scenario has several branches and a plan was run."""
    short, housed, free = runs[:, 0], runs[:, 1], runs[:, 2]
    households = runs[:, 6:9].sum(axis=1) + runs[:, BEYOND + 1]
    months = pd.DataFrame(
        {
            "month": sc.month_labels(),
            "p_shortage": (short > 0).mean(axis=0),
            "expected_short": short.mean(axis=0),
            "expected_short_households": households.mean(axis=0),
            "p90_short": np.quantile(short, 0.9, axis=0, method="higher"),
            "expected_occupied": housed.mean(axis=0),
            "p10_occupied": np.quantile(housed, 0.1, axis=0, method="lower"),
            "p90_occupied": np.quantile(housed, 0.9, axis=0, method="higher"),
            "beds": beds,
            "expected_free": free.mean(axis=0),
            "p10_free": np.quantile(free, 0.1, axis=0, method="lower"),
            "expected_relocated": runs[:, RELOCATED].mean(axis=0),
        }
    )
    at_risk = months.loc[months["p_shortage"] > AT_RISK, "month"]
    summary = dict(
        samples=int(len(runs)),
        seed=seed,
        scenario=sc.name,
        start=months["month"].iloc[0],
        horizon_months=len(months),
        risk_any_shortage=float((short > 0).any(axis=1).mean()),
        expected_shortage_person_months=float(short.sum(axis=1).mean()),
        expected_shortage_household_months=float(households.sum(axis=1).mean()),
        shortage_by_kind={
            c: dict(
                person_months=float(runs[:, 3 + i].sum(axis=1).mean()),
                household_months=float(runs[:, 6 + i].sum(axis=1).mean()),
            )
            for i, c in enumerate(CATEGORIES)
        },
        beyond_modules=dict(
            person_months=float(runs[:, BEYOND].sum(axis=1).mean()),
            household_months=float(runs[:, BEYOND + 1].sum(axis=1).mean()),
            risk_any_shortage=float((runs[:, BEYOND] > 0).any(axis=1).mean()),
        ),
        expected_relocations=float(runs[:, RELOCATED].sum(axis=1).mean()),
        p90_peak_occupied=float(np.quantile(housed.max(axis=1), 0.9, method="higher")),
        first_month_at_risk=at_risk.iloc[0] if len(at_risk) else None,
        months_at_risk=at_risk.tolist(),
    )
    if plan_per_branch is not None:
        summary["plan_per_branch"] = plan_per_branch
    return ScenarioResult(months, summary)
