"""Supply per site and month: building beds, pavilion parameters, residents, transport, districts.

Everything the plan model and the scenario runs need from the registry, as numpy arrays indexed by
site (rows, in registry order) and month (columns).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from capacity.io.layers import Registry
from capacity.model import travel
from capacity.model.homes import MODULE_FLAGS, HomeKind, NeedKind
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


@dataclass(frozen=True)
class Supply:
    """Sites and their capacity over the months of a scenario.

    Attributes
    ----------
    ids, names, pavilion : per site (J).
    available : (J, T) bool, the site may be used in the month.
    building_beds : (J, T) beds of buildings in service (0 for pavilion sites and unavailable months).
    modules_now, modules_max, beds_per_module, setup, month_cost, teardown, lead, lifetime :
        per site, 0 for buildings.
    resident_persons : (J, T) current residents still living at the site (known move-outs).
    resident_modules : (J, T) pavilion modules that current residents live in.
    minutes : (J,) int minutes to the nearest station.
    district : (J,) index into ``district_ids`` (-1 when outside every district).
    district_ids, district_share : spread districts and their share of the population.
    months : labels ``YYYY-MM``.
    kinds, classes : kinds of household and kinds of home (``capacity.model.homes``).
    site_class, units_per_module : per site the kind of home its modules hold (-1 for
        buildings) and how many (1: a module is a unit).
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
    """

    ids: list[str]
    names: list[str]
    pavilion: np.ndarray
    available: np.ndarray
    building_beds: np.ndarray
    modules_now: np.ndarray
    modules_max: np.ndarray
    beds_per_module: np.ndarray
    setup: np.ndarray
    month_cost: np.ndarray
    teardown: np.ndarray
    lead: np.ndarray
    lifetime: np.ndarray
    resident_persons: np.ndarray
    resident_modules: np.ndarray
    minutes: np.ndarray
    district: np.ndarray
    district_ids: list[str]
    district_share: np.ndarray
    months: list[str]
    resident_site: np.ndarray  # per current resident household: site index
    resident_size: np.ndarray  # persons
    resident_leave: np.ndarray  # first month index without a bed (T when after the horizon)
    resident_stay: np.ndarray  # (households, m): remaining stay distribution, zeros when fixed
    resident_leave_by_stay: np.ndarray  # (households, m): leave month for a stay of m + 1 months
    kinds: list[NeedKind]
    classes: list[HomeKind]
    site_class: np.ndarray
    units_per_module: np.ndarray
    building_homes: np.ndarray
    resident_class: np.ndarray
    resident_unit: np.ndarray
    resident_kind: np.ndarray
    resident_whole: np.ndarray
    resident_shared: np.ndarray
    resident_shared_persons: np.ndarray
    resident_displaced: np.ndarray

    @property
    def sites(self) -> int:
        """Number of sites."""
        return len(self.ids)

    def beds(self, modules: np.ndarray) -> np.ndarray:
        """Beds per site and month given pavilion modules standing, shape (J, T)."""
        return self.building_beds + modules * self.beds_per_module[:, None]

    def homes(self, modules: np.ndarray) -> np.ndarray:
        """Homes per site, kind and month given pavilion modules standing (J, T): (J, C, T)."""
        out = self.building_homes.copy()
        for j in np.flatnonzero(self.site_class >= 0):
            out[j, self.site_class[j]] += modules[j] * self.units_per_module[j]
        return out

    def current_modules(self) -> np.ndarray:
        """Modules standing today kept for the whole horizon (while the site is available)."""
        return np.where(self.available, self.modules_now[:, None], 0)


def supply(reg: Registry, sc: Scenario) -> Supply:
    """Build the ``Supply`` of a registry over the months of a scenario."""
    sites = reg.sites.reset_index(drop=True)
    starts = sc.month_starts()
    avail = _available(sites, starts)
    pav = (sites["kind"] == "pavilion_site").to_numpy()

    def col(name: str) -> np.ndarray:
        return np.where(pav, sites[name].fillna(0).to_numpy(dtype=np.int64), 0)

    units = reg.units[reg.units["in_service"].fillna(False).astype(bool)]
    beds = units.groupby("site_id")["beds"].sum().reindex(sites["id"]).fillna(0)
    building = np.where(pav, 0, beds.to_numpy(dtype=np.int64))[:, None] * avail
    persons, modules, households = _residents(reg, sc, sites, starts, pav)
    d_idx, d_ids, d_share = _districts(reg, sites)
    homes = _homes(reg, sc, sites, units, avail, pav, households[2])
    return Supply(
        ids=sites["id"].tolist(),
        names=sites["name"].tolist(),
        pavilion=pav,
        available=avail,
        building_beds=building.astype(np.int64),
        modules_now=col("modules_now"),
        modules_max=np.maximum(col("modules_max"), col("modules_now")),
        beds_per_module=col("beds_per_module"),
        setup=col("cost_setup_per_module"),
        month_cost=col("cost_month_per_module"),
        teardown=col("cost_teardown_per_module"),
        lead=col("lead_time_months"),
        lifetime=col("min_lifetime_months"),
        resident_persons=persons,
        resident_modules=modules,
        minutes=station_minutes(reg, sites),
        district=d_idx,
        district_ids=d_ids,
        district_share=d_share,
        months=sc.month_labels(),
        resident_site=households[0],
        resident_size=households[1],
        resident_leave=households[2],
        resident_stay=households[3],
        resident_leave_by_stay=households[4],
        **homes,
    )


def _homes(
    reg: Registry,
    sc: Scenario,
    sites: pd.DataFrame,
    units: pd.DataFrame,
    avail: np.ndarray,
    pav: np.ndarray,
    leave: np.ndarray,
) -> dict:
    """Kinds of household and home, building homes, residents' homes (fields of ``Supply``)."""
    T = sc.horizon_months
    bpm = sites["beds_per_module"].fillna(0).to_numpy(dtype=np.int64)
    module_kind = [
        HomeKind(int(b), **MODULE_FLAGS) if p else None for b, p in zip(bpm, pav, strict=True)
    ]
    unit_kind = {
        str(r.id): HomeKind(int(r.beds), bool(r.family_ok), bool(r.shareable), bool(r.accessible))
        for r in units.itertuples()
    }
    pos = {s: i for i, s in enumerate(sites["id"])}
    in_building = [
        uid for uid, sid in zip(units["id"], units["site_id"], strict=True) if not pav[pos[sid]]
    ]
    classes = sorted({unit_kind[u] for u in in_building} | {k for k in module_kind if k})
    ci = {k: i for i, k in enumerate(classes)}
    J, C = len(sites), len(classes)
    building = np.zeros((J, C, T), np.int64)
    for uid, sid in zip(units["id"], units["site_id"], strict=True):
        j = pos[sid]
        if not pav[j]:
            building[j, ci[unit_kind[uid]]] += avail[j]
    site_class = np.array([ci[k] if k else -1 for k in module_kind], dtype=np.int64)
    occ = open_occupancy(reg)
    occ = occ[occ["site_id"].isin(pos)].reset_index(drop=True)
    kinds = need_kinds(reg, sc)
    ki = {k: i for i, k in enumerate(kinds)}
    rkind = np.array([ki[k] for k in resident_kinds(reg, occ)], dtype=np.int64)
    j = occ["site_id"].map(pos).to_numpy(dtype=np.int64)
    uids = occ["unit_id"].astype(str).tolist()
    rclass = np.array(
        [
            site_class[jj] if pav[jj] else ci.get(unit_kind.get(u), -1)
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
    return dict(
        kinds=kinds,
        resident_displaced=displaced,
        classes=classes,
        site_class=site_class,
        units_per_module=pav.astype(np.int64),
        building_homes=building,
        resident_class=rclass,
        resident_unit=runit,
        resident_kind=rkind,
        resident_whole=whole,
        resident_shared=shared,
        resident_shared_persons=persons,
    )


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
    reg: Registry, sc: Scenario, sites: pd.DataFrame, starts: list, pav: np.ndarray
) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Persons and occupied pavilion modules of current residents, per site and month."""
    T = sc.horizon_months
    occ = open_occupancy(reg)
    pos = {s: i for i, s in enumerate(sites["id"])}
    occ = occ[occ["site_id"].isin(pos)]
    leave, cond, by_stay = resident_leave(reg, sc, occ, starts)
    persons = np.zeros((len(sites), T + 1), np.int64)
    j = occ["site_id"].map(pos).to_numpy(dtype=np.int64)
    np.add.at(persons, (j, np.zeros_like(j)), occ["persons"].fillna(0).to_numpy(dtype=np.int64))
    np.add.at(persons, (j, leave), -occ["persons"].fillna(0).to_numpy(dtype=np.int64))
    modules = np.zeros((len(sites), T + 1), np.int64)
    last = pd.DataFrame({"unit": occ["unit_id"].to_numpy(), "j": j, "leave": leave})
    last = last.groupby("unit", sort=True).agg(j=("j", "first"), leave=("leave", "max"))
    jj, ll = last["j"].to_numpy(dtype=np.int64), last["leave"].to_numpy(dtype=np.int64)
    np.add.at(modules, (jj, np.zeros_like(jj)), 1)
    np.add.at(modules, (jj, ll), -1)
    modules = np.where(pav[:, None], np.cumsum(modules, axis=1)[:, :T], 0)
    size = occ["persons"].fillna(0).to_numpy(dtype=np.int64)
    households = (j, size, leave.astype(np.int64), cond, by_stay)
    return np.cumsum(persons, axis=1)[:, :T], modules, households


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
    out, n = occ["expected_move_out"], len(occ)
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


def station_minutes(reg: Registry, sites: pd.DataFrame) -> np.ndarray:
    """Whole minutes from each site to the nearest station, as placement counts them.

    The one definition is ``capacity.model.travel.station_minutes`` (``travel_minutes`` rows
    first, else the straight line; rounded half up).
    """
    minutes = travel.station_minutes(reg, reg.policy.limits.model_dump())
    return np.array([minutes[str(s)] for s in sites["id"]], dtype=np.int64)


def _districts(reg: Registry, sites: pd.DataFrame) -> tuple[np.ndarray, list[str], np.ndarray]:
    """The spread district of each site and each district's share of the population."""
    kind = reg.policy.limits.spread_district_kind
    d = reg.districts[reg.districts["kind"] == kind].reset_index(drop=True)
    idx = np.full(len(sites), -1, np.int64)
    if len(d) == 0 or d["population"].fillna(0).sum() <= 0:
        return idx, [], np.zeros(0)
    for i, geom in enumerate(sites.geometry):
        hit = np.flatnonzero(d.geometry.covers(geom).to_numpy())
        if len(hit):
            idx[i] = int(hit[0])
    pop = d["population"].fillna(0).to_numpy(dtype=float)
    return idx, d["id"].tolist(), pop / pop.sum()
