"""One solve of the aggregated count model (CP-SAT or HiGHS), and the LP relaxation that chooses
each household type's candidate sites.

The rounds that call these, pack every site and refine what fails are in
``capacity.solver.aggregate``; the model itself is ``capacity.model.aggregate``.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

import numpy as np

from capacity.model.aggregate import AggregateModel, candidates
from capacity.model.aggregate_lp import count_form
from capacity.model.domain import Domain, Unit
from capacity.solver.highs import solve_highs
from capacity.solver.linear import linear_form
from capacity.solver.settle import reaches
from capacity.solver.stages import run

# A round need not prove its own optimum: it stops within this gap (closing the last of a gap
# costs the most). With every allowed site a candidate, a round whose sites all pack is then
# proven (``aggregate._unproven``).
ROUND_GAP = 1e-4
LP_SHARE = 0.65  # of the time limit, for the LP relaxation that chooses the candidate sites
FEW = 10  # cheapest sites per type kept beside the LP's choice


@dataclass(frozen=True)
class CountSolution:
    """One solve of the count model: status, objective, bound and the value of each variable."""

    status: str
    objective: float | None
    bound: float | None
    value: object  # var -> number
    convert_seconds: float = 0.0  # reading the model into HiGHS's linear form: building


def lp_candidates(
    dom: Domain,
    types: list,
    units: dict[str, list[Unit]],
    few: dict[str, list[str]],
    *,
    budget: float,
    seed: int,
    stop: threading.Event | None = None,
) -> tuple[dict[str, list[str]], float | None, float]:
    """Candidate sites chosen by the LP relaxation over *every* allowed site.

    Above ``aggregate.CANDIDATE_VARIABLES`` the count MIP over every allowed site is too large
    to solve within a run's limit, while its LP relaxation is nearly integral (few fractional
    columns) and solves in seconds. So the LP picks the sites: each type keeps the sites where the
    LP puts some of it, and ``few``: its ``FEW`` cheapest (``candidates(..., FEW, cover=False)``). The LP optimum is a valid lower bound for the
    whole placement (the count model relaxes only the unit packing, and its terms are exact on
    counts). Without an LP optimum in ``budget`` seconds (a short ``--time-limit``): the ``FEW``
    cheapest sites per type, no bound, and ``repair`` places what the rounds leave; the same
    when ``stop`` is set (by another thread) before the LP ends. Returns the lists, the bound
    and the LP's seconds.
    """

    if stop is not None and stop.is_set():
        return few, None, 0.0
    # built straight as arrays (the same model as ``build_aggregate``'s, row for row: a test)
    lp = count_form(dom, types, candidates(dom, types, units, None))
    t0 = time.perf_counter()
    out = solve_highs(lp.form, time_limit=budget, seed=seed, relax=True, stop=stop)
    seconds = time.perf_counter() - t0
    if os.environ.get("CAPACITY_DEBUG"):
        print(f"LP over {len(lp.keys)} columns: {out.status} {out.objective} in {seconds:.1f} s")
    if out.status != "OPTIMAL":
        # a short limit: a small count model the rounds can solve; repair places the rest
        return few, None, seconds
    used: dict[str, set[str]] = {t.id: set(few[t.id]) for t in types}
    support = np.flatnonzero(out.values[: len(lp.keys)] > 1e-6)
    for k in support.tolist():
        tid, sid = lp.keys[k]
        used[tid].add(sid)
    return {tid: sorted(sids) for tid, sids in used.items()}, out.objective, seconds


def cut_off(sol: CountSolution) -> bool:
    """Ended by the time limit: neither proven nor within ``ROUND_GAP`` of its bound."""
    if sol.status == "OPTIMAL":
        return False
    return sol.bound is None or sol.objective - sol.bound > ROUND_GAP * abs(sol.objective) + 1


def proven(objective: float, bound: float) -> bool:
    """An integer objective (the count model's: integer coefficients) no integer below which
    the bound leaves room for; float noise of the solvers allowed for."""
    return reaches(round(objective), bound - 1e-4)


def add_hint(m: AggregateModel, hint: dict | None) -> None:
    """Hint every count with the last round's value (0 for a count it did not have)."""
    for key, var in m.n.items():
        m.cp.add_hint(var, (hint or {}).get(key, 0))


def solve_counts(
    m: AggregateModel,
    *,
    solver: str,
    budget: float,
    seed: int,
    workers: int | None,
    hint: dict | None = None,
    rel_gap: float = 0.0,
) -> CountSolution:
    """Solve the count model within ``budget`` seconds (wall) and ``rel_gap``; ``OPTIMAL`` only
    for a closed gap (``proven``)."""
    if solver == "highs":
        return _solve_highs(m, budget=budget, seed=seed, hint=hint, rel_gap=rel_gap)
    from ortools.sat.python import cp_model

    cp = run(
        m,
        workers=workers or 1,
        seed=seed,
        budget=budget,
        interleave=(workers or 1) > 1,
        linearization_level=2,
        relative_gap_limit=rel_gap,
        # the rounds are timed by the wall clock (``deadline``): a round's deterministic time
        # can run far past its wall seconds, so it stops at the wall too
        max_time_in_seconds=budget,
    )
    if cp.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return CountSolution(cp.status_name(cp.status), None, None, None)
    ok = cp.status == cp_model.OPTIMAL and proven(cp.objective_value, cp.best_objective_bound)
    return CountSolution(
        "OPTIMAL" if ok else "FEASIBLE", cp.objective_value, cp.best_objective_bound, cp.value
    )


def _solve_highs(
    m: AggregateModel, *, budget: float, seed: int, hint: dict | None, rel_gap: float
) -> CountSolution:

    start = None
    # the last round's counts, which HiGHS repairs where refining broke them: a start near the
    # optimum
    if hint is not None:
        keys = list(m.n)
        start = (
            np.array([m.n[key].index for key in keys], dtype=np.int64),
            np.array([hint.get(key, 0) for key in keys], dtype=np.float64),
        )
    t0 = time.perf_counter()
    deadline = time.time() + budget  # the conversion and the child's start-up count too
    form = linear_form(m.cp)
    convert = time.perf_counter() - t0
    out = solve_highs(
        form, time_limit=budget, seed=seed, start=start, rel_gap=rel_gap, deadline=deadline
    )
    if out.values is None:
        return CountSolution(out.status, None, None, None, convert)
    # within ``rel_gap`` HiGHS says optimal; only a closed gap is a proof
    ok = out.status == "OPTIMAL" and proven(out.objective, out.bound)
    status = "OPTIMAL" if ok else "FEASIBLE"
    return CountSolution(status, out.objective, out.bound, lambda v: out.values[v.index], convert)
