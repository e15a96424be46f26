"""Make a capacity plan: build the model, solve it deterministically, extract plan and totals."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from capacity.errors import UserError
from capacity.io.layers import Registry
from capacity.model.homes import fit_tables
from capacity.numbers import decimal
from capacity.planning import demand as dem
from capacity.planning.deadline import (
    CHILD_MIN,
    CUT,
    KILL_AFTER,
    Late,
    TimedModel,
    finite,
    fits,
    too_short,
    wall,
)
from capacity.planning.feasible import no_plan
from capacity.planning.model import (
    DAYS,
    HARD_RULES,
    WEIGHT,
    PlanModel,
    _down,
    closed_from,
    sample_tree,
)
from capacity.planning.option_checks import standing_available
from capacity.planning.scenario import Scenario
from capacity.planning.supply import Supply, held_homes, supply
from capacity.planning.terms import COST_TERMS, TERMS
from capacity.solver.highs import solve_highs
from capacity.solver.linear import linear_form

_HIGHS = {
    "OPTIMAL": "optimal",
    "TIME_LIMIT": "feasible",
    "INFEASIBLE": "infeasible",
    "NO_SOLUTION": "unknown",
    "KILLED": "unknown",
    "ERROR": "error",
}
BRANCH_WEIGHT = 1000  # integer weight of a sample per unit of its branch's probability
GAP = 0.005  # stop within 0.5 % of the bound (the target is 1 %)
VALUE_SHARE = 0.4  # of the time left once the plan's model is built: the value of uncertainty
VALUE_MIN = 2.0  # seconds: with less than this for it, the value of uncertainty gets no share
TAIL_SHARE = 0.05  # of the limit at most, kept after the plan's search for its tables and files
PLAN_COLUMNS = [
    "site_id",
    "month",
    "modules_up",
    "modules_standing",
    "modules_down",
    "beds",
    "cost",
    "binding",
]


@dataclass(frozen=True)
class PlanResult:
    """A solved plan: the actions, the objective terms and a summary (no solver objects).

    Attributes
    ----------
    plan : one row per site and month (``PLAN_COLUMNS``); pavilion actions on the path of the
        median sample (by total demand) of the most probable branch; ``binding`` marks the
        months shared by all samples.
    terms : ``term, weight, subject, month, amount, weighted, text`` (Danish), expected over
        the samples; ``weighted`` sums to ``summary["objective"]``.
    shortage : expected and worst persons short per month (``month, expected, worst``).
    summary : cost by kind, per-term totals, shortage person-months, status, gap, seed, ...
    supply, demand : the inputs (for explanations).
    modules : one row per module type and month (``MODULE_COLUMNS``) on the same path.
    branches : with several branches of the scenario, the modules of every branch on the path of
        its median sample (``BRANCH_COLUMNS``: the branch's name and ``Branch.key``, then
        ``MODULE_COLUMNS``); None with one branch. With ``groups=1`` a branch's decisions are the
        same on all its paths, so this is the plan of that branch exactly.
    """

    plan: pd.DataFrame
    terms: pd.DataFrame
    shortage: pd.DataFrame
    summary: dict
    supply: Supply
    demand: np.ndarray
    modules: pd.DataFrame
    branches: pd.DataFrame | None = None

    def by_term(self) -> dict[str, float]:
        """Totals per term, in the order of ``TERMS``."""
        return self.summary["terms"]


def make_plan(
    reg: Registry,
    sc: Scenario,
    *,
    samples: int = 20,
    risk: float | None = None,
    seed: int = 0,
    time_limit: float = 30.0,
    shared: int | None = None,
    groups: int = 1,
    plan_supply: Supply | None = None,
    value: bool = False,
    progress: Callable[[float, float | None], None] | None = None,
    started: float | None = None,
) -> PlanResult:
    """Plan pavilion sites and modules over the scenario's horizon.

    Parameters
    ----------
    reg, sc : the registry (supply, residents, policy) and the scenario (demand, branches).
    samples : demand paths per branch of the scenario (ignored when ``risk`` is given).
    risk : plan for the ``risk`` quantile of demand per month (one path) instead of samples.
    seed : seed of the demand samples; same inputs and seed give the same plan.
    time_limit : wall-clock seconds from the call (building the model included), or from
        ``started`` when given; every build and HiGHS child ends by then (a child at most
        ``deadline.KILL_AFTER`` later, with its best point). The plan's search ends the time
        its model took to build (at most ``TAIL_SHARE`` of the limit) earlier, and the value of
        uncertainty that whole time earlier: the tables, the files and freeing the models take
        about as long.
    shared : months whose decisions all samples share; default the longest lead time or notice
        (at least 1).
    groups : groups of samples (by total demand) per branch whose later decisions may differ
        (1: one plan per branch, decisions adapt only to what is known: the branch).
    plan_supply : a prepared ``Supply`` (e.g. with pavilion sites removed for option C).
    value : also solve the plan made on the average path and the wait-and-see plans, and report
        the value of planning for uncertainty (``value_of_uncertainty``). The plan comes first:
        the value gets ``VALUE_SHARE`` of the time left once the plan's model is built (none
        when that is under ``VALUE_MIN``) and whatever the plan leaves; its parts that the
        limit leaves no time for are skipped and named in the summary.
    progress : called with (objective, bound), in the summary's units, for each better plan the
        search finds.
    started : ``time.perf_counter()`` at the start of the run (default: the call), e.g. the
        command's start, so that loading the inputs counts against ``time_limit``.

    The summary's ``stopped_by`` says which limit ended the run: ``optimal`` (the plan proven
    optimal), ``deterministic`` (its gap target ended the search: same input and seed, same
    plan) or ``wall_clock`` (the time limit cut the plan's search or a part of the value of
    uncertainty).

    Raises
    ------
    TimeLimitTooShort
        When the limit ends before the plan's model is built or before HiGHS finds a plan,
        saying how long loading and building took and a limit to try.

    Returns
    -------
    PlanResult
    """
    if samples < 1 or (risk is not None and not 0 < risk < 1):
        raise UserError(
            "Brug --samples >= 1 og en --risk mellem 0 og 1 (ikke 0 eller 1), fx --risk 0.9."
        )
    started = time.perf_counter() if started is None else started
    deadline = started + finite(time_limit)
    if time.perf_counter() >= deadline:
        raise too_short(time_limit, time.perf_counter() - started, built=False)
    sup = plan_supply or supply(reg, sc)
    if plan_supply is None:
        standing_available(sup, reg.sites)
    dm = dem.demand_model(reg, sc)
    branches = sc.branches()
    if risk is not None:
        paths = dem.quantile_path(dm, risk, seed)[None, :]
        need = dem.quantile_homes(dm, risk, seed)[None, :, :]
        branch, w = np.zeros(1, np.int64), np.array([WEIGHT], np.int64)
        branches = [dataclasses.replace(branches[0], name="", probability=1.0)]
        known = np.zeros((1, sc.horizon_months), np.int64)
    else:
        paths, need, branch, w = _samples(dm, branches, samples, seed)
        known = branches_known(sc)
    need = need + held_homes(sup).displaced[None, :, :]
    if shared is None:
        shared = default_shared(sup, sc)
    shared = max(1, min(shared, sc.horizon_months))
    node = sample_tree(paths, branch, known, shared, groups)
    begin = time.perf_counter()
    try:
        m = build(sup, paths, need, node, w, branch, shared, reg.policy, until=deadline)
    except Late:
        raise too_short(time_limit, time.perf_counter() - started, built=False) from None
    took = time.perf_counter() - begin
    later = VALUE_SHARE * (deadline - time.perf_counter())
    later = later if value and later >= VALUE_MIN else 0.0  # kept for the value of uncertainty
    tail = min(took, TAIL_SHARE * time_limit)  # the tables, the files, freeing the model
    solver, status = run(m, deadline - later - tail, progress=progress, built=took)
    if solver is None:
        if status != "time_limit":
            raise no_plan(m.sup, m.policy, status)
        raise too_short(time_limit, begin + took - started, built=True)
    info = dict(
        status=_status(solver),
        seed=seed,
        samples=len(paths),
        groups=groups,
        risk=risk,
        scenario=sc.name,
        start=sc.month_labels()[0],
        horizon_months=sc.horizon_months,
        shared_months=m.shared,
        branches=[
            dict(
                name=b.name,
                probability=b.probability,
                samples=int((branch == i).sum()),
                waves=b.key,
            )
            for i, b in enumerate(branches)
        ],
    )
    res = extract(m, solver, info, branch)
    cut = solver.cut
    if value:
        vou = value_of_uncertainty(m, solver, deadline - took)
        res.summary["value_of_uncertainty"] = vou
        cut = cut or vou["cut_by_time_limit"]
    res.summary["stopped_by"] = stopped_by(solver, cut)
    return res


def stopped_by(solver: Solved, cut: bool) -> str:
    """Which limit ended the run (as ``place``'s ``summary.json`` says it): ``wall_clock`` when
    the time limit cut the plan's search or a part of the value of uncertainty (``cut``), else
    ``optimal`` when the plan is proven optimal, else ``deterministic`` (the gap target)."""
    if cut or solver.cut:
        return "wall_clock"
    return "optimal" if _status(solver) == "optimal" else "deterministic"


def _samples(dm, branches, samples: int, seed: int):
    """Demand paths, households by kind, branch and integer weight of every sample.

    One branch draws as it always has (``PLAN``); with several, each branch draws ``samples``
    paths of its own expected arrivals from its own seed sequence; a branch of probability 0 has
    no samples. Every branch has as many samples, so a sample's weight is its branch's probability
    in units of ``BRANCH_WEIGHT`` (exact to 1/1000 whatever the number of samples).
    """
    if len(branches) == 1:
        paths = dem.demand_paths(dm, samples, seed, dem.PLAN)
        need = dem.demand_homes(dm, samples, seed, dem.PLAN)
        w = np.full(samples, WEIGHT // samples or 1, np.int64)
        return paths, need, np.zeros(samples, np.int64), w
    paths, needs, branch, w = [], [], [], []
    for b, br in enumerate(branches):
        if br.probability <= 0:
            continue
        dmb = dem.branch_model(dm, b)
        purpose = dem.PLAN * 100 + b + 1
        paths.append(dem.demand_paths(dmb, samples, seed, purpose))
        needs.append(dem.demand_homes(dmb, samples, seed, purpose))
        branch.append(np.full(samples, b, np.int64))
        w.append(np.full(samples, max(round(BRANCH_WEIGHT * br.probability), 1), np.int64))
    return np.concatenate(paths), np.concatenate(needs), np.concatenate(branch), np.concatenate(w)


def branches_known(sc: Scenario) -> np.ndarray:
    """``known[b, t]``: the class of branch b in month t; branches of one class are not told
    apart yet. A branch is known from the start month of each uncertain wave."""
    branches, T = sc.branches(), sc.horizon_months
    waves = sc.arrivals.waves
    out = np.zeros((len(branches), T), np.int64)
    for t in range(T):
        seen = {}
        for b, br in enumerate(branches):
            key = tuple(i in br.waves for i in br.uncertain if waves[i].start - 1 <= t)
            out[b, t] = seen.setdefault(key, len(seen))
    return out


def build(
    sup: Supply,
    paths: np.ndarray,
    need: np.ndarray,
    node: np.ndarray,
    w: np.ndarray,
    branch: np.ndarray,
    shared: int,
    policy,
    until: float | None = None,
    then: float = 0.0,
) -> PlanModel:
    """The plan model with its rules and terms (see ``capacity.planning.model``).

    With ``until`` (``time.perf_counter()``), building raises ``deadline.Late`` once it has
    passed, or once the time built so far, taken ``then`` times again, would pass it
    (``deadline.TimedModel``)."""
    cp = cp_model.CpModel() if until is None else TimedModel(until, then)
    m = PlanModel(cp, sup, paths, shared, policy, node, w, need, branch)
    for rule in HARD_RULES:
        rule(m)
    for term in TERMS:
        term(m)
    m.cp.minimize(
        cp_model.LinearExpr.weighted_sum([e.var for e in m.entries], [e.coef for e in m.entries])
    )
    if isinstance(cp, TimedModel):
        cp.done()
    return m


def first_stage(m: PlanModel, keys: list[tuple] | None = None) -> list:
    """The decisions taken at the root node (binding now): orders, purchases, moves and open
    sites of the months before ``shared``, and take-downs decided then (a take-down in month t
    is decided at t - notice). ``keys`` picks the same decisions of another model of the same
    supply (``first_stage_keys``)."""
    keys = first_stage_keys(m) if keys is None else keys
    return [getattr(m, name)[0, q, t] for name, q, t in keys]


def first_stage_keys(m: PlanModel) -> list[tuple]:
    """``(variable family, type or site, month)`` of every root decision of ``m``."""
    out = []
    for name in ("up", "rent_down", "own_down", "bought", "moved", "is_open"):
        out += [(name, q, t) for (n, q, t) in getattr(m, name) if n == 0 and t < m.months]
    return [k for k in out if k[0] not in ("up", "bought", "moved", "is_open") or k[2] < m.shared]


def value_of_uncertainty(m: PlanModel, rp: Solved, until: float) -> dict:
    """The value of planning for uncertainty and the wait-and-see bound (DKK, expected), each
    part ending by ``until`` (``time.perf_counter()``).

    - ``average_path``: the plan made on the average path (the samples' weighted mean demand),
      its decisions binding now kept, everything later re-planned on the same samples. Its
      expected cost minus the stochastic plan's is the value of the stochastic solution; both
      are solved within a gap, so it is given as the range the two bounds allow
      (``value_of_stochastic_solution_low`` .. ``_high``, the low end at least 0), and as exactly
      0 when the average path takes the same binding decisions.
    - ``wait_and_see_bound``: a lower bound on the expected cost with the future known (every
      sample planned alone): no plan can do better; the stochastic plan's cost minus it bounds
      the expected value of perfect information from above.

    A part the time left no room for, or that found no plan, is None, and ``skipped`` names it
    with the reason (``time_limit`` or the solver's status); ``complete`` is true when every
    part was computed and no search of theirs was cut by the time limit (their values then do
    not depend on the machine); ``cut_by_time_limit`` whether the time limit skipped a part or
    cut a search (a part without a plan for another reason is not the limit's doing).
    """
    W = m.total_weight
    out: dict = dict(
        stochastic=rp.objective_value / W,
        stochastic_bound=rp.best_objective_bound / W,
        average_path=None,
        same_binding_decisions=None,
        value_of_stochastic_solution_low=None,
        value_of_stochastic_solution_high=None,
        wait_and_see_bound=None,
        value_of_perfect_information_at_most=None,
    )
    skipped, cut = {}, False
    try:
        path, state = _average_path(m, rp, until)
    except Late:
        path, state = {}, "time_limit"
    out.update(path)
    if state in ("done", "cut"):
        cut = state == "cut"
    else:
        skipped["average_path"] = state
    bound, state = _wait_and_see(m, until)
    if bound is not None:
        out["wait_and_see_bound"] = bound / W
        out["value_of_perfect_information_at_most"] = max(0.0, rp.objective_value - bound) / W
        cut = cut or state == "cut"
    else:
        skipped["wait_and_see_bound"] = state
    out.update(
        skipped=skipped,
        complete=not skipped and not cut,
        cut_by_time_limit=cut or "time_limit" in skipped.values(),
    )
    return out


def _average_path(m: PlanModel, rp: Solved, until: float) -> tuple[dict, str]:
    """The average path's part of ``value_of_uncertainty`` and how it ended: ``done``, ``cut``
    (a search cut by the time limit), or why it has no values (``time_limit``, a status). Its
    two solves share the time to ``until`` with the wait-and-see bound (a third each, the one
    left over to the next); building raises ``Late`` once reading the model into HiGHS's form
    and a child could no longer follow by ``until``."""
    W = m.total_weight
    mean_need = np.rint((m.need * m.w[:, None, None]).sum(axis=0) / W).astype(np.int64)
    mean_path = np.rint((m.demand * m.w[:, None]).sum(axis=0) / W).astype(np.int64)
    one = np.zeros((1, m.months), np.int64)
    begin = time.perf_counter()
    ev = build(
        m.sup,
        mean_path[None],
        mean_need[None],
        one,
        np.array([WEIGHT]),
        one[:, 0],
        m.shared,
        m.policy,
        until=until - CHILD_MIN,
        then=1.0,
    )
    ev_sol, status = run(ev, _slot(until, 3), built=time.perf_counter() - begin)
    if ev_sol is None:
        return {}, status
    keys = first_stage_keys(m)
    values = [int(round(ev_sol.value(a))) for a in first_stage(ev, keys)]
    same = values == [int(round(rp.value(b))) for b in first_stage(m, keys)]
    eev = rp
    if not same:
        begin = time.perf_counter()
        fixed = build(
            m.sup,
            m.demand,
            m.need,
            m.node,
            m.w,
            m.branch,
            m.shared,
            m.policy,
            until - CHILD_MIN,
            1.0,
        )
        for b, v in zip(first_stage(fixed, keys), values, strict=True):
            fixed.cp.add(b == v)
        eev, status = run(fixed, _slot(until, 2), built=time.perf_counter() - begin)
        if eev is None:
            return {}, status
    low = 0.0 if same else max(0.0, (eev.best_objective_bound - rp.objective_value) / W)
    high = 0.0 if same else max(0.0, (eev.objective_value - rp.best_objective_bound) / W)
    part = dict(
        average_path=eev.objective_value / W,
        same_binding_decisions=same,
        value_of_stochastic_solution_low=low,
        value_of_stochastic_solution_high=high,
    )
    return part, "cut" if ev_sol.cut or (eev is not rp and eev.cut) else "done"


def _slot(until: float, parts: int) -> float:
    """The deadline of the next of ``parts`` solves that share the time to ``until`` evenly."""
    now = time.perf_counter()
    return now + max(until - now, 0.0) / parts


def _wait_and_see(m: PlanModel, until: float) -> tuple[float | None, str]:
    """The wait-and-see model's lower bound (``_bound``) by ``until`` and how it ended, or None
    and ``time_limit`` when building it and reading it into HiGHS's form leave no time."""
    tree = np.arange(m.samples, dtype=np.int64)[:, None] + np.zeros((1, m.months), np.int64)
    begin = time.perf_counter()
    try:
        ws = build(
            m.sup, m.demand, m.need, tree, m.w, m.branch, 0, m.policy, until - CHILD_MIN, 1.0
        )
    except Late:
        return None, "time_limit"
    if not fits(until, time.perf_counter() - begin):  # reading the form takes about as long
        return None, "time_limit"
    return _bound(_form(ws), until)


def _bound(form, until: float) -> tuple[float | None, str]:
    """A lower bound on the form's optimum by ``until``: the MIP's best bound (searched to
    ``GAP``), else its LP relaxation's optimum, and how it ended (``done``, or ``cut`` when the
    time limit ended the MIP); None and why when neither is found. The MIP gets half the time
    when that leaves the LP room for a child of its own."""
    threads = os.cpu_count() or 1
    now, cut = time.perf_counter(), False
    if until - now >= 2 * CHILD_MIN:
        mip = now + (until - now) / 2
        out = solve_highs(
            form,
            time_limit=mip - now,
            threads=threads,
            rel_gap=GAP,
            grace=KILL_AFTER,
            deadline=wall(mip),
        )
        if out.bound is not None and np.isfinite(out.bound):
            return float(out.bound), "cut" if out.status in CUT else "done"
        cut = out.status in CUT  # the limit, not the model, chose the LP's bound
    if not fits(until):
        return None, "time_limit"
    left = until - time.perf_counter()
    lp = solve_highs(form, time_limit=left, relax=True, grace=KILL_AFTER, deadline=wall(until))
    if lp.status == "OPTIMAL" and lp.objective is not None:
        return float(lp.objective), "cut" if cut else "done"
    return None, "time_limit" if lp.status in CUT else _HIGHS.get(lp.status, lp.status)


@dataclass(frozen=True)
class Solved:
    """The values of a solved plan model (HiGHS's columns read back by CP-SAT variable)."""

    values: np.ndarray
    objective_value: float
    best_objective_bound: float
    status: str
    wall_time: float
    cut: bool = False  # the time limit ended the search (its values depend on the machine)

    def value(self, var) -> float:
        """The value of a model variable, or a constant as is."""
        if isinstance(var, int | float | np.integer):
            return float(var)
        v = float(self.values[var.index])
        return float(round(v)) if abs(v - round(v)) < 1e-6 else v


def continuous(m: PlanModel) -> np.ndarray:
    """Column indices of the variables that need not be integer.

    Variables whole whenever the decisions are (``implied_integer``); beds above a district's
    share, households short, and households housed in a kind of home
    that one household takes whole: there the homes are a flow (kinds of household to kinds of
    home), whose relaxation has whole solutions when the homes are whole. A family (or a
    household that may not share) in a shareable home stays integer: a fraction of it would
    leave beds to adults, and a family never shares (``hard.one_family_per_unit``). Adults
    sharing a home count by their persons against its beds and may be counted in fractions
    (the scenario runs place them whole).
    """
    sup = m.sup
    _, share = fit_tables(sup.kinds, sup.classes)
    whole = [
        v.index
        for (_s, _t, h, c), v in m.housed.items()
        if sup.classes[c].shareable and (sup.kinds[h].family or not share[h, c])
    ]
    relaxed = (m.excess, m.housed, m.short, *implied_integer(m))
    cols = {v.index for d in relaxed for v in d.values() if not isinstance(v, int)} - set(whole)
    return np.array(sorted(cols), dtype=np.int64)


def implied_integer(m: PlanModel) -> tuple[dict, ...]:
    """Variables whole whenever the decisions are (sums and balances of orders, take-downs,
    purchases, moves and open sites), left to the solver as continuous columns."""
    return (m.ordered, m.owned, m.rented, m.moved_total, m.opened, m.closed, m.homes, m.beds)


def _form(m: PlanModel):
    """The model as a linear form for HiGHS, the continuous columns marked."""
    form = linear_form(m.cp)
    integer = form.integer.copy()
    integer[continuous(m)] = False
    return dataclasses.replace(form, integer=integer)


def keep_start(m: PlanModel) -> tuple[np.ndarray, np.ndarray]:
    """A starting point for the solver: every module standing today stays while its site is
    available (taken down when it no longer is), nothing ordered, bought or moved; HiGHS
    completes the rest. It is a plan whenever any plan exists, so a run cut by the time limit
    still returns one."""
    mod, sup = m.sup.mod, m.sup
    val: dict[int, float] = {}

    def put(var, value: float) -> None:
        if not isinstance(var, int):
            val[var.index] = float(value)

    stand = np.zeros((mod.types, m.months), np.int64)
    closed = closed_from(sup, m.months)
    for q in m.types():
        avail = sup.available[mod.site[q]] & (np.arange(m.months) < closed[mod.site[q]])
        stand[q] = np.where(np.cumprod(avail), int(mod.now[q]), 0)
        drop = np.concatenate([[int(mod.now[q])], stand[q, :-1]]) - stand[q]
        for t in range(m.months):
            for n in m.nodes(t):
                put(m.up[n, q, t], 0)
                put(m.ordered[n, q, t], 0)
                rented = (n, q, t) in m.rented and not mod.buy_now[q]
                put(m.rented.get((n, q, t), 0), stand[q, t] if rented else 0)
                put(m.owned[n, q, t], 0 if rented else stand[q, t])
                bought = int(mod.now[q]) if mod.buy_now[q] and t == 0 else 0
                put(m.bought.get((n, q, t), 0), bought)
                for d in (m.moved, m.moved_total):
                    put(d.get((n, q, t), 0), 0)
                if t >= mod.notice[q]:
                    d0 = m.anc(n, t - int(mod.notice[q]))
                    put(m.rent_down.get((d0, q, t), 0), drop[t])
                    put(m.own_down.get((d0, q, t), 0), 0 if rented else drop[t])
                    if not rented:
                        put(m.rent_down.get((d0, q, t), 0), 0)
    site_open = (sup.site_modules(stand) > 0).astype(float)
    for (n, p, t), y in m.is_open.items():
        put(y, site_open[p, t])
        before = site_open[p, t - 1] if t else float(sup.open_now[p])
        put(m.opened[n, p, t], max(0.0, site_open[p, t] - before))
        put(m.closed[n, p, t], max(0.0, before - site_open[p, t]))
    cols = np.array(sorted(val), np.int64)
    return cols, np.array([val[c] for c in cols], np.float64)


def run(
    m: PlanModel,
    until: float,
    progress: Callable[[float, float | None], None] | None = None,
    built: float = 0.0,
) -> tuple[Solved | None, str]:
    """Solve with HiGHS in a child process that ends by ``until`` (``time.perf_counter()``);
    ``progress`` gets each improving (objective, bound) in the summary's units. Returns the
    solved plan and its status, or None and why there is none: ``time_limit`` when the time
    left no room (the model built in ``built`` seconds is read into HiGHS's form only when
    that, about as long, leaves a child ``deadline.CHILD_MIN``) or the limit ended the search
    before a plan, else the solver's status (``infeasible``, ...).

    The search starts from the better of ``keep_start`` and the LP relaxation's integral part
    (``highs.relaxation_start``) and stops within ``GAP`` of the bound. The objective
    is the one of the values returned (``highs.run_highs`` keeps HiGHS's incumbent where the
    values it hands back are worse). The child is ended ``deadline.KILL_AFTER`` after
    ``until`` at the latest; its best point so far is the answer then.
    """
    begin = time.perf_counter()
    if not fits(until, built):
        return None, "time_limit"
    form = _form(m)
    start = keep_start(m)
    if not fits(until):
        return None, "time_limit"
    out = solve_highs(
        form,
        time_limit=until - time.perf_counter(),
        seed=0,
        threads=os.cpu_count() or 1,
        rel_gap=GAP,
        grace=KILL_AFTER,
        start=start,
        lp_start=True,
        deadline=wall(until),
        progress=None if progress is None else _per_weight(progress, m.total_weight),
    )
    status = _HIGHS.get(out.status, out.status)
    if out.values is None:
        return None, "time_limit" if out.status in CUT else status
    objective = _objective(form, out.values)
    bound = out.bound if out.bound is not None and np.isfinite(out.bound) else _floor(form)
    bound = min(float(bound), objective)
    cut = out.status in CUT
    return Solved(out.values, objective, bound, status, time.perf_counter() - begin, cut), status


def _per_weight(
    progress: Callable[[float, float | None], None], weight: float
) -> Callable[[float, float | None], None]:
    """``progress`` fed the model's objective and bound in the summary's units."""
    return lambda objective, bound: progress(
        objective / weight, None if bound is None else bound / weight
    )


def _floor(form) -> float:
    """A lower bound on the form's objective from its column bounds alone: each cost at the
    cheaper end of its column (the plan's columns are all bounded). It stands in for the
    solver's bound when the time limit ended the search before it had one, so that the summary
    never shows a bound above what the plan could cost (nor a gap of 0 not proven)."""
    used = form.cost != 0
    cost = form.cost[used]
    low = np.minimum(cost * form.col_lower[used], cost * form.col_upper[used])
    return float(low.sum() + form.offset)


def _objective(form, values: np.ndarray) -> float:
    """The objective of ``values`` (the form's costs and constant)."""
    return float(form.cost @ values + form.offset)


def extract(m: PlanModel, solver: Solved, info: dict, branch: np.ndarray) -> PlanResult:
    """Values of the solved model as frames and a summary whose terms sum to the objective."""
    W = m.total_weight
    terms = terms_frame(m, solver)
    short = shortage_persons(m, solver)
    rep = representative(m, branch, info["branches"])
    plan = plan_frame(m, solver, rep)
    modules = modules_frame(m, solver, rep)
    by_term = {
        t.__name__: float(terms.loc[terms["term"] == t.__name__, "weighted"].sum()) for t in TERMS
    }
    p = m.w / W
    shortage = pd.DataFrame(
        {"month": m.sup.months, "expected": p @ short, "worst": short.max(axis=0)}
    )
    summary = dict(
        info,
        objective=solver.objective_value / W,
        bound=solver.best_objective_bound / W,
        gap=_gap(solver),
        terms=by_term,
        cost_by_kind={t.__name__: by_term[t.__name__] for t in COST_TERMS},
        shortage_person_months=float(p @ short.sum(axis=1)),
        shortage_person_days=float(p @ short.sum(axis=1) * DAYS),
        representative_sample=rep,
        round_trips=round_trips(m, solver),
        wall_seconds=solver.wall_time,
    )
    per_branch = branches_frame(m, solver, branch, info["branches"])
    return PlanResult(plan, terms, shortage, summary, m.sup, m.demand, modules, per_branch)


# cost terms of the plan model that are not the plan's spending: the runs give the emergency
# housing, and what stands at the horizon's end is a value, not money spent
NOT_PLAN_COST = ("emergency", "horizon_end")


def expected_spending(summary: dict) -> float:
    """The plan's spending (DKK), expected over its samples and branches: ``cost_by_kind`` of its
    summary less ``NOT_PLAN_COST``."""
    return float(
        sum(v for k, v in summary.get("cost_by_kind", {}).items() if k not in NOT_PLAN_COST)
    )


def representative(m: PlanModel, branch: np.ndarray, branches: list[dict]) -> int:
    """The sample whose path the plan shows: the median by total demand of the most probable
    branch (the first of equals)."""
    probs = [b["probability"] if b["samples"] else -1.0 for b in branches]
    return median_sample(m, branch, int(np.argmax(probs)))


def median_sample(m: PlanModel, branch: np.ndarray, b: int) -> int:
    """The median sample by total demand of branch ``b`` (the first of equals)."""
    rows = np.flatnonzero(branch == b)
    order = rows[np.argsort(m.demand[rows].sum(axis=1), kind="stable")]
    return int(order[(len(order) - 1) // 2])


def branches_frame(
    m: PlanModel, solver: Solved, branch: np.ndarray, branches: list[dict]
) -> pd.DataFrame | None:
    """The modules of every branch with samples on its median path (``BRANCH_COLUMNS``); None
    when the scenario has one branch."""
    if len(branches) < 2:
        return None
    frames = [
        modules_frame(m, solver, median_sample(m, branch, b)).assign(
            branch=info["name"], waves=info["waves"]
        )
        for b, info in enumerate(branches)
        if info["samples"]
    ]
    return pd.concat(frames, ignore_index=True)[BRANCH_COLUMNS]


def shortage_persons(m: PlanModel, solver: Solved) -> np.ndarray:
    """Persons short of a home per sample and month, shape (S, T)."""
    out = np.zeros((m.samples, m.months))
    for (s, t, h), v in m.short.items():
        out[s, t] += solver.value(v) * m.sup.kinds[h].persons
    return out


def round_trips(m: PlanModel, solver: Solved) -> list[dict]:
    """Modules taken down and ordered again later on the same path, per type.

    One row per (type, month down, month ordered), with the modules concerned (the fewer of the
    two), their cost (teardown plus setup) and the probability of the paths that make it.
    """
    mod, W = m.sup.mod, m.total_weight
    found: dict[tuple, list] = {}
    paths: dict[tuple, list[int]] = {}  # samples on the same nodes take the same decisions
    for s in range(m.samples):
        paths.setdefault(tuple(int(n) for n in m.node[s]), []).append(s)
    for nodes, samples in paths.items():
        for key in _trips_on(m, solver, nodes):
            found.setdefault(key, []).extend(samples)
    rows = []
    for (q, t0, t1, k), who in sorted(found.items()):
        rows.append(
            dict(
                type_id=mod.ids[q],
                site_id=m.sup.ids[mod.site[q]],
                down=m.sup.months[t0],
                up=m.sup.months[t1],
                modules=k,
                cost=float(k * (int(mod.teardown[q]) + int(mod.setup[q]))),
                probability=float(m.w[who].sum() / W),
            )
        )
    return rows


def _trips_on(m: PlanModel, solver: Solved, nodes: tuple[int, ...]) -> list[tuple]:
    """The round trips on one path of nodes: ``(type, month down, month ordered, modules)``, the
    earliest take-downs matched first by later orders."""
    out = []
    for q in m.types():
        downs: list[list[int]] = []  # [month, modules not yet matched by a later order]
        for t, n in enumerate(nodes):
            d = solver.value(_down(m, m.rent_down, n, q, t))
            d += solver.value(_down(m, m.own_down, n, q, t))
            if d > 0.5:
                downs.append([t, int(round(d))])
            up = int(round(solver.value(m.up[n, q, t])))
            while up and downs:
                k = min(up, downs[0][1])
                out.append((q, downs[0][0], t, k))
                up -= k
                downs[0][1] -= k
                if not downs[0][1]:
                    downs.pop(0)
    return out


TEXTS = {
    "setup": "{subject}: {amount} modul(er) bestilt i {month}",
    "month": "{subject}: {amount} modul(er) står i {month}",
    "teardown": "{subject}: {amount} modul(er) taget ned i {month}",
    "early_termination": "{subject}: {amount} lejet(e) modul(er) opsagt før lejeperiodens udløb "
    "i {month}",
    "purchase": "{subject}: {amount} lejet(e) modul(er) købt i {month}",
    "site_opening": "{subject}: grunden tages i brug i {month}",
    "site_closing": "{subject}: grunden ryddes og lukkes i {month}",
    "moves": "{subject}: {amount} bolig(er) med beboere flyttet i {month}",
    "horizon_end": "{subject}: {amount} modul(er) står ved horisontens slutning ({month}): "
    "nedtagning, resterende leje og restværdi",
    "horizon_end_site": "{subject}: grunden er i brug ved horisontens slutning ({month}): "
    "lukning af grunden",
    "emergency": "{month}: {amount} personer uden midlertidig bolig (forventet)",
    "transport": "{subject}, {month}: {amount} pavillonsenge × minutter til stationen",
    "buildings_first": "{subject}, {month}: {amount} senge i pavilloner",
    "spread": "{subject}, {month}: {amount} senge over distriktets andel",
}


def default_shared(sup: Supply, sc: Scenario) -> int:
    """The months whose decisions every sample shares by default: the longest lead time of a
    module that can be ordered (one arriving after the horizon aside) or notice, at least 1. The
    proposal gives every option the value of the whole supply, so that an option with fewer
    decisions does not adapt to demand sooner than the others and look cheaper for it."""
    mod, T = sup.mod, sc.horizon_months
    orders = mod.lead[(mod.most > 0) & (mod.lead < T)]  # a longer lead never arrives
    return int(max([*orders, *mod.notice, 1]))


def terms_frame(m: PlanModel, solver: Solved) -> pd.DataFrame:
    """``term, weight, subject, month, amount, weighted, text``, expected over the samples.

    ``weight`` is the price or policy weight per unit of ``amount``; ``weighted`` sums to the
    objective. The text says what the amount is (``TEXTS``): the horizon-end entries of a site
    still in use (``terms.horizon_end``: its closing cost, on the site's open variable) are kept
    apart from those of its modules, whose subject may be the same id. A row that costs nothing
    is kept where it counts something (``PlanModel.add``'s kept entries: owned modules taken
    down at a teardown equal to their residual value).
    """
    S = m.total_weight
    open_vars = {id(v) for v in m.is_open.values()}
    rows = [
        (
            e.term,
            e.coef // (e.copies * e.amount),
            e.subject,
            m.sup.months[e.month],
            "horizon_end_site" if e.term == "horizon_end" and id(e.var) in open_vars else e.term,
            solver.value(e.var) * e.amount * e.copies / S,
            solver.value(e.var) * e.coef / S,
        )
        for e in m.entries
    ]
    cols = ["term", "weight", "subject", "month", "text", "amount", "weighted"]
    terms = pd.DataFrame(rows, columns=cols).groupby(cols[:5], as_index=False, sort=True).sum()
    terms = terms[(terms["weighted"] != 0) | (terms["amount"] != 0)].reset_index(drop=True)
    terms["text"] = [
        TEXTS[r.text].format(subject=r.subject, month=r.month, amount=decimal(r.amount, most=2))
        for r in terms.itertuples()
    ]
    return terms[[*cols[:4], "amount", "weighted", "text"]]


def _status(solver: Solved) -> str:
    """``optimal`` only when proven; ``within_gap`` when stopped at the gap limit."""
    if solver.status == "optimal" and _gap(solver) > 1e-9:
        return "within_gap"
    return solver.status


def _gap(solver: Solved) -> float:
    obj, bound = solver.objective_value, solver.best_objective_bound
    return 0.0 if obj == bound else abs(obj - bound) / max(abs(obj), 1e-9)


def _path_values(m: PlanModel, solver: Solved, s: int, q: int, t: int) -> dict:
    """Decisions and counts of module type q in month t on sample s's path."""
    n = int(m.node[s, t])
    down_r = solver.value(_down(m, m.rent_down, n, q, t))
    down_o = solver.value(_down(m, m.own_down, n, q, t))
    rented = solver.value(m.rented.get((n, q, t), 0))
    owned = solver.value(m.owned[n, q, t])
    return dict(
        up=int(round(solver.value(m.up[n, q, t]))),
        down=int(round(down_r + down_o)),
        down_rented=int(round(down_r)),
        rented=int(round(rented)),
        owned=int(round(owned)),
        standing=int(round(rented + owned)),
        bought=int(round(solver.value(m.bought.get((n, q, t), 0)))),
        moved=int(round(solver.value(m.moved.get((n, q, t), 0)))),
    )


def _type_cost(m: PlanModel, q: int, t: int, v: dict) -> float:
    """DKK of module type q in month t for the values ``v`` of ``_path_values``."""
    mod = m.sup.mod
    early = int(mod.early[q]) if t < mod.lease_end[q] else 0
    moved = round(m.policy.limits.move_cost_dkk_per_household * float(mod.households_per_unit[q]))
    return float(
        v["up"] * int(mod.setup[q])
        + v["rented"] * int(mod.month[q])
        + v["owned"] * int(mod.owned_month[q])
        + v["down"] * int(mod.teardown[q])
        - (v["down"] - v["down_rented"]) * int(mod.residual[q])
        + v["down_rented"] * early
        + v["bought"] * int(mod.price[q])
        + v["moved"] * moved
    )


def _binding(m: PlanModel, q: int, t: int, v: dict) -> bool:
    """A decision of month t is binding now: taken in a month before ``shared``, or a take-down
    whose notice must be given before then."""
    return t < m.shared or bool(v["down"] and t - int(m.sup.mod.notice[q]) < m.shared)


MODULE_COLUMNS = [
    "site_id",
    "module_type_id",
    "month",
    "modules_up",
    "modules_standing",
    "modules_down",
    "modules_bought",
    "modules_rented",
    "units_moved",
    "homes",
    "beds",
    "cost",
    "binding",
]
BRANCH_COLUMNS = ["branch", "waves", *MODULE_COLUMNS]  # branches.csv: modules per branch


def modules_frame(m: PlanModel, solver: Solved, s: int) -> pd.DataFrame:
    """Per module type and month on sample s's path: modules ordered, standing, taken down,
    bought, rented, resident units moved off, homes, beds and cost (DKK)."""
    mod, rows = m.sup.mod, []
    for q in m.types():
        for t in range(m.months):
            v = _path_values(m, solver, s, q, t)
            rows.append(
                (
                    m.sup.ids[mod.site[q]],
                    mod.ids[q],
                    m.sup.months[t],
                    v["up"],
                    v["standing"],
                    v["down"],
                    v["bought"],
                    v["rented"],
                    v["moved"],
                    v["standing"] * int(mod.units[q]),
                    v["standing"] * int(mod.beds[q]),
                    _type_cost(m, q, t, v),
                    _binding(m, q, t, v),
                )
            )
    return pd.DataFrame(rows, columns=MODULE_COLUMNS)


def plan_frame(m: PlanModel, solver: Solved, s: int) -> pd.DataFrame:
    """The plan on sample s's path: per site and month modules up, standing, down, beds and cost
    (the module types of a site summed; a site's opening and closing costs in their month)."""
    sup, mod, rows = m.sup, m.sup.mod, []
    for j in range(sup.sites):
        for t in range(m.months):
            n = int(m.node[s, t])
            up = standing = down = 0
            beds = int(sup.building_beds[j, t])
            cost = 0.0
            binding = t < m.shared
            for q in mod.at(j):
                v = _path_values(m, solver, s, q, t)
                up, standing, down = up + v["up"], standing + v["standing"], down + v["down"]
                binding = binding or _binding(m, q, t, v)
                beds += v["standing"] * int(mod.beds[q])
                cost += _type_cost(m, q, t, v)
            cost += solver.value(m.opened.get((n, j, t), 0)) * int(sup.open_cost[j])
            cost += solver.value(m.closed.get((n, j, t), 0)) * int(sup.close_cost[j])
            rows.append((sup.ids[j], sup.months[t], up, standing, down, beds, cost, binding))
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)
