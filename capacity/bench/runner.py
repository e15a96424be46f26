"""Run one benchmark case in a child process: a hard time limit, and its own peak memory.

Each case runs in a fresh process (``spawn``), so that its peak RSS is its own and a solver that
overruns its time limit (HiGHS in MIP set-up does) is ended at the limit and reported as such.
The case runs in a process group of its own, and the whole group is ended: HiGHS's own child
(``capacity.solver.highs``) would otherwise run on beside the next case, slowing it, and leave
its temporary folder behind. The group is asked first (``SIGTERM``: the case's ``with`` blocks
remove their folders), then killed.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import signal
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

ROW_FIELDS = (
    "suite",
    "instance",
    "solver",
    "households",
    "units",
    "sites",
    "variables",
    "constraints",
    "status",
    "objective",
    "best_bound",
    "gap",
    "build_seconds",
    "solve_seconds",
    "seconds_to_1pct",
    "peak_rss_mb",
    "known_optimum",
    "gap_to_optimum",
    "note",
)


@dataclass
class Row:
    """One line of the benchmark table. Missing figures stay ``None``."""

    suite: str
    instance: str
    solver: str
    households: int | None = None
    units: int | None = None
    sites: int | None = None
    variables: int | None = None
    constraints: int | None = None
    status: str = "UNKNOWN"
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    build_seconds: float | None = None
    solve_seconds: float | None = None
    seconds_to_1pct: float | None = None
    peak_rss_mb: float | None = None
    known_optimum: float | None = None
    gap_to_optimum: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def finish(self) -> Row:
        """Fill the derived gaps: to the bound in per cent of the objective (a solver's gap);
        to the known optimum in per cent of the optimum (how far above it: the greedy baseline
        at twice the optimum is 100 % above, where its gap would read 50 %)."""
        if self.objective is not None and self.best_bound is not None and self.gap is None:
            self.gap = _rel(self.objective, self.best_bound)
        if self.objective is not None and self.known_optimum is not None:
            self.gap_to_optimum = _rel(self.objective, self.known_optimum, self.known_optimum)
        return self

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def seed(self) -> int:
        """The solvers' random seed of a public-instance row; rows from before ``--seed`` were
        run with 0."""
        return int(self.extra.get("seed", 0))


SEEDED = ("sscflp", "general")  # the suites whose solvers take ``--seed``; scale and plan do not


def seeds_of(rows: Iterable[Row]) -> list[int]:
    """The seeds the rows of the public-instance suites were run with, in order."""
    return sorted({r.seed for r in rows if r.suite in SEEDED})


def _rel(a: float, b: float, of: float | None = None) -> float:
    """``|a - b|`` in per cent of ``of`` (default ``a``)."""
    return abs(a - b) / max(abs(a if of is None else of), 1e-9) * 100.0


END_GRACE = 3.0  # seconds between asking a case's processes to end and killing them


def _child(task: Callable[..., dict], args: tuple, queue: mp.Queue) -> None:
    os.setpgrp()  # a group of its own, with the solver processes it starts
    signal.signal(signal.SIGTERM, _leave)
    try:
        out = task(*args)
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        queue.put(("ok", out))
    except BaseException:  # noqa: BLE001 - reported as the case's status, never raised
        queue.put(("error", traceback.format_exc(limit=3)))


def _leave(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds: temporary folders are removed on the way out


def _end(proc: mp.process.BaseProcess) -> None:
    """End the case's process group: ``SIGTERM``, then after ``END_GRACE`` ``SIGKILL`` (only
    the process itself where it has no group of its own yet)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.join(END_GRACE)
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.join()


def run_isolated(row: Row, task: Callable[..., dict], args: tuple, limit_seconds: float) -> Row:
    """Run ``task(*args)`` in a child process; its returned dict fills ``row``.

    The child is ended ``limit_seconds`` after it starts (a grace of a few seconds beyond the
    solver's own limit belongs in ``limit_seconds``); the row then says ``KILLED`` with the time.
    """
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(task, args, queue), daemon=True)
    start = time.perf_counter()
    proc.start()
    try:
        kind, payload = queue.get(timeout=limit_seconds)
    except BaseException as exc:  # queue.Empty (the child overran) or Ctrl-C here
        _end(proc)  # the case's group no longer gets the terminal's Ctrl-C: end it here
        if not isinstance(exc, Exception):
            raise
        row.status = "KILLED"
        row.solve_seconds = time.perf_counter() - start
        row.note = f"ended at the {limit_seconds:.0f} s limit"
        return row
    proc.join()
    if kind == "error":
        row.status = "ERROR"
        row.note = payload.strip().splitlines()[-1][:200]
        return row
    for key, value in payload.items():
        if key in ROW_FIELDS:
            setattr(row, key, value)
        else:
            row.extra[key] = value
    return row.finish()
