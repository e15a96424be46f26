"""The benchmark suites: which cases, which solvers, and the tasks that run in a child process.

A case is (suite, instance, solver); each runs isolated (``runner.run_isolated``) with a hard
limit a little above the solver's own time limit. Tasks are module-level functions so that a
``spawn``-ed child can import them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from capacity.bench import sscflp
from capacity.bench.runner import Row
from capacity.errors import UserError
from capacity.planning.bench import proposal_bench

GRACE_SECONDS = 15.0

# The quick suite's sample of ten public instances: small and mid-sized Holmberg, OR-Library.
QUICK_SSCFLP = (
    ("holmberg", "p1"),
    ("holmberg", "p2"),
    ("holmberg", "p13"),
    ("holmberg", "p25"),
    ("holmberg", "p41"),
    ("holmberg", "p55"),
    ("orlib", "cap61"),
    ("orlib", "cap94"),
    ("orlib", "cap101"),
    ("orlib", "cap134"),
)
LARGE_ORLIB = tuple(("orlib", f"cap{c}{k}") for c in "abc" for k in range(1, 5))


@dataclass(frozen=True)
class Case:
    """One benchmark run: the row to fill, the task and its arguments, the solver's time limit."""

    row: Row
    task: Callable[..., dict]
    args: tuple
    time_limit: float

    @property
    def hard_limit(self) -> float:
        return self.time_limit + GRACE_SECONDS


def sscflp_direct(root: str, family: str, name: str, time_limit: float, seed: int = 0) -> dict:
    """The textbook SSCFLP model in CP-SAT (reference for the importer and the place path), with
    CP-SAT's random seed ``seed``."""
    from capacity.bench.direct import solve_direct

    start = time.perf_counter()
    inst = sscflp.load(Path(root), family, name)
    load_seconds = time.perf_counter() - start
    res = solve_direct(inst, time_limit=time_limit, seed=seed)
    n, m = inst.size
    return dict(
        households=m,
        units=n,
        sites=n,
        variables=res.variables,
        constraints=res.constraints,
        status=res.status,
        objective=res.objective,
        best_bound=res.bound,
        build_seconds=load_seconds + res.build_seconds,
        solve_seconds=res.seconds,
        seconds_to_1pct=res.seconds_to_1pct,
        seed=seed,
    )


SSCFLP_SOLVERS: dict[str, Callable[..., dict]] = {"direct-cpsat": sscflp_direct}


def sscflp_cases(root: Path, suite: str, time_limit: float, seed: int = 0) -> Iterator[Case]:
    """The public-instance cases of a suite (``quick``: a sample of ten; ``full``: all), every
    solver with the random seed ``seed``."""
    if suite == "quick":
        chosen = list(QUICK_SSCFLP)
    else:
        chosen = [(fam, name) for fam in ("holmberg", "orlib") for name in sscflp.optima(root, fam)]
    for family, name in chosen:
        known = sscflp.optima(root, family)[name][1]
        limit = 60.0 if (family, name) in LARGE_ORLIB else time_limit
        for solver, task in SSCFLP_SOLVERS.items():
            row = Row(
                "sscflp", f"{family}/{name}", solver, known_optimum=known, extra={"seed": seed}
            )
            yield Case(row, task, (str(root), family, name, limit, seed), limit)


def sscflp_place(
    root: str, family: str, name: str, time_limit: float, seed: int = 0, solver: str = "cpsat"
) -> dict:
    """The real ``place --allow-new-modules`` path on the instance converted to a registry, with
    the random seed ``seed`` (the greedy solver has none to use)."""
    import pandas as pd

    from capacity.solver.solve import place

    start = time.perf_counter()
    inst = sscflp.load(Path(root), family, name)
    reg = sscflp.to_registry(inst)
    convert_seconds = time.perf_counter() - start
    result = place(
        reg,
        pd.Timestamp("2027-01-01").date(),
        solver=solver,
        time_limit=time_limit,
        seed=seed,
        allow_new_modules=True,
    )
    factor = sscflp.PLACE_SCALE * sscflp.registry_scale(inst)
    n, m = inst.size
    bound = None if result.best_bound is None else result.best_bound / factor
    return dict(
        households=m,
        units=n,
        sites=n,
        status=result.status,
        objective=result.objective / factor,
        best_bound=bound,
        build_seconds=convert_seconds + result.build_seconds,
        solve_seconds=result.solve_seconds,
        seconds_to_1pct=result.seconds_to_1pct,
        unplaced=len(result.unplaced),
        answer=result.solver,
        lane=result.options.get("lane"),
        lanes={k: v / factor for k, v in result.options.get("lanes", {}).items()},
        yielded_at=result.options.get("yielded_at"),
        seed=seed,
        **result.options.get("model_size", {}),
    )


def sscflp_greedy(root: str, family: str, name: str, time_limit: float, seed: int = 0) -> dict:
    """The greedy baseline on the same path, for what optimisation buys."""
    return sscflp_place(root, family, name, time_limit, seed, solver="greedy")


SSCFLP_SOLVERS["place-cpsat"] = sscflp_place
SSCFLP_SOLVERS["place-greedy"] = sscflp_greedy


def sscflp_highs(root: str, family: str, name: str, time_limit: float, seed: int = 0) -> dict:
    """The real place path with the HiGHS backend (same model, as a MIP)."""
    return sscflp_place(root, family, name, time_limit, seed, solver="highs")


SSCFLP_SOLVERS["place-highs"] = sscflp_highs
SSCFLP_SOLVERS["place-greedy"] = SSCFLP_SOLVERS.pop("place-greedy")  # keep greedy last

# --- scale suite: synthetic registries (capacity.sample.synthetic_registry), seeded -------------

SCALE = {
    "municipal": (300, 50, 30.0),
    "regional": (2_000, 300, 60.0),
    "national": (20_000, 2_000, 60.0),
}  # households, sites, solver time limit (s)
SCALE_OVERHEAD = 30.0  # generating, building the domain, packing and scoring, beyond the limit
SCALE_SEED = 2023
SCALE_SOLVERS = {
    "place-cpsat": ("cpsat", "aggregate"),
    "place-highs": ("highs", "aggregate"),
    "place-greedy": ("greedy", "pairs"),
}


def scale_place(
    households: int, sites: int, seed: int, solver: str, formulation: str, time_limit: float
) -> dict:
    """``place`` on a synthetic registry, on the date the last arrival has arrived."""
    from capacity.sample import synthetic_registry
    from capacity.solver.solve import place

    start = time.perf_counter()
    reg = synthetic_registry(households, sites, seed=seed)
    housed = set(reg.occupancy["household_id"])
    arriving = reg.households[~reg.households["id"].isin(housed)]
    day = arriving["arrival_date"].max().date()
    generate = time.perf_counter() - start
    result = place(reg, day, solver=solver, formulation=formulation, time_limit=time_limit)
    agg = result.options.get("aggregate", {})
    return dict(
        households=len(arriving),
        units=len(reg.units),
        sites=sites,
        status=result.status,
        objective=float(result.objective),
        best_bound=result.best_bound,
        build_seconds=result.build_seconds,
        solve_seconds=result.solve_seconds,
        seconds_to_1pct=result.seconds_to_1pct,
        generate_seconds=round(generate, 3),
        unplaced=len(result.unplaced),
        formulation=result.options.get("formulation"),
        rounds=agg.get("rounds"),
        refined_sites=agg.get("refined_sites"),
        types=agg.get("types"),
        **result.options.get("model_size", {}),
    )


def scale_cases(suite: str) -> Iterator[Case]:
    """Municipal and regional in the quick suite; national too in the full suite."""
    for name, (households, sites, limit) in SCALE.items():
        if suite == "quick" and name == "national":
            continue
        for label, (solver, formulation) in SCALE_SOLVERS.items():
            if solver == "greedy" and name == "national":
                continue  # greedy needs the per-pair domain: tens of millions of pairs
            row = Row("scale", f"{name} {households}×{sites}", label)
            yield Case(
                row,
                scale_place,
                (households, sites, SCALE_SEED, solver, formulation, limit),
                limit + SCALE_OVERHEAD,
            )


PLAN_LIMIT = 60.0


def plan_bench(samples: int, time_limit: float, types: int = 1, probability: float = 1.0) -> dict:
    """The plan model at 24 months x 40 pavilion sites x ``types`` module types per site x
    ``samples`` demand samples per branch (a wave with ``probability`` below 1 gives two
    branches; ``capacity.planning.bench``: the planning engineer's seeded instance), with the
    peak memory of HiGHS's process. The gap is left to the row (``Row.finish``: in per cent,
    as every other row's); the plan's summary holds it as a fraction."""
    import resource

    from capacity.planning.bench import bench_registry, bench_scenario
    from capacity.planning.plan import make_plan

    start = time.perf_counter()
    reg, sc = bench_registry(types=types), bench_scenario(probability)
    res = make_plan(reg, sc, samples=samples, seed=1, time_limit=time_limit)
    s = res.summary
    return dict(
        sites=40,
        status=str(s["status"]),
        objective=float(s["objective"]),
        best_bound=float(s["bound"]),
        solve_seconds=round(time.perf_counter() - start, 3),
        solver_peak_mib=round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    )


REPO = Path(__file__).resolve().parents[2]  # the checkout, whose data/ holds the sample
PROPOSAL_KILL = 180.0  # seconds before the proposal's case is ended (its target is 60)


def plan_cases(suite: str) -> Iterator[Case]:
    """The plan suite (full suite only: its cases are long): one module type and one branch, the
    reach instance (three module types per site, a wave with probability 0.3; ``planning.bench``),
    and the whole proposal on the bundled sample (``planning.bench.proposal_bench``)."""
    if suite == "full":
        row = Row("plan", "plan 24 months × 40 sites × 50 samples", "plan-highs")
        yield Case(row, plan_bench, (50, PLAN_LIMIT), PLAN_LIMIT + SCALE_OVERHEAD)
        row = Row(
            "plan", "plan 24 months × 40 sites × 3 types × 2 branches × 50 samples", "plan-highs"
        )
        yield Case(row, plan_bench, (50, PLAN_LIMIT, 3, 0.3), PLAN_LIMIT + SCALE_OVERHEAD)
        row = Row("plan", "proposal on the Allerød sample", "proposal")
        yield Case(row, proposal_bench, (str(REPO),), PROPOSAL_KILL)


# --- general suite: the families the engine was not tuned on, beside two plain solvers --------

GENERAL_LIMIT = 60.0
GENERAL_FAMILIES = ("delmaire", "yang")


def sscflp_direct_highs(
    root: str, family: str, name: str, time_limit: float, seed: int = 0
) -> dict:
    """The textbook SSCFLP model as a plain HiGHS MIP (``direct.solve_direct_highs``), with
    HiGHS's random seed ``seed``."""
    from capacity.bench.direct import solve_direct_highs

    start = time.perf_counter()
    inst = sscflp.load(Path(root), family, name)
    load_seconds = time.perf_counter() - start
    res = solve_direct_highs(inst, time_limit=time_limit, seed=seed)
    n, m = inst.size
    return dict(
        households=m,
        units=n,
        sites=n,
        variables=res.variables,
        constraints=res.constraints,
        status=res.status,
        objective=res.objective,
        best_bound=res.bound,
        build_seconds=load_seconds + res.build_seconds,
        solve_seconds=res.seconds,
        seed=seed,
    )


GENERAL_SOLVERS: dict[str, Callable[..., dict]] = {
    "place-cpsat": sscflp_place,
    "direct-cpsat": sscflp_direct,
    "direct-highs": sscflp_direct_highs,
}


def general_names(root: Path, family: str) -> list[str]:
    """Every Delmaire instance; Yang's 30 x 200 and 60 x 200 instances."""
    names = list(sscflp.optima(root, family))
    if family == "yang":
        names = [n for n in names if n.startswith(("30-200-", "60-200-"))]
    return names


def general_cases(
    root: Path, family: str | None = None, seeds: Sequence[int] = (0,)
) -> Iterator[Case]:
    """The general suite, one family (``family``) or all, every solver at ``GENERAL_LIMIT``
    seconds of wall clock, with each random seed of ``seeds``: per instance, every seed and
    solver one after the other, so that the runs compared with each other meet the machine in
    the same state (``capacity.bench.targets``)."""
    for fam in GENERAL_FAMILIES if family is None else (family,):
        for name in general_names(root, fam):
            known = sscflp.optima(root, fam)[name][1]
            for seed in seeds:
                for solver, task in GENERAL_SOLVERS.items():
                    row = Row(
                        "general",
                        f"{fam}/{name}",
                        solver,
                        known_optimum=known,
                        extra={"seed": seed},
                    )
                    args = (str(root), fam, name, GENERAL_LIMIT, seed)
                    yield Case(row, task, args, GENERAL_LIMIT)


def all_cases(
    root: Path,
    suite: str,
    time_limit: float,
    family: str | None = None,
    seeds: Sequence[int] = (0,),
) -> Iterator[Case]:
    """The scale suite, the plan suite (full), then the public SSCFLP instances; the general
    suite alone (``general``, a ``family`` at a time if given) or at the end of ``full``. The
    solvers on the public instances get the random seed of ``seeds`` (the general suite: each of
    them in turn; the others: one only); the scale and plan suites keep their own seeded
    instances."""
    if suite == "general":
        yield from general_cases(root, family, seeds)
        return
    if len(seeds) != 1:
        raise UserError(
            f"--seed givet {len(seeds)} gange: kun suiten general kan køre flere seeds."
        )
    yield from scale_cases(suite)
    yield from plan_cases(suite)
    yield from sscflp_cases(root, suite, time_limit, seeds[0])
    if suite == "full":
        yield from general_cases(root, seeds=seeds)


def _matches(token: str, instance: str) -> bool:
    """``token`` names ``instance`` (``family/name``): the name, the full instance, or a range
    of numbered names such as ``p20-p57`` (``p20-57`` too)."""
    name = instance.rsplit("/", 1)[-1]
    if token in (name, instance):
        return True
    found = re.fullmatch(r"([A-Za-z]+)(\d+)-(?:\1)?(\d+)", token.rsplit("/", 1)[-1])
    number = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
    if not found or not number or found[1] != number[1]:
        return False
    if "/" in token and token.rsplit("/", 1)[0] != instance.rsplit("/", 1)[0]:
        return False
    return int(found[2]) <= int(number[2]) <= int(found[3])


def select(cases: Iterable[Case], only: str) -> list[Case]:
    """The cases whose instance ``only`` names: a comma-separated list of names (``p5``,
    ``30-200-1``, ``delmaire/p5``) and ranges (``p20-p57``), in the suite's order."""
    tokens = [t.strip() for t in only.split(",") if t.strip()]
    cases = list(cases)
    for token in tokens:
        if not any(_matches(token, c.row.instance) for c in cases):
            raise UserError(
                f"--only {token!r}: ingen instans i suiten har det navn eller ligger i det "
                "interval; giv navne som p5 eller 30-200-1, eller et interval som p20-p57."
            )
    return [c for c in cases if any(_matches(t, c.row.instance) for t in tokens)]
