"""The run's wall-clock guard: one deadline that every stage of a placement checks.

``--time-limit`` is two limits at once. Inside, every search has a deterministic budget
(CP-SAT's ``max_deterministic_time``; the heuristics' counted steps and placements): where it
decides, the same input and seed give the same answer on any machine. Outside, a ``Clock``
holds a wall-clock deadline, ``started + time_limit``: every CP-SAT call also gets
``max_time_in_seconds`` = the seconds left, HiGHS's child gets them as its wall limit, and the
Python loops (the Lagrangian ascent, the module moves, the fewest-modules phase) stop once it has
passed. A stage cut by the deadline ends with the best answer and bound it has, and the clock
remembers that it cut: ``summary.json`` says which limit stopped the run (``stopped_by``).

A CP-SAT deterministic unit is not a second: its wall time depends on the model and the
machine (the full LP at every node is the slow case), so on some instances the deadline, not
the budget, decides.
Scoring the answer and writing the files come after the deadline: that is the margin of the
promise (the limit + 5 % + 2 s).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

STOPPED_BY = ("optimal", "deterministic", "wall_clock")
MIN_WALL = 0.01  # seconds a CP-SAT call gets at least (it returns at once, with its hint)
HEURISTIC_SHARE = 0.4  # of the limit: the Lagrangian heuristics' deadline (scoring follows)
# of a model's building time: what loading it takes CP-SAT (or HiGHS's child), which their time
# limits do not cut; a search starts only with at least this much time left
LOAD_SHARE = 0.5
# a per-pair model's whole building over the time its pair variables take: below the ratio of
# every build of half a second or more in the table of docs/benchmarks.md, so that a building
# projected from it is not longer than the real one (shorter builds are not projected: PACE_SHARE)
BUILD_FACTOR = 3.0
# of the time left when a building begins: how long its variables run before their pace is read
PACE_SHARE = 0.05

Progress = Callable[[float, float | None], None]  # objective, bound


class Clock:
    """A wall-clock deadline, whether it cut a stage, and where progress is reported.

    Parameters
    ----------
    time_limit : seconds from ``started`` to the deadline (``inf``: no deadline).
    started : ``time.perf_counter()`` at the start of the run (default: now).
    progress : called with (objective, bound) at every improving solution, from any thread.
    """

    def __init__(
        self,
        time_limit: float = math.inf,
        *,
        started: float | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.started = time.perf_counter() if started is None else started
        self.time_limit = time_limit
        self.deadline = self.started + time_limit
        self.progress = progress
        self._cut = threading.Event()
        self._ended = threading.Event()  # ``end``: the run's answer is proven elsewhere
        self._searches: set = set()  # the CP-SAT solvers searching now (``searching``)

    @property
    def cut(self) -> bool:
        """Whether the deadline ended a stage before its deterministic budget did."""
        return self._cut.is_set()

    def left(self) -> float:
        """Seconds to the deadline (negative once passed; ``inf`` without one; 0 once
        ``end`` was called)."""
        if self._ended.is_set():
            return 0.0
        return self.deadline - time.perf_counter()

    def end(self) -> None:
        """End the run now: another lane proved its answer. Every loop on this clock (and its
        parts) stops as at the deadline, a CP-SAT call starting now gets ``MIN_WALL``, and the
        calls searching now (``searching``) are stopped. Safe from any thread; a call between
        registering and starting its search is stopped by calling ``end`` again."""
        self._ended.set()
        for cp in list(self._searches):
            cp.stop_search()

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    @contextmanager
    def searching(self, cp) -> Iterator[None]:
        """Register the CP-SAT solver ``cp`` while it searches, so that ``end`` can stop it."""
        self._searches.add(cp)
        try:
            yield
        finally:
            self._searches.discard(cp)

    def passed(self) -> bool:
        """Whether the deadline has passed; a loop that stops on it counts as cut."""
        if self.left() <= 0:
            self._cut.set()
            return True
        return False

    def wall(self) -> float:
        """The ``max_time_in_seconds`` of a CP-SAT call starting now."""
        return max(self.left(), MIN_WALL)

    def searched(self, cp, given: float) -> None:
        """Record whether CP-SAT (``cp``, solved with ``max_time_in_seconds = given``) was
        stopped by the wall: not proven, and its wall time reached what it was given."""
        from ortools.sat.python import cp_model

        done = (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID)
        if cp.status not in done and cp.wall_time >= 0.99 * given - 1e-3:
            self._cut.set()

    def part(self, share: float) -> Clock:
        """A clock for a first stage: its deadline at ``share`` of the limit (or this one's, if
        sooner), the same record of cuts and the same progress display. What follows the stage
        (scoring its answer, the search after it) keeps the rest."""
        sub = Clock(self.time_limit * share, started=self.started, progress=self.progress)
        sub.deadline = min(sub.deadline, self.deadline)
        sub._cut = self._cut
        sub._ended, sub._searches = self._ended, self._searches
        return sub

    def reserve(self, seconds: float) -> None:
        """Bring the deadline ``seconds`` nearer: the time that scoring the answer after the
        searches will take (about the time building the model took)."""
        self.deadline -= max(seconds, 0.0)

    def mark_cut(self) -> None:
        """Record that a stage was ended by the deadline (e.g. HiGHS at a wall limit it got
        from this clock)."""
        self._cut.set()

    def report(self, objective: float, bound: float | None) -> None:
        """Pass an improving solution to the progress display, if any."""
        if self.progress is not None:
            self.progress(objective, bound)

    def stopped_by(self, status: str) -> str:
        """``optimal`` when proven, else ``wall_clock`` if the deadline cut a stage, else
        ``deterministic`` (the counted budgets ended the search, or nothing was searched)."""
        if status == "OPTIMAL":
            return "optimal"
        return "wall_clock" if self.cut else "deterministic"


def unlimited() -> Clock:
    """A clock without a deadline (library calls and tests that give none)."""
    return Clock()
