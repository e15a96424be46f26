"""CP-SAT's deterministic stages for the per-pair model: one sequential worker, then the cores.

``solve_in_stages`` is what ``solve.solve_domain`` (and the greedy path's scoring) calls; ``run``
is one solve with given parameters, used by the aggregate rounds and the fewest-modules phase too.
"""

from __future__ import annotations

import math
import os
import time
from contextlib import nullcontext
from dataclasses import replace

from capacity.model.domain import Domain
from capacity.solver.clock import Clock, unlimited
from capacity.solver.result import Result, result_from_model
from capacity.solver.trace import GapTrace


def solve_in_stages(
    m,
    *,
    time_limit: float,
    seed: int,
    lang: str,
    workers: int | None,
    started: float,
    solver: str = "cpsat",
    cp=None,
    clock: Clock | None = None,
    dom: Domain | None = None,
) -> Result | None:
    """Two deterministic stages: one sequential worker, then (unless proven optimal) the cores.

    Stage 1 runs a single worker (a sequential, deterministic search) for half the
    deterministic budget. Only when it does not prove optimality, stage 2 runs ``num_workers`` =
    cores with ``interleave_search`` (deterministic batches) for the rest of the budget, hinted
    with stage 1's best solution; the better result is kept (ties: stage 1). At municipal size
    one sequential worker usually proves optimality sooner than the interleaved portfolio.

    Stage 1 uses ``linearization_level = 2`` (the full LP relaxation with cuts at every node):
    with new modules the model is a capacitated facility location problem, whose LP bound with
    cuts closes most instances at the root. The measurements behind both choices are in
    ``docs/benchmarks.md``.

    ``dom`` is the domain the ``Result`` describes (its unplaced reasons and alternatives), when
    the model was built on fewer of its pairs (``scoring.evaluate``); default the model's.
    """
    from ortools.sat.python import cp_model

    clock = clock or unlimited()
    cores = workers or os.cpu_count() or 1
    built = time.perf_counter()
    first_budget = time_limit if cores == 1 or solver != "cpsat" else time_limit / 2
    traced = solver == "cpsat"
    first = GapTrace(built - started, clock) if traced else None
    best = run(
        m,
        workers=1,
        seed=seed,
        budget=first_budget,
        interleave=False,
        trace=first,
        solver=cp,
        linearization_level=2,
        clock=clock,
    )
    to_1pct = first.seconds_to(1.0, best) if first is not None else None
    if best.status != cp_model.OPTIMAL and cores > 1 and solver == "cpsat" and not clock.passed():
        if best.status == cp_model.FEASIBLE:
            hint_from(m, best)
        budget = max(time_limit - best.deterministic_time, 0.01)
        again = GapTrace(time.perf_counter() - started, clock)
        second = run(
            m, workers=cores, seed=seed, budget=budget, interleave=True, trace=again, clock=clock
        )
        if to_1pct is None:
            to_1pct = again.seconds_to(1.0, second)
        if better(second, best):
            best = second
    solved = time.perf_counter()
    if best.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    cpsat = solver == "cpsat"
    result = result_from_model(
        m,
        best.value,
        status=best.status_name(best.status) if cpsat else "GREEDY",
        objective=round(best.objective_value),
        best_bound=float(best.best_objective_bound) if cpsat else None,
        solver=solver,
        seed=seed,
        lang=lang,
        dom=dom,
    )
    return replace(
        result,
        build_seconds=round(built - started, 3),
        solve_seconds=round(solved - built, 3),
        seconds_to_1pct=None if to_1pct is None else round(to_1pct, 3),
    )


def run(
    m,
    *,
    workers: int,
    seed: int,
    budget: float,
    interleave: bool,
    trace: GapTrace | None = None,
    solver=None,
    clock: Clock | None = None,
    **extra: object,
):
    """Solve ``m`` once (with ``solver``, a ``CpSolver``, when given: another thread may stop
    it) within ``budget`` deterministic units and, with a ``clock``, its deadline; the returned
    solver holds status, values and bounds."""
    from ortools.sat.python import cp_model

    cp = solver if solver is not None else cp_model.CpSolver()
    params = cp.parameters
    params.num_workers = workers
    params.random_seed = seed
    params.interleave_search = interleave
    params.max_deterministic_time = budget
    # registered before the wall is read: an ``end`` from here on gives MIN_WALL or stops it
    with clock.searching(cp) if clock is not None else nullcontext():
        wall = clock.wall() if clock is not None else None
        if wall is not None and math.isfinite(wall):
            params.max_time_in_seconds = wall
        for key, value in extra.items():
            setattr(params, key, value)
        cp.status = cp.solve(m.cp, trace) if trace is not None else cp.solve(m.cp)
    if wall is not None and math.isfinite(wall):
        clock.searched(cp, wall)
    return cp


def better(new, old) -> bool:
    from ortools.sat.python import cp_model

    ok = (cp_model.OPTIMAL, cp_model.FEASIBLE)
    if new.status not in ok:
        return False
    return (
        old.status not in ok
        or new.objective_value < old.objective_value
        or (
            new.objective_value == old.objective_value
            and new.status == cp_model.OPTIMAL
            and old.status != cp_model.OPTIMAL
        )
    )


def hint_from(m, cp) -> None:
    """Replace the model's hint by the assignment in a solved ``cp``."""
    m.cp.clear_hints()
    for var in [*m.x.values(), *m.open.values()]:
        m.cp.add_hint(var, bool(cp.boolean_value(var)))
