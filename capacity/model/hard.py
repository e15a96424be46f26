"""The hard rules of placement, one function per rule, named after the rule.

Static rules (``STATIC_RULES``) depend on one household and one unit only: they remove the pair
before any model is built (``allowed_units``), so they cost no constraint, and the first rule that
leaves a household without units gives its reason (``capacity.model.reasons``). Model rules
(``MODEL_RULES``) tie several households together and add CP-SAT constraints named after the rule.
A movable resident may always stay in its own unit (it was placed by these rules before).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the domain runs these rules (``domain.add_pairs``)
    from capacity.model.domain import Domain, Household, Unit
    from capacity.model.placement import PlacementModel


# --- static rules: (household, unit, domain) -> allowed -------------------------------------------


def minors_not_placed(h: Household, u: Unit, dom: Domain) -> bool:
    """An unaccompanied minor is never placed as an ordinary household (Børn og Familier decide)."""
    return not h.unaccompanied_minor


def unit_in_service(h: Household, u: Unit, dom: Domain) -> bool:
    """A household is only placed in a unit that is in service."""
    return u.in_service


def unit_not_booked_later(h: Household, u: Unit, dom: Domain) -> bool:
    """A household is not placed in a unit booked for another household from a later day.

    It would have to leave again before that move-in, and the placement model knows no stay
    that ends (a planner keeps a booked home for the household it is booked for). A resident of
    the unit may stay until its own move-out (``allowed_units``).
    """
    return u.booked_from is None


def site_available_on_date(h: Household, u: Unit, dom: Domain) -> bool:
    """A household is only placed on a site that is available on the placement date."""
    return dom.sites[u.site_id].available


def required_district_respected(h: Household, u: Unit, dom: Domain) -> bool:
    """A household with a required district is only placed on a site inside that district."""
    return h.required_district is None or h.required_district in dom.sites[u.site_id].within


def accessible_when_needed(h: Household, u: Unit, dom: Domain) -> bool:
    """A household that needs an accessible home is only placed in an accessible unit."""
    return u.accessible or not h.needs_accessible


def family_ok_for_children(h: Household, u: Unit, dom: Domain) -> bool:
    """A household with children is only placed in a unit marked ``family_ok``."""
    return u.family_ok or not h.has_children


def shares_only_when_shareable(h: Household, u: Unit, dom: Domain) -> bool:
    """A unit with residents takes a new household only if shareable and everyone is adult-only."""
    if not u.residents:
        return True
    return u.shareable and u.residents_adult_only and not h.has_children


def room_for_household(h: Household, u: Unit, dom: Domain) -> bool:
    """A household fits in the beds of a unit left free by its residents."""
    return h.persons <= u.free_beds


STATIC_RULES = (
    minors_not_placed,
    unit_in_service,
    unit_not_booked_later,
    site_available_on_date,
    required_district_respected,
    accessible_when_needed,
    family_ok_for_children,
    shares_only_when_shareable,
    room_for_household,
)


def static_key(h: Household) -> tuple:
    """The household fields the static rules read: two households with the same key pass the
    same static rules on every unit (a resident's own unit aside: ``allowed_units``) and are
    left out for the same reason (a property test holds this to the rules)."""
    return (
        h.unaccompanied_minor,
        h.required_district,
        h.needs_accessible,
        h.has_children,
        h.persons,
    )


def statically_allowed(h: Household, dom: Domain) -> tuple[str, ...]:
    """The unit classes, by id, on which every static rule holds for ``h`` (the same for every
    household of ``h``'s ``static_key``)."""
    return tuple(
        uid for uid, u in sorted(dom.units.items()) if all(rule(h, u, dom) for rule in STATIC_RULES)
    )


def allowed_units(
    h: Household, dom: Domain, statically: tuple[str, ...] | None = None
) -> tuple[str, ...]:
    """The unit classes ``h`` may go to, by id: every static rule holds, or it is ``h``'s own
    unit. ``statically``: ``statically_allowed`` of a household with ``h``'s ``static_key``,
    where it was computed already."""
    base = statically_allowed(h, dom) if statically is None else statically
    if h.current_unit is None or h.current_unit in base:
        return base
    return tuple(sorted((*base, h.current_unit)))


# --- model rules: add named constraints to a PlacementModel ---------------------------------------


def one_unit_per_household(m: PlacementModel) -> None:
    """A household goes whole to at most one unit; a movable resident to exactly one."""
    for h in m.dom.households:
        m.check()
        chosen = sum(m.by_household[h.id].values())
        if h.current_unit is not None:
            m.cp.add(chosen == 1).with_name(f"one_unit_per_household[{h.id}]")
        else:
            m.cp.add(chosen <= 1).with_name(f"one_unit_per_household[{h.id}]")


def beds_fit(m: PlacementModel) -> None:
    """A unit never holds more people than its beds (residents who stay included)."""
    for uid, u in m.dom.units.items():
        m.check()
        if u.shareable and m.by_unit[uid]:
            # a new module holds its beds only once put up: ``people <= beds * put_up`` is the
            # capacity row of facility location, whose LP relaxation is far tighter than
            # ``x <= put_up`` alone (it bounds put_up below by the load's share of the beds)
            beds = u.free_beds * m.open[uid] if uid in m.open else u.free_beds
            m.cp.add(m.people_in(uid) <= beds).with_name(f"beds_fit[{uid}]")


def one_family_per_unit(m: PlacementModel) -> None:
    """A unit hosts one household, or several adult-only households where it is shareable."""
    for uid, u in m.dom.units.items():
        m.check()
        here = m.by_unit[uid]
        if not here:
            continue
        if not u.shareable:
            m.cp.add(sum(here.values()) <= u.size).with_name(f"one_family_per_unit[{uid}]")
            continue
        families = [v for h, v in here.items() if m.dom.household(h).has_children]
        adults = [v for h, v in here.items() if not m.dom.household(h).has_children]
        if families and len(here) > 1:
            # families <= 1, and no adult-only household beside a family: M * f + a <= M,
            # one constraint per unit instead of a clause per (family, other) pair
            big = min(len(adults), max(u.free_beds, 1))
            m.cp.add(big * sum(families) + sum(adults) <= big).with_name(
                f"one_family_per_unit[{uid}]"
            )
            if big == 0 or len(families) > 1:
                m.cp.add(sum(families) <= 1).with_name(f"one_family_per_unit[{uid},families]")


def new_module_put_up(m: PlacementModel) -> None:
    """A new pavilion module hosts households only once put up, and modules go up in order."""
    for uid, var in m.open.items():
        m.check()
        for hid, x in m.by_unit[uid].items():
            m.cp.add(x <= var).with_name(f"new_module_put_up[{uid},{hid}]")
    for prev, nxt in zip(list(m.open), list(m.open)[1:], strict=False):
        if m.dom.units[prev].site_id == m.dom.units[nxt].site_id:
            m.cp.add(m.open[nxt] <= m.open[prev]).with_name(f"new_module_put_up[{nxt}]")


MODEL_RULES = (one_unit_per_household, beds_fit, one_family_per_unit, new_module_put_up)
HARD_RULES = STATIC_RULES + MODEL_RULES


# --- homes: which kind of household fits which kind of home (capacity plan, scenario runs) -------

HOME_RULES = (accessible_when_needed, family_ok_for_children, room_for_household)


def fits_home(h: Household, u: Unit) -> bool:
    """An empty unit of this kind may take the household: every rule of one household and one
    unit's kind holds (accessibility, family homes for children, beds)."""
    return all(rule(h, u, None) for rule in HOME_RULES)  # type: ignore[arg-type]


def shares_home(h: Household, u: Unit) -> bool:
    """The household may move in beside adult-only residents of a unit of this kind."""
    shared = replace(u, residents=("resident",), residents_adult_only=True)
    return fits_home(h, u) and shares_only_when_shareable(h, shared, None)  # type: ignore[arg-type]
