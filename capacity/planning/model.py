"""The multi-period capacity model on aggregated counts (solved by HiGHS); see docs/models.md.

Decisions per pavilion site and month: the site open or closed (a one-off cost each way; it
closes only when no module stands, so its residents are moved first); per module type: modules
ordered (``up``, standing from month + lead), taken down (rented and owned modules apart: a rented
one taken down before its lease end costs the early-termination cost), rented modules bought,
resident homes moved off the type (a cost per household, a limit per month). Per sample, month
and kind of household: households ``housed`` in each kind of home and households ``short`` of one
(the placement's rules decide which kinds fit: ``capacity.model.homes``). Per spread district:
beds ``excess`` above the fair share.

Uncertainty is a tree of nodes: every sample belongs to one branch of the scenario (the waves
that come in it) and, within its branch, to a group of samples by total demand. A decision taken
in month t is one variable per node of month t: before ``shared`` (the lead time and notice) one
node holds every sample; after it, samples are apart by group and by the branches known by then
(a branch is known from the start month of the first uncertain wave that tells it apart). A
take-down in month t is decided ``notice`` months before, so it is keyed by the node of month
t - notice. The nodes refine month by month, so every node has one ancestor in each earlier
month. The model's size depends on module types × months × nodes (and samples × months × kinds
for the shortage), never on the number of households.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from capacity.model.homes import fit_tables
from capacity.planning.supply import Held, Supply, held_homes
from capacity.policy import Policy, spread_limit

DAYS = 30  # a month of emergency housing counts 30 days
SCALE = 10_000  # fixed-point scale of the spread shares
WEIGHT = 10_000  # integer weight units of the samples' probabilities (they sum to about this)
MOVE_SCALE = 100  # fixed-point scale of households per unit in the limit of moves


@dataclass
class Entry:
    """One objective entry: ``coef * var``, ``coef`` already multiplied by the node's weight."""

    term: str
    subject: str
    month: int
    coef: int
    var: cp_model.IntVar
    amount: int  # amount per unit of the variable (modules, persons, bed-minutes)
    copies: int  # weight of the samples the variable stands for


@dataclass
class PlanModel:
    """The model and its variables.

    ``node`` (S, T) gives each sample's node in each month (global ids; nodes refine over the
    months); ``w`` (S,) the samples' integer weights (their probabilities times ``WEIGHT``).
    Variables of a decision are keyed ``(node, type or site or kind, month)``.
    """

    cp: cp_model.CpModel
    sup: Supply
    demand: np.ndarray  # (S, T) persons needing a bed besides current residents
    shared: int
    policy: Policy
    node: np.ndarray  # (S, T) node of each sample in each month
    w: np.ndarray  # (S,) integer weights
    need: np.ndarray  # (S, T, K) households needing a home, by kind (sup.kinds)
    branch: np.ndarray | None = None  # (S,) the branch of each sample
    up: dict = field(default_factory=dict)
    rent_down: dict = field(default_factory=dict)
    own_down: dict = field(default_factory=dict)
    rented: dict = field(default_factory=dict)
    owned: dict = field(default_factory=dict)
    bought: dict = field(default_factory=dict)
    moved: dict = field(default_factory=dict)  # units moved off a type in the month
    moved_total: dict = field(default_factory=dict)
    ordered: dict = field(default_factory=dict)
    is_open: dict = field(default_factory=dict)
    opened: dict = field(default_factory=dict)
    closed: dict = field(default_factory=dict)
    short: dict = field(default_factory=dict)
    excess: dict = field(default_factory=dict)
    beds: dict = field(default_factory=dict)
    homes: dict = field(default_factory=dict)  # (n, c, t) -> homes of kind c standing
    housed: dict = field(default_factory=dict)  # (s, t, h, c) -> households of kind h in c
    entries: list[Entry] = field(default_factory=list)
    held: Held = field(init=False)  # residents' homes under the option's closings
    _rep: dict = field(default_factory=dict)
    _weight: dict = field(default_factory=dict)
    _nodes: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.held = held_homes(self.sup)
        for t in range(self.months):
            col = self.node[:, t]
            here = sorted({int(n) for n in col})
            self._nodes.append(here)
            for n in here:
                if n not in self._rep:  # a node holds the same samples in every month it spans
                    rows = np.flatnonzero(col == n)
                    self._rep[n] = int(rows[0])
                    self._weight[n] = int(self.w[rows].sum())

    @property
    def samples(self) -> int:
        """Number of demand samples."""
        return self.demand.shape[0]

    @property
    def months(self) -> int:
        """Months of the horizon."""
        return self.demand.shape[1]

    @property
    def total_weight(self) -> int:
        """Sum of the samples' weights (the objective is this times the expected cost)."""
        return int(self.w.sum())

    def nodes(self, t: int) -> list[int]:
        """The nodes of month t."""
        return self._nodes[t]

    def weight(self, n: int) -> int:
        """Weight of the samples node ``n`` stands for."""
        return self._weight[n]

    def anc(self, n: int, t: int) -> int:
        """The ancestor of node ``n`` in month ``t`` (an earlier or the same month)."""
        return int(self.node[self._rep[n], t])

    def types(self) -> range:
        """Indices of the module types."""
        return range(self.sup.mod.types)

    def standing(self, n: int, q: int, t: int):
        """Modules of type q standing in month t at node n (rented + owned)."""
        if (n, q, t) in self.rented:
            return self.rented[n, q, t] + self.owned[n, q, t]
        return self.owned[n, q, t]

    def add(
        self,
        term: str,
        subject: str,
        t: int,
        coef: int,
        var,
        amount: int = 1,
        copies: int = 1,
        keep: bool = False,
    ) -> None:
        """Add an objective entry; one with coefficient 0 is skipped unless ``keep``: a net
        price of 0 made of parts that the paper shows apart (an owned module's teardown less
        its residual value), whose amounts the terms table must still count."""
        if coef or keep:
            self.entries.append(Entry(term, subject, t, coef * copies, var, amount, copies))


def sample_tree(
    paths: np.ndarray, branch: np.ndarray, known: np.ndarray, shared: int, groups: int
) -> np.ndarray:
    """The node of each sample in each month, shape (S, T).

    ``known[b, t]`` is the class of branch b in month t (branches with the same class are not
    told apart yet). Before ``shared`` every sample is at one node; after it a sample's node is
    its branch class and its group (``groups_by_demand`` within its branch).
    """
    S, T = paths.shape
    group = np.zeros(S, np.int64)
    for b in np.unique(branch):
        rows = np.flatnonzero(branch == b)
        group[rows] = groups_by_demand(paths[rows], groups)
    out = np.zeros((S, T), np.int64)
    nid = 1
    for t in range(shared, T):
        keys = {}
        for s in range(S):
            key = (int(known[branch[s], t]), int(group[s]))
            if key not in keys:
                keys[key] = nid
                nid += 1
            out[s, t] = keys[key]
    return out


def groups_by_demand(demand: np.ndarray, groups: int) -> np.ndarray:
    """Sort samples by total demand and split them into ``groups`` contiguous groups."""
    order = np.argsort(demand.sum(axis=1), kind="stable")
    out = np.zeros(len(order), np.int64)
    for k, part in enumerate(np.array_split(order, min(groups, len(order)))):
        out[part] = k
    return out


def closed_from(sup: Supply, months: int) -> np.ndarray:
    """The first month each site must be closed (``months``: never)."""
    if sup.closed_from is None:
        return np.full(sup.sites, months, np.int64)
    return np.minimum(sup.closed_from, months)


def _moves_allowed(m: PlanModel) -> bool:
    return m.policy.limits.max_moves_per_month > 0


def module_vars(m: PlanModel) -> None:
    """Per module type, node and month: orders, take-downs, purchases, moves and standing.

    Residents may be moved off a type while its site is available, up to the month an option
    closes the site (``closed_from``): that month no module stands, so its residents are moved
    then at the latest."""
    sup, mod = m.sup, m.sup.mod
    closed = closed_from(sup, m.months)
    for q in m.types():
        p, cap = int(mod.site[q]), int(mod.most[q])
        lead, notice = int(mod.lead[q]), int(mod.notice[q])
        for t in range(m.months):
            for n in m.nodes(t):
                key = f"{mod.ids[q]},{t},n{n}"
                late = t + lead >= m.months or not sup.available[p, t + lead :].any()
                late = late or t + lead >= closed[p]
                m.up[n, q, t] = m.cp.new_int_var(0, 0 if late else cap, f"up[{key}]")
                hi = cap if sup.available[p, t] and t < closed[p] else 0
                m.owned[n, q, t] = m.cp.new_int_var(0, hi, f"owned[{key}]")
                if mod.rented[q]:
                    rent_hi = 0 if mod.buy_now[q] else hi
                    m.rented[n, q, t] = m.cp.new_int_var(0, rent_hi, f"rented[{key}]")
                    if mod.price[q] > 0:
                        m.bought[n, q, t] = m.cp.new_int_var(0, cap, f"buy[{key}]")
                live = sup.available[p, t] and t <= closed[p]  # moved off by the closing month
                if _moves_allowed(m) and mod.movable[q] and mod.resident_units[q, t] > 0 and live:
                    m.moved[n, q, t] = m.cp.new_int_var(
                        0, int(mod.resident_units[q, t]), f"moved[{key}]"
                    )
                if t < notice:
                    continue  # nothing comes down before its notice
                d = m.anc(n, t - notice)
                if (d, q, t) not in m.own_down:
                    m.own_down[d, q, t] = m.cp.new_int_var(0, cap, f"down_owned[{key}]")
                    if mod.rented[q]:
                        m.rent_down[d, q, t] = m.cp.new_int_var(0, cap, f"down_rented[{key}]")


def _down(m: PlanModel, d: dict, n: int, q: int, t: int):
    """The take-down of type q in month t seen from node n (decided at t - notice), or 0."""
    notice = int(m.sup.mod.notice[q])
    if t < notice:
        return 0
    return d.get((m.anc(n, t - notice), q, t), 0)


def module_balance(m: PlanModel) -> None:
    """Modules standing = last month's + those ordered lead months ago - those taken down.

    Rented and owned modules are counted apart: a purchase turns rented ones into owned ones;
    new modules of a rented type are rented, of an owned type owned.
    """
    mod = m.sup.mod
    for q in m.types():
        lead = int(mod.lead[q])
        for t in range(m.months):
            for n in m.nodes(t):
                par = m.anc(n, t - 1) if t else None
                arrived = m.up[m.anc(n, t - lead), q, t - lead] if t >= lead else 0
                buy = m.bought.get((n, q, t), 0)
                name = f"module_balance[{mod.ids[q]},{t},n{n}]"
                if mod.rented[q]:
                    prev_r = m.rented[par, q, t - 1] if t else int(mod.now[q])
                    prev_o = m.owned[par, q, t - 1] if t else 0
                    m.cp.add(
                        m.rented[n, q, t] == prev_r + arrived - _down(m, m.rent_down, n, q, t) - buy
                    ).with_name(name + ",rented")
                    m.cp.add(
                        m.owned[n, q, t] == prev_o + buy - _down(m, m.own_down, n, q, t)
                    ).with_name(name + ",owned")
                else:
                    prev = m.owned[par, q, t - 1] if t else int(mod.now[q])
                    m.cp.add(
                        m.owned[n, q, t] == prev + arrived - _down(m, m.own_down, n, q, t)
                    ).with_name(name)


def min_lifetime(m: PlanModel) -> None:
    """Modules stand at least their minimum lifetime: all that arrived in the last months stand.

    With identical modules taken down oldest first this equals "modules standing are at least
    those that arrived in the last ``life`` months"; ``ordered`` holds the cumulative orders, so
    each constraint has three terms. Today's modules count as old enough.
    """
    mod = m.sup.mod
    for q in m.types():
        lead, life = int(mod.lead[q]), int(mod.life[q])
        for t in range(m.months):
            for n in m.nodes(t):
                prev = m.ordered[m.anc(n, t - 1), q, t - 1] if t else 0
                c = m.cp.new_int_var(0, int(mod.most[q]) * m.months, f"ordered[{q},{t},n{n}]")
                m.ordered[n, q, t] = c
                m.cp.add(c == prev + m.up[n, q, t])
        if life <= 0:
            continue
        for t in range(lead, m.months):
            for n in m.nodes(t):
                new = m.ordered[m.anc(n, t - lead), q, t - lead]
                back = t - lead - life
                old = m.ordered[m.anc(n, back), q, back] if back >= 0 else 0
                m.cp.add(m.standing(n, q, t) >= new - old).with_name(
                    f"min_lifetime[{mod.ids[q]},{t},n{n}]"
                )


def residents_keep_modules(m: PlanModel) -> None:
    """Modules never come down below the units current residents live in, less those moved.

    ``units × standing >= resident units - units moved so far``: with whole modules this is the
    fewest modules that hold the residents' units. A moved household keeps a home of the same
    kind elsewhere (``PlanModel.held`` still counts it), so the homes left after a site closes
    must hold it; from the month an option closes the site (``closed_from``) it needs a home of
    any kind that fits instead (``supply.held_homes``), and it is moved in that month at the
    latest. Moves per month are limited in households.
    """
    mod, lim = m.sup.mod, m.policy.limits
    for q in m.types():
        for t in range(m.months):
            need = int(mod.resident_units[q, t]) if m.sup.available[mod.site[q], t] else 0
            for n in m.nodes(t):
                prev = m.moved_total.get((m.anc(n, t - 1), q, t - 1), 0) if t else 0
                mv = m.moved.get((n, q, t))
                total = prev + mv if mv is not None else prev
                if mv is not None or not isinstance(prev, int):
                    v = m.cp.new_int_var(
                        0, int(mod.resident_units[q].max()), f"moved_total[{q},{t},n{n}]"
                    )
                    m.cp.add(v == total)
                    m.moved_total[n, q, t] = v
                    total = v
                if need:
                    m.cp.add(int(mod.units[q]) * m.standing(n, q, t) >= need - total).with_name(
                        f"residents_keep_modules[{mod.ids[q]},{t},n{n}]"
                    )
    if not m.moved:
        return
    per = np.rint(mod.households_per_unit * MOVE_SCALE).astype(np.int64)
    for t in range(m.months):
        for n in m.nodes(t):
            xs = [(int(per[q]), v) for (nn, q, tt), v in m.moved.items() if nn == n and tt == t]
            if xs:
                m.cp.add(
                    sum(c * v for c, v in xs) <= MOVE_SCALE * lim.max_moves_per_month
                ).with_name(f"moves_per_month[{t},n{n}]")


def kept_modules(m: PlanModel) -> None:
    """An option's modules kept stand while their site is available and not closed (they are no
    residents: nobody is moved off them)."""
    sup = m.sup
    if sup.min_modules is None:
        return
    closed = closed_from(sup, m.months)
    for q in m.types():
        p, least = int(sup.mod.site[q]), int(sup.min_modules[q])
        for t in range(int(closed[p]) if least else 0):
            if sup.available[p, t]:
                for n in m.nodes(t):
                    m.cp.add(m.standing(n, q, t) >= least).with_name(
                        f"kept_modules[{sup.mod.ids[q]},{t},n{n}]"
                    )


def _tracked(m: PlanModel, p: int) -> bool:
    """Site p gets open/closed variables: it has an opening or closing cost, may not reopen, or
    residents who may be moved off it."""
    sup, mod = m.sup, m.sup.mod
    movable = any(key[1] in mod.at(p) for key in m.moved)
    return bool(sup.open_cost[p] or sup.close_cost[p] or not sup.reopen[p] or movable)


def site_open(m: PlanModel) -> None:
    """A pavilion site is open while a module stands; opening and closing are events.

    Only tracked sites (``_tracked``) get the variables; the others' state follows from their
    modules. A site that closed reopens only when allowed.
    """
    sup, mod = m.sup, m.sup.mod
    for p in np.flatnonzero(sup.pavilion):
        p = int(p)
        qs = mod.at(p)
        if not qs or not _tracked(m, p):
            continue
        for t in range(m.months):
            for n in m.nodes(t):
                key = f"{sup.ids[p]},{t},n{n}"
                y = m.cp.new_bool_var(f"open[{key}]")
                m.is_open[n, p, t] = y
                for q in qs:
                    m.cp.add(m.standing(n, q, t) <= int(mod.most[q]) * y)
                m.cp.add(y <= sum(m.standing(n, q, t) for q in qs))
                prev = m.is_open[m.anc(n, t - 1), p, t - 1] if t else int(sup.open_now[p])
                o = m.cp.new_int_var(0, 1, f"opened[{key}]")
                c = m.cp.new_int_var(0, 1, f"closed[{key}]")
                m.cp.add(o >= y - prev)
                m.cp.add(c >= prev - y)
                m.opened[n, p, t], m.closed[n, p, t] = o, c
                if not sup.reopen[p]:
                    before = [m.closed[m.anc(n, u), p, u] for u in range(t)]
                    if before:
                        m.cp.add(o + sum(before) <= 1).with_name(f"no_reopen[{key}]")
    moves_close_sites(m)


def moves_close_sites(m: PlanModel) -> None:
    """Residents are moved only so that their site can close: a move in month t needs the site
    closed by month t + W on every path that follows, where W months of moves at the monthly
    limit empty the site (``ceil(households / max_moves_per_month) - 1``); a move that no path
    could follow by a closing within the horizon is not made. Moved households keep a home of
    their kind elsewhere: the homes of each kind never fall below those residents hold
    (``PlanModel.held``: from the month an option closes their site they are no longer held
    there, but need a home of any kind that fits them, as arrivals do)."""
    mod = m.sup.mod
    limit = m.policy.limits.max_moves_per_month
    for (n, q, t), v in m.moved.items():
        p = int(mod.site[q])
        held = sum(float(mod.households_per_unit[r] * mod.resident_units[r, 0]) for r in mod.at(p))
        later = t + max(int(np.ceil(held / limit)) - 1, 0)
        if later >= m.months:
            m.cp.add(v == 0)
            continue
        rows = np.flatnonzero(m.node[:, t] == n)
        for n2 in sorted({int(x) for x in m.node[rows, later]}):
            y = m.is_open[n2, p, later]
            m.cp.add(v <= int(mod.resident_units[q, t]) * (1 - y)).with_name(
                f"moves_close_sites[{mod.ids[q]},{t},n{n2}]"
            )
    classes = {int(mod.home[q]) for (_n, q, _t) in m.moved}
    for c in sorted(classes):
        held = m.held.whole[c] + m.held.shared[c]
        for (n, cc, t), homes in m.homes.items():
            if cc == c and held[t] and not isinstance(homes, int):
                m.cp.add(homes >= int(held[t])).with_name(f"residents_keep_homes[{c},{t},n{n}]")


def pavilion_beds(m: PlanModel) -> None:
    """Beds in the pavilion modules standing, per node and month (one variable each)."""
    mod = m.sup.mod
    hi = int((mod.most * mod.beds).sum())
    for t in range(m.months):
        for n in m.nodes(t):
            b = m.cp.new_int_var(0, hi, f"pavilion_beds[{t},n{n}]")
            m.cp.add(b == sum(int(mod.beds[q]) * m.standing(n, q, t) for q in m.types())).with_name(
                f"pavilion_beds[{t},n{n}]"
            )
            m.beds[n, t] = b


def home_counts(m: PlanModel) -> None:
    """Homes of each kind per node and month: buildings' units plus the modules standing (and,
    under an option's condition, at least so many homes of a category every month)."""
    sup, mod = m.sup, m.sup.mod
    fixed = sup.building_homes.sum(axis=0)  # (C, T)
    for c in range(len(sup.classes)):
        qs = [q for q in m.types() if mod.home[q] == c]
        hi = int(fixed[c].max()) + sum(int(mod.most[q] * mod.units[q]) for q in qs)
        for t in range(m.months):
            for n in m.nodes(t):
                if not qs:
                    m.homes[n, c, t] = int(fixed[c, t])
                    continue
                v = m.cp.new_int_var(0, hi, f"homes[{c},{t},n{n}]")
                m.cp.add(
                    v == int(fixed[c, t]) + sum(int(mod.units[q]) * m.standing(n, q, t) for q in qs)
                ).with_name(f"home_counts[{c},{t},n{n}]")
                m.homes[n, c, t] = v
    for cat, least in sup.min_homes:
        cs = [c for c, k in enumerate(sup.classes) if k.category == cat]
        for t in range(m.months):
            for n in m.nodes(t):
                m.cp.add(sum(m.homes[n, c, t] for c in cs) >= int(least)).with_name(
                    f"min_homes[{cat},{t},n{n}]"
                )


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
            n = int(m.node[s, t])
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
                _home_capacity(m, n, s, t, c, xs, share, persons, family)


def _home_capacity(m, n, s, t, c, xs, share, persons, family) -> None:
    """Households in homes of kind c never exceed the homes free of current residents."""
    kind = m.sup.classes[c]
    homes = m.homes[n, c, t]
    whole, part = int(m.held.whole[c, t]), int(m.held.shared[c, t])
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
        <= b * (homes - whole) - int(m.held.shared_persons[c, t])
    ).with_name(name + ",beds")


def spread_excess(m: PlanModel) -> None:
    """Beds in a district above its population share of all beds plus the tolerance."""
    sup, lim, mod = m.sup, m.policy.limits, m.sup.mod
    if m.policy.weights.spread == 0 or not len(sup.district_ids):
        return
    hi = int(sup.building_beds.sum(axis=0).max() + (mod.most * mod.beds).sum())
    for d, share in enumerate(sup.district_share):
        members = [q for q in m.types() if sup.district[mod.site[q]] == d]
        if not members:
            continue
        c = round(SCALE * spread_limit(lim.spread_tolerance_pct) * share)
        fixed = sup.building_beds[sup.district == d].sum(axis=0)
        for t in range(m.months):
            for n in m.nodes(t):
                inside = sum(int(mod.beds[q]) * m.standing(n, q, t) for q in members)
                total = m.beds[n, t] + int(sup.building_beds[:, t].sum())
                e = m.cp.new_int_var(0, hi, f"excess[{sup.district_ids[d]},{t},n{n}]")
                m.excess[n, d, t] = e
                m.cp.add(SCALE * (inside + int(fixed[t])) - c * total <= SCALE * e).with_name(
                    f"spread[{sup.district_ids[d]},{t},n{n}]"
                )


HARD_RULES = (
    module_vars,
    module_balance,
    min_lifetime,
    residents_keep_modules,
    kept_modules,
    pavilion_beds,
    home_counts,
    site_open,
    homes_by_kind,
    spread_excess,
)
