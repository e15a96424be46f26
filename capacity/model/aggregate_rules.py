"""Rows of the aggregated model: counts within types, site capacity, exact refined sites, terms;
``build_aggregate`` builds the model from them.

``site_capacity`` is a relaxation of a site's unit packing (valid rows, one per group of
households and size threshold); ``refine_site`` is exact (counts per real unit class with the
per-unit rules of ``hard.py``). The objective is term for term the per-pair model's on counts.

``capacity.model.aggregate_lp`` builds the same rows (all but ``refine_site``) straight as arrays
for the national LP; a change to a rule here must be made there too (a test compares the two
models row by row).
"""

from __future__ import annotations

from bisect import bisect_left

from ortools.sat.python.cp_model import LinearExpr

from capacity.model.aggregate import (
    SIZES,
    AggregateModel,
    HouseholdType,
    fits,
    size_cut,
    type_site_costs,
    usable_units,
)
from capacity.model.domain import DAYCARE_GROUPS, Domain, Unit
from capacity.model.soft import (
    daycare_demand,
    daycare_slots,
    resident_family_districts,
    spread_caps,
)

# household groups of the capacity rows: (name, needs children ok, needs accessible)
GROUPS = (
    ("all", False, False),
    ("families", True, False),
    ("accessible", False, True),
    ("accessible families", True, True),
)


def build_aggregate(
    dom: Domain,
    types: list[HouseholdType],
    cand: dict[str, list[str]],
    refined: frozenset[str] = frozenset(),
) -> AggregateModel:
    """Variables, the count and capacity rows (exact rows on refined sites), the objective."""
    m = AggregateModel(dom, types, cand, refined, type_of={t.id: t for t in types})
    units = usable_units(dom)
    for t in types:
        for sid in cand[t.id]:
            var = m.cp.new_int_var(0, t.count, f"n[{t.id}@{sid}]")
            m.n[(t.id, sid)] = var
            m.at_site.setdefault(sid, []).append((t, var))
    for sid, site in sorted(dom.sites.items()):
        if site.new_modules and site.available:
            m.y[sid] = m.cp.new_int_var(0, site.new_modules, f"modules[{sid}]")
    count_within_type(m)
    for sid in sorted(m.at_site):
        if sid in refined:
            refine_site(m, sid, units.get(sid, []))
        else:
            site_capacity(m, sid, units.get(sid, []))
    objective(m)
    return m


def count_within_type(m: AggregateModel) -> None:
    """Each type places at most its number of households."""
    by_type: dict[str, list] = {}
    for (tid, _), var in m.n.items():
        by_type.setdefault(tid, []).append(var)
    for t in m.types:
        if by_type.get(t.id):
            m.cp.add(LinearExpr.sum(by_type[t.id]) <= t.count).with_name(
                f"count_within_type[{t.id}]"
            )


def unit_capacity(u: Unit, a: int, family: bool, accessible: bool) -> int:
    """Households of at least ``a`` persons of a group that unit class ``u`` can hold; positive
    exactly where every static rule of ``hard.py`` holds for such a household (a test checks)."""
    if accessible and not u.accessible:
        return 0
    if family:
        ok = u.family_ok and not u.residents and u.free_beds >= a
        return (u.size if not u.shareable else 1) if ok else 0
    return size_cut(u, a)


def site_capacity(m: AggregateModel, sid: str, units: list[Unit]) -> None:
    """Households of a group with at least ``a`` persons fit the site's units that take them.

    A row whose households are those of the row for ``a + 1`` is left out: its capacity is at
    least that row's (capacities fall as ``a`` grows), so that row implies it. Same feasible
    set, fewer rows.
    """
    site, y = m.dom.sites[sid], m.y.get(sid)
    here = m.at_site[sid]
    most = sum(t.count for t, _ in here)
    beds = sum(u.free_beds * u.size for u in units if size_cut(u, 1))
    persons = LinearExpr.weighted_sum([v for _, v in here], [t.rep.persons for t, _ in here])
    m.cp.add(persons <= beds + (site.beds_per_module * y if y is not None else 0)).with_name(
        f"site_capacity[{sid},beds]"
    )
    for name, family, accessible in GROUPS:
        members = sorted(
            (
                (t.rep.persons, v)
                for t, v in here
                if (t.rep.has_children or not family) and (t.rep.needs_accessible or not accessible)
            ),
            key=lambda pv: -pv[0],
        )
        # households of at least a persons: a prefix of ``members``, for a = 1..7 (and 8: none)
        ascending = [p for p, _ in reversed(members)]
        counts = [len(ascending) - bisect_left(ascending, a) for a in (*SIZES, SIZES[-1] + 1)]
        for a, count, above in zip(SIZES, counts, counts[1:], strict=False):
            if count == 0 or count == above:
                continue  # nobody, or the same households as the row for a + 1
            cap = sum(unit_capacity(u, a, family, accessible) for u in units)
            module = 0
            if y is not None and not accessible and site.beds_per_module >= a:
                module = (1 if family else site.beds_per_module // a) * y
            if isinstance(module, int) and cap >= most:
                continue
            group = [v for _, v in members[:count]]
            m.cp.add(LinearExpr.sum(group) <= cap + module).with_name(
                f"site_capacity[{sid},{name},{a}]"
            )


def refine_site(m: AggregateModel, sid: str, units: list[Unit]) -> None:
    """Exact: the site's counts split over its unit classes (and new modules) by the unit rules."""
    modules = [
        u
        for u in sorted(m.dom.units.values(), key=lambda u: u.id)
        if u.new_module and u.site_id == sid
    ]
    for u in modules:
        m.put_up[u.id] = m.cp.new_bool_var(f"put_up[{u.id}]")
    if sid in m.y:
        m.cp.add(sum(m.put_up[u.id] for u in modules) == m.y[sid]).with_name(f"modules[{sid}]")
    for prev, nxt in zip(modules, modules[1:], strict=False):
        m.cp.add(m.put_up[nxt.id] <= m.put_up[prev.id])
    by_unit: dict[str, list] = {u.id: [] for u in [*units, *modules]}
    for t, var in m.at_site[sid]:
        tid, split = t.id, []
        for u in [*units, *modules]:
            if fits(t.rep, u, m.dom):
                nu = m.cp.new_int_var(0, t.count, f"nu[{tid}@{u.id}]")
                m.nu[(tid, u.id)] = nu
                by_unit[u.id].append((t, nu))
                split.append(nu)
        m.cp.add(var == sum(split)).with_name(f"refine_site[{sid},{tid}]")
    for u in [*units, *modules]:
        _unit_rows(m, u, by_unit[u.id])


def _unit_rows(m: AggregateModel, u: Unit, here: list) -> None:
    """``beds_fit`` and ``one_family_per_unit`` on counts for one unit class."""
    if not here:
        return
    if not u.shareable:
        m.cp.add(sum(v for _, v in here) <= u.size).with_name(f"one_family_per_unit[{u.id}]")
        return
    beds = u.free_beds * m.put_up[u.id] if u.id in m.put_up else u.free_beds
    m.cp.add(sum(t.rep.persons * v for t, v in here) <= beds).with_name(f"beds_fit[{u.id}]")
    families = [v for t, v in here if t.rep.has_children]
    adults = [v for t, v in here if not t.rep.has_children]
    if families:
        m.cp.add(sum(families) <= 1).with_name(f"one_family_per_unit[{u.id},families]")
        if adults:
            big = max(u.free_beds, 1)
            m.cp.add(big * sum(families) + sum(adults) <= big).with_name(
                f"one_family_per_unit[{u.id}]"
            )


def objective(m: AggregateModel) -> None:
    """The per-pair model's objective on counts (``soft.SOFT_TERMS``, term for term)."""
    w = m.dom.weights
    # soft.pair_cost on (type, site), vectorised per type (the same integers: a test checks)
    costs = type_site_costs(m.dom, m.n, m.types)
    variables = list(m.n.values())
    coefs = [c - w["unplaced"] * m.type_of[tid].rep.persons for (tid, _), c in costs.items()]
    terms: list = [LinearExpr.weighted_sum(variables, coefs)]
    const = sum(w["unplaced"] * t.rep.persons * t.count for t in m.types)
    for sid, y in m.y.items():
        terms.append(w["new_modules"] * m.dom.sites[sid].setup_kdkk * y)
    for term in (_daycare, _family_cluster, _spread):
        extra, c = term(m)
        terms.extend(extra)
        const += c
    m.cp.minimize(sum(terms) + const)


def _in_district(m: AggregateModel, kind: str) -> dict[str, list]:
    """District id -> ``(type, n var)`` of every count on a site in it (once per model and kind)."""
    cache = m.by_district
    if kind not in cache:
        district = {sid: site.districts.get(kind) for sid, site in m.dom.sites.items()}
        out: dict[str, list] = {}
        for (tid, sid), var in m.n.items():
            did = district[sid]
            if did is not None:
                out.setdefault(did, []).append((m.type_of[tid], var))
        cache[kind] = out
    return cache[kind]


def _daycare(m: AggregateModel) -> tuple[list, int]:
    """Missing daycare slots: ``soft.daycare_demand`` per type against ``soft.daycare_slots``."""
    w = m.dom.weights["school_daycare"]
    if not w:
        return [], 0
    out, by_district = [], _in_district(m, "daycare")
    children = {(t.id, g): daycare_demand(t.rep, g) for t in m.types for g in DAYCARE_GROUPS}
    # by district id; a district's groups stay in DAYCARE_GROUPS order (a stable sort)
    for (did, group), slots in sorted(daycare_slots(m.dom).items(), key=lambda kv: kv[0][0]):
        demand = [
            (children[(t.id, group)], t.count, v)
            for t, v in by_district.get(did, [])
            if children[(t.id, group)]
        ]
        most = sum(c * k for c, k, _ in demand)
        if most <= slots:
            continue
        missing = m.cp.new_int_var(0, most, f"daycare_missing[{did},{group}]")
        m.cp.add(missing >= sum(c * v for c, _, v in demand) - slots)
        out.append(w * missing)
    return out, 0


def _family_cluster(m: AggregateModel) -> tuple[list, int]:
    w = m.dom.weights["family_cluster"]
    if not w:
        return [], 0
    kind = str(m.dom.limits["cluster_district_kind"])
    fixed = resident_family_districts(m.dom, kind)
    by_district, held, const = _in_district(m, kind), [], 0
    for did, d in sorted(m.dom.districts.items()):
        if d.kind != kind:
            continue
        here = [(t, v) for t, v in by_district.get(did, []) if t.rep.has_children]
        if did in fixed:
            const += 1
        elif here:
            var = m.cp.new_bool_var(f"holds_families[{did}]")
            for t, v in here:
                m.cp.add(v <= t.count * var)
            held.append(var)
    if not held and not const:
        return [], 0
    first = m.cp.new_bool_var("holds_families[any]")
    m.cp.add(first <= sum(held) + const)
    return [w * v for v in held] + [-w * first], w * const


def _spread(m: AggregateModel) -> tuple[list, int]:
    caps, w = spread_caps(m.dom), m.dom.weights["spread"]
    if not caps:
        return [], 0
    by_district = _in_district(m, str(m.dom.limits["spread_district_kind"]))
    out, const = [], 0
    for did, (fixed, cap) in caps.items():
        here = by_district.get(did, [])
        most = fixed + sum(t.rep.persons * t.count for t, _ in here)
        if most <= cap:
            continue
        if not here:
            const += w * (fixed - cap)
            continue
        excess = m.cp.new_int_var(0, most - cap, f"spread_excess[{did}]")
        people = LinearExpr.weighted_sum([v for _, v in here], [t.rep.persons for t, _ in here])
        m.cp.add(excess >= fixed + people - cap)
        out.append(w * excess)
    return out, const
