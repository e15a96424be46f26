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

import dataclasses
import math
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from capacity.errors import UserError
from capacity.files import write_atomic
from capacity.solver.linear import LinearForm

GRACE_SECONDS = 5.0
STARTUP_SECONDS = 10.0  # a cold Python with numpy and highspy, on a loaded machine
STOP_POLL = 0.1  # seconds between looks at ``stop``
ABS_GAP = 1e-6  # HiGHS's ``mip_abs_gap``: an objective this near its bound is proven
GAUGE_EVERY = 0.5  # seconds at least between two reports of HiGHS's gap (``solve_highs(gap=)``)


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
    lp_start: bool = False,
    progress: Callable[[float, float | None], None] | None = None,
    incumbent: Callable[[np.ndarray], None] | None = None,
    offered: Callable[[], np.ndarray | None] | None = None,
    gap: Callable[[float, float], None] | None = None,
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
    lp_start : start from the better of ``start`` and the LP relaxation's integral part, each
        completed first (``relaxation_start``), inside ``time_limit``.
    progress : called with (objective, dual bound or None) for each improving point the child
        saves (read from its saved point while waiting), and for the outcome.
    incumbent : called with the column values of each improving point the child saves, integer
        columns rounded, where the rounded point keeps every row of ``form`` (read while
        waiting, like ``progress``), for another search to start from.
    offered : returns another search's latest point of ``form`` (or ``None``), asked once
        before the child starts (so that a point there already is HiGHS's at its first ask)
        and while waiting; each new one is handed to the child, which gives it to HiGHS as a
        user solution (HiGHS keeps it when it is feasible and better than its incumbent).
    gap : called with HiGHS's incumbent objective and its dual bound as they move (the child
        reports them at most every ``GAUGE_EVERY`` seconds; read while waiting), for a caller
        that schedules other work by how near HiGHS is to a proof. The bound is HiGHS's own,
        also after points were handed to it (``run_highs``), so it is a guide, not a proof.
    """
    with tempfile.TemporaryDirectory(prefix="capacity-highs-") as tmp:
        src, dst = Path(tmp) / "form.pickle", Path(tmp) / "outcome.pickle"
        shared, gauged = offered is not None, gap is not None
        args = (form, time_limit, seed, threads, relax, start, rel_gap, deadline, lp_start)
        args += (shared, gauged)
        if stop is not None and stop.is_set():
            return HighsOutcome("STOPPED")
        src.write_bytes(pickle.dumps(args))
        feed = _feed(dst, offered)
        if feed is not None:
            feed()
        start = time.perf_counter()
        proc = subprocess.Popen(
            # -P and PACKAGE_ROOT first: the child runs this very package, whatever the
            # caller's working folder holds or where an installed copy points
            [sys.executable, "-P", "-m", "capacity.solver.highs", str(src), str(dst)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=_child_env(),
        )
        try:
            wait = time_limit + grace + STARTUP_SECONDS
            if deadline is not None:
                wait = min(wait, max(deadline - time.time(), 0.0) + min(grace, 1.0))
            look = _both(_watch(form, dst, progress, incumbent), feed, _gauged(dst, gap))
            err = _wait(proc, wait, stop, look)
            if err is None:
                return HighsOutcome("STOPPED", seconds=time.perf_counter() - start)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            took = time.perf_counter() - start
            note = f"stoppet efter {took:.0f} s (over grænsen)"
            return _last_incumbent(form, dst, took, note) or HighsOutcome(
                "KILLED", seconds=took, note=note
            )
        finally:  # also when this process is ended or interrupted: HiGHS's child goes with it
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.returncode != 0 or not dst.exists():
            tail = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
            return HighsOutcome("ERROR", note=f"exit {proc.returncode}: {tail[0][:200]}")
        outcome = pickle.loads(dst.read_bytes())
        if progress is not None and outcome.objective is not None:
            progress(outcome.objective, _finite(outcome.bound))
        return outcome


PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds ``capacity/``


def _child_env() -> dict[str, str]:
    """This process's environment with ``PACKAGE_ROOT`` first on ``PYTHONPATH``."""
    paths = [str(PACKAGE_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def _last_incumbent(form: LinearForm, dst: Path, took: float, note: str) -> HighsOutcome | None:
    """The best point the child saved before it was ended (``run_highs``'s ``saved``), as a
    ``TIME_LIMIT`` outcome with the dual bound known then; None when it saved none or the
    point is not feasible in ``form``."""
    path = _saved_path(dst)
    try:
        values, bound = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        return None
    if not form.violation(values) <= FEASIBLE:  # NaN too
        return None
    value = form.objective(values)
    bound = min(float(bound), value) if np.isfinite(bound) else -np.inf
    return HighsOutcome(
        "TIME_LIMIT",
        values=values,
        objective=value,
        bound=bound,
        seconds=took,
        trace=[(took, value, bound)],
        note=f"{note}; its best point so far",
    )


def _saved_path(dst: Path) -> Path:
    return dst.with_name("incumbent.pickle")


def _save(dst: Path):
    """A ``saved`` callback for ``run_highs`` that writes the point and bound atomically
    (``files.write_atomic``), so that a parent ending the child reads a whole one."""

    def saved(values: np.ndarray, bound: float) -> None:
        write_atomic(_saved_path(dst), pickle.dumps((values, bound)))

    return saved


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _watch(
    form: LinearForm,
    dst: Path,
    progress: Callable[[float, float | None], None] | None,
    incumbent: Callable[[np.ndarray], None] | None = None,
) -> Callable[[], None] | None:
    """A look at the child's saved point (``_save``): passes its objective and bound to
    ``progress``, and its values, integer columns rounded, to ``incumbent`` where the rounded
    point keeps every bound and row exactly (a row of large coefficients can break on rounding
    though the point was within HiGHS's tolerance), whenever the file is another one than at
    the last look (``_fresh``); ``None`` when neither is given."""
    if progress is None and incumbent is None:
        return None
    read = _fresh(_saved_path(dst))

    def look() -> None:
        point = read()
        if point is None:
            return
        values, bound = point
        if progress is not None:
            progress(form.objective(values), _finite(bound))
        if incumbent is not None:
            values = np.asarray(values, dtype=float)
            rounded = np.where(form.integer, np.round(values), values)
            if form.violation(rounded) == 0.0:
                incumbent(rounded)

    return look


def _offered_path(dst: Path) -> Path:
    return dst.with_name("offered.pickle")


def _feed(dst: Path, offered: Callable[[], np.ndarray | None] | None) -> Callable[[], None] | None:
    """A look at ``offered``: writes each new point it returns (another array than at the last
    look) for the child, atomically (``files.write_atomic``); ``None`` without ``offered``."""
    if offered is None:
        return None
    last: list = [None]

    def feed() -> None:
        values = offered()
        if values is None or values is last[0]:
            return
        try:
            write_atomic(_offered_path(dst), pickle.dumps(np.asarray(values, dtype=float)))
        except UserError:  # a full disk: the point is only a help to HiGHS; the next look retries
            return
        last[0] = values

    return feed


def _taken(dst: Path) -> Callable[[], np.ndarray | None]:
    """The child's side of ``_feed``: the point the parent wrote last, when it is another file
    than at the last call (``_fresh``), else ``None``."""
    read = _fresh(_offered_path(dst))

    def take() -> np.ndarray | None:
        values = read()
        return None if values is None else np.asarray(values, dtype=float)

    return take


def _gauge_path(dst: Path) -> Path:
    return dst.with_name("gauge.pickle")


def _gauge(dst: Path) -> Callable[[float, float], None]:
    """The child's side of ``_gauged``: a ``moved`` callback for ``run_highs`` that writes the
    incumbent objective and the dual bound atomically (``files.write_atomic``) when either
    changed, at most every ``GAUGE_EVERY`` seconds (HiGHS calls it many times a second)."""
    last: dict = {"pair": None, "at": -math.inf}

    def moved(primal: float, dual: float) -> None:
        now = time.perf_counter()
        if (primal, dual) == last["pair"] or now - last["at"] < GAUGE_EVERY:
            return
        try:
            write_atomic(_gauge_path(dst), pickle.dumps((primal, dual)))
        except UserError:  # a full disk: the gauge is only a guide; the next call retries
            return
        last.update(pair=(primal, dual), at=now)

    return moved


def _gauged(dst: Path, gap: Callable[[float, float], None] | None) -> Callable[[], None] | None:
    """A look at the child's gauge (``_gauge``): passes each new pair of incumbent objective
    and dual bound to ``gap``; ``None`` without ``gap``."""
    if gap is None:
        return None
    read = _fresh(_gauge_path(dst))

    def look() -> None:
        pair = read()
        if pair is not None:
            gap(*pair)

    return look


def _fresh(path: Path) -> Callable[[], object | None]:
    """A reader of the pickle at ``path`` that returns it only when the file is another one
    than at the last read, else ``None`` (also when there is none yet or it cannot be read).
    Each point is a new file renamed over the last (a new inode while the last still exists),
    so its inode tells two points apart even when both were written within one tick of the
    file clock."""
    seen: list = [None]

    def read() -> object | None:
        try:
            st = path.stat()
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
            if stamp == seen[0]:
                return None
            got = pickle.loads(path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, ValueError):
            return None
        seen[0] = stamp
        return got

    return read


def _both(*looks: Callable[[], None] | None) -> Callable[[], None] | None:
    """One look that takes every given look in turn; ``None`` when none is given."""
    given = [look for look in looks if look is not None]
    if not given:
        return None

    def look() -> None:
        for each in given:
            each()

    return look


def _wait(
    proc: subprocess.Popen,
    wait: float,
    stop: threading.Event | None,
    look: Callable[[], None] | None = None,
) -> bytes | None:
    """The child's stderr once it ends within ``wait`` seconds (else ``TimeoutExpired``), or
    ``None`` as soon as ``stop`` is set (the caller's ``finally`` ends the child); ``look`` is
    called between polls."""
    if stop is None and look is None:
        return proc.communicate(timeout=wait)[1]
    until = time.perf_counter() + wait
    while True:
        try:
            return proc.communicate(timeout=max(min(STOP_POLL, until - time.perf_counter()), 0))[1]
        except subprocess.TimeoutExpired:
            if stop is not None and stop.is_set():
                return None
            if look is not None:
                look()
            if time.perf_counter() >= until:
                raise


def main(argv: list[str]) -> None:
    """Child entry point: ``python -m capacity.solver.highs IN OUT``."""
    (form, time_limit, seed, threads, relax, start, gap, deadline, lp_start, shared, gauged) = (
        pickle.loads(Path(argv[0]).read_bytes())
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
            lp_start=lp_start,
            saved=_save(Path(argv[1])),
            offered=_taken(Path(argv[1])) if shared else None,
            moved=_gauge(Path(argv[1])) if gauged else None,
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
    lp_start: bool = False,
    saved: Callable[[np.ndarray, float], None] | None = None,
    offered: Callable[[], np.ndarray | None] | None = None,
    moved: Callable[[float, float], None] | None = None,
) -> HighsOutcome:
    """Solve ``form`` with HiGHS in this process (``solve_highs`` wraps it in a child).

    ``saved`` is called with every better point (the completed start, each improving
    solution) and the dual bound known then, so that a caller who must end the process early
    keeps the best point so far. ``offered`` is asked, each time HiGHS asks for a user
    solution, for a point another search found (or ``None``): it is handed to HiGHS where it is
    feasible and better than HiGHS's incumbent (``_needed``): a point no better cannot help
    HiGHS, and handing it would cost the trust in HiGHS's bound (below). ``moved`` is called
    at each of HiGHS's callbacks in the tree search with its incumbent objective and its own
    dual bound (not the trusted one below), once it has an incumbent.

    HiGHS's dual bound is trusted only up to the first point handed to it that way: after
    one, HiGHS has ended searches as optimal at objectives above points of the same model
    (measured in ``docs/benchmarks.md``). From then on the bound stays at the last one before
    it (or the LP relaxation's), and ``OPTIMAL`` stands only where the objective reaches it.
    When HiGHS ends such a search as optimal with ``CHECK_MIN`` seconds or more of its limit
    left, a second search without handed points checks it in that time (``_checked``): its
    proof and its bound are trusted, and where it finds a better point, that point is the
    answer."""
    import highspy

    if form.variables == 0:  # nothing to decide (HiGHS calls an empty model no solution)
        return HighsOutcome("OPTIMAL", values=np.zeros(0), objective=form.offset, bound=form.offset)
    began = time.perf_counter()
    before: list[tuple[float, float, float]] = []  # the trace of the start's own solves
    lp_bound = -np.inf
    kept: list[tuple[float, np.ndarray]] = []  # the best feasible point so far: objective, values
    if lp_start and not relax:
        start, lp_bound, before = relaxation_start(
            form, start, time_limit=time_limit, seed=seed, threads=threads, rel_gap=rel_gap
        )
        time_limit = max(time_limit - (time.perf_counter() - began), 0.05)
        if start is not None and len(start[0]) == form.variables:
            x = np.asarray(start[1], dtype=float)
            if form.violation(x) <= FEASIBLE:  # a completed start: kept and saved at once
                value = form.objective(x)
                kept.append((value, x))
                if saved is not None:
                    saved(x, lp_bound)
                if closed(value, lp_bound, rel_gap):
                    return HighsOutcome(
                        "OPTIMAL",
                        values=x,
                        objective=value,
                        bound=lp_bound,
                        seconds=time.perf_counter() - began,
                        trace=before,
                        note="the LP relaxation's completed start, within the gap",
                    )
    building = time.perf_counter()
    h = highspy.Highs()
    for key, val in (
        ("output_flag", False),
        ("time_limit", float(time_limit)),
        ("random_seed", int(seed)),
        ("threads", int(threads)),
        ("mip_rel_gap", float(rel_gap)),
        ("mip_abs_gap", ABS_GAP),
    ):
        h.setOptionValue(key, val)
    lp = _lp(form, highspy)
    if relax:
        lp.integrality_ = []
    h.passModel(lp)
    if start is not None and len(start[0]):
        cols, vals = start
        h.setSolution(len(cols), np.asarray(cols, np.int32), np.asarray(vals, np.float64))
    trace: list[tuple[float, float, float]] = list(before)
    shift = time.perf_counter() - began  # HiGHS's clock starts after the start's solves
    trusted = {"bound": lp_bound, "handed": False}  # the dual bound before a point was handed

    def dual(out) -> float:
        """HiGHS's dual bound (``out``: a callback's data or the run's info), or the last trusted
        one once a point was handed (see above)."""
        if not trusted["handed"]:
            trusted["bound"] = max(trusted["bound"], float(out.mip_dual_bound))
        return trusted["bound"]

    def record(event) -> None:
        out = event.data_out
        point = (shift + float(out.running_time), float(out.mip_primal_bound), dual(out))
        if not trace or point[1:] != trace[-1][1:]:
            trace.append(point)
        if moved is not None and math.isfinite(point[1]):
            moved(point[1], float(out.mip_dual_bound))

    def improving(event) -> None:
        record(event)
        x = np.array(event.data_out.mip_solution, dtype=float, copy=True)
        if x.shape == (form.variables,):
            value = form.objective(x)
            if (not kept or value < kept[0][0]) and form.violation(x) <= FEASIBLE:
                kept[:] = [(value, x)]
                if saved is not None:
                    saved(x, dual(event.data_out))

    def user(event) -> None:
        try:
            x = offered()
            if (
                x is not None
                and x.shape == (form.variables,)
                and _needed(form.objective(x), float(event.data_out.mip_primal_bound))
                and form.violation(x) <= FEASIBLE
            ):
                dual(event.data_out)
                trusted["handed"] = True
                event.data_in.setSolution(x)
        except Exception:  # noqa: BLE001 - a point offered is only a help: never end HiGHS's run
            return

    h.cbMipImprovingSolution.subscribe(improving)
    h.cbMipInterrupt.subscribe(record)
    if offered is not None:
        h.cbMipUserSolution.subscribe(user)
    h.run()
    # of HiGHS's limit, what is left for a check, less the time building this model took
    left = time_limit - (time.perf_counter() - building)
    seconds = time.perf_counter() - began
    model_status = h.getModelStatus()
    info = h.getInfo()
    name = h.modelStatusToString(model_status)
    if model_status == highspy.HighsModelStatus.kInfeasible:
        return HighsOutcome("INFEASIBLE", seconds=seconds, trace=trace)
    values = None
    if info.primal_solution_status == 2:  # kSolutionStatusFeasible
        values = np.asarray(h.getSolution().col_value, dtype=float)
    optimal = model_status == highspy.HighsModelStatus.kOptimal
    bound = dual(info)
    values, objective, note = _best_of(form, values, kept, name)
    if values is None:
        return HighsOutcome("NO_SOLUTION", seconds=seconds, trace=trace, note=name)
    if relax:
        bound = objective
    elif optimal and not closed(objective, bound, rel_gap):
        optimal = False  # HiGHS's bound is not trusted, or its optimum is not these values
        why = "a point was handed to it" if trusted["handed"] else "not the values it returned"
        note = f"{note}; HiGHS's optimum not taken as proven ({why})"
        if trusted["handed"]:
            del h  # the check builds its own
            check = _checked(form, values, objective, left, seed, threads, rel_gap, saved, bound)
            if check is not None:
                trace.extend(
                    (seconds + t, min(p, objective), max(d, bound)) for t, p, d in check.trace
                )
                seconds = time.perf_counter() - began
                better = _better(check.objective, objective)
                if better:
                    values, objective = check.values, check.objective
                bound = max(bound, check.bound)
                optimal = closed(objective, bound, rel_gap)
                found = "found a better point and " if better else ""
                did = "proved it optimal" if optimal else "did not prove it in the time left"
                note = f"{note}; a search without handed points {found}{did}"
    trace.append((seconds, objective, bound))
    return HighsOutcome(
        "OPTIMAL" if optimal else "TIME_LIMIT",
        values=values,
        objective=objective,
        bound=bound if optimal or not relax else -np.inf,
        seconds=seconds,
        trace=trace,
        note=note,
    )


def _checked(
    form: LinearForm,
    values: np.ndarray,
    objective: float,
    left: float,
    seed: int,
    threads: int,
    rel_gap: float,
    saved: Callable[[np.ndarray, float], None] | None,
    bound: float,
) -> HighsOutcome | None:
    """HiGHS on ``form`` again, from ``values`` (of ``objective``: the point a search that was
    handed points called optimal) and with none handed, for the ``left`` seconds of the limit:
    a proof of its own, and a bound that holds. It saves only points better than ``values``,
    with the better of its bound and ``bound`` (the trusted one so far), so that a parent that
    ends the child keeps the best point. ``None`` without time left, without an answer, or
    when HiGHS fails: the search's own answer stands then, unproven."""
    if left < CHECK_MIN:
        return None

    def keep(x: np.ndarray, dual: float) -> None:
        if saved is not None and _better(form.objective(x), objective):
            saved(x, max(dual, bound))

    start = (np.arange(form.variables), np.asarray(values, dtype=float))
    try:
        out = run_highs(
            form,
            time_limit=left,
            seed=seed,
            threads=threads,
            start=start,
            rel_gap=rel_gap,
            saved=keep,
        )
    except Exception:  # noqa: BLE001 - a check is only a help: the answer checked stands without it
        return None
    return None if out.values is None or out.bound is None else out


def closed(objective: float, bound: float, rel_gap: float) -> bool:
    """Whether ``bound`` proves ``objective`` within the relative gap ``rel_gap`` or the
    absolute ``ABS_GAP`` that HiGHS is given."""
    return objective - bound <= max(rel_gap * abs(objective), ABS_GAP)


def _needed(value: float, incumbent: float) -> bool:
    """Whether a point of objective ``value`` can help a search whose incumbent is
    ``incumbent`` (infinite before it has one): only where it is better."""
    return not math.isfinite(incumbent) or _better(value, incumbent)


def _better(value: float, than: float) -> bool:
    """Whether the objective ``value`` is below ``than`` by more than float noise."""
    return value < than - 1e-9 * max(1.0, abs(than))


CHECK_MIN = 0.1  # seconds: with less left, HiGHS's optimum after handed points is not checked
LP_SHARE = 0.3  # of the time limit at most for the LP relaxation of ``relaxation_start``
FIX_SHARE = 0.1  # of the time limit at most for completing each start with its columns fixed
INTEGRAL = 1e-6  # an LP value this near an integer counts as integral


def relaxation_start(
    form: LinearForm,
    start: tuple[np.ndarray, np.ndarray] | None,
    *,
    time_limit: float,
    seed: int,
    threads: int,
    rel_gap: float,
) -> tuple[tuple[np.ndarray, np.ndarray] | None, float, list[tuple[float, float, float]]]:
    """A complete starting point: the better of ``start`` and the LP relaxation's integral part.

    HiGHS runs its primal heuristics after the root's cut rounds; where the LP relaxation is
    nearly integral (the plan model's) that leaves it on a poor start long after its bound is
    tight. Here the LP relaxation is solved first (within ``LP_SHARE`` of the limit); its
    integer columns that are integral are fixed and the rest completed as a MIP (within
    ``FIX_SHARE``), and so is ``start`` (its columns fixed). The better complete point by
    objective is the start, so the MIP begins with an incumbent at least as good as ``start``'s
    completion. Returns the start (``start`` itself when neither completion succeeds), the
    LP's objective as a bound (``-inf`` when not solved) and a trace ``(seconds, primal,
    dual)``.
    """
    began = time.perf_counter()
    trace: list[tuple[float, float, float]] = []
    lp = run_highs(form, time_limit=LP_SHARE * time_limit, seed=seed, threads=threads, relax=True)
    bound = lp.objective if lp.status == "OPTIMAL" and lp.objective is not None else -np.inf
    trace.append((time.perf_counter() - began, np.inf, bound))
    candidates = [] if start is None else [start]
    if lp.values is not None and lp.status == "OPTIMAL":
        ints = np.flatnonzero(form.integer)
        whole = np.round(lp.values[ints])
        near = np.abs(lp.values[ints] - whole) <= INTEGRAL
        candidates.append((ints[near], whole[near]))
    best: np.ndarray | None = None
    for cols, vals in candidates:
        x = _completed(form, cols, vals, FIX_SHARE * time_limit, seed, threads, rel_gap)
        if x is not None and (best is None or form.objective(x) < form.objective(best)):
            best = x
    if best is None:
        return start, bound, trace
    trace.append((time.perf_counter() - began, form.objective(best), bound))
    return (np.arange(form.variables), best), bound, trace


def _completed(
    form: LinearForm,
    cols: np.ndarray,
    vals: np.ndarray,
    limit: float,
    seed: int,
    threads: int,
    rel_gap: float,
) -> np.ndarray | None:
    """A feasible point of ``form`` with ``cols`` at ``vals`` (the rest solved as a MIP within
    ``limit`` seconds), or None."""
    cols = np.asarray(cols, dtype=np.int64)
    vals = np.asarray(vals, dtype=float)
    if np.any(vals < form.col_lower[cols]) or np.any(vals > form.col_upper[cols]):
        return None
    lower, upper = form.col_lower.copy(), form.col_upper.copy()
    lower[cols] = upper[cols] = vals
    fixed = dataclasses.replace(form, col_lower=lower, col_upper=upper)
    out = run_highs(fixed, time_limit=limit, seed=seed, threads=threads, rel_gap=rel_gap)
    if out.values is None or form.violation(out.values) > FEASIBLE:
        return None
    return out.values


FEASIBLE = 1e-5  # largest violation (``LinearForm.violation``) of a kept incumbent


def _best_of(
    form: LinearForm, values: np.ndarray | None, kept: list, name: str
) -> tuple[np.ndarray | None, float, str]:
    """The better of HiGHS's returned values and the best point kept (the completed start, or
    an incumbent its improving-solution callback saw), with the objective computed from the
    values themselves.

    HiGHS (1.16) can end with an objective better than the values it hands back (after a start
    solution, under load), and then the returned values are not its incumbent; the callback's
    copy is. A point is kept only when it is feasible in ``form`` (``FEASIBLE``)."""
    objective = form.objective(values) if values is not None else np.inf
    if kept:
        best, x = kept[0]
        better = values is None or _better(best, objective)
        if better and form.violation(x) <= FEASIBLE:
            return x, best, f"{name}; the best point kept (start or callback incumbent)"
    return values, objective, name


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
