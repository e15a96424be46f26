"""The race's CP-SAT side on the textbook MIP of facility location (``capacity.solver.portfolio``).

Two searches, both on one core beside the HiGHS lane, both over the pairs the fixing kept:

- ``cpsat_lane`` (a small model: ``portfolio.plain_applies``): the textbook MIP in CP-SAT, a
  tree search for ``TREE_SHARE`` of its budget, which proves what it can, then the neighbourhood
  search (``capacity.solver.neighbourhood``) from its best placement for the rest;
- ``onwards`` (a large model whose textbook MIP is still the whole model, ``soft.separable``):
  after the fixing machinery has had ``MACHINERY_SHARE`` of the limit, the neighbourhood search
  from the machinery's placement for the rest.

Either search moves to the HiGHS lane's latest placement whenever that is better than its own
and offers its own better ones to HiGHS (``portfolio.Incumbent``): the two lanes solve the same
MIP. The textbook MIP, the start and the scoring of a placement are in
``capacity.solver.textbook``; determinism as in ``capacity.solver.portfolio``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
from ortools.sat.python import cp_model

from capacity.model.domain import Domain
from capacity.model.soft import separable
from capacity.solver.clock import Clock
from capacity.solver.exchange import Capacities
from capacity.solver.linear import LinearForm, cpsat_model
from capacity.solver.neighbourhood import improve
from capacity.solver.opening import in_order
from capacity.solver.portfolio import Incumbent
from capacity.solver.problem import Problem, problem_of
from capacity.solver.result import Result
from capacity.solver.settle import classes_of, reaches
from capacity.solver.stages import run as solve_once
from capacity.solver.textbook import capacities, scored, start_values, textbook_form
from capacity.solver.trace import GapTrace

TREE_SHARE = 0.5  # of ``cpsat_lane``'s budget for the tree search; the rest: neighbourhoods
MACHINERY_SHARE = 0.5  # of a large separable model's limit for the machinery; then ``onwards``


def cpsat_lane(
    dom: Domain,
    *,
    seed: int,
    lang: str,
    started: float,
    clock: Clock,
    budget: float,
    within: Domain | None = None,
    start: Mapping[str, str | None] | None = None,
    peer: Incumbent | None = None,
    share: Incumbent | None = None,
) -> Result | None:
    """The textbook MIP in CP-SAT (one worker) for ``budget`` deterministic units, until
    ``clock``'s deadline or its end, over the pairs of ``within`` (default ``dom``), hinted with
    the placement ``start`` if given: a tree search for ``TREE_SHARE`` of the budget, then,
    unless it proved optimality, the neighbourhood search from its best placement for the rest,
    moving to ``peer``'s placement (the same MIP's, from the HiGHS lane) whenever that is
    better and offering its own better ones to ``share`` (for the HiGHS lane) (see the module;
    ``options["neighbourhoods"]``: its steps and the objective it started from). The placement
    scored on ``dom``, with the tree search's bound (the objective, where a step solved the
    whole MIP); ``seconds_to_1pct`` is the tree search's only;
    ``None`` without a placement, or where a cost is not an integer (CP-SAT takes none; the
    placement model's own costs are integers, so this is not expected).

    The caller reserves on ``clock`` the time that scoring the placement will take."""
    mip = _mip(dom, within or dom)
    if mip is None:
        return None
    prob, form, pairs, modules, model, cols, _ = mip
    if start is not None:
        for col, v in zip(cols, start_values(prob, pairs, modules, start)[1], strict=True):
            model.add_hint(col, int(v))
    trace = GapTrace(time.perf_counter() - started, clock)
    cp = solve_once(
        SimpleNamespace(cp=model),  # the shape ``stages.run`` takes
        workers=1,
        seed=seed,
        budget=budget * TREE_SHARE,
        interleave=False,
        trace=trace,
        clock=clock,
    )
    if cp.status == cp_model.MODEL_INVALID:  # a fault of ``cpsat_model``, not of the input
        raise RuntimeError(f"CP-SAT found the textbook model invalid: {model.validate()}")
    if cp.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    values = np.array([cp.value(c) for c in cols], dtype=float)
    bound = float(cp.best_objective_bound)
    proven = cp.status == cp_model.OPTIMAL
    searched = {}
    if not proven:
        values, bound, proven, steps, _ = _neighbourhoods(
            mip,
            values,
            bound=bound,
            budget=budget - cp.deterministic_time,
            clock=clock,
            seed=seed,
            peer=peer,
            share=share,
        )
        searched = {"neighbourhoods": {"steps": steps, "from": round(cp.objective_value)}}
    placed = scored(
        dom,
        within or dom,
        prob,
        pairs,
        values,
        proven=proven,
        bound=bound,
        solver="cpsat",
        seed=seed,
        lang=lang,
        started=started,
    )
    if placed is None:
        return None
    to_1pct = trace.seconds_to(1.0, cp)
    size = {"variables": form.variables, "constraints": form.constraints}
    return replace(
        placed,
        seconds_to_1pct=None if to_1pct is None else round(to_1pct, 3),
        options={**placed.options, "model_size": size, **searched},
    )


def onwards(
    dom: Domain,
    mine: Result,
    *,
    within: Domain,
    budget: float,
    clock: Clock,
    seed: int,
    lang: str,
    started: float,
    peer: Incumbent | None = None,
    share: Incumbent | None = None,
) -> Result:
    """The neighbourhood search (``capacity.solver.neighbourhood``) on the textbook MIP over the
    pairs of ``within``, from the machinery's placement ``mine`` (scored on ``dom``; each site's
    modules put in order, which costs no more), for ``budget`` deterministic units until
    ``clock``'s deadline, moving to ``peer``'s placement (the HiGHS lane's) whenever that is
    better and offering its own to ``share``; the better of ``mine`` and the search's placement
    (ties: the search's where it proved it, else ``mine``), scored on ``dom``, with ``mine``'s
    bound (the objective, where a step solved the whole MIP). ``mine`` itself where it is
    proven, where the textbook MIP is not the whole model (``soft.separable``), or where its
    placement uses a pair ``within`` does not hold.

    The caller reserves on ``clock`` the time that scoring the placement will take."""
    if mine.status == "OPTIMAL" or not separable(dom) or clock.passed():
        return mine
    mip = _mip(dom, within)
    start = None if mip is None else _start(within, mip.prob, mip.pairs, classes_of(dom, mine))
    if mip is None or start is None:
        return mine
    values, bound, proven, steps, solved = _neighbourhoods(
        mip,
        start_values(mip.prob, mip.pairs, mip.modules, start)[1],
        bound=mine.best_bound,
        budget=budget,
        clock=clock,
        seed=seed,
        peer=peer,
        share=share,
    )
    searched = {"neighbourhoods": {"steps": steps, "from": int(mine.objective)}}
    found = scored(
        dom,
        within,
        mip.prob,
        mip.pairs,
        values,
        proven=proven,
        bound=bound,
        solver=f"{mine.solver} + nabolagssøgning",
        seed=seed,
        lang=lang,
        started=started,
    )
    proof = found is not None and found.status == "OPTIMAL"
    if (
        found is None
        or found.objective > mine.objective
        or (found.objective == mine.objective and not proof)
    ):
        return replace(mine, options={**mine.options, **searched})
    return replace(
        found,
        best_bound=found.best_bound if solved else mine.best_bound,
        build_seconds=mine.build_seconds,
        seconds_to_1pct=mine.seconds_to_1pct,
        options={**mine.options, **searched},
    )


class _Mip(NamedTuple):
    """The textbook MIP over a domain's pairs (``textbook.textbook_form``) as a CP-SAT model."""

    prob: Problem
    form: LinearForm
    pairs: np.ndarray
    modules: np.ndarray
    model: cp_model.CpModel
    cols: list
    caps: Capacities


def _mip(dom: Domain, within: Domain) -> _Mip | None:
    """The textbook MIP of ``dom`` over the pairs of ``within``; ``None`` where a cost is not an
    integer (CP-SAT takes none)."""
    prob = problem_of(within)
    form, pairs, modules = textbook_form(dom, prob)
    try:
        model, cols = cpsat_model(form)
    except ValueError:
        return None
    return _Mip(prob, form, pairs, modules, model, cols, capacities(dom, prob, pairs, modules))


def _neighbourhoods(
    mip: _Mip,
    values: np.ndarray,
    *,
    bound: float | None,
    budget: float,
    clock: Clock,
    seed: int,
    peer: Incumbent | None,
    share: Incumbent | None,
) -> tuple[np.ndarray, float | None, bool, int, bool]:
    """The neighbourhood search on ``mip`` from the point ``values`` (``neighbourhood.improve``,
    exchanging with ``peer`` and ``share``): its placement's values, the bound (raised to the
    objective where a step solved the whole MIP), whether the placement is proven, the steps,
    and whether a step solved the whole MIP."""
    values, objective, steps, solved = improve(
        mip.model,
        mip.cols,
        mip.form.cost,
        mip.pairs,
        mip.modules,
        values,
        units=len(mip.prob.units),
        budget=budget,
        clock=clock,
        seed=seed,
        bound=bound,
        peer=None if peer is None else peer.take,
        share=None if share is None else share.offer,
        caps=mip.caps,
    )
    if solved:  # a step freed every unit: the whole MIP, solved to optimality
        bound = float(objective) if bound is None else max(bound, float(objective))
    proven = solved or (bound is not None and reaches(objective, bound - 1e-6))
    return values, bound, proven, steps, solved


def _start(
    within: Domain, prob: Problem, pairs: np.ndarray, placed: Mapping[str, str | None]
) -> dict[str, str | None] | None:
    """The placement ``placed`` (household id -> unit class id or None) with each site's used
    modules renamed to its first ones (``opening.in_order``; identical modules, the same cost
    or less), so that the textbook MIP's row "a site's modules in order" holds; ``None`` where
    it places a household at a unit whose pair is not among ``pairs`` (the MIP's columns): then
    it is no point of the MIP."""
    col = {uid: k for k, uid in enumerate(prob.units)}
    if any(uid is not None and uid not in col for uid in placed.values()):
        return None
    assign = np.array(
        [col[uid] if (uid := placed.get(hid)) is not None else -1 for hid in prob.households],
        dtype=np.int64,
    )
    assign = in_order(within, prob, assign)
    held = set(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), strict=True))
    if any(k >= 0 and (h, k) not in held for h, k in enumerate(assign.tolist())):
        return None
    return {
        hid: (prob.units[k] if k >= 0 else None)
        for hid, k in zip(prob.households, assign.tolist(), strict=True)
    }
