"""Make a capacity plan: build the model, solve it deterministically, extract plan and totals."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from capacity.errors import UserError
from capacity.io.layers import Registry
from capacity.planning import demand as dem
from capacity.planning.feasible import no_plan
from capacity.planning.model import DAYS, HARD_RULES, PlanModel, groups_by_demand
from capacity.planning.scenario import Scenario
from capacity.planning.supply import Supply, supply
from capacity.planning.terms import TERMS
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
GAP = 0.005  # stop within 0.5 % of the bound (the target is 1 %)
GRACE = 3.0  # seconds of the time limit kept for starting HiGHS's process and reading back
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
    plan : one row per site and month (``PLAN_COLUMNS``); pavilion actions of the group holding
        the median sample (by total demand); ``binding`` marks the months shared by all samples.
    terms : ``term, weight, subject, month, amount, weighted, text`` (Danish), expected over
        the samples; ``weighted`` sums to ``summary["objective"]``.
    shortage : expected and worst persons short per month (``month, expected, worst``).
    summary : cost by kind, per-term totals, shortage person-months, status, gap, seed, ...
    supply, demand : the inputs (for explanations).
    """

    plan: pd.DataFrame
    terms: pd.DataFrame
    shortage: pd.DataFrame
    summary: dict
    supply: Supply
    demand: np.ndarray

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
    groups: int = 5,
    plan_supply: Supply | None = None,
) -> PlanResult:
    """Plan pavilions up and down over the scenario's horizon.

    Parameters
    ----------
    reg, sc : the registry (supply, residents, policy) and the scenario (demand).
    samples : demand paths of the stochastic model (ignored when ``risk`` is given).
    risk : plan for the ``risk`` quantile of demand per month (one path) instead of samples.
    seed : seed of the demand samples; same inputs and seed give the same plan.
    time_limit : wall-clock seconds; the plan returns within it plus a few seconds.
    shared : months whose decisions all samples share; default the longest lead time (>= 1).
    groups : groups of samples (by total demand) whose later decisions may differ.
    plan_supply : a prepared ``Supply`` (e.g. with pavilion sites removed for option C).

    Returns
    -------
    PlanResult
    """
    if samples < 1 or (risk is not None and not 0 < risk < 1):
        raise UserError("Use --samples >= 1 and --risk strictly between 0 and 1 (e.g. 0.9).")
    sup = plan_supply or supply(reg, sc)
    dm = dem.demand_model(reg, sc)
    if risk is not None:
        paths = dem.quantile_path(dm, risk, seed)[None, :]
        need = dem.quantile_homes(dm, risk, seed)[None, :, :]
    else:
        paths = dem.demand_paths(dm, samples, seed, dem.PLAN)
        need = dem.demand_homes(dm, samples, seed, dem.PLAN)
    need = need + sup.resident_displaced[None, :, :]
    lead = int(sup.lead[sup.pavilion].max()) if sup.pavilion.any() else 1
    m = PlanModel(
        cp_model.CpModel(),
        sup,
        paths,
        max(1, lead if shared is None else shared),
        reg.policy,
        groups_by_demand(paths, groups),
        need,
    )
    for rule in HARD_RULES:
        rule(m)
    for term in TERMS:
        term(m)
    m.cp.minimize(
        cp_model.LinearExpr.weighted_sum([e.var for e in m.entries], [e.coef for e in m.entries])
    )
    solver = solve(m, time_limit)
    info = dict(
        status=_status(solver),
        seed=seed,
        samples=len(paths),
        groups=m.groups,
        risk=risk,
        scenario=sc.name,
        shared_months=m.shared,
    )
    return extract(m, solver, info)


@dataclass(frozen=True)
class Solved:
    """The values of a solved plan model (HiGHS's columns read back by CP-SAT variable)."""

    values: np.ndarray
    objective_value: float
    best_objective_bound: float
    status: str
    wall_time: float

    def value(self, var) -> float:
        """The value of a model variable, or a constant as is."""
        if isinstance(var, int | float | np.integer):
            return float(var)
        v = float(self.values[var.index])
        return float(round(v)) if abs(v - round(v)) < 1e-6 else v


def continuous(m: PlanModel) -> np.ndarray:
    """Column indices of the variables that need not be integer: beds above a district's share.

    Households housed and short stay integers: a shareable home takes one family or adults up to
    its beds, and the relaxation would house part of a family beside part of an adult."""
    return np.array([v.index for v in m.excess.values()], dtype=np.int64)


def solve(m: PlanModel, time_limit: float) -> Solved:
    """Solve with HiGHS in a child process ended at the wall-clock ``time_limit`` (seconds).

    The search stops
    within ``GAP`` of the bound. An infeasible plan names the pavilion sites and the cause
    (``feasible.no_plan``), in Danish.
    """
    form = linear_form(m.cp)
    integer = form.integer.copy()
    integer[continuous(m)] = False
    form = dataclasses.replace(form, integer=integer)
    threads = os.cpu_count() or 1
    out = solve_highs(
        form,
        time_limit=max(time_limit - GRACE, 1.0),
        seed=0,
        threads=threads,
        rel_gap=GAP,
        grace=GRACE,
    )
    status = _HIGHS.get(out.status, out.status)
    if out.values is None:
        raise no_plan(m.sup, m.policy, status)
    bound = out.bound if out.bound is not None and np.isfinite(out.bound) else out.objective
    return Solved(out.values, float(out.objective), float(bound), status, out.seconds)


def extract(m: PlanModel, solver: Solved, info: dict) -> PlanResult:
    """Values of the solved model as frames and a summary whose terms sum to the objective."""
    S = m.samples
    terms = terms_frame(m, solver)
    short = shortage_persons(m, solver)
    rep = int(np.argsort(m.demand.sum(axis=1), kind="stable")[(S - 1) // 2])
    plan = plan_frame(m, solver, int(m.group[rep]))
    by_term = {
        t.__name__: float(terms.loc[terms["term"] == t.__name__, "weighted"].sum()) for t in TERMS
    }
    shortage = pd.DataFrame(
        {"month": m.sup.months, "expected": short.mean(axis=0), "worst": short.max(axis=0)}
    )
    summary = dict(
        info,
        objective=solver.objective_value / S,
        bound=solver.best_objective_bound / S,
        gap=_gap(solver),
        terms=by_term,
        cost_by_kind={k: by_term[k] for k in ("setup", "month", "teardown", "emergency")},
        shortage_person_months=float(short.sum(axis=1).mean()),
        shortage_person_days=float(short.sum(axis=1).mean() * DAYS),
        representative_sample=rep,
        wall_seconds=solver.wall_time,
    )
    return PlanResult(plan, terms, shortage, summary, m.sup, m.demand)


def shortage_persons(m: PlanModel, solver: Solved) -> np.ndarray:
    """Persons short of a home per sample and month, shape (S, T)."""
    out = np.zeros((m.samples, m.months))
    for (s, t, h), v in m.short.items():
        out[s, t] += solver.value(v) * m.sup.kinds[h].persons
    return out


TEXTS = {
    "setup": "{subject}: {amount:g} modul(er) bestilt i {month}",
    "month": "{subject}: {amount:g} modul(er) står i {month}",
    "teardown": "{subject}: {amount:g} modul(er) taget ned i {month}",
    "emergency": "{month}: {amount:g} personer uden midlertidig bolig (forventet)",
    "transport": "{subject}, {month}: {amount:g} pavillonsenge × minutter til stationen",
    "buildings_first": "{subject}, {month}: {amount:g} senge i pavilloner",
    "spread": "{subject}, {month}: {amount:g} senge over distriktets andel",
}


def terms_frame(m: PlanModel, solver: Solved) -> pd.DataFrame:
    """``term, weight, subject, month, amount, weighted, text``, expected over the samples.

    ``weight`` is the price or policy weight per unit of ``amount``; ``weighted`` sums to the
    objective.
    """
    S = m.samples
    rows = [
        (
            e.term,
            e.coef // (e.copies * e.amount),
            e.subject,
            m.sup.months[e.month],
            solver.value(e.var) * e.amount * e.copies / S,
            solver.value(e.var) * e.coef / S,
        )
        for e in m.entries
    ]
    cols = ["term", "weight", "subject", "month", "amount", "weighted"]
    terms = pd.DataFrame(rows, columns=cols).groupby(cols[:4], as_index=False, sort=True).sum()
    terms = terms[terms["weighted"] != 0].reset_index(drop=True)
    terms["text"] = [
        TEXTS[r.term].format(subject=r.subject, month=r.month, amount=round(r.amount, 2))
        for r in terms.itertuples()
    ]
    return terms


def _status(solver: Solved) -> str:
    """``optimal`` only when proven; ``within_gap`` when stopped at the gap limit."""
    if solver.status == "optimal" and _gap(solver) > 1e-9:
        return "within_gap"
    return solver.status


def _gap(solver: Solved) -> float:
    obj, bound = solver.objective_value, solver.best_objective_bound
    return 0.0 if obj == bound else abs(obj - bound) / max(abs(obj), 1e-9)


def plan_frame(m: PlanModel, solver: Solved, k: int) -> pd.DataFrame:
    """The plan of group ``k``: per site and month modules up, standing, down, beds and cost."""
    sup, rows = m.sup, []
    for j in range(sup.sites):
        for t in range(m.months):
            key = (0 if t < m.shared else k, j, t)
            up, down, standing = (
                int(solver.value(d[key])) if key in d else 0 for d in (m.up, m.down, m.standing)
            )
            cost = (
                up * int(sup.setup[j])
                + standing * int(sup.month_cost[j])
                + down * int(sup.teardown[j])
            )
            beds = int(sup.building_beds[j, t] + standing * sup.beds_per_module[j])
            rows.append((sup.ids[j], sup.months[t], up, standing, down, beds, cost, t < m.shared))
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)
