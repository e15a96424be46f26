"""Make a capacity plan: build the model, solve it deterministically, extract plan and totals."""

from __future__ import annotations

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

_STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "invalid",
    cp_model.UNKNOWN: "unknown",
}
INTERLEAVE = True
LOG = False
GAP = 0.005  # stop within 0.5 % of the bound (the target is 1 %)
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
    fill_pct: int = 90,
    plan_supply: Supply | None = None,
) -> PlanResult:
    """Plan pavilions up and down over the scenario's horizon.

    Parameters
    ----------
    reg, sc : the registry (supply, residents, policy) and the scenario (demand).
    samples : demand paths of the stochastic model (ignored when ``risk`` is given).
    risk : plan for the ``risk`` quantile of demand per month (one path) instead of samples.
    seed : seed of the demand samples; same inputs and seed give the same plan.
    time_limit : CP-SAT deterministic time limit (deterministic seconds, not wall clock).
    shared : months whose decisions all samples share; default the longest lead time (>= 1).
    groups : groups of samples (by total demand) whose later decisions may differ.
    fill_pct : share of beds (%) that whole households can fill; 100 counts beds exactly.
    plan_supply : a prepared ``Supply`` (e.g. with pavilion sites removed for option C).

    Returns
    -------
    PlanResult
    """
    if samples < 1 or (risk is not None and not 0 < risk < 1) or not 50 <= fill_pct <= 100:
        raise UserError(
            "Use --samples >= 1, --risk strictly between 0 and 1 (e.g. 0.9) and "
            "--fill between 50 and 100."
        )
    sup = plan_supply or supply(reg, sc)
    dm = dem.demand_model(reg, sc)
    paths = (
        dem.quantile_path(dm, risk, seed)[None, :]
        if risk is not None
        else dem.demand_paths(dm, samples, seed, dem.PLAN)
    )
    lead = int(sup.lead[sup.pavilion].max()) if sup.pavilion.any() else 1
    m = PlanModel(
        cp_model.CpModel(),
        sup,
        paths,
        max(1, lead if shared is None else shared),
        reg.policy,
        groups_by_demand(paths, groups),
        fill_pct,
    )
    for rule in HARD_RULES:
        rule(m)
    for term in TERMS:
        term(m)
    m.cp.minimize(
        cp_model.LinearExpr.weighted_sum([e.var for e in m.entries], [e.coef for e in m.entries])
    )
    solver, status = solve(m, time_limit)
    info = dict(
        status=_status(status, solver),
        seed=seed,
        fill_pct=fill_pct,
        samples=len(paths),
        groups=m.groups,
        risk=risk,
        scenario=sc.name,
        shared_months=m.shared,
    )
    return extract(m, solver, info)


def solve(m: PlanModel, time_limit: float) -> tuple[cp_model.CpSolver, int]:
    """Solve with all cores and a deterministic time limit; raise when no plan is found.

    An infeasible plan names the pavilion sites and the cause (``feasible.no_plan``), in Danish.
    """
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = os.cpu_count() or 1
    solver.parameters.max_deterministic_time = time_limit
    solver.parameters.interleave_search = INTERLEAVE
    solver.parameters.interleave_batch_size = solver.parameters.num_workers
    solver.parameters.relative_gap_limit = GAP
    solver.parameters.log_search_progress = LOG
    status = solver.solve(m.cp)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise no_plan(m.sup, m.policy, _STATUS.get(status, str(status)))
    return solver, status


def extract(m: PlanModel, solver: cp_model.CpSolver, info: dict) -> PlanResult:
    """Values of the solved model as frames and a summary whose terms sum to the objective."""
    S = m.samples
    terms = terms_frame(m, solver)
    short = np.array([[solver.value(m.short[s, t]) for t in range(m.months)] for s in range(S)])
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
        deterministic_seconds=solver.response_proto.deterministic_time,
    )
    return PlanResult(plan, terms, shortage, summary, m.sup, m.demand)


TEXTS = {
    "setup": "{subject}: {amount:g} modul(er) bestilt i {month}",
    "month": "{subject}: {amount:g} modul(er) står i {month}",
    "teardown": "{subject}: {amount:g} modul(er) taget ned i {month}",
    "emergency": "{month}: {amount:g} personer uden midlertidig bolig (forventet)",
    "transport": "{subject}, {month}: {amount:g} pavillonsenge × minutter til stationen",
    "buildings_first": "{subject}, {month}: {amount:g} senge i pavilloner",
    "spread": "{subject}, {month}: {amount:g} senge over distriktets andel",
}


def terms_frame(m: PlanModel, solver: cp_model.CpSolver) -> pd.DataFrame:
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


def _status(status: int, solver: cp_model.CpSolver) -> str:
    """``optimal`` only when proven; ``within_gap`` when stopped at the gap limit."""
    if status == cp_model.OPTIMAL and _gap(solver) > 0:
        return "within_gap"
    return _STATUS[status]


def _gap(solver: cp_model.CpSolver) -> float:
    obj, bound = solver.objective_value, solver.best_objective_bound
    return 0.0 if obj == bound else abs(obj - bound) / max(abs(obj), 1e-9)


def plan_frame(m: PlanModel, solver: cp_model.CpSolver, k: int) -> pd.DataFrame:
    """The plan of group ``k``: per site and month modules up, standing, down, beds and cost."""
    sup, rows = m.sup, []
    for j in range(sup.sites):
        for t in range(m.months):
            key = (0 if t < m.shared else k, j, t)
            up, down, standing = (
                solver.value(d[key]) if key in d else 0 for d in (m.up, m.down, m.standing)
            )
            cost = (
                up * int(sup.setup[j])
                + standing * int(sup.month_cost[j])
                + down * int(sup.teardown[j])
            )
            beds = int(sup.building_beds[j, t] + standing * sup.beds_per_module[j])
            rows.append((sup.ids[j], sup.months[t], up, standing, down, beds, cost, t < m.shared))
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)
