"""Which new modules to put up: a Lagrangian heuristic, CP-SAT's hint and a valid lower bound.

With new pavilion modules, placement is single-source capacitated facility location: per-pair
CP-SAT alone stalls on large instances (hundreds of modules x thousands of households: its
search finds placements far above the optimum within a run's limit). The heuristic works on the
model's separable part as numpy arrays (households x units; ``problem.problem_of``) and builds no
solver model; ``solve_domain`` then lets CP-SAT finish on the kernel it finds.

Modules
-------
- ``capacity.solver.problem``: the arrays (``Problem``, ``problem_of``);
- ``capacity.solver.lagrange``: the relaxation, its lower bound and the subgradient ascent
  (``knapsacks``, ``cover``, ``Ascent``, ``lagrange``, ``refine``);
- ``capacity.solver.moves``: the placement (``Plan``, ``regret_fill``, ``shifts``, ``swaps``,
  ``improve``, ``placement``);
- this module: what ``solve_domain`` calls (``applies``, ``open_modules``, ``settle``), their
  constants and the kernel CP-SAT finishes on.

The remaining gap is the assignment on nearly full modules (a couple of beds spare), where moves
of one or two households stall.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from capacity.model.domain import Domain
from capacity.solver.lagrange import Ascent, lagrange, refine
from capacity.solver.problem import INF, Problem, problem_of
from capacity.solver.settle import keep_better, labelled, lowered

if TYPE_CHECKING:
    from capacity.solver.clock import Clock
    from capacity.solver.result import Result

# Allowed pairs from which ``solve_domain`` starts from this heuristic (below: the fixing).
# Size alone does not decide which starts better; the threshold is measured in docs/benchmarks.md.
MIN_PAIRS = 20_000
KERNEL_WIDTH = 5  # cheapest units per household the kernel keeps (besides its own)
STEPS_PER_UNIT, MAX_STEPS = 20, 1000
MOVES_PER_UNIT, MAX_MOVES = 3, 150
KERNEL_SHARE, MIN_KERNEL_SHARE = 0.33, 0.1
# Of the limit: the heuristic's deadline. On these models the heuristic's placement is most of
# the answer and CP-SAT on the kernel only polishes it, so the heuristic gets most of the limit.
HEURISTIC_SHARE = 0.75
STEP_WORK, PLACE_WORK = 1e-7, 6e-7  # the heuristic's work per pair cell, in CP-SAT units


@dataclass(frozen=True)
class Opening:
    """The heuristic's outcome on a ``Domain``.

    Attributes
    ----------
    assignment : household id -> unit class id or None (a site's modules put up in order).
    objective : its separable objective (the model's, less the terms ``>= 0`` left out).
    bound : a lower bound of the model's objective (the best Lagrangian bound).
    kernel : the domain with each household's pairs cut to its ``KERNEL_WIDTH`` cheapest units
        among the standing units and the modules put up, and its own.
    steps, evaluations : subgradient steps and open sets placed.
    time_limit : CP-SAT's budget on the kernel.
    """

    assignment: dict[str, str | None]
    objective: float
    bound: float
    kernel: Domain
    steps: int
    evaluations: int
    time_limit: float


def applies(dom: Domain) -> bool:
    """Whether ``solve_domain`` should start from this heuristic: new modules, a large model,
    nobody movable (a movable resident must be placed, which the heuristic does not enforce)."""
    return (
        any(u.new_module for u in dom.units.values())
        and not dom.movable
        and sum(len(p) for p in dom.pairs.values()) >= MIN_PAIRS
    )


def open_modules(dom: Domain, time_limit: float, clock: Clock | None = None) -> Opening:
    """Run the heuristic on ``dom`` (see the module): ascent, then module moves.

    Its work is counted, not timed: ``STEPS_PER_UNIT`` subgradient steps and ``MOVES_PER_UNIT``
    placements per unit of ``time_limit`` (at most ``MAX_STEPS`` and ``MAX_MOVES``). CP-SAT gets
    ``KERNEL_SHARE`` of the limit on the kernel, less the heuristic's work (``STEP_WORK`` and
    ``PLACE_WORK`` per household x unit cell, in CP-SAT's deterministic units), and at
    least ``MIN_KERNEL_SHARE``.
    """
    steps = int(min(MAX_STEPS, STEPS_PER_UNIT * time_limit))
    evaluations = int(min(MAX_MOVES, MOVES_PER_UNIT * time_limit))
    prob = problem_of(dom)
    at = lagrange(prob, steps=steps, clock=clock)
    refine(prob, at, evaluations=evaluations, clock=clock)
    assign = in_order(dom, prob, at.best.assignment())
    return Opening(
        {
            hid: prob.units[k] if k >= 0 else None
            for hid, k in zip(prob.households, assign, strict=True)
        },
        at.best.objective(),
        at.bound,
        replace(dom, pairs=kernel_pairs(prob, assign)),
        at.steps,
        at.evaluations,
        kernel_budget(prob, at, time_limit),
    )


def kernel_budget(prob: Problem, at: Ascent, time_limit: float) -> float:
    """CP-SAT's budget on the kernel (see ``open_modules``); deterministic, from counts."""
    cells = prob.cost.size
    work = cells * (STEP_WORK * at.steps + PLACE_WORK * at.evaluations)
    return max(MIN_KERNEL_SHARE * time_limit, KERNEL_SHARE * time_limit - work)


def in_order(dom: Domain, prob: Problem, assign: np.ndarray) -> np.ndarray:
    """``assign`` with each site's used modules renamed to its first ones (``new_module_put_up``:
    a site's modules go up in order; they are identical, so the cost is the same)."""
    col = {uid: j for j, uid in enumerate(prob.units)}
    by_site: dict[str, list[int]] = {}
    for uid, u in dom.units.items():
        if u.new_module:
            by_site.setdefault(u.site_id, []).append(col[uid])
    rename = np.arange(len(prob.units))
    used = set(assign[assign >= 0].tolist())
    for modules in by_site.values():
        mine = [k for k in modules if k in used]
        rename[mine] = modules[: len(mine)]
    return np.where(assign >= 0, rename[np.maximum(assign, 0)], -1)


def kernel_pairs(prob: Problem, assign: np.ndarray) -> dict[str, tuple[str, ...]]:
    """Each household's ``KERNEL_WIDTH`` cheapest allowed units among the standing units and the
    modules ``assign`` puts up, and its own unit (sorted ids, as ``hard.allowed_units``)."""
    keep = prob.setup == 0
    keep[assign[assign >= 0]] = True
    cost = np.where(keep, prob.cost, INF)
    width = min(KERNEL_WIDTH, cost.shape[1])
    near = np.argpartition(cost, width - 1, axis=1)[:, :width]
    out = {}
    for i, hid in enumerate(prob.households):
        cols = {int(k) for k in near[i] if np.isfinite(cost[i, k])}
        cols |= {int(assign[i])} - {-1}
        out[hid] = tuple(sorted(prob.units[k] for k in cols))
    return out


def settle(
    dom: Domain,
    result: Result | None,
    lag: Opening,
    *,
    scored: Result | None = None,
    seed: int,
    lang: str,
    started: float,
) -> Result:
    """The better of CP-SAT's placement on the kernel and the heuristic's (``scored``: already
    scored on ``dom``, if it was), by the whole model's objective (``settle.keep_better``: the
    heuristic's own objective leaves out terms ``>= 0``, so it is scored before it can win),
    scored on ``dom``. The bound is the Lagrangian one (CP-SAT's covers only the kernel):
    ``OPTIMAL`` only when the objective reaches it.
    """
    placed, mine = keep_better(
        dom, result, lag.assignment, lower=lag.objective, scored=scored, lang=lang, started=started
    )
    bound = lowered(lag.bound)
    solver = "lagrange+cpsat" if mine else "lagrange (bedre end CP-SAT)"
    return labelled(
        placed, result, bound=bound, proven=False, solver=solver, seed=seed, started=started
    )
