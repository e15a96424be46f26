"""Pack a site's counted households into its real units, and place what is left over.

The count model (``capacity.model.aggregate``) decides how many households of each type go to
each site; here each site is packed into its units: best fit first, then (when best fit leaves
someone) an exact small CP-SAT packing; a site that still does not pack is refined by the solver
(``capacity.solver.aggregate``). What no round could pack is placed greedily (``repair``).
"""

from __future__ import annotations

from capacity.model.aggregate import (
    AggregateModel,
    candidates,
    fits,
    site_arrays,
    site_pair_costs,
)
from capacity.model.domain import Domain, Household, Unit
from capacity.solver.greedy import room_left


def repair(
    dom: Domain, m: AggregateModel, packed: dict[str, str | None], units: dict[str, list[Unit]]
) -> dict[str, str | None]:
    """Households left over at sites that did not pack, to the cheapest site anywhere (not only
    the type's candidates) with a standing unit or an already used new module that still takes
    them (greedy, by type: families first, the largest first: families have fewer homes).
    From nothing (``packed`` empty) it is the greedy placement of the aggregate path, which puts
    up no module: who only a new module would take stays unplaced there.
    """

    load: dict[str, list[Household]] = {}
    modules: dict[str, set[str]] = {}  # site -> new modules already in use
    for hid, uid in packed.items():
        if uid is not None:
            load.setdefault(uid, []).append(dom.household(hid))
            if dom.units[uid].new_module:
                modules.setdefault(dom.units[uid].site_id, set()).add(uid)
    out = dict(packed)
    left = [t for t in m.types if any(out.get(h) is None for h in t.members)]
    if not left:
        return out
    # the hardest to house first: families (a whole family unit each), the largest first
    left.sort(key=lambda t: (not t.rep.has_children, -t.rep.persons, t.id))
    reach = candidates(dom, left, units, None)
    sids = sorted(dom.sites)
    at = {sid: i for i, sid in enumerate(sids)}
    site = site_arrays(dom, sids)
    for t in left:
        cost = site_pair_costs(t.rep, dom, sids, site)
        order = sorted(reach[t.id], key=lambda s: (cost[at[s]], s))
        # the units the type fits, cheapest site first, read lazily (most types are housed
        # within their first sites); members are alike, so a unit without room for one has
        # none for the next: one pass over the list for the whole type
        fitting = (
            u
            for sid in order
            for u in [*units.get(sid, []), *(dom.units[k] for k in sorted(modules.get(sid, ())))]
            if fits(t.rep, u, dom)
        )
        unit = next(fitting, None)
        for hid in t.members:
            if out.get(hid) is not None:
                continue
            h = dom.household(hid)
            while unit is not None and not room_left(h, unit, load.get(unit.id, [])):
                unit = next(fitting, None)
            if unit is None:
                break
            out[hid] = unit.id
            load.setdefault(unit.id, []).append(h)
    return out


def pack_all(dom: Domain, m: AggregateModel, counts: dict, units: dict, value):
    """Household -> unit class for every counted household; the sites that do not pack."""
    cursor = {t.id: 0 for t in m.types}
    out: dict[str, str | None] = {h.id: None for h in dom.households}
    failed = []
    for sid in sorted(counts):
        people = []
        for tid, c in sorted(counts[sid].items()):
            t = m.type_of[tid]
            people += [(dom.household(h), tid) for h in t.members[cursor[tid] : cursor[tid] + c]]
            cursor[tid] += c
        if sid in m.refined:
            out.update(_split_refined(m, sid, people, value))
            continue
        modules = int(round(value(m.y[sid]))) if sid in m.y else 0
        households = [h for h, _ in people]
        placed, left = pack_site(dom, households, units.get(sid, []), sid, modules)
        if left:  # best fit is a heuristic: ask an exact packing before refining the site
            exact = pack_exact(dom, households, units.get(sid, []), sid, modules)
            if exact is not None:
                placed, left = exact, []
        out.update(placed)
        if left:
            failed.append(sid)
    return out, failed


PACK_LIMIT = 2.0  # deterministic units for the exact packing of one site


def pack_exact(
    dom: Domain, people: list[Household], units: list[Unit], sid: str, modules: int
) -> dict[str, str] | None:
    """Every household of ``people`` in a unit of the site (and its first ``modules`` new
    modules) by the unit rules, or ``None`` when CP-SAT proves (or cannot show in
    ``PACK_LIMIT``) that they do not all fit. Small: one site's households and units. Exact,
    because a best-fit packing fails on sites whose counts do pack.
    """
    from ortools.sat.python import cp_model

    new = sorted(
        (u for u in dom.units.values() if u.new_module and u.site_id == sid), key=lambda u: u.id
    )[:modules]
    pool = [*units, *new]
    cp = cp_model.CpModel()
    x = {
        (h.id, u.id): cp.new_bool_var(f"{h.id}@{u.id}")
        for h in people
        for u in pool
        if fits(h, u, dom)
    }
    for h in people:
        cp.add_exactly_one(v for (hid, _), v in x.items() if hid == h.id)
    for u in pool:
        here = [(dom.household(hid), v) for (hid, uid), v in x.items() if uid == u.id]
        if not here:
            continue
        if not u.shareable:
            cp.add(sum(v for _, v in here) <= u.size)
            continue
        cp.add(sum(h.persons * v for h, v in here) <= u.free_beds)
        for h, v in here:
            if h.has_children:  # a family has the unit to itself
                cp.add(sum(o for g, o in here if g.id != h.id) == 0).only_enforce_if(v)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = PACK_LIMIT
    if solver.solve(cp) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {hid: uid for (hid, uid), v in x.items() if solver.boolean_value(v)}


def _split_refined(m: AggregateModel, sid: str, people: list, value) -> dict[str, str]:
    """A refined site: its households to unit classes by the solved per-class counts."""
    left = {
        key: int(round(value(v))) for key, v in m.nu.items() if m.dom.units[key[1]].site_id == sid
    }
    out = {}
    for h, tid in people:
        uid = next(u for (t, u), c in sorted(left.items()) if t == tid and c > 0)
        left[(tid, uid)] -= 1
        out[h.id] = uid
    return out


def pack_site(
    dom: Domain, people: list[Household], units: list[Unit], sid: str, modules: int
) -> tuple[dict[str, str], list[Household]]:
    """Best-fit packing of ``people`` into the site's units and its first ``modules`` new
    modules: accessibility needs and families first, largest first; returns the placed and
    the households left over (empty when the site packs)."""

    new = sorted(
        (u for u in dom.units.values() if u.new_module and u.site_id == sid), key=lambda u: u.id
    )[:modules]
    pool = [*units, *new]
    load: dict[str, list[Household]] = {u.id: [] for u in pool}
    out, left = {}, []
    order = sorted(
        people, key=lambda h: (not h.needs_accessible, not h.has_children, -h.persons, h.id)
    )
    for h in order:
        options = [u for u in pool if fits(h, u, dom) and room_left(h, u, load[u.id])]
        if not options:
            left.append(h)
            continue
        best = min(
            options,
            key=lambda u: (
                u.accessible and not h.needs_accessible,
                u.family_ok and not h.has_children,
                u.free_beds - h.persons,
                u.id,
            ),
        )
        load[best.id].append(h)
        out[h.id] = best.id
    return out, left


def allowed_units(
    dom: Domain, m: AggregateModel, units: dict[str, list[Unit]], left: set[str]
) -> dict[str, tuple[str, ...]]:
    """Every unit class (standing or new module) each household of ``left`` fits by the static
    rules: scoring with fixed placements knows only the chosen unit, and an unplaced household's
    reason ("all n units that fit are taken", "room was left but cheaper to leave") reads these.
    """

    types = [t for t in m.types if left.intersection(t.members)]
    reach = candidates(dom, types, units, None)
    modules: dict[str, list[Unit]] = {}
    for u in dom.units.values():
        if u.new_module:
            modules.setdefault(u.site_id, []).append(u)
    out = {}
    for t in types:
        pool = [u for sid in reach[t.id] for u in [*units.get(sid, []), *modules.get(sid, [])]]
        allowed = tuple(sorted(u.id for u in pool if fits(t.rep, u, dom)))
        out.update({hid: allowed for hid in t.members if hid in left})
    return out
