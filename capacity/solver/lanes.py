"""Two lanes on two cores: the fewest-modules phase beside CP-SAT on the pruned model.

Where beds are tight (``fewest.applies``), ``solve_domain`` used to run the fewest-modules phase
(``capacity.solver.fewest``) and then CP-SAT on the pruned model, one after the other, each on
one core of two. Here they run at once, CP-SAT in the calling thread and the phase in a second
one (CP-SAT releases the GIL while it searches; measured: two one-worker searches in two threads
take about the wall time of one, 0-50 % more on this machine's shared cores). The instances
split between the lanes: CP-SAT proves Holmberg p62 and p70 in its lane and reaches p56's
optimum, which the phase misses (21,124); the phase finds the optimum of p30-32, p57-59 and
p66, which CP-SAT's lane does not reach (0.1-0.5 % above).

Budgets
-------
The phase keeps its own shares of what fixing leaves of the limit (``fewest.FIRST_SHARE``
and the rest: 0.37, 1.5-2 s of wall per unit here). CP-SAT's lane gets ``CPSAT_SHARE`` of the
same (``fixing.budget``): with the LP relaxation at every node one deterministic unit of CP-SAT
runs 2.2-3.2 s of wall on this project's machine (Holmberg p30, p32, p57, p66; the more the
other lane runs). Both are counted work, never timed. Both are set so that the lanes end
within about 0.8 of the limit in seconds here, leaving the rest for this machine's noise
(the same work takes +-20 % wall between runs, +-40 % on a busy machine): ``--time-limit``
is work, and ``--time-limit 10`` should end within 10 s. Measured (``--time-limit 10``, the
whole call): the Holmberg instances where the phase applies end in 6.4-9.2 s over two runs
(16-23 s when the lanes ran one after the other); with ``CPSAT_SHARE`` 0.3 and the phase's
shares 0.45 they ended in 6-11 s with the same placements; with ``CPSAT_SHARE`` 0.36 CP-SAT
proves p56 too (3.1 units), but p30-32 then end 10-14 s. The margin is thin on p56: the lane
finds its optimum after about 2.1 of its 2.19 units (at ``--time-limit 8``, 0.05 % above).

A second search
---------------
When the phase ends early with a better placement, its thread runs CP-SAT once more on the
pairs pruned against that placement, hinted with it, for what is left of CP-SAT's lane budget
(the phase's work counted at ``PHASE_UNIT``), if at least ``MIN_SECOND`` of the limit. With
``CPSAT_SHARE`` 0.3 it proved p66 optimal (the phase's optimum after 0.5 units; 1.6 units of
search) and found p56's optimum too; with 0.24 at ``--time-limit 10`` it starts on neither
(1.4 and 1.1 units left; on p66 tried with ``MIN_SECOND`` 0.1: it ends unproven), and p66's
answer is the phase's optimum, unproven. At ``--time-limit 12`` it proves p66 (a test).
The phase's exchange step (``fewest``) spends what its other steps leave of its budget, which
a second search would have had: on p66 the LP rules every exchange out (0.1 units).

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
from capacity.solver import fewest, fixing
from capacity.solver.result import Result
from capacity.solver.stages import solve_in_stages

CPSAT_SHARE = 0.24  # of the budget fixing leaves: CP-SAT's lane, in deterministic units
PHASE_UNIT = 0.6  # wall of a phase unit against a CP-SAT unit (1.5-2 s against 2.2-3.2 s here)
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
        )
        try:
            result = solve_in_stages(
                m,
                time_limit=budget,
                seed=seed,
                lang=lang,
                workers=max(cores - 1, 1),
                started=started,
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
) -> tuple[fixing.Fixing, Result | None]:
    """The fewest-modules phase, then, where it found a better placement and enough of CP-SAT's
    lane budget is left (its own work counted at ``PHASE_UNIT``), CP-SAT once more on the pairs
    pruned against that placement, hinted with it."""
    from ortools.sat.python import cp_model

    from capacity.model.placement import hint

    found = fewest.first(dom, fix, time_limit=time_limit, seed=seed, cancel=cancel, lang=lang)
    left = budget - PHASE_UNIT * (found.work - fix.work)
    if cancel.is_set() or found.objective >= fix.objective or left < MIN_SECOND * time_limit:
        return found, None
    m = fixing.model_of(found)
    hint(m, found.assignment)
    cp = cancel.solver = cp_model.CpSolver()
    if cancel.is_set():
        return found, None
    second = solve_in_stages(
        m, time_limit=left, seed=seed, lang=lang, workers=1, started=started, cp=cp
    )
    return found, None if cancel.is_set() else second


def _stop(phase, cancel: fewest.Cancel) -> None:
    """Stop the phase and wait for its thread (again and again: see ``fewest.Cancel``)."""
    while not phase.done():
        cancel.stop()
        wait([phase], timeout=0.02)
