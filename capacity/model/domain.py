"""The placement domain: frozen dataclasses built from a ``Registry``, free of any solver.

``build_domain`` reads the registry once and answers everything the models need as plain Python:
who arrives, who already lives where, which units exist (identical empty units merged into one
*unit class* with a multiplicity), the minutes from each site to the station and schools, the
districts each site lies in, and the allowed (household, unit) pairs after the static hard rules.

Identical units share variables: empty, non-shareable units of one site with the same beds and
flags form one class of ``size`` units (each holds at most one household, so a count per class is
exact); shareable units, occupied units and new pavilion modules stay one unit per class.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from functools import cached_property

import pandas as pd

from capacity.io.layers import Registry
from capacity.model import hard
from capacity.model.new_modules import NewModules, new_module_ids, new_module_offers
from capacity.model.travel import covering_districts, site_minutes
from capacity.overview import booked_after, moved_on, open_on
from capacity.planning.types import MODULE_FLAGS

SCHOOL_AGES = range(6, 17)
DAYCARE_GROUPS = {"0-2": range(0, 3), "3-5": range(3, 6)}


def half_up(value: float) -> int:
    """Round to the nearest integer, halves up (the one rounding rule of every coefficient)."""
    return math.floor(value + 0.5)


@dataclass(frozen=True)
class Household:
    """A household to place: arriving, or (with moves allowed) a resident who may move."""

    id: str
    persons: int
    adults: int
    children_ages: tuple[int, ...]
    needs_accessible: bool
    unaccompanied_minor: bool
    required_district: str | None
    arrival_date: dt.date
    new: bool  # arrived within ``receiving_class_months``: school-age children go to receiving classes
    current_unit: str | None = None  # the unit class a movable resident lives in now

    @property
    def has_children(self) -> bool:
        return bool(self.children_ages)

    @property
    def school_children(self) -> int:
        return sum(a in SCHOOL_AGES for a in self.children_ages)

    def daycare_children(self, group: str) -> int:
        return sum(a in DAYCARE_GROUPS[group] for a in self.children_ages)


@dataclass(frozen=True)
class Resident:
    """A household that lives in a unit on the date and stays there (moves not allowed)."""

    household_id: str
    unit_id: str
    site_id: str
    persons: int
    has_children: bool


@dataclass(frozen=True)
class Site:
    """A site with its minutes to the station and schools and the district of each kind it lies in."""

    id: str
    name: str
    kind: str
    available: bool  # on the date
    districts: dict[str, str]  # district kind -> district id
    within: frozenset[str]  # every district id whose polygon covers the site
    station_minutes: int
    school_minutes: int  # to the school of its school district
    receiving_minutes: int  # to the nearest school with receiving classes
    new_modules: int = 0  # pavilion modules that may still be put up
    beds_per_module: int = 0
    setup_kdkk: int = 0  # setup cost per module in DKK 1,000
    module_type: str | None = None  # the module type new modules are of (``new_modules.py``)
    module_flags: tuple[bool, bool, bool] = (  # family_ok, accessible, shareable
        MODULE_FLAGS["family_ok"],
        MODULE_FLAGS["accessible"],
        MODULE_FLAGS["shareable"],
    )

    @property
    def pavilion(self) -> bool:
        return self.kind == "pavilion_site"


@dataclass(frozen=True)
class Unit:
    """A unit class: ``size`` identical units (``ids``); beds are the beds free for new households."""

    id: str
    ids: tuple[str, ...]
    site_id: str
    beds: int
    free_beds: int
    family_ok: bool
    accessible: bool
    shareable: bool
    in_service: bool
    residents: tuple[str, ...] = ()  # fixed residents' household ids
    residents_adult_only: bool = True
    new_module: bool = False
    booked_from: dt.date | None = None  # the first day a household is booked in after the date

    @property
    def size(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class District:
    """A district with its population and, for daycare districts, free slots per age group."""

    id: str
    kind: str
    population: int
    free_slots: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Domain:
    """Everything a placement model needs, on one date, as plain Python."""

    date: dt.date
    weights: dict[str, int]
    limits: dict[str, object]
    households: tuple[Household, ...]
    residents: tuple[Resident, ...]
    units: dict[str, Unit]
    sites: dict[str, Site]
    districts: dict[str, District]
    pairs: dict[str, tuple[str, ...]]  # household id -> allowed unit class ids
    scores: dict[tuple[str, str], float]  # (household id, site id) -> score
    allow_moves: bool = False
    allow_new_modules: bool = False

    def household(self, hid: str) -> Household:
        return self._households[hid]

    @cached_property
    def _households(self) -> dict[str, Household]:
        return {h.id: h for h in self.households}

    def site_of(self, uid: str) -> Site:
        return self.sites[self.units[uid].site_id]

    def district_of(self, uid: str, kind: str) -> str | None:
        return self.site_of(uid).districts.get(kind)

    @property
    def movable(self) -> tuple[Household, ...]:
        """Residents who may move (only with ``allow_moves``)."""
        return tuple(h for h in self.households if h.current_unit is not None)

    @property
    def arriving(self) -> tuple[Household, ...]:
        return tuple(h for h in self.households if h.current_unit is None)


def open_rows(reg: Registry, date: dt.date) -> pd.DataFrame:
    """Occupancy rows that hold a unit on ``date``, one per household (``overview.open_on``:
    moved in by the date, not yet out). A row that starts after the date is a booking
    (``bookings``), not a resident."""
    occ = reg.occupancy
    rows = occ[open_on(occ, date)]
    return rows.sort_values(["household_id", "move_in"]).drop_duplicates("household_id")


def bookings(reg: Registry, date: dt.date) -> pd.DataFrame:
    """Occupancy rows that start after ``date`` (``overview.booked_after``), earliest first."""
    occ = reg.occupancy
    return occ[booked_after(occ, date)].sort_values(["move_in", "household_id", "unit_id"])


def build_domain(
    reg: Registry,
    date: dt.date,
    *,
    allow_moves: bool = False,
    allow_new_modules: bool = False,
    with_pairs: bool = True,
) -> Domain:
    """Build the placement domain of ``reg`` on ``date``.

    Parameters
    ----------
    reg : a validated registry.
    date : the placement date: households arrived by then and without a home are placed.
    allow_moves : residents may move (each move costs ``weights.moves``).
    allow_new_modules : pavilion modules not yet put up may be used (``new_modules`` term),
        as many and of the kind ``new_modules.new_module_offers`` gives (at a site with
        module types: one type of one unit per module).
    with_pairs : compute the allowed pairs (the aggregated formulation works per site and
        leaves them empty: at national size they would be tens of millions).

    Returns
    -------
    Domain
        With the allowed pairs already filtered by the static hard rules (``hard.STATIC_RULES``).
    """
    policy = reg.policy
    limits = policy.limits.model_dump()
    occ, later = open_rows(reg, date), bookings(reg, date)
    booked = set(later["household_id"])
    sites = _sites(reg, date, limits, allow_new_modules)
    districts = _districts(reg)
    people = _households(reg, date, limits)
    stay = occ if not allow_moves else occ[occ["household_id"].isin(booked)]
    fixed = dict(zip(stay["household_id"], stay["unit_id"], strict=True))
    site_of = dict(zip(reg.units["id"].astype(str), reg.units["site_id"].astype(str), strict=True))
    residents = tuple(
        Resident(hid, uid, site_of[uid], people[hid].persons, people[hid].has_children)
        for hid, uid in sorted(fixed.items())
    )
    first_booked = later.drop_duplicates("unit_id").set_index("unit_id")["move_in"]
    units, class_of = _units(reg, residents, set(occ["unit_id"]), sites, first_booked)
    housed = set(occ["household_id"])
    left = moved_on(reg, date)  # every stay closed: moved on, not waiting again
    households = []
    for hid, h in sorted(people.items()):
        if hid in fixed:
            continue
        if hid in housed:
            h = _with_unit(h, class_of[occ.set_index("household_id").loc[hid, "unit_id"]])
        elif h.arrival_date > date or hid in left or hid in booked:
            continue
        households.append(h)
    scores = {}
    if reg.scores is not None:
        scores = {(r.household_id, r.site_id): float(r.score) for r in reg.scores.itertuples()}
    dom = Domain(
        date,
        policy.weights.model_dump(),
        limits,
        tuple(households),
        residents,
        units,
        sites,
        districts,
        {},
        scores,
        allow_moves,
        allow_new_modules,
    )
    return add_pairs(dom) if with_pairs else dom


def add_pairs(dom: Domain) -> Domain:
    """``dom`` with its allowed pairs (``hard.allowed_units`` for every household), the static
    rules run once per ``hard.static_key``."""
    by_key: dict[tuple, tuple[str, ...]] = {}
    pairs = {}
    for h in dom.households:
        key = hard.static_key(h)
        if key not in by_key:
            by_key[key] = hard.statically_allowed(h, dom)
        pairs[h.id] = hard.allowed_units(h, dom, by_key[key])
    return replace(dom, pairs=pairs)


def _with_unit(h: Household, uid: str) -> Household:
    return replace(h, current_unit=uid)


def _flag(value: object) -> bool:
    return bool(value) if not pd.isna(value) else False


def _int(value: object, default: int = 0) -> int:
    return int(value) if not pd.isna(value) else default


def _households(reg: Registry, date: dt.date, limits: dict) -> dict[str, Household]:
    months = int(limits["receiving_class_months"])
    out = {}
    for r in reg.households.itertuples():
        arrival = pd.Timestamp(r.arrival_date).date()
        age_months = (date.year - arrival.year) * 12 + date.month - arrival.month
        kids = tuple(int(a) for a in r.children_ages)
        out[str(r.id)] = Household(
            id=str(r.id),
            persons=_int(r.adults) + len(kids),
            adults=_int(r.adults),
            children_ages=kids,
            needs_accessible=_flag(r.needs_accessible),
            unaccompanied_minor=_flag(r.unaccompanied_minor),
            required_district=None if pd.isna(r.required_district) else str(r.required_district),
            arrival_date=arrival,
            new=age_months < months,
        )
    return out


def _districts(reg: Registry) -> dict[str, District]:
    out = {}
    for r in reg.districts.itertuples():
        slots = {
            "0-2": None if pd.isna(r.free_slots_0_2) else int(r.free_slots_0_2),
            "3-5": None if pd.isna(r.free_slots_3_5) else int(r.free_slots_3_5),
        }
        out[str(r.id)] = District(str(r.id), str(r.kind), _int(r.population), slots)
    return out


def _sites(reg: Registry, date: dt.date, limits: dict, allow_new_modules: bool) -> dict[str, Site]:
    day = pd.Timestamp(date)
    minutes = site_minutes(reg, limits)
    covering = covering_districts(reg)
    offers = new_module_offers(reg)
    out = {}
    for r in reg.sites.itertuples():
        available = (pd.isna(r.available_from) or r.available_from <= day) and (
            pd.isna(r.available_until) or r.available_until >= day
        )
        by_kind: dict[str, str] = {}
        for did, kind in covering.get(str(r.id), ()):
            by_kind.setdefault(kind, did)
        station, school, receiving = minutes.get(str(r.id), (0, 0, 0))
        offer = offers.get(str(r.id))
        new = offer.count if offer is not None and allow_new_modules else 0
        beds = offer.beds if offer is not None else _int(r.beds_per_module)
        setup = offer.setup if offer is not None else _int(r.cost_setup_per_module)
        out[str(r.id)] = Site(
            str(r.id),
            str(r.name),
            str(r.kind),
            bool(available),
            by_kind,
            frozenset(did for did, _ in covering.get(str(r.id), ())),
            station,
            school,
            receiving,
            new_modules=new,
            beds_per_module=beds,
            setup_kdkk=half_up(setup / 1000),
            module_type=offer.type_id if offer is not None else None,
            module_flags=_offer_flags(offer),
        )
    return out


def _offer_flags(offer: NewModules | None) -> tuple[bool, bool, bool]:
    if offer is None:
        return (True, False, True)
    return (offer.family_ok, offer.accessible, offer.shareable)


def _units(
    reg: Registry,
    residents: tuple[Resident, ...],
    occupied: set[str],
    sites: dict[str, Site],
    booked: pd.Series,
) -> tuple[dict[str, Unit], dict[str, str]]:
    """Unit classes (identical empty non-shareable units merged) and each unit's class id;
    ``booked`` gives the first later move-in by unit id (a booked unit is a class of its own)."""
    by_unit: dict[str, list[Resident]] = {}
    for r in residents:
        by_unit.setdefault(r.unit_id, []).append(r)
    groups: dict[tuple, list] = {}
    for r in reg.units.sort_values("id").itertuples():
        uid, flags = (
            str(r.id),
            (_flag(r.family_ok), _flag(r.accessible), _flag(r.shareable), _flag(r.in_service)),
        )
        key = (str(r.site_id), int(r.beds), *flags)
        if flags[2] or uid in occupied or uid in booked.index:
            key = (*key, uid)  # a class of its own
        groups.setdefault(key, []).append((uid, r))
    units: dict[str, Unit] = {}
    class_of: dict[str, str] = {}
    for members in groups.values():
        uid, r = members[0]
        here = by_unit.get(uid, [])
        used = sum(x.persons for x in here)
        units[uid] = Unit(
            uid,
            tuple(m[0] for m in members),
            str(r.site_id),
            int(r.beds),
            int(r.beds) - used,
            _flag(r.family_ok),
            _flag(r.accessible),
            _flag(r.shareable),
            _flag(r.in_service),
            tuple(x.household_id for x in here),
            not any(x.has_children for x in here),
            booked_from=booked[uid].date() if uid in booked.index else None,
        )
        class_of.update({m[0]: uid for m in members})
    existing = reg.units["id"].astype(str).tolist()
    for site in sites.values():
        for uid in new_module_ids(site.id, site.new_modules, existing):
            units[uid] = Unit(
                uid,
                (uid,),
                site.id,
                site.beds_per_module,
                site.beds_per_module,
                *site.module_flags,
                True,
                new_module=True,
            )
    return units, class_of
