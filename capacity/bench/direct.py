"""A direct CP-SAT model of SSCFLP, the textbook formulation: the reference for the importer.

The benchmark runs the real ``place`` path on converted instances; this model solves the same
instance without the registry in between, so a difference between the two points at the
conversion, not at the data.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np

from capacity.bench.sscflp import Instance
from capacity.solver.trace import GapTrace


@dataclass(frozen=True)
class DirectResult:
    """Objective (unscaled), bound, status, the facility chosen per customer, and sizes."""

    status: str
    objective: float
    bound: float
    assign: np.ndarray
    seconds: float
    build_seconds: float = 0.0
    variables: int = 0
    constraints: int = 0
    seconds_to_1pct: float | None = None


def solve_direct(inst: Instance, *, time_limit: float = 10.0, seed: int = 0) -> DirectResult:
    """Solve ``min Σ f_i y_i + Σ c_ij x_ij`` with single sourcing and capacities, by CP-SAT."""
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    n, m = inst.size
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x[{i},{j}]") for j in range(m)] for i in range(n)]
    y = [model.new_bool_var(f"y[{i}]") for i in range(n)]
    for j in range(m):
        model.add_exactly_one(x[i][j] for i in range(n))
    for i in range(n):
        model.add(
            sum(int(inst.demand[j]) * x[i][j] for j in range(m)) <= int(inst.capacity[i]) * y[i]
        )
        for j in range(m):
            model.add_implication(x[i][j], y[i])
    model.minimize(
        sum(int(inst.fixed[i]) * y[i] for i in range(n))
        + sum(int(inst.cost[i, j]) * x[i][j] for i in range(n) for j in range(m))
    )
    build = time.perf_counter() - start
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = os.cpu_count() or 1
    solver.parameters.random_seed = seed
    trace = GapTrace()
    status = solver.solve(model, trace)
    proto = model.proto
    sizes = dict(
        build_seconds=build, variables=len(proto.variables), constraints=len(proto.constraints)
    )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return DirectResult(
            solver.status_name(status),
            float("nan"),
            float("nan"),
            np.full(m, -1),
            solver.wall_time,
            **sizes,
        )
    assign = np.array(
        [next(i for i in range(n) if solver.boolean_value(x[i][j])) for j in range(m)]
    )
    return DirectResult(
        solver.status_name(status),
        solver.objective_value / inst.scale,
        solver.best_objective_bound / inst.scale,
        assign,
        solver.wall_time,
        seconds_to_1pct=trace.seconds_to(1.0, solver),
        **sizes,
    )


def solve_direct_highs(inst: Instance, *, time_limit: float = 10.0, seed: int = 0) -> DirectResult:
    """The same textbook model as a MIP for HiGHS (strong linking rows ``x_ij <= y_i``), solved
    in this process: the bench runs every case in a child process ended at its hard limit."""
    import highspy

    start = time.perf_counter()
    n, m = inst.size
    nx = n * m
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("threads", os.cpu_count() or 1)
    cost = np.concatenate([np.asarray(inst.cost, dtype=float).ravel(), inst.fixed.astype(float)])
    h.addVars(nx + n, np.zeros(nx + n), np.ones(nx + n))
    idx = np.arange(nx + n, dtype=np.int32)
    h.changeColsCost(nx + n, idx, cost)
    h.changeColsIntegrality(nx + n, idx, np.ones(nx + n, dtype=np.uint8))
    x = np.arange(nx, dtype=np.int32).reshape(n, m)  # x[i, j]: facility-major, as inst.cost
    rows: list[tuple[float, float, np.ndarray, np.ndarray]] = []
    for j in range(m):
        rows.append((1.0, 1.0, x[:, j], np.ones(n)))
    for i in range(n):
        cols = np.concatenate([x[i], [nx + i]]).astype(np.int32)
        vals = np.concatenate([inst.demand.astype(float), [-float(inst.capacity[i])]])
        rows.append((-highspy.kHighsInf, 0.0, cols, vals))
    for i in range(n):
        for j in range(m):
            rows.append(
                (-highspy.kHighsInf, 0.0, np.array([x[i, j], nx + i]), np.array([1.0, -1.0]))
            )
    lower = np.array([r[0] for r in rows])
    upper = np.array([r[1] for r in rows])
    starts = np.cumsum([0] + [len(r[2]) for r in rows[:-1]]).astype(np.int32)
    index = np.concatenate([r[2] for r in rows]).astype(np.int32)
    value = np.concatenate([r[3] for r in rows]).astype(float)
    h.addRows(len(rows), lower, upper, len(index), starts, index, value)
    build = time.perf_counter() - start
    h.run()
    seconds = time.perf_counter() - start - build
    info, status = h.getInfo(), h.getModelStatus()
    name = "OPTIMAL" if status == highspy.HighsModelStatus.kOptimal else "FEASIBLE"
    sizes = dict(build_seconds=build, variables=nx + n, constraints=len(rows))
    if info.primal_solution_status != 2:  # no feasible solution
        return DirectResult(
            h.modelStatusToString(status),
            float("nan"),
            float("nan"),
            np.full(m, -1),
            seconds,
            **sizes,
        )
    values = np.asarray(h.getSolution().col_value)[:nx].reshape(n, m)
    return DirectResult(
        name,
        info.objective_function_value / inst.scale,
        info.mip_dual_bound / inst.scale,
        values.argmax(axis=0),
        seconds,
        **sizes,
    )
