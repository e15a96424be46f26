"""How the proposal's costs, risks and recommendation move when its assumptions change.

Three assumptions are varied one at a time: the stay length (30 % shorter and longer), the
probability that the scenario's waves come (0, 10, 30 and 50 %) and the rent (the monthly cost of
the modules, 20 % lower and higher). Nothing is planned again (planning is the slow part of a
proposal): each option keeps its plan and is scored again on the changed scenario, on the first
``runs`` runs of the paper's own paths (common random numbers: run *i* draws the same randomness
for every option and every variation, so run *i* of the base is run *i* of the paper). A change
of rent needs no runs: the option's monthly cost is scaled and its runs kept. The recommendation
under each variation follows the paper's own rule (``recommend.recommend``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from capacity.io.layers import Registry
from capacity.planning.demand import demand_model
from capacity.planning.model import DAYS
from capacity.planning.recommend import recommend
from capacity.planning.scenario import MAX_MONTHS, Scenario
from capacity.planning.simulate import ScenarioResult, remediable_short, score
from capacity.planning.supply import supply
from capacity.reports.text import percent

STAY = (0.7, 1.3)  # factors of the stay length
WAVE = (0.0, 0.1, 0.3, 0.5)  # probabilities that the waves come
RENT = (0.8, 1.2)  # factors of the monthly cost of the modules
MIN_RUNS = 100  # runs per variation at least (never more than the paper's)
ASSUMPTIONS = {"stay": "Opholdslængde", "wave": "Bølgens sandsynlighed", "rent": "Leje"}


@dataclass(frozen=True)
class Case:
    """The options under one variation of one assumption.

    Attributes
    ----------
    assumption : "base", "stay", "wave" or "rent".
    value : the factor (stay, rent) or the probability (wave); 1 for the base.
    label : the variation in Danish, e.g. "Ophold 30 % længere".
    condition : the same as a clause, e.g. "hvis opholdene er 30 % længere".
    total, risk : per option key, the expected total cost (DKK) and the shortage risk.
    recommended : the option the paper's rule recommends under the variation.
    """

    assumption: str
    value: float
    label: str
    condition: str
    total: dict[str, float]
    risk: dict[str, float]
    recommended: str


@dataclass(frozen=True)
class Sensitivity:
    """The variations of a proposal, the paper's recommendation and what could not be varied."""

    runs: int
    recommended: str  # the paper's recommendation
    base: Case  # the paper's options on the first ``runs`` runs, nothing changed
    cases: tuple[Case, ...]
    skipped: tuple[str, ...] = ()  # Danish: assumptions not varied, and why

    def swings(self, key: str | None = None) -> pd.DataFrame:
        """Per assumption the lowest and highest cost and risk of option ``key`` (default: the
        recommended) over its variations, beside the base; sorted by the width of the cost swing,
        widest first.

        Columns: ``assumption, name, range`` (the values tried), ``low_label, high_label, cost_low, cost_high, risk_low,
        risk_high, base_cost, base_risk`` (``low_label``/``high_label``: the variations giving
        the lowest and the highest cost).
        """
        key = key or self.recommended
        rows = []
        for a in dict.fromkeys(c.assumption for c in self.cases):
            cases = [c for c in self.cases if c.assumption == a]
            lo = min(cases, key=lambda c: c.total[key])
            hi = max(cases, key=lambda c: c.total[key])
            risks = [c.risk[key] for c in cases]
            values = [c.value for c in cases]
            rows.append(
                dict(
                    assumption=a,
                    name=ASSUMPTIONS[a],
                    range=_range(a, min(values), max(values)),
                    low_label=lo.label,
                    high_label=hi.label,
                    cost_low=lo.total[key],
                    cost_high=hi.total[key],
                    risk_low=min(risks),
                    risk_high=max(risks),
                    base_cost=self.base.total[key],
                    base_risk=self.base.risk[key],
                )
            )
        out = pd.DataFrame(rows, columns=SWING_COLUMNS)
        width = np.maximum(out["cost_high"], out["base_cost"]) - np.minimum(
            out["cost_low"], out["base_cost"]
        )
        order = sorted(range(len(out)), key=lambda i: (-float(width.iloc[i]), i))
        return out.iloc[order].reset_index(drop=True)

    def caveat(self) -> str:
        """A Danish sentence when the base on these runs already recommends another option than
        the paper: the choice between them rests on which runs are drawn, and the variations
        are compared with the base (``sentence``)."""
        if self.base.recommended == self.recommended:
            return ""
        return (
            f"På de {self.runs} kørsler, som følsomheden bruger, anbefales mulighed "
            f"{self.base.recommended} allerede uden ændringer, mod {self.recommended} i "
            f"indstillingen: valget mellem {self.recommended} og {self.base.recommended} "
            "afhænger af, hvilke kørsler der trækkes, og ændringerne nedenfor sammenlignes med "
            f"{self.base.recommended}."
        )

    def sentence(self) -> str:
        """One Danish sentence: under which variations the recommendation changes, and to what.

        Each variation is compared with the base, the same runs with nothing changed (the
        variations are paired with it run by run), not with the paper's recommendation on all
        its runs: a variation whose recommendation differs from the paper's only because the
        base's does is no change. When the base's recommendation is not the paper's,
        ``caveat`` says so and the sentence names the base's."""
        base = self.base.recommended
        who = "Anbefalingen" if base == self.recommended else "Følsomhedens anbefaling"
        if not self.cases:
            return "Ingen forudsætninger kunne varieres."
        flips: dict[str, list[Case]] = {}
        for c in self.cases:
            if c.recommended != base:
                flips.setdefault(c.recommended, []).append(c)
        if not flips:
            return (
                f"{who} (mulighed {base}) står fast i alle de prøvede "
                f"tilfælde: {_join(_tried(self.cases), 'og')}."
            )
        parts = [f"til {key}, {_conditions(cases)}" for key, cases in sorted(flips.items())]
        stays = len(self.cases) - sum(len(v) for v in flips.values())
        rest = "; i de øvrige prøvede tilfælde står den fast" if stays else ""
        return f"{who} skifter fra {base} {_join(parts, 'og')}{rest}."


def _conditions(cases: list[Case]) -> str:
    """The conditions of ``cases`` joined by "eller"; the probabilities of the wave as one."""
    waves = [c for c in cases if c.assumption == "wave"]
    conds = [c.condition for c in cases if c.assumption != "wave"]
    if len(waves) == 1:
        conds.append(waves[0].condition)
    elif waves:
        values = _join([percent(c.value) for c in waves], "eller")
        conds.append(f"hvis sandsynligheden for bølgen er {values}")
    return _join(conds, "eller")


SWING_COLUMNS = [
    "assumption",
    "name",
    "range",
    "low_label",
    "high_label",
    "cost_low",
    "cost_high",
    "risk_low",
    "risk_high",
    "base_cost",
    "base_risk",
]


def _range(assumption: str, lo: float, hi: float) -> str:
    """The values tried, e.g. "-30 % til +30 %" (factors) or "0 % til 50 %" (probabilities)."""
    if assumption == "wave":
        return f"{percent(lo)} til {percent(hi)}"
    return f"{percent(lo - 1)} til +{percent(hi - 1)}"


def _join(items: list[str], word: str) -> str:
    """``a, b og c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def _tried(cases: tuple[Case, ...]) -> list[str]:
    """The ranges tried, per assumption, e.g. "ophold 30 % kortere til 30 % længere"."""
    words = {"stay": ("ophold", "kortere", "længere"), "rent": ("leje", "lavere", "højere")}
    out = []
    for a in dict.fromkeys(c.assumption for c in cases):
        lo, hi = (f([c.value for c in cases if c.assumption == a]) for f in (min, max))
        if a == "wave":
            out.append(f"bølgen med sandsynlighed {percent(lo)} til {percent(hi)}")
        else:
            name, less, more = words[a]
            out.append(f"{name} {percent(1 - lo)} {less} til {percent(hi - 1)} {more}")
    return out


def sensitivity(reg: Registry, paper, *, runs: int | None = None, workers: int | None = 1):
    """The proposal's options scored under each variation (see the module docstring).

    Parameters
    ----------
    reg : the registry the proposal was made from.
    paper : the proposal (``capacity.planning.proposal.Proposal``).
    runs : runs per variation (default: a quarter of the paper's, at least ``MIN_RUNS`` and at
        most the paper's).
    workers : local processes for the runs.

    Returns
    -------
    Sensitivity
    """
    have = int(paper.options[0].runs.summary["samples"])
    n = min(have, runs or max(MIN_RUNS, have // 4))
    price = reg.policy.limits.emergency_dkk_per_person_day * DAYS
    base_opts = tuple(first_runs(o, n, price) for o in paper.options)

    def case(assumption: str, value: float, label: str, condition: str, opts) -> Case:
        return Case(
            assumption,
            value,
            label,
            condition,
            {o.key: float(o.total) for o in opts},
            {o.key: float(o.risk) for o in opts},
            recommend(opts, paper.risk)[0],
        )

    cases, skipped = [], []
    branched = any(o.plan.branches is not None for o in paper.options)
    for label, condition, sc2, value, assumption in variations(paper.scenario, skipped, branched):
        opts = rescore(reg, sc2, paper, n, price, workers)
        cases.append(case(assumption, value, label, condition, opts))
    for f in RENT:
        opts = tuple(rent(o, f) for o in base_opts)
        word = "lavere" if f < 1 else "højere"
        amount = percent(abs(f - 1))
        cases.append(
            case("rent", f, f"Leje {amount} {word}", f"hvis lejen er {amount} {word}", opts)
        )
    base = case("base", 1.0, "Som forudsat", "som forudsat", base_opts)
    return Sensitivity(n, paper.recommended, base, tuple(cases), tuple(skipped))


def variations(sc: Scenario, skipped: list[str], branched: bool = False):
    """The changed scenarios: ``(label, condition, scenario, value, assumption)``; what cannot be
    varied is added to ``skipped`` in Danish. With ``branched`` (an option's plan has a version
    per branch of the scenario) the wave's probability is not varied: the plan's cost is its
    expectation over the branches at the scenario's probabilities, and at another probability
    it is not known (the runs would be paired with the wrong cost)."""
    out = []
    for f in STAY:
        sc2 = with_stay(sc, f)
        if sc2 is None:
            skipped.append(
                "Opholdslængden tages fra registrets afsluttede ophold og varieres ikke."
            )
            break
        word = "kortere" if f < 1 else "længere"
        amount = percent(abs(f - 1))
        out.append(
            (f"Ophold {amount} {word}", f"hvis opholdene er {amount} {word}", sc2, f, "stay")
        )
    if not sc.arrivals.waves:
        skipped.append("Scenariet har ingen bølge; bølgens sandsynlighed gælder ikke.")
    elif branched:
        skipped.append(
            "Bølgens sandsynlighed varieres ikke: planerne har en udgave for hvert forløb, og "
            "deres forventede omkostning ved en anden sandsynlighed er ikke beregnet."
        )
    else:
        for p in WAVE:
            label = "Ingen bølge" if p == 0 else f"Bølge med sandsynlighed {percent(p)}"
            cond = (
                "hvis bølgen ikke kommer" if p == 0 else f"hvis bølgen kun kommer med {percent(p)}"
            )
            out.append((label, cond, with_wave(sc, p), p, "wave"))
    return out


def with_stay(sc: Scenario, f: float) -> Scenario | None:
    """The scenario with stays ``f`` times as long (geometric: the mean; empirical: each length,
    rounded, at least 1 month); None for stays from the registry's history."""
    s = sc.stay
    if s.kind == "geometric":
        stay = s.model_copy(update={"mean_months": min(max(1.0, s.mean_months * f), MAX_MONTHS)})
    elif s.kind == "empirical":
        months = [min(max(1, round(m * f)), MAX_MONTHS) for m in s.months]
        stay = s.model_copy(update={"months": months, "max_months": max(s.max_months, *months)})
    else:
        return None
    return sc.model_copy(update={"stay": stay})


def with_wave(sc: Scenario, p: float) -> Scenario:
    """The scenario with every wave coming with probability ``p``."""
    waves = [w.model_copy(update={"probability": p}) for w in sc.arrivals.waves]
    return sc.model_copy(update={"arrivals": sc.arrivals.model_copy(update={"waves": waves})})


def rescore(reg: Registry, sc: Scenario, paper, n: int, price: float, workers: int | None):
    """Every option of ``paper`` with its plan kept, scored on ``n`` runs of ``sc`` (the paper's
    seed: the same paths for every option)."""
    sup, dm = supply(reg, sc), demand_model(reg, sc)
    out = []
    for o in paper.options:
        plan = o.plan
        res, raw = score(
            reg, sc, plan.plan, n, paper.seed, workers, sup, plan.modules, plan.branches, dm
        )
        out.append(scored(o, res, raw, price))
    return tuple(out)


def scored(o, res: ScenarioResult, raw: np.ndarray, price: float):
    """Option ``o`` with new runs: ``raw`` is their array (runs, ROWS, T). Emergency housing
    counts every person short; the risk those of households some module type's home fits
    (``remediable_short``), as ``proposal.option`` does."""
    remedy = remediable_short(raw)
    months = remedy > 0
    person_months = raw[:, 0].sum(axis=1)
    return dataclasses.replace(
        o,
        runs=res,
        emergency_cost=float(person_months.mean()) * price,
        totals=o.plan_cost + person_months * price,
        short=months[:, o.risk_from :].any(axis=1),
        short_persons=remedy,
        short_all=raw[:, 0] > 0,
    )


def first_runs(o, n: int, price: float):
    """Option ``o`` on the first ``n`` of its runs (the base the variations are paired with)."""
    person_months = (np.asarray(o.totals[:n]) - o.plan_cost) / price
    summary = {
        **o.runs.summary,
        "samples": n,
        "risk_any_shortage": float(o.short_all[:n].any(axis=1).mean()),
    }
    return dataclasses.replace(
        o,
        runs=ScenarioResult(o.runs.months, summary),
        emergency_cost=float(person_months.mean()) * price,
        totals=np.asarray(o.totals[:n]),
        short=np.asarray(o.short[:n]),
        short_persons=np.asarray(o.short_persons[:n]),
        short_all=np.asarray(o.short_all[:n]),
    )


def rent(o, f: float):
    """Option ``o`` with its monthly cost (rent and upkeep of modules) ``f`` times as high; the
    runs and the risk unchanged."""
    month = float(o.plan.summary.get("cost_by_kind", {}).get("month", 0.0))
    extra = (f - 1) * month
    return dataclasses.replace(o, plan_cost=o.plan_cost + extra, totals=o.totals + extra)
