"""The soft terms of placement, one function per term, each returning a ``Term``.

A term's ``name`` is its key under ``[weights]`` in ``policy.toml``; weight 0 switches it off (no
parts). ``parts`` maps a subject (a household id, a district or a site) to an integer linear
expression of the model's variables: its *amount*. The objective is the sum over terms of
``weight * sum(parts)``, so the explanation of a solution is each part's value times its weight.

Household-level terms have a per-pair coefficient (``PAIR_COEFS``) in plain Python, so the greedy
baseline and the explanation of alternatives use the very numbers the model uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from capacity.model.domain import DAYCARE_GROUPS, Domain, Household, Unit, half_up
from capacity.policy import spread_limit

if TYPE_CHECKING:
    from capacity.model.placement import PlacementModel

SCORE_SCALE = 100  # external_score amounts are in hundredths of a point of the scores layer


@dataclass(frozen=True)
class Term:
    """One objective term: its policy name, weight, amount per subject and a Danish text template."""

    name: str
    weight: int
    parts: dict[str, Any]  # subject -> LinearExpr (or int)
    text: str  # "{subject}: {amount} personminutter til stationen"
    # subject -> the key in ``TEXT`` of a part that counts something else than the term's own
    # text says (``school_daycare``'s districts: missing daycare slots, not minutes)
    texts: dict[str, str] = field(default_factory=dict)

    def template(self, subject: str, lang: str = "da") -> str:
        """The text template of one part, in ``lang``."""
        return TEXT["en" if lang == "en" else "da"][self.texts.get(subject, self.name)]


TEXT = {
    "da": {
        "unplaced": "{subject}: {amount} personer uden bolig",
        "transport": "{subject}: {amount} personminutter til stationen",
        "school_daycare": "{subject}: {amount} barneminutter til skolen",
        "daycare_slots": "{subject}: manglende dagtilbudspladser: {amount}",
        "family_cluster": "{subject}: {amount} distrikt med børnefamilier",
        "spread": "{subject}: {amount} beboere over rimelig andel plus tolerance",
        "buildings_first": "{subject}: {amount} personer i pavillon",
        "new_modules": "{subject}: {amount} tusind kr. i opsætning af nye moduler",
        "moves": "{subject}: {amount} flytning",
        "external_score": "{subject}: {amount} hundrededele point (negativ er godt)",
    },
    "en": {
        "unplaced": "{subject}: {amount} persons without a home",
        "transport": "{subject}: {amount} person-minutes to the station",
        "school_daycare": "{subject}: {amount} child-minutes to school",
        "daycare_slots": "{subject}: missing daycare slots: {amount}",
        "family_cluster": "{subject}: {amount} district holding families with children",
        "spread": "{subject}: {amount} residents above fair share plus tolerance",
        "buildings_first": "{subject}: {amount} persons in a pavilion",
        "new_modules": "{subject}: {amount} thousand DKK to put up new modules",
        "moves": "{subject}: {amount} move",
        "external_score": "{subject}: {amount} hundredths of a point (negative is good)",
    },
}
FIRST_DISTRICT = "(første distrikt er gratis)"


# --- per-pair coefficients (plain Python) ---------------------------------------------------------


# A site coefficient is a count of the household times one attribute of the unit's site. The
# scalar coefficients below and the vectorised ones over every site
# (``capacity.model.aggregate.site_pair_costs``) both read ``site_factor``.
SITE_TERMS = ("transport", "school_daycare", "buildings_first")


def site_factor(name: str, h: Household) -> tuple[int, str]:
    """The count of ``h`` and the ``Site`` attribute it multiplies in site term ``name``."""
    if name == "transport":
        return h.persons, "station_minutes"
    if name == "school_daycare":
        return h.school_children, "receiving_minutes" if h.new else "school_minutes"
    if name == "buildings_first":
        return h.persons, "pavilion"
    raise KeyError(name)


def site_coef(name: str, h: Household, u: Unit, dom: Domain) -> int:
    """Site term ``name`` of placing ``h`` in ``u``: the count times the site attribute."""
    count, attribute = site_factor(name, h)
    return count * int(getattr(dom.sites[u.site_id], attribute))


def transport_coef(h: Household, u: Unit, dom: Domain) -> int:
    """Person-minutes from the unit's site to the nearest station."""
    return site_coef("transport", h, u, dom)


def school_coef(h: Household, u: Unit, dom: Domain) -> int:
    """Child-minutes to receiving classes (new arrivals) or to the district's school."""
    return site_coef("school_daycare", h, u, dom)


def buildings_first_coef(h: Household, u: Unit, dom: Domain) -> int:
    """Persons placed in a pavilion module."""
    return site_coef("buildings_first", h, u, dom)


def moves_coef(h: Household, u: Unit, dom: Domain) -> int:
    """1 when a resident leaves its unit."""
    return int(h.current_unit is not None and u.id != h.current_unit)


def external_score_coef(h: Household, u: Unit, dom: Domain) -> int:
    """Minus the score of (household, site) in hundredths of a point: higher score, lower cost."""
    return -half_up(SCORE_SCALE * dom.scores.get((h.id, u.site_id), 0.0))


PAIR_COEFS: dict[str, Callable[[Household, Unit, Domain], int]] = {
    "transport": transport_coef,
    "school_daycare": school_coef,
    "buildings_first": buildings_first_coef,
    "moves": moves_coef,
    "external_score": external_score_coef,
}


def pair_cost(h: Household, u: Unit, dom: Domain) -> int:
    """The weighted household-level cost of placing ``h`` in ``u`` (all pair coefficients)."""
    return sum(dom.weights[name] * coef(h, u, dom) for name, coef in PAIR_COEFS.items())


# --- district data: the one definition every form of the district terms reads ------------------


def daycare_demand(h: Household, group: str) -> int:
    """Children of ``h`` in age ``group`` who need a free daycare slot in the district ``h`` is
    placed in: those of an arriving household (a resident who stays or moves keeps its slot)."""
    return h.daycare_children(group) if h.current_unit is None else 0


def daycare_slots(dom: Domain) -> dict[tuple[str, str], int]:
    """``(daycare district id, age group) -> free slots`` for every daycare district and group
    with a number of free slots, in the order of ``dom.districts`` and ``DAYCARE_GROUPS``; empty
    when ``school_daycare`` weighs 0. Each child (``daycare_demand``) beyond them costs."""
    if not dom.weights["school_daycare"]:
        return {}
    return {
        (did, group): d.free_slots[group]
        for did, d in dom.districts.items()
        if d.kind == "daycare"
        for group in DAYCARE_GROUPS
        if d.free_slots.get(group) is not None
    }


def resident_family_districts(dom: Domain, kind: str) -> set[str | None]:
    """Districts of ``kind`` where a resident family with children stays: held in any placement."""
    return {dom.sites[r.site_id].districts.get(kind) for r in dom.residents if r.has_children}


def separable(dom: Domain) -> bool:
    """Whether every placement's objective in ``dom`` is the sum of its pairs' costs, its new
    modules' setups and its unplaced households' penalties (``solver.problem.problem_of``): a
    sufficient condition, that the terms which are not (``spread``'s excess, ``school_daycare``'s
    missing daycare slots, ``family_cluster``'s districts beyond the first) have nothing to count
    here: no district with a spread cap, no arriving child who needs a counted daycare slot, and
    with the cluster term on, no family with children to place and resident families in at most
    one district (each further one costs whatever the placement)."""
    daycare = any(daycare_demand(h, g) for _, g in daycare_slots(dom) for h in dom.households)
    kind = str(dom.limits["cluster_district_kind"])
    held = resident_family_districts(dom, kind) & {
        did for did, d in dom.districts.items() if d.kind == kind
    }
    families = bool(dom.weights["family_cluster"]) and (
        any(h.has_children for h in dom.households) or len(held) > 1
    )
    return not spread_caps(dom) and not daycare and not families


def spread_caps(dom: Domain) -> dict[str, tuple[int, int]]:
    """District id -> ``(persons of residents who stay, cap)`` for every district the spread
    term counts, by id; empty when the term is off or no such district has a population.

    The share is taken of everyone the municipality houses or must house on the date (residents
    and arriving households, unaccompanied minors excepted), a constant: when all are placed it
    is the share after placement, and it keeps the term's coefficients small and its relaxation
    tight (a share of the placed only would make every coefficient depend on the placement).
    A district's cap is ``floor(policy.spread_limit(tolerance) * population * total / all
    population)`` persons, exactly; every person above it costs.
    """
    kind, tol = str(dom.limits["spread_district_kind"]), int(dom.limits["spread_tolerance_pct"])
    districts = {k: d for k, d in sorted(dom.districts.items()) if d.kind == kind}
    total_pop = sum(d.population for d in districts.values())
    if not total_pop or not dom.weights["spread"]:
        return {}
    total = sum(r.persons for r in dom.residents) + sum(
        h.persons for h in dom.households if not h.unaccompanied_minor
    )
    housed: dict[str | None, int] = {}
    for r in dom.residents:
        did = dom.sites[r.site_id].districts.get(kind)
        housed[did] = housed.get(did, 0) + r.persons
    return {
        did: (housed.get(did, 0), math.floor(spread_limit(tol) * d.population * total / total_pop))
        for did, d in districts.items()
    }


# --- terms -----------------------------------------------------------------------------------------


def _term(
    m: PlacementModel, name: str, parts: dict[str, Any], texts: dict[str, str] | None = None
) -> Term:
    weight = int(m.dom.weights[name])
    return Term(name, weight, parts if weight else {}, TEXT["da"][name], texts or {})


def _household_parts(m: PlacementModel, coef: Callable[[Household, Unit, Domain], int]) -> dict:
    parts = {}
    for h in m.dom.households:
        m.check()
        pairs = [
            (coef(h, m.dom.units[uid], m.dom), var) for uid, var in m.by_household[h.id].items()
        ]
        pairs = [(c, v) for c, v in pairs if c]
        if pairs:
            parts[h.id] = m.weighted_sum([v for _, v in pairs], [c for c, _ in pairs])
    return parts


def unplaced(m: PlacementModel) -> Term:
    """Persons left without a home (unaccompanied minors are handed over, not left unplaced)."""
    parts = {
        h.id: h.persons * (1 - sum(m.by_household[h.id].values()))
        for h in m.dom.arriving
        if not h.unaccompanied_minor
    }
    return _term(m, "unplaced", parts)


def transport(m: PlacementModel) -> Term:
    """Minutes from the home to the nearest station, per person."""
    return _term(m, "transport", _household_parts(m, transport_coef))


def school_daycare(m: PlacementModel) -> Term:
    """Minutes to school per school-age child; per child 0-5 without a free daycare slot."""
    if not m.dom.weights["school_daycare"]:
        return _term(m, "school_daycare", {})
    parts = _household_parts(m, school_coef)
    texts: dict[str, str] = {}
    for (did, group), slots in daycare_slots(m.dom).items():
        m.check()
        demand = [
            (c, var)
            for hid, _, var in m.pairs_in("daycare", did)
            if (c := daycare_demand(m.dom.household(hid), group))
        ]
        if sum(c for c, _ in demand) <= slots:
            continue
        missing = m.cp.new_int_var(0, sum(c for c, _ in demand), f"daycare_missing[{did},{group}]")
        m.cp.add(missing >= m.weighted_sum([v for _, v in demand], [c for c, _ in demand]) - slots)
        parts[f"{did} {group} år"] = missing
        texts[f"{did} {group} år"] = "daycare_slots"
    return _term(m, "school_daycare", parts, texts)


def family_cluster(m: PlacementModel) -> Term:
    """Families with children in few districts: each district holding them beyond the first costs."""
    if not m.dom.weights["family_cluster"]:
        return _term(m, "family_cluster", {})
    kind = str(m.dom.limits["cluster_district_kind"])
    fixed = resident_family_districts(m.dom, kind)
    parts: dict[str, Any] = {}
    for did, d in sorted(m.dom.districts.items()):
        if d.kind != kind:
            continue
        m.check()
        here = [var for hid, _, var in m.pairs_in(kind, did) if m.dom.household(hid).has_children]
        if did in fixed:
            parts[did] = 1
        elif here:
            held = m.cp.new_bool_var(f"holds_families[{did}]")
            for var in here:
                m.cp.add(var <= held)
            parts[did] = held
    if parts:
        first = m.cp.new_bool_var("holds_families[any]")
        m.cp.add(first <= sum(parts.values()))
        parts[FIRST_DISTRICT] = -first
    return _term(m, "family_cluster", parts)


def spread(m: PlacementModel) -> Term:
    """Residents above each district's fair share plus a tolerance (``spread_caps``)."""
    kind = str(m.dom.limits["spread_district_kind"])
    parts: dict[str, Any] = {}
    for did, (fixed, cap) in spread_caps(m.dom).items():
        m.check()
        pairs = [(m.dom.household(h).persons, v) for h, _, v in m.pairs_in(kind, did)]
        most = fixed + sum(c for c, _ in pairs)
        if most <= cap:
            continue
        if not pairs:
            parts[did] = fixed - cap
            continue
        count = fixed + m.weighted_sum([v for _, v in pairs], [c for c, _ in pairs])
        excess = m.cp.new_int_var(0, most - cap, f"spread_excess[{did}]")
        m.cp.add(excess >= count - cap).with_name(f"spread[{did}]")
        parts[did] = excess
    return _term(m, "spread", parts)


def buildings_first(m: PlacementModel) -> Term:
    """Municipal buildings before pavilions: each person in a pavilion module costs."""
    return _term(m, "buildings_first", _household_parts(m, buildings_first_coef))


def new_modules(m: PlacementModel) -> Term:
    """Setup cost (DKK 1,000) of each pavilion module put up (with ``allow_new_modules``)."""
    parts: dict[str, Any] = {}
    for uid, var in m.open.items():
        site = m.dom.site_of(uid)
        parts.setdefault(site.id, 0)
        parts[site.id] = parts[site.id] + site.setup_kdkk * var
    return _term(m, "new_modules", parts)


def moves(m: PlacementModel) -> Term:
    """Each resident moved from its unit (with ``allow_moves``)."""
    return _term(
        m, "moves", {h.id: 1 - m.by_household[h.id][h.current_unit] for h in m.dom.movable}
    )


def external_score(m: PlacementModel) -> Term:
    """The ``scores`` layer (household x site, higher is better), as a negative cost."""
    return _term(m, "external_score", _household_parts(m, external_score_coef))


SOFT_TERMS = (
    unplaced,
    transport,
    school_daycare,
    family_cluster,
    spread,
    buildings_first,
    new_modules,
    moves,
    external_score,
)
