"""The council proposal: least cost, robust, no new pavilions and the status quo, compared honestly.

Each option is one plan for every demand path (``make_plan`` with ``groups=1``: the council decides
on one plan). Every option is scored on the same sampled paths (common random numbers: the runs of
every option use the same seed, and a run draws its arrivals before anything else), so the
differences between options are paired, run by run, and carry confidence intervals.

- **A, least cost**: the stochastic plan minimising the expected cost;
- **B, robust**: the cheapest plan among A, the status quo and plans for rising quantiles of demand
  (``risk``, then higher) whose runs' shortage risk is at most ``1 - risk``; when none is, the one
  with the least risk (so B is never riskier than A) and the paper says what would reach the level;
- **C, no new pavilions**: orders impossible; existing modules may stay or be taken down;
- **D, status quo**: what stands stays, nothing ordered, nothing taken down;
- **E, F, ...**: the user's own options (``load_options``), planned under their conditions.

The time limit is the whole proposal's (``capacity.planning.budget``): the plans share it in order
of importance (D, A, C, the user's options, then B's plans for higher quantiles), and a user's
option, a quantile of B or the sensitivity that does not fit is left out and the paper says so.

When even the status quo is short before any order could arrive (the shortest lead time), the
risk of every option is counted from that month on: before it no plan can differ.

Options that come out as the same plan are merged (the first key stands for the others). The
recommendation is the cheapest option within the accepted risk, else the least risky; where the
difference that decides rests inside the noise, the cheaper is preferred and the paper says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from capacity.errors import UserError
from capacity.io.layers import Registry
from capacity.model.homes import CATEGORIES, CATEGORY_NAMES, NeedKind, fits
from capacity.numbers import decimal, number
from capacity.planning.budget import CORE, MIN_PLAN, Budget, Stopped, main_option_too_short
from capacity.planning.demand import demand_model, waiting
from capacity.planning.explain import month_name, pct, site_holds
from capacity.planning.feasible import PlanTimeout
from capacity.planning.model import DAYS
from capacity.planning.option_checks import check_option, reachable_homes, standing_available
from capacity.planning.plan import NOT_PLAN_COST, PlanResult, default_shared, make_plan
from capacity.planning.recommend import mean_ci, recommend, wilson, within_noise
from capacity.planning.scenario import Scenario
from capacity.planning.sensitivity import Sensitivity, sensitivity
from capacity.planning.simulate import AT_RISK, ScenarioResult, remediable_short, score
from capacity.planning.supply import Supply, home_kind, supply
from capacity.reports.privacy import suppress
from capacity.reports.text import money


@dataclass(frozen=True)
class Option:
    """One option of the proposal: its plan, its scenario runs and the figures the paper shows."""

    key: str  # "A" | "B" | "C" | "D"
    title: str
    plan: PlanResult
    runs: ScenarioResult
    plan_cost: float  # DKK over the horizon, expected over the plan's branches (``plan_costs``)
    emergency_cost: float  # DKK expected from the runs
    yearly: dict[str, float]  # plan cost per calendar year, as ``plan_cost``
    actions: pd.DataFrame  # one row per site and decision (``site_actions``)
    spread: pd.DataFrame  # district, beds, share_beds, share_population (at the peak month)
    totals: np.ndarray = dataclasses.field(  # per run: ``plan_cost`` + its emergency housing
        repr=False, default_factory=lambda: np.zeros(0)
    )
    # per run: a shortage in some month from ``risk_from``; per run and month: the persons short,
    # each of the households some module type's home fits (``simulate.remediable_short``)
    short: np.ndarray = dataclasses.field(repr=False, default_factory=lambda: np.zeros(0, bool))
    short_persons: np.ndarray = dataclasses.field(
        repr=False, default_factory=lambda: np.zeros((0, 0), np.int64)
    )
    # per run and month: a shortage of anyone, households no module type's home fits included
    short_all: np.ndarray = dataclasses.field(
        repr=False, default_factory=lambda: np.zeros((0, 0), bool)
    )
    same_as: tuple[str, ...] = ()  # keys of options with the same plan, merged into this one
    round_trips: tuple[str, ...] = ()  # Danish sentences, one per site
    note: str = ""  # the conditions of a user's own option, in Danish
    risk_from: int = 0  # risk counted from this month (before it no plan can differ)
    homes: pd.DataFrame = dataclasses.field(  # ``homes_table``
        repr=False, default_factory=lambda: pd.DataFrame()
    )

    @property
    def total(self) -> float:
        """Plan cost plus expected emergency housing."""
        return self.plan_cost + self.emergency_cost

    @property
    def risk(self) -> float:
        """Share of runs with a shortage in at least one month (from ``risk_from``) of households
        some module type's home fits: a shortage of the others is the same whatever is ordered
        (``Supply.beyond_modules``; the paper gives it apart)."""
        return float(self.short.mean())

    @property
    def short_months(self) -> np.ndarray:
        """Per run and month (runs, T): a shortage of households some module type's home fits."""
        return self.short_persons > 0

    @property
    def risk_all(self) -> float:
        """``risk`` with every household counted, those no module type's home fits too."""
        return float(self.short_all[:, self.risk_from :].any(axis=1).mean())

    @property
    def set_apart(self) -> bool:
        """Some run is short of a home for a household no module type's home fits (the runs'
        ``beyond_modules``), so that ``risk`` and ``risk_all`` may differ."""
        return self.runs.summary.get("beyond_modules", {}).get("risk_any_shortage", 0.0) > 0

    @property
    def first_month_at_risk(self) -> int | None:
        """The first month (index) from ``risk_from`` whose risk, as ``risk`` counts it, is
        above ``simulate.AT_RISK``; None when none is."""
        over = np.flatnonzero(self.short_months[:, self.risk_from :].mean(axis=0) > AT_RISK)
        return self.risk_from + int(over[0]) if len(over) else None

    @property
    def total_ci(self) -> tuple[float, float]:
        """95 % confidence interval of the expected total cost (over the runs). Each run's total
        holds the plan cost as its exact expectation over the branches, so the interval's width
        is the uncertainty of the expected emergency housing."""
        return mean_ci(self.totals) if len(self.totals) else (self.total, self.total)

    @property
    def risk_ci(self) -> tuple[float, float]:
        """95 % Wilson interval of the shortage risk."""
        return wilson(self.risk, int(self.runs.summary["samples"]))


@dataclass(frozen=True)
class Proposal:
    """The options, the recommendation and its reasons."""

    scenario: Scenario
    risk: float
    options: tuple[Option, ...]
    recommended: str
    reasons: tuple[str, ...]
    seed: int
    notes: tuple[str, ...] = ()  # merged options, what would reach the risk level
    risk_from: int = 0  # the options' risk counts shortages from this month on
    sensitivity: Sensitivity | None = None  # ``capacity.planning.sensitivity``
    stopped: Stopped | None = None  # what the time limit left out (``capacity.planning.budget``)
    min_count: int = 3  # the policy's ``min_count``: smaller counts of households are hidden


TITLES = {
    "A": "Laveste forventede omkostning",
    "B": "Robust",
    "C": "Ingen nye pavilloner",
    "D": "Status quo",
}


def make_proposal(
    reg: Registry,
    sc: Scenario,
    *,
    risk: float = 0.9,
    samples: int = 20,
    runs: int = 500,
    seed: int = 0,
    time_limit: float = 60.0,
    workers: int | None = None,
    steps: int = 3,
    own: Sequence[UserOption] = (),
    started: float | None = None,
    clock: Callable[[], float] = time.perf_counter,
    stage: Callable[[str], None] | None = None,
    progress: Callable[[float, float | None], None] | None = None,
) -> Proposal:
    """Plan the options, score each on the same scenario runs, merge duplicates, recommend one.

    Parameters
    ----------
    reg, sc : registry and scenario.
    risk : the accepted shortage risk is ``1 - risk``; B plans for this quantile of demand first.
    samples : demand samples of the stochastic plans (A, C, D).
    runs : scenario runs per option (the same paths for every option).
    seed : same inputs and seed, same proposal.
    time_limit : wall-clock seconds of the whole proposal from ``started``, shared among the plans
        by ``capacity.planning.budget``'s rule (what does not fit is left out and said so).
    workers : local processes for the runs (default 1: this process; the same numbers for any).
    steps : quantile plans B may try (``risk``, then halfway to 1 each step, at most 0.995).
    own : the user's own options (``load_options``), keys E, F, ..., planned by the same model
        under their conditions and scored on the same runs.
    started, clock : the ``clock`` reading the limit counts from (default: the call), e.g. the
        command's start, and the clock (seconds).
    stage : called with what is being done, in Danish (e.g. "Planlægger A (...)"), for a
        progress line; ``progress`` is passed to each plan (``make_plan``).

    Returns
    -------
    Proposal

    Raises
    ------
    UserError
        A limit too short for the status quo, A and C (``budget.MIN_LIMIT``), a registry with
        modules standing on a site not available in the first month, or a user option the model
        cannot apply.
    """
    budget = Budget(time_limit, started, clock)
    say = stage or (lambda text: None)
    sup = supply(reg, sc)
    standing_available(sup, reg.sites)
    bound = [conditions(sup, u) for u in own]  # every option checked before any plan
    price = reg.policy.limits.emergency_dkk_per_person_day * DAYS
    qs = quantiles(risk, steps)
    planned = {"core": len(CORE), "extra": len(own) + 1, "out": 0}
    done: dict[tuple, tuple] = {}  # the same plan is run once (the runs depend on it only)
    dm = demand_model(reg, sc)

    shared = default_shared(sup, sc)

    def plan(key: str, title: str, core: bool, **kw) -> PlanResult | None:
        # scoring this plan; before a user's option or B's plan also the sensitivity of the
        # plans so far and this one (the main options come before the sensitivity)
        if core:  # the core's share keeps one for the user's options and B's plans together,
            # and time for scoring this plan and the main ones after it
            later = budget.later(runs, 0, scorings=planned["core"])
            seconds = budget.share(planned["core"] + 1, later)
            planned["core"] -= 1
            if seconds < MIN_PLAN:
                raise main_option_too_short(key, title, seconds, time_limit, tried=False)
        else:
            later = budget.later(runs, len(done) + 1)
            seconds = budget.share(planned["extra"], later)
            planned["extra"] = max(planned["extra"] - 1, 1)  # B's plans share the last part
        if not core and (planned["out"] or seconds < MIN_PLAN):
            planned["out"] = 1  # the options after one left out for time are left out too
            return None
        say(f"Planlægger {key} ({title.lower()})")
        # one plan to decide on; every option shares the same first months (``default_shared``)
        kw = dict(seed=seed, groups=1, progress=progress, shared=shared, **kw)
        try:
            return make_plan(reg, sc, time_limit=seconds, **kw)
        except PlanTimeout:
            if core:
                raise main_option_too_short(key, title, seconds, time_limit) from None
            return None  # no plan within its share: left out for time (the next may find one)

    def scored(key: str, made: PlanResult, r: Registry = reg, s: Supply = sup) -> Option:
        k = plan_key(made)
        if k not in done:
            say(f"Prøver {key} i {runs} scenariekørsler")
            done[k] = budget.timed(
                lambda: score(
                    r, sc, made.plan, runs, seed, workers, s, made.modules, made.branches, dm
                )
            )
        res, raw = done[k]
        return counted_from(option(key, made, res, raw, price, s), shift)

    shift = 0
    d = scored("D", plan("D", TITLES["D"], True, samples=samples, plan_supply=status_quo(sup)))
    accepted = 1 - risk
    early = first_order_month(sup)
    unavoidable = float(d.short_months[:, :early].any(axis=1).mean())
    shift = early if unavoidable > accepted and early < len(sup.months) else 0
    d = counted_from(d, shift)
    a = scored("A", plan("A", TITLES["A"], True, samples=samples, plan_supply=sup))
    no_new = no_new_modules(sup)
    c = scored("C", plan("C", TITLES["C"], True, samples=samples, plan_supply=no_new))
    mine, left_out = [], []
    for key, u, sup_u in zip("EFGHIJKLMN", own, bound, strict=False):
        res = plan(key, u.name, False, samples=samples, plan_supply=sup_u)
        if res is None:
            left_out.append((key, u.name))
            continue
        o = scored(key, res, reg, sup_u)
        mine.append(dataclasses.replace(o, title=u.name, note=u.describe()))
    tried, untried = [a, d], []
    for i, q in enumerate(qs):
        if any(o.risk <= accepted for o in tried):
            break
        res = plan("B", f"{TITLES['B']}, kvantil {decimal(q)}", False, risk=q, plan_supply=sup)
        if res is None:
            untried = qs[i:]
            break
        tried.append(scored("B", res))
    b = dataclasses.replace(robust(tried, accepted), key="B", title=TITLES["B"])
    notes = []
    apart = set_apart(reg, sc, sup)
    if unavoidable > accepted:
        notes.append(
            f"Mangel i de første {early} måneder kan ingen plan undgå (leveringstiden): selv "
            f"med alt, der står i dag, er risikoen for mangel i dem {pct(unavoidable, 0)}. "
            f"Risikoen sammenlignes derfor fra {month_name(sup.months[shift])}."
        )
    beyond = beyond_note((a, b, c, d, *mine))
    # a hidden count (below min_count, none included) never decides whether the note is there
    named = apart is not None and apart.households >= reg.policy.limits.min_count
    if apart is not None and (named or apart.types or beyond):
        notes.append(apart.text(reg.policy.limits.min_count))
    notes += beyond
    if b.risk > accepted:
        notes.append(need_text(b, sup, risk, early))
    options, merged = merge((a, b, c, d, *mine))
    notes += cheaper_than_a(options, samples, runs)
    recommended, reasons = recommend(options, risk)
    late = not budget.fits_sensitivity(len(options), runs)
    stopped = Stopped(time_limit, tuple(left_out), tuple(untried), late)
    notes = branch_note(sc, options) + merged + notes + stopped.notes()
    paper = Proposal(
        sc,
        risk,
        options,
        recommended,
        tuple(reasons),
        seed,
        tuple(notes),
        shift,
        None,
        stopped,
        reg.policy.limits.min_count,
    )
    if late:
        return paper
    say("Beregner følsomheden")
    return dataclasses.replace(paper, sensitivity=sensitivity(reg, paper, workers=workers))


@dataclass(frozen=True)
class SetApart:
    """The kinds of household no module type's home fits (``Supply.beyond_modules``), as the
    paper names them: the options' risk leaves their shortage out.

    ``reasons``: why, in Danish ("på mere end 6 personer (højst 6 senge pr. bolig)"), one per
    way they differ from what the module types hold; ``households``: how many of the registry's
    households (waiting, or registered to arrive within the horizon; not unaccompanied minors)
    are of such a kind; ``homes``: building units in service whose kind of home fits at least one
    of those kinds (``homes.fits``), whether or not such a household waits, so that it tells
    nothing of a hidden count; ``types``: the scenario's household types of such a kind, by
    name.
    """

    reasons: tuple[str, ...]
    households: int
    homes: int
    types: tuple[str, ...]

    def text(self, min_count: int) -> str:
        """The proposal's note, in Danish, with the count of households hidden below
        ``min_count`` as a public report hides counts (``privacy.suppress``), in words."""
        which = " og ".join(self.reasons)
        out = f"Ingen modultypes bolig passer til husstande {which}."
        # said alike for none and a few: "færre end 3" stands for 0 too (privacy.suppress)
        shown = suppress(self.households, min_count).replace("<", "færre end ")
        out += (
            f" Registret har {shown} af dem, som venter eller er meldt til at komme, og "
            f"{self.homes} af bygningernes boliger passer til husstande af den slags (beboede "
            "eller ej)."
        )
        if self.types:
            names = " og ".join(f"»{t}«" for t in self.types)
            out += f" Scenariets husstandstype {names} er af den slags, så der kommer flere."
        return (
            out + " Mangel for dem kan ingen af mulighederne afhjælpe med pavilloner; kun "
            "boliger i bygninger kan."
        )


def set_apart(reg: Registry, sc: Scenario, sup: Supply) -> SetApart | None:
    """The kinds of household of the registry (when the scenario includes its waiting
    households, ``include_waiting``) and of the scenario's household types that no module type's
    home fits (``Supply.beyond_modules``); None without any. Current residents may be of such a
    kind too; they count only when the runs find them short (``beyond_note``)."""
    beyond = {k for k, b in zip(sup.kinds, sup.beyond_modules, strict=True) if b}
    if not beyond:
        return None
    persons, family, accessible, arrival = waiting(reg)
    ends = pd.Timestamp(sc.month_starts()[-1])
    kinds = [
        NeedKind(int(p), bool(f), bool(a))
        for p, f, a, d in zip(persons, family, accessible, arrival, strict=True)
        if pd.isna(d) or pd.Timestamp(d) < ends
    ]
    theirs = [k for k in kinds if k in beyond] if sc.include_waiting else []
    types = tuple(
        t.name
        for t in sc.household_types
        if NeedKind(t.persons, bool(t.children_ages), False) in beyond
    )
    units = reg.units[reg.units["in_service"].fillna(False).astype(bool)]
    building = units[units["site_id"].isin(reg.sites.loc[reg.sites["kind"] == "building", "id"])]
    homes = sum(any(fits(k, home_kind(u)) for k in beyond) for u in building.itertuples())
    return SetApart(set_apart_reasons(beyond, sup), len(theirs), int(homes), types)


def set_apart_reasons(beyond: set[NeedKind], sup: Supply) -> tuple[str, ...]:
    """Why the kinds ``beyond`` fit no module type's home, in Danish: larger than the most beds
    of a module type's home, or needing an accessible home, or with children, where no type's
    home has that; else in general words."""
    mod = sup.mod
    offered = [sup.classes[int(c)] for c, most in zip(mod.home, mod.most, strict=True) if most]
    most = max(c.beds for c in offered)
    out = []
    if any(k.persons > most for k in beyond):
        out.append(f"på mere end {most} personer (højst {most} senge pr. bolig)")
    rest = {k for k in beyond if k.persons <= most}
    named = False
    if any(k.accessible for k in rest) and not any(c.accessible for c in offered):
        out.append("med brug for en handicapvenlig bolig (ingen modultype er handicapvenlig)")
        named = True
    if any(k.family for k in rest) and not any(c.family_ok for c in offered):
        out.append("med børn (ingen modultype har familieboliger)")
        named = True
    if rest and not named:
        out.append("af en størrelse og slags, som ingen modultypes bolig passer til")
    return tuple(out)


def beyond_note(options: Sequence[Option]) -> list[str]:
    """The paper's note on the shortage of households no module type's home fits
    (``Supply.beyond_modules``), which the options' risk leaves out: the share of runs with it,
    as a range over the options; none when no run has it. Not its household- or person-months:
    with the paper's other figures they could give the size of one household."""
    risks = [
        o.runs.summary.get("beyond_modules", {}).get("risk_any_shortage", 0.0) for o in options
    ]
    if max(risks, default=0.0) == 0:
        return []
    lo, hi = pct(min(risks), 0), pct(max(risks), 0)
    share = lo if lo == hi else f"{lo}–{hi} (alt efter mulighed)"
    return [
        "Mulighedernes risiko tæller ikke mangel for husstande, som ingen modultypes bolig "
        f"passer til: de mangler en bolig i mindst én måned i {share} af kørslerne, og deres "
        "nødindkvartering er regnet med i omkostningerne."
    ]


def cheaper_than_a(options: Sequence[Option], samples: int, runs: int) -> list[str]:
    """A sentence for each option whose expected total in the runs is below A's, "the least
    expected cost": A is least on the plan's own demand samples, the options are compared on
    fresh runs, and the two may disagree; whether the difference is inside the noise
    (``within_noise``, run by run)."""
    a = next((o for o in options if o.key == "A"), None)
    if a is None:
        return []
    out = []
    for o in options:
        if o.key == "A" or o.total >= a.total:
            continue
        noise = (
            "forskellen ligger inden for usikkerheden"
            if within_noise(o.totals, a.totals)
            else "forskellen er større end usikkerheden"
        )
        out.append(
            f"Mulighed {o.key} koster forventet {money(a.total - o.total)} mindre end mulighed A "
            f"i kørslerne, selv om A er planlagt til den laveste forventede omkostning: planerne "
            f"er lagt på {samples} udtrukne forløb af efterspørgslen, og mulighederne sammenlignes "
            f"på {runs} nye; {noise}."
        )
    return out


def counted_from(o: Option, month: int) -> Option:
    """The option with its risk counted from ``month`` (0: every month)."""
    if not month:
        return o
    return dataclasses.replace(o, risk_from=month, short=o.short_months[:, month:].any(axis=1))


def first_order_month(sup: Supply) -> int:
    """Months before the first new module can stand (the shortest lead time, at least 1)."""
    leads = [int(x) for x, most in zip(sup.mod.lead, sup.mod.most, strict=True) if most > 0]
    return max(1, min(leads)) if leads else len(sup.months)


def quantiles(risk: float, steps: int) -> list[float]:
    """The demand quantiles B tries: ``risk``, then halfway to 1 each step (at most 0.995)."""
    out, q = [], risk
    for _ in range(steps):
        out.append(round(min(q, 0.995), 4))
        q = 1 - (1 - q) / 2
    return sorted(set(out))


def robust(tried: list[Option], accepted: float) -> Option:
    """The cheapest option within the accepted risk, else the least risky (never riskier than A,
    which is among ``tried``)."""
    ok = [o for o in tried if o.risk <= accepted + 1e-12]
    if ok:
        return min(ok, key=lambda o: o.total)
    return min(tried, key=lambda o: (o.risk, o.total))


def no_new_modules(sup: Supply) -> Supply:
    """The supply with no orders possible (lead time beyond the horizon): option C."""
    mod = sup.mod
    frozen = dataclasses.replace(
        mod, lead=np.full_like(mod.lead, len(sup.months)), most=mod.now.copy()
    )
    return dataclasses.replace(sup, mod=frozen)


def status_quo(sup: Supply) -> Supply:
    """Option D: no orders, no moves, and every module standing today stays while its site is
    available (the plan's rule ``residents_keep_modules`` holds all of them)."""
    frozen = no_new_modules(sup).mod
    return dataclasses.replace(sup, mod=_keep(frozen, sup, frozen.now, movable=False))


def _keep(mod, sup: Supply, modules: np.ndarray, movable: bool = True):
    """Module types whose ``modules`` (per type) stand while their site is available."""
    units = modules[:, None] * mod.units[:, None] * sup.available[mod.site]
    ru = np.maximum(mod.resident_units, units).astype(mod.resident_units.dtype)
    rm = np.maximum(mod.resident_modules, modules[:, None] * sup.available[mod.site])
    return dataclasses.replace(
        mod,
        resident_units=ru,
        resident_modules=rm.astype(mod.resident_modules.dtype),
        movable=mod.movable & movable,
    )


def option(
    key: str, plan: PlanResult, runs: ScenarioResult, raw: np.ndarray, price: int, sup: Supply
) -> Option:
    """The figures of one option."""
    p = plan.plan
    plan_cost, yearly = plan_costs(plan)
    person_months = raw[:, 0].sum(axis=1)
    remedy = remediable_short(raw)
    return Option(
        key,
        TITLES.get(key, key),
        plan,
        runs,
        plan_cost,
        float(runs.summary["expected_shortage_person_months"]) * price,
        yearly,
        site_actions(p, sup, plan.modules),
        spread_table(p, sup),
        plan_cost + person_months * price,  # the plan part is exact: the runs vary the rest
        (remedy > 0).any(axis=1),
        remedy,
        raw[:, 0] > 0,
        round_trips=round_trips(plan, sup),
        homes=homes_table(plan, runs, sup),
    )


def plan_kinds(plan: PlanResult) -> list[str]:
    """The plan's kinds of cost (``summary["cost_by_kind"]`` less ``NOT_PLAN_COST``), in order."""
    return [k for k in plan.summary.get("cost_by_kind", {}) if k not in NOT_PLAN_COST]


def spending_terms(plan: PlanResult) -> pd.DataFrame:
    """The plan's cost terms of ``plan_kinds`` (``plan.terms``), with each teardown row split in
    two: ``teardown``, the money paid (the modules taken down times their type's teardown cost,
    the price the model used), and ``resale``, the rest of the row: the residual value credited
    for owned (or bought) modules taken down (``terms.teardown``), negative. The rows still sum
    to the plan's own cost by kind; a teardown row without a credit gets no ``resale`` row."""
    terms = plan.terms[plan.terms["term"].isin(plan_kinds(plan))].reset_index(drop=True)
    down = terms["term"] == "teardown"
    if not down.any():
        return terms
    mod = plan.supply.mod
    price = terms.loc[down, "subject"].map(dict(zip(mod.ids, map(int, mod.teardown), strict=True)))
    paid = terms.loc[down, "amount"] * price
    resale = terms.loc[down].assign(
        term="resale",
        weight=terms.loc[down, "weight"] - price,
        weighted=terms.loc[down, "weighted"] - paid,
    )
    terms.loc[down, "weight"] = price
    terms.loc[down, "weighted"] = paid
    resale = resale[resale["weighted"].abs() > 1e-9]
    return pd.concat([terms, resale], ignore_index=True)


def plan_costs(plan: PlanResult) -> tuple[float, dict[str, float]]:
    """The plan's cost over the horizon and per calendar year (DKK, every year of the plan).

    With one branch of the scenario every path has the plan's decisions, so the cost is the one
    on its path (``plan.csv``). With several (``plan.branches``), ``plan.csv`` is the most
    probable branch's path only; the cost is then the plan's cost terms (``plan.terms``, which
    ``summary["cost_by_kind"]`` totals): expected over the samples of every branch, that is over
    the branches weighted by their probabilities, as the runs' emergency cost is.
    """
    p = plan.plan
    if plan.branches is None:
        years = p.assign(year=p["month"].str[:4]).groupby("year")["cost"].sum()
        return float(p["cost"].sum()), {y: float(c) for y, c in years.items()}
    terms = plan.terms[plan.terms["term"].isin(plan_kinds(plan))]
    years = terms.groupby(terms["month"].astype(str).str[:4])["weighted"].sum()
    every = sorted(set(p["month"].astype(str).str[:4]) | set(years.index))
    yearly = {y: float(c) for y, c in years.reindex(every, fill_value=0.0).items()}
    return float(sum(yearly.values())), yearly


def branch_note(sc: Scenario, options: Sequence[Option]) -> list[str]:
    """A Danish sentence when options have a plan per branch of the scenario: their pavilion
    cost is expected over the branches, while their actions are the most probable branch's."""
    keys = [o.key for o in options if o.plan.branches is not None]
    if not keys:
        return []
    branches = sc.branches()
    likely = max(branches, key=lambda b: b.probability)  # the plan's path (the first of equals)
    each = ", ".join(f"{b.name} {pct(b.probability, 0)}" for b in branches)
    which = " og ".join(", ".join(keys).rsplit(", ", 1))
    waves = "Bølgen er usikker" if len(branches[0].uncertain) == 1 else "Bølgerne er usikre"
    return [
        f"{waves}, så {'planen' if len(keys) == 1 else 'planerne'} for {which} har en "
        f"udgave for hvert forløb ({each}). Pavillonernes omkostning er forventet over "
        f"forløbene, vægtet med deres sandsynlighed; handlingerne under hver mulighed er planen "
        f"i det mest sandsynlige forløb ({likely.name})."
    ]


# the decisions of ``site_actions``, in the order a site's rows are listed
DECISION_ORDER = ("open", "buy", "op", "move", "ned", "close")


def site_actions(
    plan: pd.DataFrame, sup: Supply, modules: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per site and decision: ``site_id, name, decision, modules, when, binding, latest``.

    The decisions (``DECISION_ORDER``): modules ordered ("op") and taken down ("ned") from the
    site rows of ``plan``; rented modules bought ("buy") and homes whose residents are moved off
    ("move", so that the site can close) from ``modules`` (``PlanResult.modules``, per type),
    when given; the site taken into use ("open": the first month a module stands on it where
    none stood before) and cleared ("close": the month its last module is gone), from the
    modules standing in ``plan``. ``modules`` is the count (modules, or homes moved; 0 for open
    and close), ``when`` the months in Danish ("2 i januar 2027, 1 i marts 2027"; the months
    alone for moves, whose count of residents' homes at a site the paper does not print, and
    for open and close), ``binding`` whether it must be taken in the first month, and
    ``latest`` the month by which it must be taken: the first of its months, and for an opening
    the first order on the site (the order opens it)."""
    names = dict(zip(sup.ids, sup.names, strict=True))
    first = plan["month"].min()
    counts = plan.sort_values(["site_id", "month"])
    if modules is not None:
        extra = modules.groupby(["site_id", "month"], as_index=False)[
            ["modules_bought", "units_moved"]
        ].sum()
        counts = counts.merge(extra, on=["site_id", "month"], how="left").fillna(
            {"modules_bought": 0, "units_moved": 0}
        )
    rows = []
    for site, g in counts.groupby("site_id", sort=True):
        found = {}
        for decision, col in (
            ("op", "modules_up"),
            ("ned", "modules_down"),
            ("buy", "modules_bought"),
            ("move", "units_moved"),
        ):
            if col not in g or not (g[col] > 0).any():
                continue
            h = g[g[col] > 0]
            if decision == "move":  # the months only: a count of residents' homes at a site
                when = ", ".join(month_name(m) for m in h["month"])
            else:
                when = ", ".join(
                    f"{int(r[col])} i {month_name(r['month'])}" for _, r in h.iterrows()
                )
            found[decision] = (int(h[col].sum()), when, h["month"].iloc[0])
        if "modules_standing" in g:
            for decision, month in _open_close(g):
                latest = month
                if decision == "open" and "op" in found:
                    latest = min(found["op"][2], month)
                found[decision] = (0, month_name(month), latest)
        for decision in DECISION_ORDER:
            if decision in found:
                count, when, latest = found[decision]
                rows.append(
                    (site, names[site], decision, count, when, bool(latest == first), latest)
                )
    cols = ["site_id", "name", "decision", "modules", "when", "binding", "latest"]
    return pd.DataFrame(rows, columns=cols)


def _open_close(g: pd.DataFrame) -> list[tuple[str, str]]:
    """The site's first opening and last closing on the plan's path (``site_actions``): a month
    with modules standing after one without ("open"; before the first month, the modules that
    stood then: standing less ordered plus taken down), and a month without after one with
    ("close")."""
    standing = g["modules_standing"].to_numpy()
    before = standing[0] - g["modules_up"].iloc[0] + g["modules_down"].iloc[0]
    was = np.concatenate([[before], standing[:-1]]) > 0
    now = standing > 0
    months = g["month"].tolist()
    out = []
    opened = np.flatnonzero(now & ~was)
    if len(opened):
        out.append(("open", months[opened[0]]))
    closed = np.flatnonzero(was & ~now)
    if len(closed):
        out.append(("close", months[closed[-1]]))
    return out


def round_trips(plan: PlanResult, sup: Supply) -> tuple[str, ...]:
    """Module types whose modules come down and are ordered again later on the plan's path,
    with the cost of the trip (the model's ``round_trips`` on every path, filtered to the path
    the paper shows when the plan has one path)."""
    names = dict(zip(sup.ids, sup.names, strict=True))
    out = []
    for r in plan.summary.get("round_trips", []):
        kind = "" if r["type_id"] == r["site_id"] else f", {r['type_id']}"
        share = "" if r["probability"] >= 0.999 else f" (i {pct(r['probability'], 0)} af forløbene)"
        out.append(
            f"{names[r['site_id']]} ({r['site_id']}{kind}): {r['modules']} moduler tages ned "
            f"{month_name(r['down'])} og bestilles igen {month_name(r['up'])}: "
            f"{money(r['cost'])} for nedtagning og opsætning{share}."
        )
    return tuple(out)


def homes_table(res: PlanResult, runs: ScenarioResult, sup: Supply) -> pd.DataFrame:
    """Per kind of home (single, family, accessible): homes no current resident holds in the first
    month, the month of most expected occupants and the last month, and the runs' expected
    shortage of households of that kind (household-months), leaving out those no module type's
    home fits (``Supply.beyond_modules``): their household-months would, beside the paper's
    person-months, give the size of a household the paper counts as "færre end 3"."""
    standing = (
        res.modules.pivot(index="module_type_id", columns="month", values="modules_standing")
        .reindex(index=sup.mod.ids, columns=sup.months)
        .fillna(0)
        .to_numpy(dtype=int)
    )
    homes = sup.homes(standing).sum(axis=0)  # (C, T)
    free = homes - sup.resident_whole - sup.resident_shared
    peak = int(np.argmax(runs.months["expected_occupied"].to_numpy()))
    months = {"first": 0, "peak": peak, "last": len(sup.months) - 1}
    by_kind = runs.summary.get("shortage_by_kind", {})
    rows = []
    for cat in CATEGORIES:
        idx = [c for c, k in enumerate(sup.classes) if k.category == cat]
        row = {"kind": cat, **{k: int(free[idx, t].sum()) for k, t in months.items()}}
        row["short_household_months"] = float(by_kind.get(cat, {}).get("household_months", 0.0))
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["months"] = {k: sup.months[t] for k, t in months.items()}
    return out


def spread_table(plan: pd.DataFrame, sup: Supply) -> pd.DataFrame:
    """Beds per spread district in the month with most beds, against the population share; a
    district is named as the council knows it, with its id ("Lynge skoledistrikt (SKD-LU)")."""
    if not sup.district_ids:
        return pd.DataFrame(columns=["district", "beds", "share_beds", "share_population"])
    totals = plan.groupby("month", sort=True)["beds"].sum()
    peak = plan[plan["month"] == totals.idxmax()]
    district = dict(zip(sup.ids, sup.district, strict=True))
    beds = peak.groupby(peak["site_id"].map(district))["beds"].sum()
    rows = [
        (
            f"{name} ({d})" if name != d else d,
            int(beds.get(i, 0)),
            float(beds.get(i, 0) / max(beds.sum(), 1)),
            float(sup.district_share[i]),
        )
        for i, (d, name) in enumerate(zip(sup.district_ids, sup.district_names, strict=True))
    ]
    return pd.DataFrame(rows, columns=["district", "beds", "share_beds", "share_population"])


def status_quo_text(o: Option) -> str:
    """What the status quo's plan does, in Danish: nothing ordered, and nothing taken down but
    where a site must be cleared (the site no longer available: the status quo keeps every
    module while its site is, ``status_quo``), naming those take-downs from the plan's
    decisions (``site_actions``), so that the words never contradict the plan."""
    downs = o.actions[o.actions["decision"] == "ned"]
    if downs.empty:
        return "intet bestilles, og intet tages ned"
    where = "; ".join(f"{a.name} ({a.site_id}): {a.when}" for a in downs.itertuples())
    return (
        "intet bestilles, og intet tages ned, undtagen hvor grunden skal ryddes; der tages "
        f"moduler ned på {where}"
    )


def merge(options: tuple[Option, ...]) -> tuple[tuple[Option, ...], list[str]]:
    """Options with the same plan merged into the first of them, and a sentence for each (for
    the status quo, what the merged plan does: ``status_quo_text``)."""
    kept: list[Option] = []
    notes = []
    for o in options:
        i = next((i for i, k in enumerate(kept) if same_plan(k, o)), None)
        if i is None:
            kept.append(o)
            continue
        twin = kept[i]
        kept[i] = dataclasses.replace(twin, same_as=(*twin.same_as, o.key))
        does = f": {status_quo_text(o)}" if o.key == "D" else ""
        notes.append(
            f"Mulighed {o.key} ({o.title.lower()}) giver samme plan som mulighed {twin.key} "
            f"og er slået sammen med den{does}."
        )
    return tuple(kept), notes


def same_plan(a: Option, b: Option) -> bool:
    """The same decisions: modules of every type up, standing, down and bought, residents moved,
    at every site in every month, in every branch of the scenario."""
    return plan_key(a.plan) == plan_key(b.plan)


def plan_key(plan: PlanResult) -> tuple:
    """What makes two plans the same plan (``same_plan``), as a hashable value."""
    cols = ["module_type_id", "month", "modules_up", "modules_standing", "modules_down"]
    cols += ["modules_bought", "units_moved"]
    site = plan.plan[["site_id", "month", "beds"]]
    branches = () if plan.branches is None else plan.branches[["waves", *cols]]
    return (
        tuple(map(tuple, plan.modules[cols].itertuples(index=False))),
        tuple(map(tuple, site.itertuples(index=False))),
        tuple(map(tuple, branches.itertuples(index=False))) if len(branches) else (),
    )


# the kinds of household (``homes.NeedKind.category``) in the advice on what would reach the risk
NEED_WORDS = {
    "single": "enlige",
    "family": "familier",
    "accessible": "husstande, der har brug for en handicapvenlig bolig",
}


def need_text(best: Option, sup: Supply, risk: float, early: int = 0) -> str:
    """What would bring the risk to the accepted level from month ``early`` on (before it no
    order arrives): modules of a type whose homes fit the kind of household most short in the
    runs (``dominant_need``, ``best_type``), from the first month the type's lead time lets them
    stand (``ready_month``), then beds elsewhere; or beds elsewhere where no type fits."""
    short = best.short_persons[:, early:]
    first = np.flatnonzero((short > 0).mean(axis=0) > 1 - risk)
    if not short.size or not len(first):
        before = (best.short_persons[:, :early] > 0).mean(axis=0) > 1 - risk
        if before.any():
            return (
                f"Efter de første {early} måneder er risikoen for mangel hver måned højst "
                f"{pct(1 - risk, 0)}; det er de første måneder, der giver risikoen."
            )
        return (
            f"Ingen enkelt måned har en risiko for mangel over {pct(1 - risk, 0)}; risikoen "
            f"for mangel i mindst én måned ({pct(best.risk, 0)}) kommer af mangel spredt over "
            "flere måneder i forskellige kørsler."
        )
    # persons short in 1 run in 10, in the month they are most
    persons = max(float(np.quantile(short, 0.9, axis=0, method="higher").max()), 1.0)
    month = early + int(first[0])
    head = (
        f"Ingen af planerne når risikoen ned på højst {pct(1 - risk, 0)} "
        f"(den robuste har {pct(best.risk, 0)})."
    )
    beds = f"ca. {math.ceil(persons)} senge mere fra {month_name(sup.months[month])}"
    need = dominant_need(best.runs)
    if need is None:  # the runs count no kind: no type can be named
        return f"{head} Det kræver {beds}."
    by_kind = best.runs.summary["shortage_by_kind"]
    total = sum(float(v["household_months"]) for v in by_kind.values())
    head += (
        f" Manglen er mest {NEED_WORDS[need]}: {number(by_kind[need]['household_months'], 1)} af "
        f"{number(total, 1)} husstandsmåneder i gennemsnit."
    )
    fitting = fitting_types(sup, need)
    if not fitting:
        return (
            f"{head} Ingen modultype på grundene har boliger, der passer til {NEED_WORDS[need]}: "
            f"det kræver {beds} på nye grunde eller i bygninger."
        )
    room = type_room(best, sup)
    q = best_type(sup, need, fitting, room, month)
    if q is None:
        return (
            f"{head} Modultyperne, der passer til {NEED_WORDS[need]}, har ikke plads til flere "
            f"moduler, der kan nå at stå: det kræver {beds} på nye grunde eller i bygninger."
        )
    return head + _type_advice(sup, q, room[q], month, persons)


def dominant_need(runs: ScenarioResult) -> str | None:
    """The kind of household (``homes.CATEGORIES``) with the most household-months short in the
    runs (``shortage_by_kind``); None when the runs count none."""
    by_kind = runs.summary.get("shortage_by_kind", {})
    months = {c: float(by_kind.get(c, {}).get("household_months", 0.0)) for c in CATEGORIES}
    need = max(CATEGORIES, key=lambda c: months[c])
    return need if months[need] > 0 else None


def fitting_types(sup: Supply, need: str) -> dict[int, int]:
    """Module type -> how many of the plan's kinds of household of category ``need`` fit an
    empty home of the type (``homes.fits``: placement's rules); types that fit none left out."""
    kinds = [k for k in sup.kinds if k.category == need]
    out = {}
    for q in range(sup.mod.types):
        count = sum(fits(k, sup.classes[int(sup.mod.home[q])]) for k in kinds)
        if count and sup.mod.beds[q] > 0:
            out[q] = count
    return out


def type_room(best: Option, sup: Supply) -> dict[int, int]:
    """Module type -> modules more than the option's plan ever has standing, up to its most."""
    standing = best.plan.modules.groupby("module_type_id")["modules_standing"].max()
    return {q: int(sup.mod.most[q] - standing.get(t, 0)) for q, t in enumerate(sup.mod.ids)}


def best_type(
    sup: Supply, need: str, fitting: dict[int, int], room: dict[int, int], month: int
) -> int | None:
    """Among the types ``fitting`` the shortage, with room and able to stand from ``month`` on
    within the horizon (``ready_month``): the one fitting most of its kinds of household, then of
    its own kind of home (``HomeKind.category``), then with most room, then cheapest to set up;
    None if none."""
    ranked = [
        (
            count,
            sup.classes[int(sup.mod.home[q])].category == need,
            room[q],
            -int(sup.mod.setup[q]),
            q,
        )
        for q, count in fitting.items()
        if room[q] > 0 and ready_month(sup, q, month) < len(sup.months)
    ]
    return max(ranked)[-1] if ranked else None


def ready_month(sup: Supply, q: int, month: int = 0) -> int:
    """The first month from ``month`` on in which a module of type q can stand, ordered in the
    plan's first month or later: ordered in month t it stands from t + its lead time
    (``model.module_vars``), and only in a month its site may hold modules
    (``explain.site_holds``); the number of months when never."""
    first = max(int(sup.mod.lead[q]), month)
    later = np.flatnonzero(site_holds(sup, int(sup.mod.site[q]))[first:])
    return first + int(later[0]) if len(later) else len(sup.months)


def _type_advice(sup: Supply, q: int, room: int, month: int, persons: float) -> str:
    """`` Det kræver ca. N moduler af typen … mere på site (id) fra …``: modules of type q for
    the persons short from ``month``, or from the first month they can stand where that is later
    (``ready_month``), and the beds beyond the type's room elsewhere."""
    mod, j = sup.mod, int(sup.mod.site[q])
    kind = "" if mod.ids[q] == sup.ids[j] else f" af typen {mod.names[q]}"
    n = math.ceil(persons / float(mod.beds[q]))
    start = ready_month(sup, q, month)
    when = ""
    if start > month:
        when = (
            f"; bestilt i {month_name(sup.months[0])} kan de med {int(mod.lead[q])} måneders "
            f"leveringstid tidligst stå i {month_name(sup.months[start])}"
            + ("" if start == mod.lead[q] else ", når grunden kan have moduler")
            + f", mens risikoen overskrides fra {month_name(sup.months[month])}"
        )
    holds = site_holds(sup, j)[start:]
    if not holds.all():
        last = start + int(np.argmin(holds)) - 1
        when += f"; grunden kan kun have moduler til og med {month_name(sup.months[last])}"
    text = (
        f" Det kræver ca. {min(n, room)} moduler{kind} mere på {sup.names[j]} "
        f"({sup.ids[j]}) fra {month_name(sup.months[start])} ({int(mod.beds[q])} senge hver{when})"
    )
    if n > room:
        rest = math.ceil(persons - room * float(mod.beds[q]))
        return f"{text} og ca. {rest} senge mere på nye grunde eller i bygninger."
    return text + "."


@dataclass(frozen=True)
class UserOption:
    """A user's own option: conditions under which the same model plans."""

    name: str
    no_new_modules: bool = False
    keep: dict[str, int] = dataclasses.field(default_factory=dict)  # site -> at least N modules
    close: dict[str, str] = dataclasses.field(default_factory=dict)  # site -> first month closed
    buy: tuple[str, ...] = ()  # sites whose rented modules are bought in the first month
    no_new_sites: bool = False  # a site without modules today stays without
    keep_homes: dict[str, int] = dataclasses.field(default_factory=dict)  # category -> homes

    def describe(self) -> str:
        """The conditions in Danish."""
        parts = ["ingen nye moduler"] if self.no_new_modules else []
        parts += ["ingen nye grunde"] if self.no_new_sites else []
        parts += [f"mindst {n} moduler på {s}" for s, n in sorted(self.keep.items())]
        parts += [f"mindst {n} {CATEGORY_NAMES[c]}" for c, n in sorted(self.keep_homes.items())]
        parts += [
            f"{s} lukkes fra {month_name(m)}, beboerne flyttes"
            for s, m in sorted(self.close.items())
        ]
        parts += [f"de lejede moduler på {s} købes nu" for s in self.buy]
        return "Egen mulighed: " + (", ".join(parts) or "ingen betingelser") + "."


OPTION_KEYS = {
    "name",
    "no_new_modules",
    "no_new_sites",
    "keep_at_least",
    "keep_homes",
    "close_from",
    "buy",
}


def load_options(path: Path, sites: Sequence[str]) -> list[UserOption]:
    """The user's own options from a TOML file of ``[[option]]`` tables.

    Each has ``name``, and optionally ``no_new_modules = true``, ``no_new_sites = true`` (a site
    without modules today gets none), ``keep_at_least = {P01 = 2}`` (today's modules kept while
    the site is available), ``keep_homes = {family = 20}`` (at least so many homes of a kind stand
    every month: ``single``, ``family``, ``accessible``), ``close_from = {P03 = "2027-07"}`` (the
    pavilion site is closed from that month, its residents moved at the policy's cost per
    household) and ``buy = ["P01"]`` (the rented modules of those sites bought in the first
    month). What the model can apply (a pavilion site, a month of the scenario, no more modules
    kept than stand) is checked against the supply by ``conditions``.

    Raises
    ------
    UserError
        Naming the file, the option and the key, with the fix.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise UserError(f"{path}: kan ikke læses som TOML ({e}); ret filen.") from None
    rows = data.get("option")
    if not isinstance(rows, list) or not rows or set(data) != {"option"}:
        raise UserError(f"{path}: giv en eller flere [[option]]-tabeller og intet andet.")
    if len(rows) > 10:
        raise UserError(f"{path}: højst 10 muligheder; fjern {len(rows) - 10}.")
    return [_user_option(path, i + 1, row, set(sites)) for i, row in enumerate(rows)]


def _user_option(path: Path, i: int, row: dict, sites: set[str]) -> UserOption:
    where = f"{path}, mulighed {i}"
    bad = set(row) - OPTION_KEYS
    if bad:
        raise UserError(
            f"{where}: ukendt nøgle {sorted(bad)[0]!r}; brug en af "
            f"{', '.join(sorted(OPTION_KEYS))}."
        )
    name = row.get("name")
    if not isinstance(name, str) or not name.strip():
        raise UserError(f"{where}: nøglen 'name' skal være en tekst, fx name = \"Luk P03\".")
    keep, close = row.get("keep_at_least", {}), row.get("close_from", {})
    for key, table in (("keep_at_least", keep), ("close_from", close)):
        if not isinstance(table, dict) or set(table) - sites:
            raise UserError(
                f"{where}, nøgle {key!r}: skal være en tabel med kendte lokalitets-id'er, "
                "fx {P01 = 2}."
            )
    if any(not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in keep.values()):
        raise UserError(
            f"{where}, nøgle 'keep_at_least': skal være et helt antal moduler, mindst 0."
        )
    for m in close.values():
        try:
            dt.date.fromisoformat(f"{m}-01")
        except (TypeError, ValueError):
            raise UserError(
                f"{where}, nøgle 'close_from': skriv måneder som \"YYYY-MM\"."
            ) from None
    no_new, no_sites = row.get("no_new_modules", False), row.get("no_new_sites", False)
    for key, flag in (("no_new_modules", no_new), ("no_new_sites", no_sites)):
        if not isinstance(flag, bool):
            raise UserError(f"{where}, nøgle {key!r}: skal være true eller false.")
    homes = row.get("keep_homes", {})
    if (
        not isinstance(homes, dict)
        or set(homes) - set(CATEGORIES)
        or any(not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in homes.values())
    ):
        raise UserError(
            f"{where}, nøgle 'keep_homes': skal være en tabel med boligtyper "
            f"({', '.join(CATEGORIES)}) og hele tal, mindst 0, fx {{family = 20}}."
        )
    buy = row.get("buy", [])
    if not isinstance(buy, list) or any(not isinstance(b, str) or b not in sites for b in buy):
        raise UserError(
            f"{where}, nøgle 'buy': skal være en liste med kendte lokalitets-id'er, fx [\"P01\"]."
        )
    return UserOption(
        name.strip(), no_new, dict(keep), dict(close), tuple(buy), no_sites, dict(homes)
    )


def conditions(sup: Supply, u: UserOption) -> Supply:
    """The supply under a user's conditions (planned by the same model).

    Raises
    ------
    UserError
        A condition the model cannot apply (``check_option``: a building closed, a month outside
        the scenario, more modules kept than stand), or a site to buy at has no rented module
        with a purchase price.
    """
    check_option(sup, u)
    out = no_new_modules(sup) if u.no_new_modules else sup
    mod = out.mod
    if u.no_new_sites:
        fresh = ~sup.open_now[mod.site]
        mod = dataclasses.replace(mod, most=np.where(fresh, mod.now, mod.most))
    if u.buy:
        buy = np.zeros(mod.types, bool)
        for site in u.buy:
            qs = [q for q in mod.at(sup.ids.index(site)) if mod.rented[q] and mod.price[q] > 0]
            if not qs:
                raise UserError(
                    f"Muligheden {u.name!r}: {site} har ingen lejede moduler med en købspris "
                    "(module_types.purchase_price_per_module); fjern den fra 'buy'."
                )
            buy[qs] = True
        mod = dataclasses.replace(mod, buy_now=buy)
    kept = None
    if u.keep:
        kept = np.zeros(mod.types, np.int64)
        for site, n in u.keep.items():
            left = int(n)  # today's modules of the site's types, in order (check_option: enough)
            for q in mod.at(sup.ids.index(site)):
                kept[q] = min(left, int(mod.now[q]))
                left -= int(kept[q])
    closed = None
    if u.close:
        closed = np.full(sup.sites, len(sup.months), np.int64)
        for site, month in u.close.items():
            closed[sup.ids.index(site)] = sup.months.index(month)
    homes = tuple(sorted(u.keep_homes.items()))
    out = dataclasses.replace(out, mod=mod, closed_from=closed, min_homes=homes, min_modules=kept)
    reachable_homes(out, u.name)
    return out
