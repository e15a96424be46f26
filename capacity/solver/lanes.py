"""Two lanes on two cores: the fewest-modules phase beside CP-SAT on the pruned model.

Where beds are tight (``fewest.applies``), ``solve_domain`` used to run the fewest-modules phase
(``capacity.solver.fewest``) and then CP-SAT on the pruned model, one after the other, each on
one core of two. Here they run at once, CP-SAT in the calling thread and the phase in a second
one (CP-SAT releases the GIL while it searches; measured: two one-worker searches in two threads
take about the wall time of one, 0-50 % more on this machine's shared cores). The instances
split between the lanes: CP-SAT proves Holmberg p62 and p70 in its lane and reaches p56's
optimum, which the phase misses (21,124); the phase finds the optimum of p30-32, p58, p59 and
p66, which CP-SAT's lane does not reach (0.1-0.5 % above).

Budgets
-------
The phase keeps its own shares of the limit (``fewest.FIRST_SHARE`` and the rest: 0.45 of the
limit, 1.5-2 s of wall per unit here). CP-SAT's lane gets ``CPSAT_SHARE`` of what fixing leaves
(``fixing.budget``): with the LP relaxation at every node one deterministic unit of CP-SAT runs
2.2-3.2 s of wall on this project's machine (Holmberg p30, p32, p57, p66; the more the other
lane runs), so both lanes end near the limit in seconds, as ``--time-limit`` promises. Both
are counted work, never timed. Measured (``--time-limit 10``): the Holmberg instances where
the phase applies end in 6-11 s instead of 16-23 s one after the other; with ``CPSAT_SHARE``
0.36 CP-SAT proves p56 too (3.1 units), but p30-32 then end 10-14 s.

Determinism
-----------
Each lane is deterministic on its own (its work is counted). When CP-SAT proves its placement
optimal, the phase is stopped and its placement is not used, whatever it had reached; otherwise
both run to their budgets and the better placement is kept (``fixing.settle``; ties: CP-SAT's).
So the answer never depends on which lane ended first.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait

from capacity.model.domain import Domain
from capacity.solver import fewest, fixing
from capacity.solver.result import Result
from capacity.solver.stages import solve_in_stages

CPSAT_SHARE = 0.3  # of the budget fixing leaves: CP-SAT's lane, in deterministic units


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
    ``fewest.first`` in a second thread. Returns CP-SAT's result and the ``Fixing`` to settle
    with: the phase's, or ``fix`` when CP-SAT proved optimality."""
    cancel = fewest.Cancel()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fewest") as pool:
        phase = pool.submit(fewest.first, dom, fix, time_limit=time_limit, seed=seed, cancel=cancel)
        try:
            result = solve_in_stages(
                m,
                time_limit=CPSAT_SHARE * fixing.budget(fix, time_limit),
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
        return result, phase.result()


def _stop(phase, cancel: fewest.Cancel) -> None:
    """Stop the phase and wait for its thread (again and again: see ``fewest.Cancel``)."""
    while not phase.done():
        cancel.stop()
        wait([phase], timeout=0.02)
