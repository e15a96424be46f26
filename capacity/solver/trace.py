"""When did a search first come within a given gap? A CP-SAT solution callback that remembers.

Times are seconds since the run started (``offset`` = the seconds spent before this solve:
building, an earlier stage), so that a bench row's "seconds to 1 %" compares with its wall time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

if TYPE_CHECKING:
    from capacity.solver.clock import Clock


def within(objective: float, bound: float, pct: float) -> bool:
    """Whether the relative gap of ``objective`` to ``bound`` is at most ``pct`` %."""
    return abs(objective - bound) <= pct / 100.0 * max(abs(objective), 1e-9)


class GapTrace(cp_model.CpSolverSolutionCallback):
    """Records (seconds, objective, best bound) at every improving solution, and passes it on
    to the run's progress display (``clock.report``)."""

    def __init__(self, offset: float = 0.0, clock: Clock | None = None) -> None:
        super().__init__()
        self.offset = offset
        self.clock = clock
        self.points: list[tuple[float, float, float]] = []

    def on_solution_callback(self) -> None:
        point = (self.offset + self.wall_time, self.objective_value, self.best_objective_bound)
        self.points.append(point)
        if self.clock is not None:
            self.clock.report(point[1], point[2])

    def first_within(self, pct: float) -> float | None:
        """First recorded time the gap was at most ``pct`` %, ``None`` if never."""
        return next((s for s, obj, bound in self.points if within(obj, bound, pct)), None)

    def seconds_to(self, pct: float, solver: cp_model.CpSolver) -> float | None:
        """First time the relative gap was at most ``pct`` %; the final time if only the last
        bound closed it; ``None`` when it never did."""
        first = self.first_within(pct)
        if first is not None:
            return first
        if self.points and within(solver.objective_value, solver.best_objective_bound, pct):
            return self.offset + solver.wall_time
        return None
