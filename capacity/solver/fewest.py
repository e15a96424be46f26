"""A primal phase for tight beds: the fewest modules that hold everyone, then module neighbourhoods.

Where the persons fill nearly every bed the modules can offer, the optimum puts up the fewest
modules whose beds hold everyone (``k_min``), and nearly the modules the Lagrangian relaxation
likes best (the lowest unit scores, ``Fixing.score``, and the heuristic's own). CP-SAT on the
whole pruned model spends its budget on placements near the heuristic's there. Beside it
(``capacity.solver.lanes``; before it on one core), on the separable arrays of the pruned model
(``problem.Problem``), ``first`` runs

1. ``restricted``, where the heuristic puts up more than ``k_min`` modules: CP-SAT (one worker,
   full LP relaxation) with exactly ``k_min`` modules, all among the heuristic's and the
   ``k_min + EXTRA`` of lowest score, everyone housed (where the heuristic's are ``k_min``
   already, its share goes to the neighbourhoods, which keep to at most as many);
2. ``neighbourhoods``: large-neighbourhood search: the households of ``OPEN`` modules in use
   (a pivot and the modules sharing most allowed households with it) and ``CLOSED`` modules
   not in use are placed again exactly by CP-SAT, with at most as many modules put up, the rest
   kept; improvements are kept, the pivot moves on;
3. ``settle``: everyone placed again exactly on the modules in use (the neighbourhoods can end
   on the optimum's modules with a placement above it);
4. ``exchange``, with what the others leave of the phase's budget (``PHASE_SHARE``): the
   heuristic's modules with one exchanged for one of the ``NEAREST`` not among them, the exchanges
   ranked by the LP relaxation of their set (``relaxed.SetRelaxation``, cheap beside an exact
   placement), the ``EVAL`` best placed exactly on their set, each only while its LP is below the
   cost reached (the LP bounds the set's cost), until one is cheaper. The restricted model leaves the
   heuristic's modules for the lowest scores and the neighbourhoods search near where it lands;
   an optimum one exchange away from the heuristic's modules can be several away from both.

All are heuristic restrictions. Their placement is scored by the whole model
(``scoring.evaluate``) and replaces the heuristic's only when it costs less; the pairs are then
pruned again against that lower ``UB`` (``fixing.pruned``: the argument of
``capacity.solver.fixing`` holds for any placement's cost). The bound reported stays the
Lagrangian one and CP-SAT's on the whole pruned model. Work is counted (CP-SAT's deterministic
time and ``MODEL_WORK`` per sub-model), never timed: the same domain gives the same placement.

The shares of the budget and the steps' sizes are set for instances where the beds are tight
(measured in ``docs/benchmarks.md``).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from capacity.model.domain import Domain
from capacity.solver import fixing
from capacity.solver.clock import Clock, unlimited
from capacity.solver.fixing import Fixing, pruned
from capacity.solver.opening import in_order
from capacity.solver.problem import Problem, problem_of
from capacity.solver.relaxed import SetRelaxation
from capacity.solver.scoring import evaluate
from capacity.solver.stages import run

EXTRA = 2  # candidate modules beyond ``k_min`` (lowest scores), with the heuristic's own
FIRST_SHARE, LNS_SHARE, SETTLE_SHARE = 0.12, 0.2, 0.05  # of what fixing leaves of the limit
OPEN, CLOSED, SUB_BUDGET = 6, 2, 0.2  # modules in use, modules not in use, budget per search
STALE = 0.5  # pivots without improvement, as a share of the modules in use, that end the search
MODEL_WORK = 0.05  # per sub-model built and solved (Python's share), in deterministic units
PHASE_SHARE = FIRST_SHARE + LNS_SHARE + SETTLE_SHARE  # exchanges get what the others leave
NEAREST, EVAL = 3, 4  # exchanges per module (nearest not the heuristic's), placed exactly
LP_WORK = 0.001  # per LP relaxation solved, per 1,000 pairs, in deterministic units


def fewest_modules(dom: Domain, demand: float) -> int | None:
    """The fewest new modules whose beds, with the standing units', hold ``demand`` persons
    (0 when the standing beds do), or None when every module together does not."""
    beds = {uid: u.free_beds * u.size for uid, u in dom.units.items()}
    standing = sum(b for uid, b in beds.items() if not dom.units[uid].new_module)
    need = math.ceil(demand - 1e-9) - standing
    sizes = np.sort([b for uid, b in beds.items() if dom.units[uid].new_module])[::-1]
    reach = np.cumsum(sizes)
    if need <= 0:
        return 0
    if not len(reach) or reach[-1] < need:
        return None
    return int(np.searchsorted(reach, need) + 1)


def applies(dom: Domain, fix: Fixing) -> bool:
    """Whether ``first`` searches: the heuristic houses everyone on at most ``k_min + 1``
    modules (tight beds). From the placement alone: no arrays are built."""
    k = _k_min(dom, fix)
    if not k or any(uid is None for uid in fix.assignment.values()):
        return False
    return _modules_up(dom, fix) <= k + 1


def _modules_up(dom: Domain, fix: Fixing) -> int:
    """The new modules the heuristic's placement puts up."""
    return len({u for u in fix.assignment.values() if u is not None and dom.units[u].new_module})


def _k_min(dom: Domain, fix: Fixing) -> int | None:
    """``fewest_modules`` for the demand the fixing proved, where it did (and scored units)."""
    return fewest_modules(dom, fix.demand) if fix.demand and fix.score is not None else None


def first(
    dom: Domain,
    fix: Fixing,
    *,
    time_limit: float,
    seed: int,
    cancel: Cancel | None = None,
    lang: str = "da",
    clock: Clock | None = None,
) -> Fixing:
    """``restricted``, ``neighbourhoods``, ``settle`` and ``exchange`` (see the module) where the
    phase ``applies``; ``fix`` with the better placement, pruned again, and the work added.
    Otherwise (or once ``cancel`` is set: its placement is not used then) ``fix`` unchanged."""

    if not applies(dom, fix):
        return fix
    k = _k_min(dom, fix)
    prob = problem_of(fix.domain)
    col = {uid: j for j, uid in enumerate(prob.units)}
    start = np.array([col[fix.assignment[h]] for h in prob.households])
    module = np.array([dom.units[u].new_module for u in prob.units], dtype=bool)
    search = _Search(prob, module, seed, cancel, clock)
    time_limit = fixing.budget(fix, time_limit)  # the shares are of what the fixing leaves
    lns = LNS_SHARE * time_limit
    if _modules_up(dom, fix) > k:  # restricted: down to k_min modules
        cand = _candidates(fix, module, start, k)
        best = search.restricted(start, k, cand, FIRST_SHARE * time_limit)
    else:  # the heuristic's are k_min: the neighbourhoods keep to as many, with its share
        best, lns = start, lns + FIRST_SHARE * time_limit
    best = search.neighbourhoods(best, lns)
    best = search.settle(best, SETTLE_SHARE * time_limit)
    best = search.exchange(best, start, PHASE_SHARE * time_limit - search.work)
    fix = replace(fix, work=fix.work + search.work)
    if search.cancel.is_set() or search.cost(best) >= search.cost(start):
        return fix
    # The arrays treat a site's modules as independent; the model puts them up in order
    # (``hard.new_module_put_up``). They are identical, so renaming the ones used to the site's
    # first keeps the cost; unrenamed, scoring would put the skipped ones up too and add their
    # setup cost, and the better placement would be lost.
    best = in_order(dom, prob, best)
    chosen = {h: prob.units[j] for h, j in zip(prob.households, best, strict=True)}
    placed = evaluate(dom, chosen, lang=lang)
    ub = float(placed.objective)
    if ub >= fix.objective:
        return fix
    hids = tuple(h.id for h in dom.households)
    kept, count = pruned(hids, fix.units, fix.low, chosen, ub)
    return replace(
        fix,
        domain=replace(dom, pairs=kept),
        assignment=chosen,
        objective=ub,
        kept=count,
        placed=placed,
    )


def _candidates(fix: Fixing, module: np.ndarray, start: np.ndarray, k: int) -> np.ndarray:
    """The heuristic's modules and the ``k + EXTRA`` modules of lowest score (prob columns:
    ``fix.units`` and ``problem_of(fix.domain).units`` are both ``tuple(dom.units)``)."""
    mods = np.flatnonzero(module)
    best = mods[np.argsort(fix.score[mods], kind="stable")[: k + EXTRA]]
    out = np.zeros(len(module), dtype=bool)
    out[best] = True
    out[start[module[start]]] = True
    return out


class Cancel:
    """Ends a phase running in another thread: no sub-model starts once set, and the one
    running is stopped (``stop`` may be called again until the thread has ended: a sub-model
    that had not started its search when it was first called is stopped then)."""

    def __init__(self) -> None:
        self._set = threading.Event()
        self.solver = None  # the CP-SAT solver of the sub-model running, if any

    def is_set(self) -> bool:
        return self._set.is_set()

    def stop(self) -> None:
        self._set.set()
        solver = self.solver
        if solver is not None:
            solver.stop_search()


class _Search:
    """CP-SAT sub-models on the arrays: households placed again over a set of units."""

    def __init__(
        self,
        prob: Problem,
        module: np.ndarray,
        seed: int,
        cancel: Cancel | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.prob, self.module, self.seed, self.work = prob, module, seed, 0.0
        self.cancel = cancel or Cancel()
        self.clock = clock or unlimited()
        allowed = prob.allowed.astype(np.int64)
        self.near = allowed.T @ allowed  # households allowed in both units
        np.fill_diagonal(self.near, -1)
        self.cost_int = np.where(prob.allowed, np.round(np.nan_to_num(prob.cost, posinf=0)), 0)
        self.setup = np.round(prob.setup)  # integer, as the sub-models count it

    def cost(self, at: np.ndarray) -> float:
        """The arrays' cost of a placement housing everyone (unit column per household)."""
        used = np.unique(at)
        return float(self.cost_int[np.arange(len(at)), at].sum() + self.setup[used].sum())

    def restricted(self, at: np.ndarray, k: int, allowed: np.ndarray, budget: float) -> np.ndarray:
        """Everyone placed again on ``allowed`` units with exactly ``k`` modules put up (``at``,
        on more modules, is no hint)."""
        units = np.flatnonzero(allowed | ~self.module)
        found = self._solve(np.arange(len(at)), units, at, k, budget, exact=True, hinted=False)
        return found if found is not None and self.cost(found) < self.cost(at) else at

    def neighbourhoods(self, at: np.ndarray, budget: float) -> np.ndarray:
        """Large-neighbourhood search over the modules in use (see the module), until
        ``budget`` is spent, the phase is cancelled, or ``STALE`` of a round of pivots in a row
        finds nothing."""
        spent, stale, turn = self.work, 0, 0
        while self.work - spent < budget and not self.cancel.is_set():
            if self.clock.passed():
                break
            used = np.unique(at[self.module[at]])
            if stale >= STALE * len(used):
                break
            pivot = used[turn % len(used)]
            turn += 1
            order = np.argsort(-self.near[pivot], kind="stable")
            opened = np.concatenate([[pivot], order[np.isin(order, used)][: OPEN - 1]])
            near = np.argsort(-self.near[opened].sum(axis=0), kind="stable")
            shut = near[self.module[near] & ~np.isin(near, used)][:CLOSED]
            units = np.concatenate([opened, shut, np.flatnonzero(~self.module)])
            rows = np.flatnonzero(np.isin(at, opened))
            found = self._solve(rows, np.unique(units), at, len(opened), SUB_BUDGET, exact=False)
            if found is not None and self.cost(found) < self.cost(at):
                at, stale = found, 0
            else:
                stale += 1
        return at

    def settle(self, at: np.ndarray, budget: float) -> np.ndarray:
        """Everyone placed again, exactly, on the modules in use and the standing units: the
        neighbourhoods move a few modules' households at a time, so they can end on the best
        modules without their best placement."""
        used = np.unique(at[self.module[at]])
        units = np.concatenate([used, np.flatnonzero(~self.module)])
        rows = np.arange(len(at))
        found = self._solve(rows, np.unique(units), at, len(used), budget, exact=False)
        return found if found is not None and self.cost(found) < self.cost(at) else at

    def exchange(self, at: np.ndarray, start: np.ndarray, budget: float) -> np.ndarray:
        """The heuristic's modules (``start``'s) with one exchanged: for each, its ``NEAREST``
        modules not among them (by allowed households shared); the exchanges ranked by the LP
        relaxation of the set they give (``relaxed.SetRelaxation``), the ``EVAL`` best placed
        exactly on their set (every module of it put up), each until one costs less than ``at``
        or ``budget`` is spent (the LPs counted in it, ``LP_WORK``, at most half of it)."""
        if budget <= 0:
            return at
        spent, base = self.work, np.unique(start[self.module[start]])
        ranked = self._ranked(base, budget / 2)
        rows, standing = np.arange(len(at)), np.flatnonzero(~self.module)
        for value, a, b in ranked[:EVAL]:
            left = budget - (self.work - spent)
            if left <= 0 or self.cancel.is_set() or self.clock.passed():
                break
            if value > self.cost(at) - 0.5:
                break  # the LP bounds the set's cost (integer costs): none below ``at``'s
            units = np.concatenate([base[base != a], [b], standing])
            found = self._solve(
                rows, units, at, len(base), min(SUB_BUDGET, left), exact=True, hinted=False
            )
            if found is not None and self.cost(found) < self.cost(at):
                return found
        return at

    def _ranked(self, base: np.ndarray, budget: float) -> list[tuple[float, int, int]]:
        """(LP cost of the set with setups, module out, module in) for each exchange, lowest
        first, until ``budget`` is spent on the LPs or the phase is cancelled."""

        spent, ranked = self.work, []
        lp = SetRelaxation(self.prob, self.cost_int)
        per_lp = LP_WORK * self.prob.allowed.sum() / 1000
        for a, b, units in self._exchanges(base):
            if self.work - spent >= budget or self.cancel.is_set() or self.clock.passed():
                break
            ranked.append((lp.value(units) + self.setup[units].sum(), a, b))
            self.work += per_lp
        return sorted(ranked)

    def _exchanges(self, base: np.ndarray) -> Iterator[tuple[int, int, np.ndarray]]:
        """(module in ``base``, module not in it, the units then open) for each exchange."""
        closed = self.module & ~np.isin(np.arange(len(self.module)), base)
        for a in base:
            order = np.argsort(-self.near[a], kind="stable")
            for b in order[closed[order]][:NEAREST]:
                units = ~self.module
                units[base[base != a]] = True
                units[b] = True
                yield int(a), int(b), units

    def _solve(
        self,
        rows: np.ndarray,
        units: np.ndarray,
        at: np.ndarray,
        modules: int,
        budget: float,
        *,
        exact: bool,
        hinted: bool = True,
    ) -> np.ndarray | None:
        """Place ``rows`` again on ``units`` (everyone housed, the others kept where they are)
        with exactly (``exact``) or at most ``modules`` modules put up, below the current cost;
        one worker, ``linearization_level = 2``. The placement, or None."""
        from ortools.sat.python import cp_model

        p, cp = self.prob, cp_model.CpModel()
        up = {int(u): cp.new_bool_var(f"put_up[{u}]") for u in units if self.module[u]}
        x, terms = {}, []
        for h in rows:
            here = [int(u) for u in units if p.allowed[h, u]]
            if not here:
                return None
            for u in here:
                x[int(h), u] = cp.new_bool_var(f"assign[{h}->{u}]")
                terms.append((int(self.cost_int[h, u]), x[int(h), u]))
            cp.add_exactly_one(x[int(h), u] for u in here)
        kept = np.setdiff1d(np.arange(len(at)), rows)
        for u in units:
            load = int(p.weight[kept, u][at[kept] == u].sum())
            here = [(int(p.weight[h, u]), v) for (h, v2), v in x.items() if v2 == u]
            beds = int(p.capacity[u]) - load
            if int(u) in up:
                cp.add(sum(w * v for w, v in here) <= beds * up[int(u)])
                for _, v in here:
                    cp.add_implication(v, up[int(u)])
            elif here:
                cp.add(sum(w * v for w, v in here) <= beds)
        if exact:
            cp.add(sum(up.values()) == modules)
        else:
            cp.add(sum(up.values()) <= modules)
        setup = sum(int(self.setup[u]) * v for u, v in up.items())
        objective = sum(c * v for c, v in terms) + setup
        here = np.unique(at[rows])
        now = int(self.cost_int[rows, at[rows]].sum() + self.setup[here[self.module[here]]].sum())
        cp.add(objective <= now - 1)
        cp.minimize(objective)
        if hinted:
            for (h, u), v in x.items():
                cp.add_hint(v, bool(at[h] == u))
            for u, v in up.items():
                cp.add_hint(v, bool((at[rows] == u).any()))
        solver = self.cancel.solver = cp_model.CpSolver()
        if self.cancel.is_set() or self.clock.passed():
            return None
        run(
            _Model(cp),
            workers=1,
            seed=self.seed,
            budget=budget,
            interleave=False,
            solver=solver,
            clock=self.clock,
            linearization_level=2,
        )
        self.cancel.solver = None
        self.work += solver.deterministic_time + MODEL_WORK
        if self.cancel.is_set() or solver.status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        out = at.copy()
        for (h, u), v in x.items():
            if solver.boolean_value(v):
                out[h] = u
        return out


class _Model:
    """What ``stages.run`` reads of a model: its ``cp``."""

    def __init__(self, cp) -> None:
        self.cp = cp
