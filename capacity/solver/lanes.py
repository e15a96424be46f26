"""Two lanes on two cores: the fewest-modules phase beside CP-SAT on the pruned model.

Where beds are tight (``fewest.applies``), the fewest-modules phase (``capacity.solver.fewest``)
and CP-SAT on the pruned model run at once, CP-SAT in the calling thread and the phase in a
second one (CP-SAT releases the GIL while it searches): on two cores neither waits for the
other, and each reaches optima the other misses, so both run (measured in ``docs/benchmarks.md``).

Budgets
-------
The phase keeps its own shares of what fixing leaves of the limit (``fewest.FIRST_SHARE``
and the rest); CP-SAT's lane gets ``CPSAT_SHARE`` of the same (``fixing.budget``). Both are
counted work, never timed, and both lanes also stop at the run's wall-clock deadline
(``capacity.solver.clock``). The shares split the limit between the lanes (measured in
``docs/benchmarks.md``).

A second search
---------------
When the phase ends early with a better placement, its thread runs CP-SAT once more on the
pairs pruned against that placement, hinted with it, for what is left of CP-SAT's lane budget
(the phase's work counted at ``PHASE_UNIT``), if at least ``MIN_SECOND`` of the limit.

Determinism
-----------
Each lane is deterministic on its own (its work is counted). When CP-SAT's lane proves its
placement optimal, the phase (and its second search) is stopped and not used, whatever it had
reached; otherwise both run to their budgets, and the answer is the second search's if it
proved optimality, else the better placement (``fixing.settle``; ties: the first lane's, then
CP-SAT's over the phase's), with the larger bound. So the answer never depends on which lane
ended first.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import replace

from capacity.model.domain import Domain
from capacity.model.placement import hint
from capacity.solver import fewest, fixing
from capacity.solver.clock import Clock
from capacity.solver.result import Result
from capacity.solver.stages import solve_in_stages

CPSAT_SHARE = 0.24  # of the budget fixing leaves: CP-SAT's lane, in deterministic units
PHASE_UNIT = 0.6  # a phase work unit's wall time, as a share of a CP-SAT deterministic unit's
MIN_SECOND = 0.15  # of the limit: a second CP-SAT search shorter than this is not started


def alongside(
    dom: Domain,
    fix: fixing.Fixing,
    m,
    *,
    time_limit: float,
    seed: int,
    lang: str,
    cores: int,
    started: float,
    clock: Clock | None = None,
) -> tuple[Result | None, fixing.Fixing]:
    """CP-SAT on ``m`` (the model of ``fix.domain``, hinted) with ``cores - 1`` workers, beside
    ``_phase`` in a second thread. Returns the CP-SAT result chosen (see the module) and the
    ``Fixing`` to settle with: the phase's, or ``fix`` when CP-SAT's lane proved optimality."""
    cancel = fewest.Cancel()
    budget = CPSAT_SHARE * fixing.budget(fix, time_limit)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fewest") as pool:
        phase = pool.submit(
            _phase,
            dom,
            fix,
            time_limit=time_limit,
            budget=budget,
            seed=seed,
            lang=lang,
            started=started,
            cancel=cancel,
            clock=clock,
        )
        try:
            result = solve_in_stages(
                m,
                time_limit=budget,
                seed=seed,
                lang=lang,
                workers=max(cores - 1, 1),
                started=started,
                clock=clock,
            )
        except BaseException:
            _stop(phase, cancel)
            raise
        if result is not None and result.status == "OPTIMAL":
            _stop(phase, cancel)
            phase.result()  # not used, but an error in the phase is not swallowed
            return result, fix
        found, second = phase.result()
    if second is None:
        return result, found
    if second.status == "OPTIMAL" or result is None or second.objective < result.objective:
        best, other = second, result
    else:
        best, other = result, second
    bounds = [r.best_bound for r in (best, other) if r is not None and r.best_bound is not None]
    return replace(best, best_bound=max(bounds)) if bounds else best, found


def _phase(
    dom: Domain,
    fix: fixing.Fixing,
    *,
    time_limit: float,
    budget: float,
    seed: int,
    lang: str,
    started: float,
    cancel: fewest.Cancel,
    clock: Clock | None = None,
) -> tuple[fixing.Fixing, Result | None]:
    """The fewest-modules phase, then, where it found a better placement and enough of CP-SAT's
    lane budget is left (its own work counted at ``PHASE_UNIT``), CP-SAT once more on the pairs
    pruned against that placement, hinted with it."""
    from ortools.sat.python import cp_model

    found = fewest.first(
        dom, fix, time_limit=time_limit, seed=seed, cancel=cancel, lang=lang, clock=clock
    )
    left = budget - PHASE_UNIT * (found.work - fix.work)
    late = clock is not None and clock.passed()
    if (
        late
        or cancel.is_set()
        or found.objective >= fix.objective
        or left < MIN_SECOND * time_limit
    ):
        return found, None
    m = fixing.model_of(found)
    hint(m, found.assignment)
    cp = cancel.solver = cp_model.CpSolver()
    if cancel.is_set():
        return found, None
    second = solve_in_stages(
        m, time_limit=left, seed=seed, lang=lang, workers=1, started=started, cp=cp, clock=clock
    )
    return found, None if cancel.is_set() else second


def _stop(phase, cancel: fewest.Cancel) -> None:
    """Stop the phase and wait for its thread (again and again: see ``fewest.Cancel``)."""
    while not phase.done():
        cancel.stop()
        wait([phase], timeout=0.02)
