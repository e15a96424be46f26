"""The multi-period capacity model (CP-SAT) on aggregated counts; see docs/models.md.

Per pavilion site p, month t and demand group k: modules ordered ``up`` (standing from t + lead),
taken ``down`` and ``standing``; per sample s, month t and kind of household h: households
``housed`` in each kind of home c and households ``short`` of a home (the placement's rules decide
which kinds fit: ``capacity.model.homes``); per spread district: beds ``excess`` above the fair
share. Decisions in months before ``shared`` are one
variable for all groups (what must be ordered now); later ones adapt per group of samples.
The model's size depends on sites × months × groups (and samples × months for the shortage),
never on the number of households (kinds of household and of home are few).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from capacity.model.homes import fit_tables
from capacity.planning.supply import Supply
from capacity.policy import Policy

DAYS = 30  # a month of emergency housing counts 30 days
SCALE = 10_000  # fixed-point scale of the spread shares


@dataclass
class Entry:
    """One objective entry: ``coef * var`` summed over samples (``coef`` already multiplied)."""

    term: str
    subject: str
    month: int
    coef: int
    var: cp_model.IntVar
    amount: int  # amount per unit of the variable (modules, persons, bed-minutes)
    copies: int  # samples the variable stands for


@dataclass
class PlanModel:
    """The CP-SAT model and its variables.

    Module decisions are keyed by (group, site, month): samples are sorted by total demand and
    split into ``groups`` contiguous groups that may adapt after the shared months; before
    ``shared`` every group uses group 0's variable. Shortage is per (sample, month, kind of
    household).
    """

    cp: cp_model.CpModel
    sup: Supply
    demand: np.ndarray  # (S, T) persons needing a bed besides current residents
    shared: int
    policy: Policy
    group: np.ndarray  # (S,) the group of each sample
    need: np.ndarray | None = None  # (S, T, K) households needing a home, by kind (sup.kinds)
    up: dict = field(default_factory=dict)
    down: dict = field(default_factory=dict)
    standing: dict = field(default_factory=dict)
    short: dict = field(default_factory=dict)
    excess: dict = field(default_factory=dict)
    beds: dict = field(default_factory=dict)
    homes: dict = field(default_factory=dict)  # (k, c, t) -> homes of kind c standing
    housed: dict = field(default_factory=dict)  # (s, t, h, c) -> households of kind h in c
    ordered: dict = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)

    @property
    def samples(self) -> int:
        """Number of demand samples."""
        return self.demand.shape[0]

    @property
    def groups(self) -> int:
        """Number of adaptive groups."""
        return int(self.group.max()) + 1

    @property
    def months(self) -> int:
        """Months of the horizon."""
        return self.demand.shape[1]

    def pavilions(self) -> list[int]:
        """Indices of the pavilion sites."""
        return [int(p) for p in np.flatnonzero(self.sup.pavilion)]

    def weight(self, k: int, t: int) -> int:
        """Samples a decision variable of group k in month t stands for (all when shared)."""
        return self.samples if t < self.shared else int((self.group == k).sum())

    def owners(self, t: int) -> range:
        """Groups owning their own variable in month t (only group 0 when shared)."""
        return range(1) if t < self.shared else range(self.groups)

    def get(self, d: dict, k: int, j: int, t: int):
        """The variable of group k, or the shared one when month t is before ``shared``."""
        return d[(0 if t < self.shared else k), j, t]

    def add(
        self, term: str, subject: str, t: int, coef: int, var, amount: int = 1, copies: int = 1
    ) -> None:
        """Add an objective entry (skipped when its coefficient is 0)."""
        if coef:
            self.entries.append(Entry(term, subject, t, coef * copies, var, amount, copies))


def groups_by_demand(demand: np.ndarray, groups: int) -> np.ndarray:
    """Sort samples by total demand and split them into ``groups`` contiguous groups."""
    order = np.argsort(demand.sum(axis=1), kind="stable")
    out = np.zeros(len(order), np.int64)
    for k, part in enumerate(np.array_split(order, min(groups, len(order)))):
        out[part] = k
    return out


def module_vars(m: PlanModel) -> None:
    """Modules ordered, taken down and standing per pavilion site and month."""
    sup = m.sup
    for p in m.pavilions():
        cap = int(sup.modules_max[p])
        for t in range(m.months):
            for k in m.owners(t):
                key = f"{sup.ids[p]},{t}" + ("" if t < m.shared else f",g{k}")
                late = t + int(sup.lead[p]) >= m.months or not sup.available[p, t:].any()
                m.up[k, p, t] = m.cp.new_int_var(0, 0 if late else cap, f"up[{key}]")
                m.down[k, p, t] = m.cp.new_int_var(0, cap, f"down[{key}]")
                hi = cap if sup.available[p, t] else 0
                m.standing[k, p, t] = m.cp.new_int_var(0, hi, f"standing[{key}]")


def _own(m: PlanModel, k: int) -> range:
    """Months whose constraints group k owns (shared months belong to group 0)."""
    return range(m.months) if k == 0 else range(m.shared, m.months)


def module_balance(m: PlanModel) -> None:
    """Modules standing = last month's + those ordered lead months ago - those taken down."""
    sup = m.sup
    for k in range(m.groups):
        for p in m.pavilions():
            lead = int(sup.lead[p])
            for t in _own(m, k):
                prev = m.get(m.standing, k, p, t - 1) if t else int(sup.modules_now[p])
                arrived = m.get(m.up, k, p, t - lead) if t >= lead else 0
                m.cp.add(
                    m.get(m.standing, k, p, t) == prev + arrived - m.get(m.down, k, p, t)
                ).with_name(f"module_balance[{sup.ids[p]},{t},g{k}]")


def min_lifetime(m: PlanModel) -> None:
    """Modules stand at least min_lifetime_months: all that arrived in the last months still stand.

    With identical modules taken down oldest first this equals "cumulative take-downs never exceed
    today's modules plus those that arrived min_lifetime_months ago or earlier". ``ordered`` holds
    the cumulative orders, so each constraint has three terms.
    """
    sup = m.sup
    for k in range(m.groups):
        for p in m.pavilions():
            lead, life = int(sup.lead[p]), int(sup.lifetime[p])
            for t in _own(m, k):
                prev = m.get(m.ordered, k, p, t - 1) if t else 0
                c = m.cp.new_int_var(
                    0, int(sup.modules_max[p]) * m.months, f"ordered[{sup.ids[p]},{t},g{k}]"
                )
                m.ordered[k, p, t] = c
                m.cp.add(c == prev + m.get(m.up, k, p, t))
            for t in _own(m, k):
                if life <= 0 or t < lead:
                    continue
                old = m.get(m.ordered, k, p, t - lead - life) if t - lead - life >= 0 else 0
                m.cp.add(
                    m.get(m.standing, k, p, t) >= m.get(m.ordered, k, p, t - lead) - old
                ).with_name(f"min_lifetime[{sup.ids[p]},{t},g{k}]")


def residents_keep_modules(m: PlanModel) -> None:
    """Modules never come down below those that current residents live in (while available)."""
    sup = m.sup
    for p in m.pavilions():
        for t in range(m.months):
            need = int(sup.resident_modules[p, t]) if sup.available[p, t] else 0
            for k in m.owners(t):
                if need:
                    m.cp.add(m.standing[k, p, t] >= need).with_name(
                        f"residents_keep_modules[{sup.ids[p]},{t},g{k}]"
                    )


def pavilion_beds(m: PlanModel) -> None:
    """Beds in the pavilion modules standing, per group and month (one variable each)."""
    sup = m.sup
    hi = int((sup.modules_max * sup.beds_per_module).sum())
    for t in range(m.months):
        for k in m.owners(t):
            b = m.cp.new_int_var(0, hi, f"pavilion_beds[{t},g{k}]")
            m.cp.add(
                b == sum(int(sup.beds_per_module[p]) * m.standing[k, p, t] for p in m.pavilions())
            ).with_name(f"pavilion_beds[{t},g{k}]")
            m.beds[k, t] = b


def home_counts(m: PlanModel) -> None:
    """Homes of each kind per group and month: buildings' units plus the modules standing."""
    sup = m.sup
    fixed = sup.building_homes.sum(axis=0)  # (C, T)
    for c in range(len(sup.classes)):
        sites = [p for p in m.pavilions() if sup.site_class[p] == c]
        hi = int(fixed[c].max()) + sum(
            int(sup.modules_max[p] * sup.units_per_module[p]) for p in sites
        )
        for t in range(m.months):
            for k in m.owners(t):
                if not sites:
                    m.homes[k, c, t] = int(fixed[c, t])
                    continue
                v = m.cp.new_int_var(0, hi, f"homes[{c},{t},g{k}]")
                m.cp.add(
                    v
                    == int(fixed[c, t])
                    + sum(int(sup.units_per_module[p]) * m.standing[k, p, t] for p in sites)
                ).with_name(f"home_counts[{c},{t},g{k}]")
                m.homes[k, c, t] = v


def homes_by_kind(m: PlanModel) -> None:
    """Households go into homes of their kind, or are short of one (placement's rules).

    A household of kind h may have a free home of kind c when ``homes.fits`` (beds, family home
    for children, accessibility); a home that is not shareable takes one household; a shareable
    one takes one family, or adult-only households whose persons fit its beds. Homes held by
    current residents are not free (their shareable homes keep their free beds for adults).
    """
    sup, need = m.sup, m.need
    fit, share = fit_tables(sup.kinds, sup.classes)
    persons = np.array([k.persons for k in sup.kinds], dtype=np.int64)
    family = np.array([k.family for k in sup.kinds], dtype=bool)
    for s in range(m.samples):
        for t in range(m.months):
            k = 0 if t < m.shared else int(m.group[s])
            by_class: dict[int, list] = {}
            for h in np.flatnonzero(need[s, t] > 0):
                d = int(need[s, t, h])
                x = []
                for c in np.flatnonzero(fit[h]):
                    v = m.cp.new_int_var(0, d, f"housed[{t},s{s},k{h},c{c}]")
                    m.housed[s, t, int(h), int(c)] = v
                    by_class.setdefault(int(c), []).append((int(h), v))
                    x.append(v)
                short = m.cp.new_int_var(0, d, f"short[{t},s{s},k{h}]")
                m.short[s, t, int(h)] = short
                m.cp.add(sum(x) + short == d).with_name(f"homes_by_kind[{t},s{s},k{h}]")
            for c, xs in by_class.items():
                _home_capacity(m, k, s, t, c, xs, share, persons, family)


def _home_capacity(m, k, s, t, c, xs, share, persons, family) -> None:
    """Households in homes of kind c never exceed the homes free of current residents."""
    sup, kind = m.sup, m.sup.classes[c]
    homes = m.homes[k, c, t]
    whole, part = int(sup.resident_whole[c, t]), int(sup.resident_shared[c, t])
    name = f"home_capacity[{c},{t},s{s}]"
    if not kind.shareable:
        m.cp.add(sum(v for _, v in xs) <= homes - whole - part).with_name(name)
        return
    fams = [v for h, v in xs if family[h] or not share[h, c]]
    adults = [(h, v) for h, v in xs if not family[h] and share[h, c]]
    if fams:
        m.cp.add(sum(fams) <= homes - whole - part).with_name(name + ",whole")
    b = kind.beds
    m.cp.add(
        sum(int(persons[h]) * v for h, v in adults) + b * sum(fams)
        <= b * (homes - whole) - int(sup.resident_shared_persons[c, t])
    ).with_name(name + ",beds")


def spread_excess(m: PlanModel) -> None:
    """Beds in a district above its population share of all beds plus the tolerance."""
    sup, lim = m.sup, m.policy.limits
    if m.policy.weights.spread == 0 or not len(sup.district_ids):
        return
    for d, share in enumerate(sup.district_share):
        members = [j for j in m.pavilions() if sup.district[j] == d]
        if not members:
            continue
        c = round(SCALE * (100 + lim.spread_tolerance_pct) / 100 * share)
        fixed = sup.building_beds[sup.district == d].sum(axis=0)
        for t in range(m.months):
            for k in m.owners(t):
                inside = sum(int(sup.beds_per_module[p]) * m.standing[k, p, t] for p in members)
                total = m.beds[k, t] + int(sup.building_beds[:, t].sum())
                e = m.cp.new_int_var(
                    0,
                    int(sup.beds(sup.modules_max[:, None])[:, t].sum()),
                    f"excess[{sup.district_ids[d]},{t},g{k}]",
                )
                m.excess[k, d, t] = e
                m.cp.add(SCALE * (inside + int(fixed[t])) - c * total <= SCALE * e).with_name(
                    f"spread[{sup.district_ids[d]},{t},g{k}]"
                )


HARD_RULES = (
    module_vars,
    module_balance,
    min_lifetime,
    residents_keep_modules,
    pavilion_beds,
    home_counts,
    homes_by_kind,
    spread_excess,
)
