"""The count model over candidate sites built straight into a ``LinearForm``, as numpy arrays.

At national size the LP relaxation of the count model over *every* allowed site chooses the
candidate sites and bounds the optimum (``capacity.solver.counts.lp_candidates``). Built
through CP-SAT's Python API (``build_aggregate``) and read back (``linear_form``), a model of
a hundred thousand columns and a million nonzeros takes a large share of a run's limit. Here
the same columns, rows and objective come from arrays over (type, site) columns, one mask and
one ``bincount`` per rule and size instead of a Python loop per column.

It is the same model, column for column and row for row: the columns in ``build_aggregate``'s
order (counts by type and site, modules, then the terms' own variables), each row of
``aggregate_rules`` (``count_within_type``, ``site_capacity``, the objective's ``_daycare``,
``_family_cluster`` and ``_spread``) with the same coefficients and bounds. A test compares the
two forms row by row on generated registries; a change to a rule there must be made here too.
Refined sites (``refine_site``) are not built here: the LP never has any.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from capacity.model.aggregate import (
    SIZES,
    HouseholdType,
    capacity_array,
    site_arrays,
    site_pair_costs,
    size_cut_array,
    unit_arrays,
    usable_units,
)
from capacity.model.aggregate_rules import GROUPS
from capacity.model.domain import DAYCARE_GROUPS, Domain
from capacity.model.soft import (
    daycare_demand,
    daycare_slots,
    resident_family_districts,
    spread_caps,
)
from capacity.solver.linear import LinearForm


@dataclass
class _Form:
    """Columns and rows as they are added; ``form()`` packs them into a ``LinearForm``."""

    lower: list = field(default_factory=list)  # arrays of column bounds
    upper: list = field(default_factory=list)
    cost: list = field(default_factory=list)
    columns: int = 0
    rows: list = field(default_factory=list)  # (sort key, columns, values, lower, upper)
    offset: float = 0.0

    def add_columns(self, lower, upper, cost) -> np.ndarray:
        """New columns; returns their indices."""
        lower = np.atleast_1d(np.asarray(lower, dtype=float))
        first = self.columns
        self.columns += len(lower)
        self.lower.append(lower)
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), lower.shape))
        self.cost.append(np.broadcast_to(np.asarray(cost, dtype=float), lower.shape))
        return np.arange(first, self.columns)

    def add_row(self, key: tuple, cols, vals, lo: float, hi: float) -> None:
        self.rows.append((key, np.asarray(cols, np.int64), np.asarray(vals, float), lo, hi))

    def form(self) -> LinearForm:
        rows = sorted(self.rows, key=lambda r: r[0])
        lengths = np.array([len(r[1]) for r in rows], dtype=np.int64)
        start = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        lower = np.concatenate(self.lower) if self.lower else np.zeros(0)
        return LinearForm(
            col_lower=lower,
            col_upper=np.concatenate(self.upper) if self.upper else np.zeros(0),
            integer=np.ones(len(lower), dtype=bool),
            cost=np.concatenate(self.cost) if self.cost else np.zeros(0),
            offset=self.offset,
            start=start,
            index=np.concatenate([r[1] for r in rows]) if rows else np.zeros(0, np.int64),
            value=np.concatenate([r[2] for r in rows]) if rows else np.zeros(0),
            row_lower=np.array([r[3] for r in rows], dtype=float),
            row_upper=np.array([r[4] for r in rows], dtype=float),
        )


@dataclass(frozen=True)
class CountForm:
    """The count model as a ``LinearForm``; column ``k < len(keys)`` counts ``keys[k]``."""

    form: LinearForm
    keys: list[tuple[str, str]]  # (type id, site id) of the count columns, in column order


@dataclass(frozen=True)
class _Columns:
    """The count columns as arrays: type index, site index, and the types' attributes."""

    t: np.ndarray  # type index per column
    s: np.ndarray  # site index per column (into sorted site ids)
    persons: np.ndarray  # per type
    count: np.ndarray  # per type
    family: np.ndarray  # per type: has children
    accessible: np.ndarray  # per type: needs an accessible unit


def count_form(dom: Domain, types: list[HouseholdType], cand: dict[str, list[str]]) -> CountForm:
    """The count model of ``build_aggregate(dom, types, cand)`` as a ``LinearForm`` (no refined
    sites), built from arrays (see the module)."""
    sids = sorted(dom.sites)
    at = {sid: i for i, sid in enumerate(sids)}
    cols = _Columns(
        t=np.repeat(np.arange(len(types)), [len(cand[t.id]) for t in types]).astype(np.int64),
        s=np.array([at[s] for t in types for s in cand[t.id]], dtype=np.int64),
        persons=np.array([t.rep.persons for t in types], dtype=np.int64),
        count=np.array([t.count for t in types], dtype=np.int64),
        family=np.array([t.rep.has_children for t in types], dtype=bool),
        accessible=np.array([t.rep.needs_accessible for t in types], dtype=bool),
    )
    f, w = _Form(), dom.weights
    site = site_arrays(dom, sids)
    by_type = np.array(
        [site_pair_costs(t.rep, dom, sids, site) for t in types], dtype=np.int64
    ).reshape(len(types), len(sids))
    unplaced = w["unplaced"] * cols.persons
    n = f.add_columns(
        np.zeros(len(cols.t)), cols.count[cols.t], by_type[cols.t, cols.s] - unplaced[cols.t]
    )
    f.offset = float((unplaced * cols.count).sum())
    modules = site["new_modules"] * site["available"]
    y = np.full(len(sids), -1, dtype=np.int64)
    up = np.flatnonzero(modules > 0)
    setup = np.array([dom.sites[sids[i]].setup_kdkk for i in up], dtype=float)
    y[up] = f.add_columns(np.zeros(len(up)), modules[up], w["new_modules"] * setup)
    _count_within_type(f, cols, n)
    _site_capacity(f, dom, sids, site, cols, n, y)
    _daycare(f, dom, sids, types, cols, n)
    _family_cluster(f, dom, sids, cols, n)
    _spread(f, dom, sids, cols, n)
    keys = [(types[i].id, sids[j]) for i, j in zip(cols.t.tolist(), cols.s.tolist(), strict=True)]
    return CountForm(f.form(), keys)


# row keys order the rows as ``build_aggregate`` adds them: counts, sites, then the terms
_COUNTS, _SITES, _DAYCARE, _CLUSTER, _SPREAD = range(5)


def _count_within_type(f: _Form, cols: _Columns, n: np.ndarray) -> None:
    bounds = np.searchsorted(cols.t, np.arange(len(cols.count) + 1))
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        if b > a:
            f.add_row((_COUNTS, i), n[a:b], np.ones(b - a), -np.inf, float(cols.count[i]))


def _site_capacity(
    f: _Form, dom: Domain, sids: list[str], site: dict, cols: _Columns, n, y
) -> None:
    """``aggregate_rules.site_capacity`` for every site with a count column."""
    S, at = len(sids), {sid: i for i, sid in enumerate(sids)}
    u = unit_arrays([u for units in usable_units(dom).values() for u in units], at)

    def per_site(values: np.ndarray) -> np.ndarray:
        return np.bincount(u["site"], weights=values, minlength=S)

    beds = per_site(u["free_beds"] * u["size"] * (size_cut_array(u, 1) > 0))
    most = np.bincount(cols.s, weights=cols.count[cols.t], minlength=S)
    p = cols.persons[cols.t]
    order = np.lexsort((np.arange(len(cols.s)), -p, cols.s))  # by site, largest first
    site_start = np.searchsorted(cols.s[order], np.arange(S + 1))
    bpm = site["beds_per_module"]
    for s in np.flatnonzero(np.diff(site_start)):
        mine = order[site_start[s] : site_start[s + 1]]
        if y[s] < 0:
            f.add_row((_SITES, s, -1, 0), n[mine], p[mine], -np.inf, float(beds[s]))
        else:  # as CP-SAT writes it: beds + beds_per_module * y - persons >= 0
            c, v = np.append(n[mine], y[s]), np.append(-p[mine], bpm[s])
            f.add_row((_SITES, s, -1, 0), c, v, -float(beds[s]), np.inf)
    for g, (_, family, accessible) in enumerate(GROUPS):
        member = (cols.family | (not family)) & (cols.accessible | (not accessible))
        for a in SIZES:
            take = member[cols.t] & (p >= a)
            count = np.bincount(cols.s[take], minlength=S)
            above = np.bincount(cols.s[take & (p >= a + 1)], minlength=S)
            cap = per_site(capacity_array(u, a, family, accessible))
            # a module's share: one family a module, else beds_per_module // a households
            has_y = (y >= 0) & (bpm >= a) & (not accessible)
            coef = np.ones(S, np.int64) if family else bpm // a
            rows = (count > 0) & (count != above) & (has_y | (cap < most))
            for s in np.flatnonzero(rows):
                mine = order[site_start[s] : site_start[s + 1]]
                mine = mine[take[mine]]
                c, v = n[mine], np.ones(len(mine))
                if has_y[s]:
                    c, v = np.append(c, y[s]), np.append(v, -float(coef[s]))
                f.add_row((_SITES, s, g, a), c, v, -np.inf, float(cap[s]))


def _district_of(dom: Domain, sids: list[str], kind: str) -> tuple[list[str], np.ndarray]:
    """District ids of ``kind`` (sorted) and each site's index among them (-1: none)."""
    ids = sorted(did for did, d in dom.districts.items() if d.kind == kind)
    at = {did: i for i, did in enumerate(ids)}
    return ids, np.array([at.get(dom.sites[s].districts.get(kind), -1) for s in sids], np.int64)


def _daycare(f: _Form, dom: Domain, sids, types, cols: _Columns, n) -> None:
    """``aggregate_rules._daycare``: missing slots per daycare district and age group
    (``soft.daycare_demand`` against ``soft.daycare_slots``)."""
    w = dom.weights["school_daycare"]
    if not w:
        return
    ids, of_site = _district_of(dom, sids, "daycare")
    district = of_site[cols.s]
    kids = {
        g: np.array([daycare_demand(t.rep, g) for t in types], np.int64) for g in DAYCARE_GROUPS
    }
    free = daycare_slots(dom)
    for k, did in enumerate(ids):
        here = np.flatnonzero(district == k)
        for g, group in enumerate(DAYCARE_GROUPS):
            slots = free.get((did, group))
            children = kids[group]
            mine = here[children[cols.t[here]] > 0]
            c = children[cols.t[mine]]
            most = int((c * cols.count[cols.t[mine]]).sum())
            if slots is None or most <= slots:
                continue
            (missing,) = f.add_columns([0.0], float(most), float(w))
            f.add_row(
                (_DAYCARE, k, g),
                np.append(missing, n[mine]),
                np.append(1.0, -c.astype(float)),
                -float(slots),
                np.inf,
            )


def _family_cluster(f: _Form, dom: Domain, sids, cols: _Columns, n) -> None:
    """``aggregate_rules._family_cluster``: a district holding families costs, the first free."""
    w = dom.weights["family_cluster"]
    if not w:
        return
    kind = str(dom.limits["cluster_district_kind"])
    ids, of_site = _district_of(dom, sids, kind)
    fixed = resident_family_districts(dom, kind)
    families = np.flatnonzero(cols.family[cols.t])
    district = of_site[cols.s[families]]
    held, const = [], 0
    for k, did in enumerate(ids):
        here = families[district == k]
        if did in fixed:
            const += 1
        elif len(here):
            (var,) = f.add_columns([0.0], 1.0, float(w))
            for j, col in enumerate(here):
                count = float(cols.count[cols.t[col]])
                f.add_row((_CLUSTER, k, j), [n[col], var], [1.0, -count], -np.inf, 0.0)
            held.append(var)
    if not held and not const:
        return
    (first,) = f.add_columns([0.0], 1.0, -float(w))
    f.add_row(
        (_CLUSTER, len(ids), 0),
        np.append(first, held).astype(np.int64),
        np.append(1.0, -np.ones(len(held))),
        -np.inf,
        float(const),
    )
    f.offset += w * const


def _spread(f: _Form, dom: Domain, sids, cols: _Columns, n) -> None:
    """``aggregate_rules._spread``: persons above each district's share, weighted."""
    caps, w = spread_caps(dom), dom.weights["spread"]
    if not caps:
        return
    ids, of_site = _district_of(dom, sids, str(dom.limits["spread_district_kind"]))
    district = of_site[cols.s]
    persons = cols.persons[cols.t]
    for k, did in enumerate(ids):
        fixed, cap = caps[did]
        here = np.flatnonzero(district == k)
        most = fixed + int((persons[here] * cols.count[cols.t[here]]).sum())
        if most <= cap:
            continue
        if not len(here):
            f.offset += w * (fixed - cap)
            continue
        (excess,) = f.add_columns([0.0], float(most - cap), float(w))
        f.add_row(
            (_SPREAD, k),
            np.append(excess, n[here]),
            np.append(1.0, -persons[here].astype(float)),
            float(fixed - cap),
            np.inf,
        )
