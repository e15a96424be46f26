"""The council proposal: options A (least cost), B (robust at the risk level), C (no new pavilions).

Each option is one plan for every demand path (``make_plan`` with ``groups=1``: the council decides
on one plan; a group's adaptive later months would look safer than they are) checked by fresh
scenario runs (``run_scenarios``). The
recommendation is the cheapest option, plan cost plus expected emergency housing, among those whose
risk of a shortage in any month is at most ``1 - risk``; when none is, the one with the least risk.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from capacity.io.layers import Registry
from capacity.planning.explain import pct
from capacity.planning.model import DAYS
from capacity.planning.plan import PlanResult, make_plan
from capacity.planning.scenario import Scenario
from capacity.planning.simulate import ScenarioResult, run_scenarios
from capacity.planning.supply import Supply, supply


@dataclass(frozen=True)
class Option:
    """One option of the proposal: its plan, its scenario runs and the figures the paper shows."""

    key: str  # "A" | "B" | "C"
    title: str
    plan: PlanResult
    runs: ScenarioResult
    plan_cost: float  # DKK over the horizon, the option's plan
    emergency_cost: float  # DKK expected from the runs
    yearly: dict[str, float]  # plan cost per calendar year
    actions: pd.DataFrame  # site_id, name, month, modules_up, modules_down, binding
    spread: pd.DataFrame  # district, beds, share_beds, share_population (at the peak month)

    @property
    def total(self) -> float:
        """Plan cost plus expected emergency housing."""
        return self.plan_cost + self.emergency_cost

    @property
    def risk(self) -> float:
        """Share of runs with a shortage in at least one month."""
        return float(self.runs.summary["risk_any_shortage"])


@dataclass(frozen=True)
class Proposal:
    """The three options, the recommendation and its reasons."""

    scenario: Scenario
    risk: float
    options: tuple[Option, ...]
    recommended: str
    reasons: tuple[str, ...]
    seed: int


TITLES = {"A": "Laveste forventede omkostning", "B": "Robust", "C": "Ingen nye pavilloner"}


def make_proposal(
    reg: Registry,
    sc: Scenario,
    *,
    risk: float = 0.9,
    samples: int = 20,
    runs: int = 500,
    seed: int = 0,
    time_limit: float = 30.0,
    workers: int | None = 1,
) -> Proposal:
    """Plan options A, B and C, check each with fresh scenario runs, and recommend one.

    Parameters
    ----------
    reg, sc : registry and scenario.
    risk : B plans for this quantile of demand; the recommendation accepts a shortage risk of at
        most ``1 - risk``.
    samples : demand samples of option A's (and C's) stochastic plan.
    runs : scenario runs per option (fresh samples).
    seed : same inputs and seed, same proposal.
    time_limit : deterministic time limit of each plan.
    workers : local processes for the runs.

    Returns
    -------
    Proposal
    """
    sup = supply(reg, sc)
    frozen = no_new_modules(sup)
    common = dict(seed=seed, time_limit=time_limit, groups=1)  # one plan to decide on
    plans = {
        "A": make_plan(reg, sc, samples=samples, plan_supply=sup, **common),
        "B": make_plan(reg, sc, risk=risk, plan_supply=sup, **common),
        "C": make_plan(reg, sc, samples=samples, plan_supply=frozen, **common),
    }
    price = reg.policy.limits.emergency_dkk_per_person_day * DAYS
    options = tuple(
        option(
            key,
            plan,
            run_scenarios(
                reg, sc, plan=plan.plan, samples=runs, seed=seed, workers=workers, sup=sup
            ),
            price,
            sup,
        )
        for key, plan in plans.items()
    )
    recommended, reasons = recommend(options, risk)
    return Proposal(sc, risk, options, recommended, reasons, seed)


def no_new_modules(sup: Supply) -> Supply:
    """The supply with no orders possible (lead time beyond the horizon): option C."""
    return dataclasses.replace(
        sup, lead=np.full_like(sup.lead, len(sup.months)), modules_max=sup.modules_now.copy()
    )


def option(key: str, plan: PlanResult, runs: ScenarioResult, price: int, sup: Supply) -> Option:
    """The figures of one option."""
    p = plan.plan
    years = p.assign(year=p["month"].str[:4]).groupby("year")["cost"].sum()
    acts = p[(p["modules_up"] > 0) | (p["modules_down"] > 0)].copy()
    acts["name"] = acts["site_id"].map(dict(zip(sup.ids, sup.names, strict=True)))
    emergency = float(runs.summary["expected_shortage_person_months"]) * price
    return Option(
        key,
        TITLES[key],
        plan,
        runs,
        float(p["cost"].sum()),
        emergency,
        {y: float(c) for y, c in years.items()},
        acts[["site_id", "name", "month", "modules_up", "modules_down", "binding"]],
        spread_table(plan.plan, sup),
    )


def spread_table(plan: pd.DataFrame, sup: Supply) -> pd.DataFrame:
    """Beds per spread district in the month with most beds, against the population share."""
    if not sup.district_ids:
        return pd.DataFrame(columns=["district", "beds", "share_beds", "share_population"])
    totals = plan.groupby("month", sort=True)["beds"].sum()
    peak = plan[plan["month"] == totals.idxmax()]
    district = dict(zip(sup.ids, sup.district, strict=True))
    beds = peak.groupby(peak["site_id"].map(district))["beds"].sum()
    rows = [
        (
            d,
            int(beds.get(i, 0)),
            float(beds.get(i, 0) / max(beds.sum(), 1)),
            float(sup.district_share[i]),
        )
        for i, d in enumerate(sup.district_ids)
    ]
    return pd.DataFrame(rows, columns=["district", "beds", "share_beds", "share_population"])


def recommend(options: tuple[Option, ...], risk: float) -> tuple[str, tuple[str, ...]]:
    """The cheapest option within the accepted risk (else the safest), with reasons in Danish."""
    accepted = 1 - risk
    ok = [o for o in options if o.risk <= accepted + 1e-12]
    best = (
        min(ok, key=lambda o: (o.total, o.key))
        if ok
        else min(options, key=lambda o: (o.risk, o.total))
    )
    reasons = [
        f"Mulighed {best.key} ({best.title.lower()}) koster forventet "
        f"{best.total:,.0f} kr. i alt: {best.plan_cost:,.0f} kr. til pavilloner og "
        f"{best.emergency_cost:,.0f} kr. til nødindkvartering.".replace(",", ".")
    ]
    reasons.append(
        f"Risikoen for mangel i mindst én måned er {pct(best.risk, 0)} "
        f"(accepteret: højst {pct(accepted, 0)})."
    )
    if not ok:
        reasons.append(
            "Ingen mulighed holder risikoen under det accepterede niveau; denne har "
            "den laveste risiko. Overvej flere grunde eller bygninger."
        )
    for o in options:
        if o.key != best.key:
            verb = "dyrere" if o.total > best.total else "billigere"
            reasons.append(
                f"Mulighed {o.key} er {abs(o.total - best.total):,.0f} kr. {verb} med "
                f"risiko {pct(o.risk, 0)}.".replace(",", ".")
            )
    return best.key, tuple(reasons)
