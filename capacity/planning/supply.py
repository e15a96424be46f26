"""Supply per site and month: building beds, pavilion parameters, residents, transport, districts.

Everything the plan model and the scenario runs need from the registry, as numpy arrays indexed by
site (rows, in registry order) and month (columns).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from capacity.errors import UserError
from capacity.io.layers import Registry
from capacity.io.stays import kept_until, last_recorded_move, overdue_stays
from capacity.io.values import amount, listed
from capacity.model import travel
from capacity.model.homes import HomeKind, NeedKind, fit_tables
from capacity.overview import open_occupancy
from capacity.planning.demand import (
    DAYS_PER_MONTH,
    month_index,
    need_kinds,
    resident_kinds,
    stay_pmf,
)
from capacity.planning.sampling import conditional_mean_stay, remaining_stay
from capacity.planning.scenario import Scenario
from capacity.planning.types import module_types, site_terms, unit_types


@dataclass(frozen=True)
class Supply:
    """Sites and their capacity over the months of a scenario.

    Attributes
    ----------
    ids, names, pavilion : per site (J).
    available : (J, T) bool, the site may be used in the month.
    building_beds : (J, T) beds of buildings in service (0 for pavilion sites and unavailable months).
    mod : the module types of the pavilion sites (``Modules``: several per site, each a kind of
        home with its own costs, lease and residents).
    open_cost, close_cost : (J,) one-off DKK when a pavilion site opens (its first module goes up)
        and when it closes (its last module is gone); ``reopen`` (J,) whether modules may go up
        again after it closed; ``open_now`` (J,) it has modules standing today.
    closed_from, min_homes, min_modules : conditions of an option (``capacity.planning.proposal``):
        the month from which a site must be closed (its residents moved off), the fewest homes of
        a kind (``homes.CATEGORIES``) that must stand every month, and the fewest modules of each
        type (Q,) that stand while their site is available and not closed.
    resident_persons : (J, T) current residents still living at the site (known move-outs).
    minutes : (J,) int minutes to the nearest station.
    district : (J,) index into ``district_ids`` (-1 when outside every district).
    district_ids, district_names, district_share : spread districts (ids and names, the id
        where the registry has no name) and their share of the population.
    months : labels ``YYYY-MM``.
    kinds, classes : kinds of household and kinds of home (``capacity.model.homes``).
    building_homes : (J, C, T) units of each kind in service in available buildings.
    resident_class, resident_unit, resident_kind : per current resident household the kind of
        home it lives in (a pavilion module counts as its site's module kind), its unit
        (distinct index; households sharing a unit share it) and its kind of household.
    resident_whole, resident_shared, resident_shared_persons : (C, T) homes that current
        residents hold whole (a family, or anyone in a unit that is not shareable), shareable
        homes held by adult-only residents, and those residents' persons (at most the beds);
        counted while their site is available and, in buildings, the unit is in service.
    resident_displaced : (T, K) current residents still staying whose home is not counted that
        month (the site is no longer available, or the unit is out of service): they need a
        home elsewhere, as arrivals do.
    beyond_modules : (K,) no module type of the registry that may stand (``modules_max`` above
        0) has a home the kind fits (``homes.fits``): a shortage of such households no order of
        modules can remedy. All False where no module type may stand. Computed once from the
        registry, so an option's conditions (which replace ``mod``) do not change it.
    """

    ids: list[str]
    names: list[str]
    pavilion: np.ndarray
    available: np.ndarray
    building_beds: np.ndarray
    mod: Modules
    open_cost: np.ndarray
    close_cost: np.ndarray
    reopen: np.ndarray
    open_now: np.ndarray
    resident_persons: np.ndarray
    minutes: np.ndarray
    district: np.ndarray
    district_ids: list[str]
    district_names: list[str]
    district_share: np.ndarray
    months: list[str]
    resident_site: np.ndarray  # per current resident household: site index
    resident_size: np.ndarray  # persons
    resident_leave: np.ndarray  # first month index without a bed (T when after the horizon)
    resident_stay: np.ndarray  # (households, m): remaining stay distribution, zeros when fixed
    resident_leave_by_stay: np.ndarray  # (households, m): leave month for a stay of m + 1 months
    kinds: list[NeedKind]
    classes: list[HomeKind]
    building_homes: np.ndarray
    resident_class: np.ndarray
    resident_unit: np.ndarray
    resident_kind: np.ndarray
    resident_whole: np.ndarray
    resident_shared: np.ndarray
    resident_shared_persons: np.ndarray
    resident_displaced: np.ndarray
    beyond_modules: np.ndarray
    closed_from: np.ndarray | None = None  # (J,) first month a site must be closed (options)
    min_homes: tuple = ()  # ((category, homes), ...): at least this many homes stand (options)
    min_modules: np.ndarray | None = None  # (Q,) at least this many modules stand (options)

    @property
    def sites(self) -> int:
        """Number of sites."""
        return len(self.ids)

    def beds(self, modules: np.ndarray) -> np.ndarray:
        """Beds per site and month given modules standing per type and month (Q, T): (J, T)."""
        out = self.building_beds.copy()
        np.add.at(out, self.mod.site, modules * self.mod.beds[:, None])
        return out

    def homes(self, modules: np.ndarray) -> np.ndarray:
        """Homes per site, kind and month given modules standing per type (Q, T): (J, C, T)."""
        out = self.building_homes.copy()
        for q in range(self.mod.types):
            out[self.mod.site[q], self.mod.home[q]] += modules[q] * self.mod.units[q]
        return out

    def current_modules(self) -> np.ndarray:
        """Modules standing today per type, kept for the whole horizon while the site is
        available, shape (Q, T)."""
        return np.where(self.available[self.mod.site], self.mod.now[:, None], 0)

    def site_modules(self, modules: np.ndarray) -> np.ndarray:
        """Modules per site and month (J, T) from modules per type and month (Q, T)."""
        out = np.zeros((self.sites, modules.shape[1]), np.int64)
        np.add.at(out, self.mod.site, modules)
        return out


@dataclass(frozen=True)
class Modules:
    """The module types of the pavilion sites, one entry per type (Q), in registry order.

    Attributes
    ----------
    ids, names : the types (a site without a ``module_types`` layer row has one type whose id is
        the site's id).
    site, home : (Q,) index of the site and of the kind of home (``Supply.classes``) of its units.
    units : (Q,) units (homes) per module; ``beds`` (Q,) beds per module.
    now, most : (Q,) modules standing today and at most.
    setup, month, teardown : (Q,) DKK per module ordered, per month standing (rent for a rented
        type, upkeep for an owned one) and per module taken down.
    lead, life : (Q,) months from order to use; months a module stands at least.
    rented : (Q,) the type's modules are rented (their lease terms apply; they may be bought).
    lease_end : (Q,) first month index a rented module may come down without the early-termination
        cost (0: any time; may lie after the horizon).
    notice : (Q,) months a take-down must be decided ahead (the type's notice and its site's).
    early : (Q,) DKK per rented module taken down before ``lease_end``.
    price : (Q,) DKK to buy a rented module (0: it cannot be bought).
    owned_month : (Q,) DKK per month for a bought module (upkeep).
    residual : (Q,) DKK an owned (or bought) module is worth at the horizon's end.
    resident_units : (Q, T) units current residents live in (whether or not the site is
        available that month; the rules count them only where it is).
    resident_modules : (Q, T) modules those units need at least (units packed into modules).
    households_per_unit : (Q,) resident households per lived-in unit today (for the cost and the
        limit of moves, which count households).
    movable : (Q,) residents may be moved off the type so that its site can close (False in the
        status quo option).
    buy_now : (Q,) every rented module of the type is bought in the first month (an option's
        condition).
    """

    ids: list[str]
    names: list[str]
    site: np.ndarray
    home: np.ndarray
    units: np.ndarray
    beds: np.ndarray
    now: np.ndarray
    most: np.ndarray
    setup: np.ndarray
    month: np.ndarray
    teardown: np.ndarray
    lead: np.ndarray
    life: np.ndarray
    rented: np.ndarray
    lease_end: np.ndarray
    notice: np.ndarray
    early: np.ndarray
    price: np.ndarray
    owned_month: np.ndarray
    residual: np.ndarray
    resident_units: np.ndarray
    resident_modules: np.ndarray
    households_per_unit: np.ndarray
    movable: np.ndarray
    buy_now: np.ndarray

    @property
    def types(self) -> int:
        """Number of module types."""
        return len(self.ids)

    def at(self, j: int) -> list[int]:
        """The types of site ``j``."""
        return [int(q) for q in np.flatnonzero(self.site == j)]


def supply(reg: Registry, sc: Scenario) -> Supply:
    """Build the ``Supply`` of a registry over the months of a scenario (``starts_after_records``
    first)."""
    starts_after_records(reg, sc)
    sites = reg.sites.reset_index(drop=True)
    starts = sc.month_starts()
    avail = _available(sites, starts)
    pav = (sites["kind"] == "pavilion_site").to_numpy()

    units = reg.units[reg.units["in_service"].fillna(False).astype(bool)]
    beds = units.groupby("site_id")["beds"].sum().reindex(sites["id"]).fillna(0)
    building = np.where(pav, 0, beds.to_numpy(dtype=np.int64))[:, None] * avail
    persons, households = _residents(reg, sc, sites, starts)
    d_idx, d_ids, d_names, d_share = _districts(reg, sites)
    types = module_types(reg)
    homes, home_of = _homes(reg, sc, sites, units, avail, pav, households[2], types)
    mod = _modules(reg, sc, sites, types, home_of, homes["classes"], avail, households[2])
    terms = site_terms(reg).reindex(sites["id"])
    open_now = np.zeros(len(sites), bool)
    np.logical_or.at(open_now, mod.site, mod.now > 0)
    return Supply(
        ids=sites["id"].tolist(),
        names=sites["name"].tolist(),
        pavilion=pav,
        available=avail,
        building_beds=building.astype(np.int64),
        mod=mod,
        open_cost=np.where(pav, terms["cost_open"].to_numpy(dtype=np.int64), 0),
        close_cost=np.where(pav, terms["cost_close"].to_numpy(dtype=np.int64), 0),
        reopen=terms["reopen_allowed"].to_numpy(dtype=bool),
        open_now=open_now,
        resident_persons=persons,
        minutes=station_minutes(reg, sites),
        district=d_idx,
        district_ids=d_ids,
        district_names=d_names,
        district_share=d_share,
        months=sc.month_labels(),
        resident_site=households[0],
        resident_size=households[1],
        resident_leave=households[2],
        resident_stay=households[3],
        resident_leave_by_stay=households[4],
        beyond_modules=beyond_modules(homes["kinds"], homes["classes"], mod),
        **homes,
    )


def beyond_modules(kinds: list[NeedKind], classes: list[HomeKind], mod: Modules) -> np.ndarray:
    """(K,) whether no home of a module type that may stand (``mod.most`` above 0) fits the kind
    (``homes.fits``: the placement's rules); all False when no module type may stand."""
    offered = sorted({int(c) for c, most in zip(mod.home, mod.most, strict=True) if most > 0})
    if not offered:
        return np.zeros(len(kinds), bool)
    fit, _ = fit_tables(kinds, [classes[c] for c in offered])
    return ~fit.any(axis=1)


def starts_after_records(reg: Registry, sc: Scenario) -> None:
    """Refuse a scenario that starts before the month of the registry's last recorded move in or
    out: the horizon starts from the residents as the registry has them now (rows without a
    move-out), which are not the residents of an earlier month.

    Raises
    ------
    UserError
        Naming the start and the last recorded move.
    """
    last = last_recorded_move(reg.occupancy)
    if last is not None and pd.Timestamp(sc.month_starts()[1]) <= last:
        raise UserError(
            f"scenariet starter i {sc.start}, men registret har flytninger til og med "
            f"{pd.Timestamp(last):%Y-%m-%d}; et scenarie starter fra beboerne, som de bor nu, så "
            f"lad det starte i {pd.Timestamp(last):%Y-%m} eller senere"
        )


def home_kind(unit) -> HomeKind:
    """The kind of home of a unit (a row of ``Registry.units``)."""
    return HomeKind(
        int(unit.beds), bool(unit.family_ok), bool(unit.shareable), bool(unit.accessible)
    )


def _homes(
    reg: Registry,
    sc: Scenario,
    sites: pd.DataFrame,
    units: pd.DataFrame,
    avail: np.ndarray,
    pav: np.ndarray,
    leave: np.ndarray,
    types: pd.DataFrame,
) -> tuple[dict, np.ndarray]:
    """Kinds of household and home, building homes, residents' homes (fields of ``Supply``),
    and the kind of home of each module type."""
    T = sc.horizon_months
    type_kind = [
        HomeKind(int(r.beds_per_unit), bool(r.family_ok), bool(r.shareable), bool(r.accessible))
        for r in types.itertuples()
    ]
    unit_kind = {str(r.id): home_kind(r) for r in units.itertuples()}
    pos = {s: i for i, s in enumerate(sites["id"])}
    in_building = [
        uid for uid, sid in zip(units["id"], units["site_id"], strict=True) if not pav[pos[sid]]
    ]
    classes = sorted({unit_kind[u] for u in in_building} | set(type_kind))
    ci = {k: i for i, k in enumerate(classes)}
    home_of = np.array([ci[k] for k in type_kind], dtype=np.int64)
    type_pos = {t: q for q, t in enumerate(types["type_id"])}
    of_unit = {u: type_pos[t] for u, t in unit_types(reg).items() if t in type_pos}
    J, C = len(sites), len(classes)
    building = np.zeros((J, C, T), np.int64)
    for uid, sid in zip(units["id"], units["site_id"], strict=True):
        j = pos[sid]
        if not pav[j]:
            building[j, ci[unit_kind[uid]]] += avail[j]
    occ = open_occupancy(reg)
    occ = occ[occ["site_id"].isin(pos)].reset_index(drop=True)
    kinds = need_kinds(reg, sc)
    ki = {k: i for i, k in enumerate(kinds)}
    rkind = np.array([ki[k] for k in resident_kinds(reg, occ)], dtype=np.int64)
    j = occ["site_id"].map(pos).to_numpy(dtype=np.int64)
    uids = occ["unit_id"].astype(str).tolist()
    rclass = np.array(
        [
            (home_of[of_unit[u]] if u in of_unit else -1)
            if pav[jj]
            else ci.get(unit_kind.get(u), -1)
            for jj, u in zip(j, uids, strict=True)
        ],
        dtype=np.int64,
    )
    distinct = {u: i for i, u in enumerate(sorted(set(uids)))}
    runit = np.array([distinct[u] for u in uids], dtype=np.int64)
    counted = np.array([pav[jj] or u in unit_kind for jj, u in zip(j, uids, strict=True)], bool)
    whole, shared, persons = _resident_homes(
        classes,
        rclass,
        runit,
        j,
        occ["persons"].fillna(0).to_numpy(dtype=np.int64),
        np.array([kinds[k].family for k in rkind], dtype=bool),
        leave,
        avail,
        counted,
        T,
    )
    staying = np.arange(T)[None, :] < leave[:, None]
    out = staying & ~(avail[j] & counted[:, None])
    displaced = np.zeros((T, len(kinds)), np.int64)
    for r in np.flatnonzero(out.any(axis=1)):
        displaced[:, rkind[r]] += out[r]
    fields = dict(
        kinds=kinds,
        resident_displaced=displaced,
        classes=classes,
        building_homes=building,
        resident_class=rclass,
        resident_unit=runit,
        resident_kind=rkind,
        resident_whole=whole,
        resident_shared=shared,
        resident_shared_persons=persons,
    )
    return fields, home_of


def _modules(
    reg: Registry,
    sc: Scenario,
    sites: pd.DataFrame,
    types: pd.DataFrame,
    home_of: np.ndarray,
    classes: list[HomeKind],
    avail: np.ndarray,
    leave: np.ndarray,
) -> Modules:
    """The module types as arrays, with the units and modules current residents live in."""
    T, Q = sc.horizon_months, len(types)
    pos = {s: i for i, s in enumerate(sites["id"])}
    site = types["site_id"].map(pos).to_numpy(dtype=np.int64)
    terms = site_terms(reg).reindex(sites["id"])
    notice = np.maximum(
        types["notice_months"].to_numpy(dtype=np.int64),
        terms["close_notice_months"].to_numpy(dtype=np.int64)[site],
    )

    def ints(name: str) -> np.ndarray:
        return types[name].fillna(0).to_numpy(dtype=np.int64).reshape(Q)

    type_pos = {t: q for q, t in enumerate(types["type_id"])}
    of_unit = unit_types(reg)
    occ = open_occupancy(reg)
    occ = occ[occ["site_id"].isin(pos)].reset_index(drop=True)
    q_of = np.array([type_pos.get(of_unit.get(str(u), ""), -1) for u in occ["unit_id"]], np.int64)
    runits = np.zeros((Q, T + 1), np.int64)
    households = np.zeros(Q, np.float64)
    lived = pd.DataFrame({"unit": occ["unit_id"].astype(str), "q": q_of, "leave": leave})
    lived = lived[lived["q"] >= 0]
    for q, n in lived.groupby("q")["unit"].size().items():
        households[int(q)] = n
    last = lived.groupby("unit", sort=True).agg(q=("q", "first"), leave=("leave", "max"))
    qq, ll = last["q"].to_numpy(dtype=np.int64), last["leave"].to_numpy(dtype=np.int64)
    np.add.at(runits, (qq, np.zeros_like(qq)), 1)
    np.add.at(runits, (qq, ll), -1)
    runits = np.cumsum(runits, axis=1)[:, :T]
    upm = np.maximum(ints("units_per_module"), 1)
    today = np.maximum(runits[:, 0], 1) if T else np.ones(Q)
    rented = (types["tenure"] == "rented").to_numpy(dtype=bool).reshape(Q)
    return Modules(
        ids=types["type_id"].astype(str).tolist(),
        names=types["name"].astype(str).tolist(),
        site=site,
        home=home_of,
        units=upm,
        beds=upm * np.array([classes[c].beds for c in home_of], dtype=np.int64).reshape(Q),
        now=ints("modules_now"),
        most=np.maximum(ints("modules_max"), ints("modules_now")),
        setup=ints("cost_setup"),
        month=ints("cost_month"),
        teardown=ints("cost_teardown"),
        lead=ints("lead_months"),
        life=ints("min_lifetime_months"),
        rented=rented,
        lease_end=np.where(rented, _lease_months(types["lease_end"], sc), 0),
        notice=notice,
        early=np.where(rented, ints("cost_early_termination"), 0),
        price=np.where(rented, ints("purchase_price"), 0),
        owned_month=np.where(rented, ints("cost_month_owned"), ints("cost_month")),
        residual=ints("residual_value"),
        resident_units=runits,
        resident_modules=-(-runits // upm[:, None]),
        households_per_unit=np.where(runits[:, 0] > 0, households / today, 1.0)
        if T
        else households,
        movable=np.ones(Q, bool),
        buy_now=np.zeros(Q, bool),
    )


def _lease_months(ends: pd.Series, sc: Scenario) -> np.ndarray:
    """First month index (from the scenario's start) that begins on or after each lease end
    (0 without one; beyond the horizon when the lease runs past it)."""
    start = sc.start_date
    out = []
    for d in pd.to_datetime(ends):
        if pd.isna(d):
            out.append(0)
            continue
        m = (d.year - start.year) * 12 + d.month - start.month + (1 if d.day > 1 else 0)
        out.append(max(m, 0))
    return np.array(out, dtype=np.int64).reshape(len(ends))


def _resident_homes(
    classes: list[HomeKind],
    rclass: np.ndarray,
    runit: np.ndarray,
    site: np.ndarray,
    persons: np.ndarray,
    family: np.ndarray,
    leave: np.ndarray,
    avail: np.ndarray,
    counted: np.ndarray,
    T: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per kind of home and month: homes residents hold whole, shared homes, shared persons."""
    C = len(classes)
    whole, shared, shared_persons = (np.zeros((C, T), np.int64) for _ in range(3))
    months = np.arange(T)
    for u in np.unique(runit):
        rows = np.flatnonzero((runit == u) & counted & (rclass >= 0))
        if not len(rows):
            continue
        c, k = int(rclass[rows[0]]), classes[int(rclass[rows[0]])]
        here = (months[None, :] < leave[rows, None]) & avail[site[rows[0]]][None, :]
        present = here.any(axis=0)
        fam = (here & family[rows, None]).any(axis=0)
        if k.shareable:
            whole[c] += present & fam
            shared[c] += present & ~fam
            people = (here * persons[rows, None]).sum(axis=0)
            shared_persons[c] += np.where(present & ~fam, np.minimum(people, k.beds), 0)
        else:
            whole[c] += present
    return whole, shared, shared_persons


@dataclass(frozen=True)
class Held:
    """Current residents' homes per kind of home and month, and those who need one elsewhere,
    once an option's closings apply (fields as ``Supply.resident_whole``, ``resident_shared``,
    ``resident_shared_persons``, ``resident_displaced``)."""

    whole: np.ndarray  # (C, T)
    shared: np.ndarray  # (C, T)
    shared_persons: np.ndarray  # (C, T)
    displaced: np.ndarray  # (T, K)


def held_homes(sup: Supply) -> Held:
    """The residents' homes and displaced households under the option's closings.

    From the month an option closes a site (``closed_from``) its residents still staying hold no
    home there: they need a home of any kind that fits them elsewhere, as when the site is no
    longer available. The plan moves them off (at the policy's move cost) by then. Without
    closings these are the supply's own arrays; the supply itself is left as it is, so this may
    be taken from it any number of times.
    """
    T = len(sup.months)
    own = Held(
        sup.resident_whole,
        sup.resident_shared,
        sup.resident_shared_persons,
        sup.resident_displaced,
    )
    if sup.closed_from is None or not (sup.closed_from < T).any():
        return own
    rows = np.flatnonzero(sup.closed_from[sup.resident_site] < T)
    if not len(rows):
        return own
    site = sup.resident_site[rows]
    family = np.array([sup.kinds[k].family for k in sup.resident_kind[rows]], dtype=bool)
    open_ = sup.available & (np.arange(T)[None, :] < sup.closed_from[:, None])

    def homes(avail: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _resident_homes(
            sup.classes,
            sup.resident_class[rows],
            sup.resident_unit[rows],
            site,
            sup.resident_size[rows],
            family,
            sup.resident_leave[rows],
            avail,
            np.ones(len(rows), bool),
            T,
        )

    before, after = homes(sup.available), homes(open_)
    staying = np.arange(T)[None, :] < sup.resident_leave[rows, None]
    out = staying & sup.available[site] & ~open_[site] & (sup.resident_class[rows, None] >= 0)
    displaced = sup.resident_displaced.copy()
    for r, row in zip(rows, out, strict=True):
        displaced[:, sup.resident_kind[r]] += row
    mine = (own.whole, own.shared, own.shared_persons)
    return Held(*(m - b + a for m, b, a in zip(mine, before, after, strict=True)), displaced)


def _available(sites: pd.DataFrame, starts: list) -> np.ndarray:
    """A site is available in a month when it is available on the month's first and last day."""
    first = np.array([np.datetime64(d, "s") for d in starts[:-1]])
    last = np.array([np.datetime64(d, "s") - np.timedelta64(1, "D") for d in starts[1:]])
    frm = sites["available_from"].to_numpy(dtype="datetime64[s]")[:, None]
    until = sites["available_until"].to_numpy(dtype="datetime64[s]")[:, None]
    ok_from = np.isnat(frm) | (frm <= first[None, :])
    ok_until = np.isnat(until) | (until >= last[None, :])
    return ok_from & ok_until


def _residents(
    reg: Registry, sc: Scenario, sites: pd.DataFrame, starts: list
) -> tuple[np.ndarray, tuple]:
    """Persons of current residents per site and month, and the resident households."""
    T = sc.horizon_months
    occ = open_occupancy(reg)
    pos = {s: i for i, s in enumerate(sites["id"])}
    occ = occ[occ["site_id"].isin(pos)].reset_index(drop=True)
    leave, cond, by_stay = resident_leave(reg, sc, occ, starts)
    persons = np.zeros((len(sites), T + 1), np.int64)
    j = occ["site_id"].map(pos).to_numpy(dtype=np.int64)
    np.add.at(persons, (j, np.zeros_like(j)), occ["persons"].fillna(0).to_numpy(dtype=np.int64))
    np.add.at(persons, (j, leave), -occ["persons"].fillna(0).to_numpy(dtype=np.int64))
    size = occ["persons"].fillna(0).to_numpy(dtype=np.int64)
    households = (j, size, leave.astype(np.int64), cond, by_stay)
    return np.cumsum(persons, axis=1)[:, :T], households


def resident_leave(
    reg: Registry, sc: Scenario, occ: pd.DataFrame, starts: list
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The month index each current resident leaves in (the horizon's length when after it).

    A resident leaves at ``expected_move_out``. Without one, under ``[residents]
    without_expected_move_out = "mean_stay"``, the remaining stay is the scenario's stay
    distribution conditioned on the months already spent at the start (``remaining_stay``), and
    the resident leaves at move-in + E[S | S > spent], i.e. the start + E[S - spent | S > spent];
    one who has stayed longer than any stay of the distribution stays the whole horizon.

    Returns
    -------
    tuple
        ``(leave, cond, by_stay)``: leave month per resident; the conditional stay distribution
        per resident (all zeros where the leave is not drawn: a known move-out, ``stay``, or longer
        than any stay); and ``by_stay[i, m]``, the leave month when the whole stay is m + 1 months.
    """
    out, n = expected_move_outs(reg, sc, occ), len(occ)
    if sc.residents.without_expected_move_out != "mean_stay":
        return month_index(out, starts), np.zeros((n, 0)), np.zeros((n, 0), np.int64)
    pmf = stay_pmf(reg, sc)
    move_in = occ["move_in"]
    spent = (pd.Timestamp(starts[0]) - move_in).dt.days.to_numpy(dtype=float) / DAYS_PER_MONTH
    cond = remaining_stay(pmf, spent) * out.isna().to_numpy()[:, None]
    days = np.rint(conditional_mean_stay(cond) * DAYS_PER_MONTH)
    out = out.fillna(move_in + pd.to_timedelta(pd.Series(days, index=occ.index), unit="D"))
    by_stay = np.stack(
        [
            month_index(move_in + pd.Timedelta(days=round(m * DAYS_PER_MONTH)), starts)
            for m in range(1, len(pmf) + 1)
        ],
        axis=1,
    ).reshape(n, len(pmf))
    return month_index(out, starts), cond, by_stay.astype(np.int64)


def expected_move_outs(reg: Registry, sc: Scenario, occ: pd.DataFrame) -> pd.Series:
    """The expected move-out of each open stay of ``occ`` as the scenario reads it.

    A stay past its expected move-out (``capacity.io.stays.overdue_stays``) is read by
    ``[residents] overdue_expected_move_out``: ``left`` keeps the date (the household left before
    the start), ``unknown`` drops it (``without_expected_move_out`` decides), ``refuse`` stops.

    Raises
    ------
    UserError
        Under ``refuse`` when a stay is overdue, naming the households and the two choices.
    """
    out = occ["expected_move_out"]
    late_ids = reg.occupancy.loc[overdue_stays(reg.occupancy), "household_id"]
    late = occ["household_id"].isin(late_ids).to_numpy()
    rule = sc.residents.overdue_expected_move_out
    if not late.any() or rule == "left":
        return out
    if rule == "unknown":
        return out.mask(late)
    rows = occ[late].sort_values(["expected_move_out", "household_id"])
    named = [
        f"{h} ({d:%Y-%m-%d})"
        for h, d in zip(rows["household_id"], rows["expected_move_out"], strict=True)
    ]
    last = kept_until(reg.occupancy)
    raise UserError(
        f"{amount(len(named), 'husstand', 'husstande')} skulle efter expected_move_out være "
        f"flyttet, men har ingen move_out, og registret er ført til og med {last:%Y-%m-%d}: "
        f"{listed(named)}. Registrér fraflytningen eller en ny forventet dato i occupancy, "
        'eller vælg i scenariet [residents] overdue_expected_move_out = "left" (regnes som '
        'flyttet før starten) eller "unknown" (regnes som uden forventet fraflytning)'
    )


def station_minutes(reg: Registry, sites: pd.DataFrame) -> np.ndarray:
    """Whole minutes from each site to the nearest station, as placement counts them.

    The one definition is ``capacity.model.travel.station_minutes`` (``travel_minutes`` rows
    first, else the straight line; rounded half up).
    """
    minutes = travel.station_minutes(reg, reg.policy.limits.model_dump())
    return np.array([minutes[str(s)] for s in sites["id"]], dtype=np.int64)


def _districts(
    reg: Registry, sites: pd.DataFrame
) -> tuple[np.ndarray, list[str], list[str], np.ndarray]:
    """The spread district of each site, the districts' ids and names (the id where the name is
    missing or blank) and each district's share of the population."""
    kind = reg.policy.limits.spread_district_kind
    d = reg.districts[reg.districts["kind"] == kind].reset_index(drop=True)
    idx = np.full(len(sites), -1, np.int64)
    if len(d) == 0 or d["population"].fillna(0).sum() <= 0:
        return idx, [], [], np.zeros(0)
    for i, geom in enumerate(sites.geometry):
        hit = np.flatnonzero(d.geometry.covers(geom).to_numpy())
        if len(hit):
            idx[i] = int(hit[0])
    pop = d["population"].fillna(0).to_numpy(dtype=float)
    names = [
        str(n).strip() if isinstance(n, str) and n.strip() else str(i)
        for i, n in zip(d["id"], d["name"], strict=True)
    ]
    return idx, d["id"].tolist(), names, pop / pop.sum()
