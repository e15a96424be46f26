"""The aggregated placement model: integer counts of household *types* per candidate site.

For national sizes (tens of thousands of households, thousands of sites) one Boolean per
(household, unit) pair does not fit. Households that every rule and term treat alike form a
*type* (persons, children by age group, accessibility need, required district, receiving-class
status; with a ``scores`` layer every household is its own type). The decision is ``n[t, s]``:
households of type ``t`` placed on site ``s``; ``y[s]``: new modules put up on ``s``.

Every term is exact on counts (its coefficient depends on the site and the type only; daycare,
family cluster and spread are linear in district sums of site counts). What is relaxed is the
unit packing: a site carries capacity rows (``site_capacity``) instead of its units. The solver
(``capacity.solver.aggregate``) packs every site exactly afterwards and *refines* a site whose
counts do not pack: its counts are split over its real unit classes with the per-unit rules
(``refine_site``), so the loop ends with every placement a real unit and the same optimum as the
per-pair model. The only approximation is a candidate list shorter than every allowed site
(``candidates`` with ``k``): at national size the solver lets the LP relaxation over every
allowed site choose it and bound the optimum (``capacity.solver.counts.lp_candidates``, on
the model built as arrays by ``capacity.model.aggregate_lp``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from capacity.model import hard
from capacity.model.domain import Domain, Household, Unit
from capacity.model.soft import SCORE_SCALE, SITE_TERMS, site_factor

SIZES = range(1, 8)


@dataclass(frozen=True)
class HouseholdType:
    """Households alike for every rule and term: a representative and the member ids."""

    id: str
    rep: Household
    members: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.members)


def household_types(dom: Domain) -> list[HouseholdType]:
    """Group the arriving households into types (sorted members; deterministic ids)."""
    groups: dict[tuple, list[Household]] = defaultdict(list)
    scored = bool(dom.scores)
    for h in dom.arriving:
        if h.unaccompanied_minor:
            continue
        key = (
            h.persons,
            h.has_children,
            h.school_children if h.new else 0,
            0 if h.new else h.school_children,
            h.daycare_children("0-2"),
            h.daycare_children("3-5"),
            h.needs_accessible,
            h.required_district or "",
            h.id if scored else "",
        )
        groups[key].append(h)
    out = []
    for k, (_, members) in enumerate(sorted(groups.items(), key=lambda kv: str(kv[0]))):
        members.sort(key=lambda h: h.id)
        # the representative keeps its own id: the scores layer is keyed by household
        out.append(HouseholdType(f"T{k}", members[0], tuple(h.id for h in members)))
    return out


def site_unit(dom: Domain, sid: str) -> Unit:
    """A pseudo unit standing for a whole site (pair coefficients read only its site)."""
    return Unit(sid, (), sid, 0, 0, True, True, True, True)


@dataclass
class AggregateModel:
    """The CP-SAT model on counts; ``units_at`` the usable unit classes of each site."""

    dom: Domain
    types: list[HouseholdType]
    cand: dict[str, list[str]]  # type id -> candidate site ids
    refined: frozenset[str] = frozenset()
    cp: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    n: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    y: dict[str, cp_model.IntVar] = field(default_factory=dict)
    nu: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    put_up: dict[str, cp_model.IntVar] = field(default_factory=dict)
    parts: dict[str, list] = field(default_factory=dict)  # term -> [(coef, var or const)]
    by_district: dict[str, dict] = field(default_factory=dict)  # kind -> district -> counts

    type_of: dict[str, HouseholdType] = field(default_factory=dict)
    at_site: dict[str, list] = field(default_factory=dict)  # site -> [(type, n var)]


def usable_units(dom: Domain) -> dict[str, list[Unit]]:
    """Per site, the standing unit classes a new household could use (in service, not booked
    from a later day, available)."""
    out: dict[str, list[Unit]] = defaultdict(list)
    for u in dom.units.values():
        usable = u.in_service and u.booked_from is None and dom.sites[u.site_id].available
        if usable and u.free_beds > 0 and not u.new_module:
            out[u.site_id].append(u)
    return out


def fits(h: Household, u: Unit, dom: Domain) -> bool:
    """All static hard rules hold for (household, unit)."""
    return all(rule(h, u, dom) for rule in hard.STATIC_RULES)


COVER = 1.25  # candidate sites hold at least this share of the competing demand


def candidates(
    dom: Domain,
    types: list[HouseholdType],
    units: dict[str, list[Unit]],
    k: int | None,
    *,
    cover: bool = True,
) -> dict[str, list[str]]:
    """Per type, the sites with a unit (or a new module) it fits: all of them (``k = None``),
    or the cheapest by pair cost, at least ``k`` and enough to *cover* the demand.

    Pair costs are mostly site costs (minutes to the station and the school): every type ranks
    the same sites first and competes for them, so a fixed ``k`` can leave a type unplaced while
    units it fits stand empty further down its list. So a type's list runs on in
    its cost order until its sites hold ``COVER`` times what competes for them: families count
    units they fit against every arriving family, adults free beds they fit against every
    arriving person (and new modules' beds); ``cover = False`` keeps exactly the cheapest ``k``.
    Vectorised over units and sites: a unit takes a type where ``capacity_array`` is positive,
    which is where every static rule of ``hard.py`` holds (a property test checks).
    """
    sids = sorted(dom.sites)
    at = {sid: i for i, sid in enumerate(sids)}
    flat = [u for sid in sids for u in units.get(sid, ())]
    site = site_arrays(dom, sids)
    col = unit_arrays(flat, at)
    owner, size, beds = col["site"], col["size"], col["free_beds"]
    families = sum(1 for h in dom.arriving if h.has_children)
    persons = sum(h.persons for h in dom.arriving)
    out = {}
    for t in types:
        h = t.rep
        ok = capacity_array(col, h.persons, h.has_children, h.needs_accessible) > 0
        modules = (
            (site["new_modules"] > 0)
            & site["available"]
            & (site["beds_per_module"] >= h.persons)
            & (not h.needs_accessible)
        )
        if h.has_children:  # a family takes a whole unit (or module)
            room = np.bincount(owner[ok], weights=size[ok], minlength=len(sids))
            room = room + np.where(modules, site["new_modules"], 0)
            demand = families
        else:
            room = np.bincount(owner[ok], weights=(beds * size)[ok], minlength=len(sids))
            room = room + np.where(modules, site["new_modules"] * site["beds_per_module"], 0)
            demand = persons
        reach = (room > 0) if flat else modules
        if h.required_district is not None:
            reach &= np.array([h.required_district in dom.sites[s].within for s in sids])
        cost = site_pair_costs(h, dom, sids, site)
        order = np.array([i for i in np.lexsort((np.arange(len(sids)), cost)) if reach[i]], int)
        if k is not None and len(order):
            enough = int(np.searchsorted(np.cumsum(room[order]), COVER * demand)) + 1
            order = order[: max(k, enough) if cover else k]
        out[t.id] = sorted(sids[i] for i in order)
    return out


SITE_ATTRIBUTES = (
    "new_modules",
    "available",
    "beds_per_module",
    "station_minutes",
    "school_minutes",
    "receiving_minutes",
    "pavilion",
)


def site_arrays(dom: Domain, sids: list[str]) -> dict[str, np.ndarray]:
    """The site attributes the rules and pair costs read, as arrays over ``sids``."""
    return {name: np.array([getattr(dom.sites[s], name) for s in sids]) for name in SITE_ATTRIBUTES}


def type_site_costs(dom: Domain, m_n: dict[tuple[str, str], object], types: list) -> dict:
    """``soft.pair_cost`` of every (type, site) key of ``m_n``, one vector per type."""
    sids = sorted(dom.sites)
    at = {sid: i for i, sid in enumerate(sids)}
    site = site_arrays(dom, sids)
    by_type = {t.id: site_pair_costs(t.rep, dom, sids, site) for t in types}
    return {(tid, sid): int(by_type[tid][at[sid]]) for tid, sid in m_n}


def site_pair_costs(h: Household, dom: Domain, sids: list[str], site: dict) -> np.ndarray:
    """``soft.pair_cost`` of ``h`` (not moving) on every site of ``sids``, vectorised.

    The site terms read ``soft.site_factor`` (the count of ``h`` times an attribute of the
    site), the one definition the scalar coefficients read; the external score is
    ``soft.external_score_coef``'s rounding on an array. A property test holds every entry
    equal to ``soft.pair_cost``.
    """
    w = dom.weights
    cost = np.zeros(len(sids), dtype=np.int64)
    for name in SITE_TERMS:
        count, attribute = site_factor(name, h)
        cost += w[name] * count * site[attribute].astype(np.int64)
    if dom.scores:
        score = np.array([dom.scores.get((h.id, s), 0.0) for s in sids], dtype=float)
        cost += w["external_score"] * -np.floor(SCORE_SCALE * score + 0.5).astype(np.int64)
    return cost


def unit_pair_costs(
    h: Household, dom: Domain, sids: list[str], site: dict, where: np.ndarray, ids: np.ndarray
) -> np.ndarray:
    """``soft.pair_cost`` of ``h`` on the unit classes ``ids`` (on the sites ``where``, indices
    into ``sids``), vectorised: ``site_pair_costs`` of their sites plus ``soft.moves_coef`` (a
    resident leaving its own unit)."""
    cost = site_pair_costs(h, dom, sids, site)[where]
    if h.current_unit is not None:
        cost = cost + dom.weights["moves"] * (ids != h.current_unit)
    return cost


def unit_arrays(units: list[Unit], at: dict[str, int]) -> dict[str, np.ndarray]:
    """The unit attributes the static rules read, as arrays over ``units`` (``site``: the index
    of the unit's site in ``at``)."""
    out = {"free_beds": np.array([u.free_beds for u in units], dtype=np.int64)}
    for name in ("family_ok", "accessible", "shareable", "residents_adult_only"):
        out[name] = np.array([getattr(u, name) for u in units], dtype=bool)
    out["site"] = np.array([at[u.site_id] for u in units], dtype=np.int64)
    out["size"] = np.array([u.size for u in units], dtype=np.int64)
    out["occupied"] = np.array([bool(u.residents) for u in units], dtype=bool)
    return out


def size_cut_array(u: dict, a: int) -> np.ndarray:
    """``size_cut`` of every unit class of ``unit_arrays`` for size ``a``."""
    ok = (u["free_beds"] >= a) & (~u["occupied"] | (u["shareable"] & u["residents_adult_only"]))
    return np.where(ok, np.where(u["shareable"], u["free_beds"] // a, u["size"]), 0)


def capacity_array(u: dict, a: int, family: bool, accessible: bool) -> np.ndarray:
    """``aggregate_rules.unit_capacity`` of every unit class of ``unit_arrays``."""
    if family:
        ok = u["family_ok"] & ~u["occupied"] & (u["free_beds"] >= a)
        cap = np.where(ok, np.where(u["shareable"], 1, u["size"]), 0)
    else:
        cap = size_cut_array(u, a)
    return np.where(u["accessible"], cap, 0) if accessible else cap


def solution_counts(m: AggregateModel, value) -> dict[str, dict[str, int]]:
    """Site id -> type id -> households placed there, from solved variables."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for (tid, sid), var in m.n.items():
        v = int(round(value(var)))
        if v:
            out[sid][tid] = v
    return out


def size_cut(u: Unit, a: int) -> int:
    """How many households of at least ``a`` persons unit class ``u`` can ever hold."""
    if u.free_beds < a or (u.residents and not (u.shareable and u.residents_adult_only)):
        return 0
    return u.free_beds // a if u.shareable else u.size


def slots_matrix(units: list[Unit]) -> np.ndarray:
    """``size_cut`` for every unit class and size 1..7, summed: households of >= a persons."""
    return np.array([sum(size_cut(u, a) for u in units) for a in SIZES], dtype=np.int64)
