"""Solve a ``LinearForm`` with HiGHS (highspy) in a child process that is ended at the limit.

HiGHS honours its ``time_limit`` only between phases: in MIP set-up (presolve, the root LP of a
large model) it can run on for minutes. So it runs in a child process; the parent
waits ``time_limit`` plus a grace and ends the child when it overruns, reporting ``KILLED``.

Determinism: HiGHS is deterministic for a fixed ``random_seed`` and thread count as long as a
*gap* ends the search (``mip_rel_gap = 0``: proven optimal). When its wall-clock ``time_limit``
ends the search, the incumbent may depend on machine load: HiGHS has no deterministic work limit
for MIP. The status says which one it was (``OPTIMAL`` or ``TIME_LIMIT``/``KILLED``).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from capacity.solver.linear import LinearForm

GRACE_SECONDS = 5.0
STARTUP_SECONDS = 10.0  # a cold Python with numpy and highspy, on a loaded machine
STOP_POLL = 0.1  # seconds between looks at ``stop``


@dataclass(frozen=True)
class HighsOutcome:
    """What the child reports: status, column values, objective, dual bound and a gap trace.

    ``status`` is ``OPTIMAL``, ``TIME_LIMIT`` (incumbent, not proven), ``INFEASIBLE``,
    ``NO_SOLUTION`` (limit hit before any incumbent), ``KILLED`` (overran, ended by the parent),
    ``STOPPED`` (ended by the caller's ``stop``) or ``ERROR``. ``trace`` holds ``(seconds, primal, dual)`` at every change of either bound.
    """

    status: str
    values: np.ndarray | None = None
    objective: float | None = None
    bound: float | None = None
    seconds: float = 0.0
    trace: list[tuple[float, float, float]] = field(default_factory=list)
    note: str = ""

    def seconds_to(self, pct: float) -> float | None:
        """First time the relative primal-dual gap was at most ``pct`` %, ``None`` if never."""
        for seconds, primal, dual in self.trace:
            if (
                np.isfinite(primal)
                and np.isfinite(dual)
                and abs(primal - dual) <= pct / 100.0 * max(abs(primal), 1e-9)
            ):
                return seconds
        return None


def solve_highs(
    form: LinearForm,
    *,
    time_limit: float,
    seed: int = 0,
    threads: int = 1,
    grace: float = GRACE_SECONDS,
    relax: bool = False,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    rel_gap: float = 0.0,
    deadline: float | None = None,
    stop: threading.Event | None = None,
) -> HighsOutcome:
    """Solve ``form`` as a MIP with HiGHS in a child process, ended at ``time_limit + grace``.

    The child is ``python -m capacity.solver.highs IN OUT`` (no ``multiprocessing``: callers
    need no ``__main__`` guard); the form and the outcome travel as pickles in a temporary folder.

    Parameters
    ----------
    form : the model.
    time_limit : HiGHS's own (wall-clock) limit in seconds.
    seed : HiGHS's ``random_seed``.
    threads : HiGHS's ``threads``.
    grace : seconds beyond ``time_limit`` (plus the child's start-up) before it is ended.
    relax : solve the LP relaxation (every column continuous) instead of the MIP; ``OPTIMAL``
        then means the LP optimum, whose objective is also the ``bound``.
    start : a (partial) starting solution, column indices and values (HiGHS completes it).
    rel_gap : stop at this relative primal-dual gap (``OPTIMAL`` then means within it); 0 by
        default: proven optimal.
    deadline : a wall-clock deadline (``time.time()``): the child's limit ends there, counted
        after its start-up, and the child is ended ``grace`` seconds after it at the latest.
    stop : when set (by another thread), the child is ended and the outcome is ``STOPPED``.
    """
    with tempfile.TemporaryDirectory(prefix="capacity-highs-") as tmp:
        src, dst = Path(tmp) / "form.pickle", Path(tmp) / "outcome.pickle"
        args = (form, time_limit, seed, threads, relax, start, rel_gap, deadline)
        src.write_bytes(pickle.dumps(args))
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "capacity.solver.highs", str(src), str(dst)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait = time_limit + grace + STARTUP_SECONDS
            if deadline is not None:
                wait = min(wait, max(deadline - time.time(), 0.0) + min(grace, 1.0))
            err = _wait(proc, wait, stop)
            if err is None:
                return HighsOutcome("STOPPED", seconds=time.perf_counter() - start)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            took = time.perf_counter() - start
            return HighsOutcome(
                "KILLED", seconds=took, note=f"stoppet efter {took:.0f} s (over grænsen)"
            )
        finally:  # also when this process is ended or interrupted: HiGHS's child goes with it
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.returncode != 0 or not dst.exists():
            tail = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
            return HighsOutcome("ERROR", note=f"exit {proc.returncode}: {tail[0][:200]}")
        return pickle.loads(dst.read_bytes())


def _wait(proc: subprocess.Popen, wait: float, stop: threading.Event | None) -> bytes | None:
    """The child's stderr once it ends within ``wait`` seconds (else ``TimeoutExpired``), or
    ``None`` as soon as ``stop`` is set (the caller's ``finally`` ends the child)."""
    if stop is None:
        return proc.communicate(timeout=wait)[1]
    until = time.perf_counter() + wait
    while True:
        try:
            return proc.communicate(timeout=max(min(STOP_POLL, until - time.perf_counter()), 0))[1]
        except subprocess.TimeoutExpired:
            if stop.is_set():
                return None
            if time.perf_counter() >= until:
                raise


def main(argv: list[str]) -> None:
    """Child entry point: ``python -m capacity.solver.highs IN OUT``."""
    form, time_limit, seed, threads, relax, start, gap, deadline = pickle.loads(
        Path(argv[0]).read_bytes()
    )
    if deadline is not None:  # the parent's deadline, after this child's start-up
        time_limit = max(min(time_limit, deadline - time.time()), 0.05)
    try:
        out = run_highs(
            form,
            time_limit=time_limit,
            seed=seed,
            threads=threads,
            relax=relax,
            start=start,
            rel_gap=gap,
        )
    except Exception as exc:  # noqa: BLE001 - reported as the status, never raised in the child
        out = HighsOutcome("ERROR", note=f"{type(exc).__name__}: {exc}"[:200])
    Path(argv[1]).write_bytes(pickle.dumps(out))


def run_highs(
    form: LinearForm,
    *,
    time_limit: float,
    seed: int = 0,
    threads: int = 1,
    relax: bool = False,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    rel_gap: float = 0.0,
) -> HighsOutcome:
    """Solve ``form`` with HiGHS in this process (``solve_highs`` wraps it in a child)."""
    import highspy

    if form.variables == 0:  # nothing to decide (HiGHS calls an empty model no solution)
        return HighsOutcome("OPTIMAL", values=np.zeros(0), objective=form.offset, bound=form.offset)
    h = highspy.Highs()
    for key, val in (
        ("output_flag", False),
        ("time_limit", float(time_limit)),
        ("random_seed", int(seed)),
        ("threads", int(threads)),
        ("mip_rel_gap", float(rel_gap)),
        ("mip_abs_gap", 1e-6),
    ):
        h.setOptionValue(key, val)
    lp = _lp(form, highspy)
    if relax:
        lp.integrality_ = []
    h.passModel(lp)
    if start is not None and len(start[0]):
        cols, vals = start
        h.setSolution(len(cols), np.asarray(cols, np.int32), np.asarray(vals, np.float64))
    trace: list[tuple[float, float, float]] = []

    def record(event) -> None:
        out = event.data_out
        point = (float(out.running_time), float(out.mip_primal_bound), float(out.mip_dual_bound))
        if not trace or point[1:] != trace[-1][1:]:
            trace.append(point)

    h.cbMipImprovingSolution.subscribe(record)
    h.cbMipInterrupt.subscribe(record)
    start = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - start
    model_status = h.getModelStatus()
    info = h.getInfo()
    name = h.modelStatusToString(model_status)
    if model_status == highspy.HighsModelStatus.kInfeasible:
        return HighsOutcome("INFEASIBLE", seconds=seconds, trace=trace)
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        return HighsOutcome("NO_SOLUTION", seconds=seconds, trace=trace, note=name)
    values = np.asarray(h.getSolution().col_value)
    optimal = model_status == highspy.HighsModelStatus.kOptimal
    objective = float(info.objective_function_value)
    bound = objective if relax else float(info.mip_dual_bound)
    trace.append((seconds, objective, bound))
    return HighsOutcome(
        "OPTIMAL" if optimal else "TIME_LIMIT",
        values=values,
        objective=objective,
        bound=bound if optimal or not relax else -np.inf,
        seconds=seconds,
        trace=trace,
        note=name,
    )


def _lp(form: LinearForm, highspy):
    lp = highspy.HighsLp()
    lp.num_col_ = form.variables
    lp.num_row_ = form.constraints
    lp.col_cost_ = form.cost
    lp.col_lower_ = form.col_lower
    lp.col_upper_ = form.col_upper
    lp.row_lower_ = form.row_lower
    lp.row_upper_ = form.row_upper
    lp.offset_ = form.offset
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = form.start
    lp.a_matrix_.index_ = form.index
    lp.a_matrix_.value_ = form.value
    lp.a_matrix_.num_col_ = form.variables
    lp.a_matrix_.num_row_ = form.constraints
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
        for i in form.integer
    ]
    return lp


if __name__ == "__main__":
    from capacity.solver.highs import main as _main  # the module's own classes, not __main__'s

    _main(sys.argv[1:])
