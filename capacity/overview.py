"""Who lives where today: persons per household, open occupancy and a capacity table per site.

Shared by ``capacity info``, the review and the reports, so every figure is computed one way.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from capacity.io.layers import Registry
from capacity.planning.types import module_types


def persons(households: pd.DataFrame) -> pd.Series:
    """Persons per household (adults plus children), indexed by household id."""
    kids = households["children_ages"].map(len).astype("Int64")
    return pd.Series(
        (households["adults"] + kids).to_numpy(), index=households["id"], name="persons"
    )


def open_on(occ: pd.DataFrame, date: dt.date | pd.Timestamp) -> pd.Series:
    """Which occupancy rows hold their unit on ``date``: ``move_in <= date`` and ``move_out``
    missing or after the date. The one definition of who lives where on a date (placement,
    apply, overview, reports and follow-up all use it)."""
    day = pd.Timestamp(date)
    return (occ["move_in"] <= day) & (occ["move_out"].isna() | (occ["move_out"] > day))


def booked_after(occ: pd.DataFrame, date: dt.date | pd.Timestamp) -> pd.Series:
    """Which occupancy rows start after ``date``: a unit booked for a household from a later
    day (a planned move-in or move)."""
    return occ["move_in"] > pd.Timestamp(date)


def open_occupancy(reg: Registry, date: dt.date | None = None) -> pd.DataFrame:
    """Occupancy rows open on ``date`` (default: rows with no ``move_out``), with persons and site.

    A row is open on a date when ``move_in <= date`` and ``move_out`` is missing or after the date
    (``open_on``).
    """
    occ = reg.occupancy
    mask = occ["move_out"].isna() if date is None else open_on(occ, date)
    rows = occ.loc[mask, ["household_id", "unit_id", "move_in", "expected_move_out"]]
    rows = rows.merge(
        persons(reg.households).rename_axis("household_id").reset_index(),
        on="household_id",
        how="left",
    )
    return rows.merge(
        reg.units[["id", "site_id"]].rename(columns={"id": "unit_id"}), on="unit_id", how="left"
    )


def arriving(reg: Registry, date: dt.date | None = None) -> pd.DataFrame:
    """Households waiting for a temporary home.

    Without ``date``: those with no occupancy row at all, the list as it stands (households
    announced to arrive later included; one with a row starting later has been assigned). On
    ``date``: those arrived by then and not yet housed then (``not_housed``), as the follow-up
    counts them. A household whose stays have all ended has moved on (to permanent housing) and
    is not waiting again. Unaccompanied minors are included (Børn og Familier handles them;
    callers show them apart).
    """
    if date is None:
        return reg.households[~reg.households["id"].isin(set(reg.occupancy["household_id"]))]
    hh = not_housed(reg, date)
    return hh[hh["arrival_date"] <= pd.Timestamp(date)]


def not_housed(reg: Registry, date: dt.date) -> pd.DataFrame:
    """Households that had not moved into a temporary home by ``date``: no occupancy row moving in
    on or before it (arrived then or to arrive later)."""
    occ = reg.occupancy
    housed = set(occ.loc[occ["move_in"] <= pd.Timestamp(date), "household_id"])
    return reg.households[~reg.households["id"].isin(housed)]


def waiting_for_booking(reg: Registry, date: dt.date) -> pd.DataFrame:
    """Households arrived by ``date`` and without a home on it whose home is booked from a later
    day (``booked_after``): ``household_id``, ``unit_id`` and ``move_in`` of their first
    booking. The placement leaves them to it (it places nobody into a booked unit, nor a booked
    household elsewhere); ``capacity place`` names them."""
    occ = reg.occupancy
    hh = not_housed(reg, date)
    arrived = set(hh.loc[hh["arrival_date"] <= pd.Timestamp(date), "id"])
    rows = occ[booked_after(occ, date) & occ["household_id"].isin(arrived)]
    rows = rows.sort_values(["move_in", "household_id"]).drop_duplicates("household_id")
    return rows[["household_id", "unit_id", "move_in"]].reset_index(drop=True)


def moved_on(reg: Registry, date: dt.date) -> set[str]:
    """Households whose every occupancy row closed on or before ``date``: they have left."""
    occ = reg.occupancy
    day = pd.Timestamp(date)
    still = occ["move_out"].isna() | (occ["move_out"] > day)
    return set(occ["household_id"]) - set(occ.loc[still, "household_id"])


def site_table(reg: Registry, date: dt.date | None = None) -> pd.DataFrame:
    """One row per site: units, beds, occupied beds, free beds (beds less occupied), pavilion
    modules now/max (``planning.types.module_types``: summed over a site's module types).

    Only units in service count towards beds and free beds; occupied counts every resident.
    """
    units = reg.units
    in_service = units[units["in_service"].fillna(False)]
    beds = in_service.groupby("site_id")["beds"].sum()
    n_units = in_service.groupby("site_id").size()
    occupied = open_occupancy(reg, date).groupby("site_id")["persons"].sum()
    sites = reg.sites.set_index("id")
    table = pd.DataFrame(
        {
            "name": sites["name"],
            "kind": sites["kind"],
            "units": n_units.reindex(sites.index).fillna(0).astype("Int64"),
            "beds": beds.reindex(sites.index).fillna(0).astype("Int64"),
            "occupied": occupied.reindex(sites.index).fillna(0).astype("Int64"),
        }
    )
    table["free"] = (table["beds"] - table["occupied"]).clip(lower=0)
    # a pavilion site's modules are its module types' (the site's own columns where it has none)
    types = module_types(reg).groupby("site_id")[["modules_now", "modules_max"]].sum()
    for col in ("modules_now", "modules_max"):
        table[col] = types[col].reindex(sites.index).astype("Int64").fillna(sites[col])
    return table.rename_axis("site_id").reset_index()


def ending_sites(reg: Registry, site_ids: pd.Series, date: dt.date) -> pd.DataFrame:
    """The sites among ``site_ids`` whose availability ends (``available_until``), with the
    number of ``site_ids`` at each and the days from ``date`` to the end, soonest first.

    Columns ``site_id``, ``available_until`` (a date), ``days`` and ``households``. A household
    placed there must move again by that date; ``place`` says so beside its plan.
    """
    counts = site_ids.value_counts()
    sites = reg.sites.set_index("id")
    until = sites.loc[sites.index.isin(counts.index), "available_until"].dropna()
    out = pd.DataFrame(
        {
            "site_id": until.index.astype(str),
            "available_until": [pd.Timestamp(d).date() for d in until],
            "days": [(pd.Timestamp(d) - pd.Timestamp(date)).days for d in until],
            "households": counts.reindex(until.index).to_numpy(dtype=int),
        }
    )
    return out.sort_values(["days", "site_id"]).reset_index(drop=True)


def stay_start(occupancy: pd.DataFrame) -> pd.Series:
    """Per household id, the day its latest stay in temporary housing began.

    A stay is an unbroken chain of occupancy rows: each row moves in on or before the latest
    move-out of the rows before it (an open row never ends). A move from one temporary home to
    another is one stay, so its clock does not restart; a gap between rows starts a new stay. The
    stay of the household's latest row (by ``move_in``) is the one returned. Pass the rows as
    known on a date (``move_in`` on or before it) to get the stay running then. The review's long
    stays and the follow-up's lengths of stay both read it.
    """
    rows = occupancy.sort_values(["household_id", "move_in"], kind="stable")
    hh = rows["household_id"]
    first_row = ~hh.duplicated()
    open_before = rows["move_out"].isna().groupby(hh).cummax().groupby(hh).shift(fill_value=False)
    ended_before = rows["move_out"].groupby(hh).cummax().groupby(hh).shift()
    new = first_row | (~open_before.astype(bool) & (rows["move_in"] > ended_before))
    chain = new.cumsum()
    first = rows["move_in"].groupby(chain).transform("first")
    return first.groupby(hh).last().rename("stay_start")
