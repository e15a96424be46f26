"""The figures behind the council's map: residents and beds per site, residents per district.

Site figures are exact counts; the map suppresses small counts when it shows them. District and
municipal totals come with their published form (``privacy.published_total``: the range the
shown sites allow), and every rate, ratio and class is computed from that public range, never
from the exact total (``capacity.reports.privacy``). Geometries stay in EPSG:25832 here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from capacity import overview
from capacity.io.layers import Registry
from capacity.reports.privacy import Total, published_total

# Ratio of a district's rate to the municipal average: upper bounds of the classes.
RATIO_CLASSES = (
    ("well_below", 0.5),
    ("below", 0.9),
    ("near", 1.1),
    ("above", 1.5),
    ("well_above", float("inf")),
)


@dataclass(frozen=True)
class KeyNumbers:
    """The municipality's key numbers (exact; suppressed when shown)."""

    residents: int
    published: Total  # the residents as published (the range the shown sites allow)
    published_in_use: Total  # the same, of the sites in use on the date (free beds are theirs)
    beds: int  # in service at sites in use on the date (``in_use``)
    free_beds: int  # beds less residents at sites in use on the date
    arrivals: int  # persons in households waiting for a home (unaccompanied minors excluded)
    proposal_cost: float | None
    proposal_expected: bool = False  # the cost is expected over the scenario's branches
    later_beds: int = 0  # in service at sites not yet available on the date, that open later
    from_proposal: bool = False  # the plan is a proposal's recommended one, not `capacity plan`'s


def in_use(reg: Registry, date: dt.date | None = None) -> pd.DataFrame:
    """Per site (indexed by id): ``in_use``, the site is available on ``date`` (today when
    ``None``: the stays as they stand), and ``opens``/``closed``, its ``available_from`` when
    that is after the date and its ``available_until`` when that is before it (else NaT).

    A site that is not available on the date has no beds to offer then: the map counts neither
    its beds nor its free beds for the date, and says when it opens (or that it has closed).
    """
    day = pd.Timestamp(date or dt.date.today())
    sites = reg.sites.set_index("id")
    start = pd.to_datetime(sites["available_from"])
    end = pd.to_datetime(sites["available_until"])
    opens = start.where(start > day)
    closed = end.where(end < day)
    return pd.DataFrame(
        {"in_use": opens.isna() & closed.isna(), "opens": opens, "closed": closed},
        index=sites.index,
    )


def sites_figures(reg: Registry, date: dt.date | None = None) -> gpd.GeoDataFrame:
    """One row per site: name, kind, beds, residents, free, occupancy % and modules now/max, and
    whether the site is in use on the date with when it opens or closed (``in_use``).

    ``residents`` counts persons in open occupancy rows (``overview.open_occupancy``).
    """
    table = overview.site_table(reg, date).rename(columns={"occupied": "residents"})
    table = table.join(in_use(reg, date), on="site_id")
    table["occupancy_pct"] = 100 * table["residents"] / table["beds"].where(table["beds"] > 0)
    geo = reg.sites[["id", "geometry"]].rename(columns={"id": "site_id"})
    return gpd.GeoDataFrame(table.merge(geo, on="site_id"), geometry="geometry", crs=reg.sites.crs)


def spread_districts(reg: Registry) -> gpd.GeoDataFrame:
    """The districts of the policy's ``spread_district_kind`` (all districts when none has it)."""
    kind = reg.policy.limits.spread_district_kind
    districts = reg.districts[reg.districts["kind"] == kind]
    return districts if len(districts) else reg.districts


def districts_figures(reg: Registry, date: dt.date | None = None) -> gpd.GeoDataFrame:
    """Spread districts with residents (persons located by their site's point) and their published
    form, the rate per 1,000 inhabitants, the ratio to the municipal average and its class.

    Columns: ``residents`` (exact: for internal reports only), ``published`` (a ``privacy.Total``
    over the district's sites), ``estimate`` (its middle), ``rate`` and ``ratio`` (from
    ``estimate``), ``ratio_class`` (``RATIO_CLASSES``, or "few" when even the top of the published
    range is below ``min_count``: zero and one or two residents are one class). ``attrs["average"]``
    is the municipal rate from the published totals.
    """
    min_count = reg.policy.limits.min_count
    districts = spread_districts(reg)[["id", "name", "population", "geometry"]].copy()
    sites = sites_figures(reg, date)[["site_id", "residents", "geometry"]]
    joined = gpd.sjoin(sites, districts[["id", "geometry"]], predicate="within", how="inner")
    joined = joined.drop_duplicates("site_id")  # a site in overlapping districts counts once
    residents = joined.groupby("id")["residents"].sum()
    districts["residents"] = residents.reindex(districts["id"]).fillna(0).astype(int).to_numpy()
    counts = joined.groupby("id")["residents"].apply(list).to_dict()
    districts["published"] = [
        published_total(counts.get(i, []), min_count) for i in districts["id"]
    ]
    districts["estimate"] = [t.estimate for t in districts["published"]]
    pop = districts["population"].astype("float").where(districts["population"] > 0)
    districts["rate"] = (1000 * districts["estimate"] / pop).astype("float")
    total_pop = districts["population"].sum()
    average = 1000 * districts["estimate"].sum() / total_pop if total_pop else float("nan")
    districts["ratio"] = districts["rate"] / average if average else float("nan")
    districts["ratio_class"] = [
        _ratio_class(r, t, min_count)
        for r, t in zip(districts["ratio"], districts["published"], strict=True)
    ]
    districts.attrs["average"] = average
    return districts.reset_index(drop=True)


def _ratio_class(ratio: float, published: Total, min_count: int) -> str:
    if published.hi < min_count or ratio != ratio:
        return "few"
    return next(name for name, bound in RATIO_CLASSES if ratio < bound)


def boundary(reg: Registry) -> gpd.GeoDataFrame:
    """The municipal boundary: the ``boundary`` layer, else the union of the spread districts."""
    if reg.boundary is not None and len(reg.boundary):
        return reg.boundary[["name", "geometry"]]
    union = spread_districts(reg).geometry.union_all()
    return gpd.GeoDataFrame({"name": [""]}, geometry=[union], crs=reg.districts.crs)


def key_numbers(
    reg: Registry, plan: pd.DataFrame | None = None, date: dt.date | None = None
) -> KeyNumbers:
    """Residents, beds, free beds, expected arrivals and the proposal's total cost.

    Beds and free beds are those of sites in use on the date (``in_use``): a site that opens
    later has no bed to offer then, and its beds are counted apart (``later_beds``). Residents
    count every site's.
    """
    sites = overview.site_table(reg, date).join(in_use(reg, date), on="site_id")
    used = sites[sites["in_use"]]
    later = sites[sites["opens"].notna()]
    # on a date: every household without a home then, arrived or to arrive (as the list stood)
    waiting = overview.arriving(reg) if date is None else overview.not_housed(reg, date)
    waiting = waiting[~waiting["unaccompanied_minor"].fillna(False)]
    arrivals = int(overview.persons(waiting).sum())
    # a plan per branch of the scenario: its expected cost, not that of the path in its rows
    cost = None if plan is None else float(plan.attrs.get("expected_cost", plan["cost"].sum()))
    return KeyNumbers(
        residents=int(sites["occupied"].sum()),
        published=published_total(sites["occupied"], reg.policy.limits.min_count),
        published_in_use=published_total(used["occupied"], reg.policy.limits.min_count),
        beds=int(used["beds"].sum()),
        free_beds=int(used["free"].sum()),
        arrivals=arrivals,
        proposal_cost=cost,
        proposal_expected=plan is not None and "expected_cost" in plan.attrs,
        later_beds=int(later["beds"].sum()),
        from_proposal=plan is not None and bool(plan.attrs.get("proposal", False)),
    )


def proposal_by_site(plan: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The plan's rows with modules put up or taken down (or, in a proposal, a site opened or
    closed), per site, in month order."""
    acts = (plan["modules_up"] > 0) | (plan["modules_down"] > 0)
    if "site_event" in plan.columns:
        acts |= plan["site_event"] != ""
    moves = plan[acts].sort_values(["site_id", "month"])
    return {str(site): rows for site, rows in moves.groupby("site_id", sort=True)}
