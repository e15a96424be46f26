"""When did a CP-SAT search first come within a given gap? A solution callback that remembers."""

from __future__ import annotations

from ortools.sat.python import cp_model


class GapTrace(cp_model.CpSolverSolutionCallback):
    """Records (wall seconds, objective, best bound) at every improving solution."""

    def __init__(self) -> None:
        super().__init__()
        self.points: list[tuple[float, float, float]] = []

    def on_solution_callback(self) -> None:
        self.points.append((self.wall_time, self.objective_value, self.best_objective_bound))

    def seconds_to(self, pct: float, solver: cp_model.CpSolver) -> float | None:
        """First time the relative gap was at most ``pct`` %; the final time if only the last
        bound closed it; ``None`` when it never did."""
        for seconds, obj, bound in self.points:
            if abs(obj - bound) <= pct / 100.0 * max(abs(obj), 1e-9):
                return seconds
        final_obj, final_bound = solver.objective_value, solver.best_objective_bound
        if self.points and abs(final_obj - final_bound) <= pct / 100.0 * max(abs(final_obj), 1e-9):
            return solver.wall_time
        return None
