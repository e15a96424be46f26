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
from capacity.overview import open_occupancy
from capacity.planning.demand import DAYS_PER_MONTH, month_index, stay_pmf
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

    @property
    def sites(self) -> int:
        """Number of sites."""
        return len(self.ids)

    def beds(self, modules: np.ndarray) -> np.ndarray:
        """Beds per site and month given pavilion modules standing, shape (J, T)."""
        return self.building_beds + modules * self.beds_per_module[:, None]

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
    )


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
