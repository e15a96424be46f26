"""The registry's history as the follow-up reads it: stays, waits, units standing, month ends.

- A household's *stay* runs from the first move-in of its unbroken chain of occupancy rows
  (``overview.stay_start``, as the review's long stays) to the move-out of its last row; a move
  between two temporary homes is one stay. ``start`` is its first move-in ever (when it was first
  housed), ``stay_start`` that of its latest stay (the same unless it left and came back). Rows that
  begin after the report's date are not yet history (the household is still waiting); a move-out
  after the date is still open.
- A household *waits* from its arrival to its first move-in; unaccompanied minors are handled by
  Børn og Familier and never wait for a home here.
- A unit *stands* on a day when its site is available then and, with the optional unit columns
  ``in_service_from`` / ``in_service_until``, it was taken into use on or before the day and not yet
  out of use; without ``in_service_until`` its ``in_service`` flag of today holds for the whole
  history.
- Sites carry the placement's own minutes and districts (``model.domain.build_domain``): one source.
- The history begins with the registry's *first record* (its earliest arrival or move-in): the
  registry holds nothing about the months before that record's month, so they are not measured
  (no beds, residents or empty beds are made up for them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from capacity import overview
from capacity.io.layers import Registry
from capacity.model.domain import Domain, build_domain

UNIT_FROM, UNIT_UNTIL = "in_service_from", "in_service_until"


@dataclass(frozen=True)
class Timeline:
    """Everything the measures read, as frames indexed for vectorised questions."""

    as_of: pd.Timestamp
    first: pd.Timestamp  # the registry's first record: months before its month are not measured
    # id (index), arrival, persons, children, minor, start, stay_start, end
    households: pd.DataFrame
    rows: pd.DataFrame  # household_id, unit_id, site_id, move_in, move_out (NaT: open)
    units: pd.DataFrame  # id, site_id, beds, family_ok, accessible, pavilion, since, until, ...
    domain: Domain  # the placement's sites (minutes, districts by kind) and districts; no people
    district_names: dict[str, str]
    dated_units: bool  # the units carry in_service_from / in_service_until
    dated_up: bool = False  # in_service_from is recorded: modules put up can be counted
    dated_down: bool = False  # in_service_until is recorded: modules taken down can be counted

    @property
    def since(self) -> pd.Timestamp:
        """The first day of the first month measured: the month of the first record."""
        return self.first.to_period("M").to_timestamp()

    def open_rows(self, day: pd.Timestamp) -> pd.DataFrame:
        """Occupancy rows that hold a unit on ``day``."""
        return self.rows[overview.open_on(self.rows, day)]

    def waiting(self, day: pd.Timestamp) -> pd.DataFrame:
        """Households arrived by ``day`` without a temporary home yet (minors excluded)."""
        h = self.households
        return h[(h["arrival"] <= day) & ~h["minor"] & (h["start"].isna() | (h["start"] > day))]

    def standing(self, day: pd.Timestamp) -> pd.DataFrame:
        """Units that stand (and can be lived in) on ``day``."""
        u = self.units
        site_ok = (u["site_from"].isna() | (u["site_from"] <= day)) & (
            u["site_until"].isna() | (u["site_until"] >= day)
        )
        since_ok = u["since"].isna() | (u["since"] <= day)
        until_ok = u["until"].isna() & u["in_service"] | (u["until"] > day)
        return u[site_ok & since_ok & until_ok]


def first_record(reg: Registry) -> dt.date | None:
    """The day of the registry's first record: its earliest arrival or move-in (``None`` when it
    has neither)."""
    days = pd.concat([reg.households["arrival_date"], reg.occupancy["move_in"]]).dropna()
    return pd.Timestamp(days.min()).date() if len(days) else None


def build_timeline(reg: Registry, as_of: dt.date, first: dt.date) -> Timeline:
    """Read ``reg``'s history up to ``as_of``, measured from ``first`` (its ``first_record``; see
    the module docstring)."""
    day = pd.Timestamp(as_of)
    occ = reg.occupancy
    occ = occ[occ["move_in"] <= day]
    move_out = occ["move_out"].where(occ["move_out"] <= day)
    site_of = dict(zip(reg.units["id"].astype(str), reg.units["site_id"].astype(str), strict=True))
    rows = pd.DataFrame(
        {
            "household_id": occ["household_id"].astype(str).to_numpy(),
            "unit_id": occ["unit_id"].astype(str).to_numpy(),
            "move_in": occ["move_in"].to_numpy(),
            "move_out": move_out.to_numpy(),
        }
    )
    rows["site_id"] = rows["unit_id"].map(site_of)
    names = dict(
        zip(reg.districts["id"].astype(str), reg.districts["name"].astype(str), strict=True)
    )
    return Timeline(
        day,
        pd.Timestamp(first),
        _households(reg, rows),
        rows,
        _units(reg),
        _domain(reg, as_of),
        names,
        _dated(reg),
        _recorded(reg, UNIT_FROM),
        _recorded(reg, UNIT_UNTIL),
    )


def _households(reg: Registry, rows: pd.DataFrame) -> pd.DataFrame:
    hh = reg.households
    out = pd.DataFrame(
        {
            "arrival": hh["arrival_date"].to_numpy(),
            "persons": overview.persons(hh).astype(int).to_numpy(),
            "children": hh["children_ages"].map(len).astype(int).to_numpy(),
            "minor": hh["unaccompanied_minor"].fillna(False).astype(bool).to_numpy(),
        },
        index=pd.Index(hh["id"].astype(str).to_numpy(), name="id"),
    )
    grouped = rows.groupby("household_id")
    start = grouped["move_in"].min()
    ends = grouped["move_out"].max()
    still = rows["move_out"].isna().groupby(rows["household_id"]).any()
    out["start"] = start.reindex(out.index)
    out["stay_start"] = overview.stay_start(rows).reindex(out.index)
    out["end"] = ends.where(~still).reindex(out.index)
    return out


def _date_column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s]")
    values = frame[name].where(frame[name].notna() & (frame[name].astype(str) != ""))
    return pd.to_datetime(values, errors="coerce").astype("datetime64[s]")


def _recorded(reg: Registry, name: str) -> bool:
    """Whether the registry records the units' ``name`` (some unit has a value in it)."""
    return name in reg.units.columns and bool(reg.units[name].notna().any())


def _dated(reg: Registry) -> bool:
    return _recorded(reg, UNIT_FROM) or _recorded(reg, UNIT_UNTIL)


def _units(reg: Registry) -> pd.DataFrame:
    u = reg.units
    sites = reg.sites.set_index(reg.sites["id"].astype(str))
    site = u["site_id"].astype(str)
    per_module = sites["cost_month_per_module"].astype("Float64") / sites["beds_per_module"].astype(
        "Float64"
    ).where(sites["beds_per_module"] > 0)
    out = pd.DataFrame(
        {
            "id": u["id"].astype(str).to_numpy(),
            "site_id": site.to_numpy(),
            "beds": u["beds"].astype(int).to_numpy(),
            "family_ok": u["family_ok"].fillna(False).astype(bool).to_numpy(),
            "accessible": u["accessible"].fillna(False).astype(bool).to_numpy(),
            "in_service": u["in_service"].fillna(False).astype(bool).to_numpy(),
            "pavilion": (site.map(sites["kind"]) == "pavilion_site").to_numpy(),
            "since": _date_column(u, UNIT_FROM).to_numpy(),
            "until": _date_column(u, UNIT_UNTIL).to_numpy(),
            "site_from": site.map(sites["available_from"]).to_numpy(),
            "site_until": site.map(sites["available_until"]).to_numpy(),
            "bed_month_dkk": site.map(per_module.fillna(0.0)).astype(float).to_numpy(),
        }
    )
    for col in ("since", "until", "site_from", "site_until"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[s]")
    out["bed_month_dkk"] = np.where(out["pavilion"], out["bed_month_dkk"], 0.0)
    return out


def _domain(reg: Registry, as_of: dt.date) -> Domain:
    """The placement's domain without people: its sites (minutes to station, school, receiving classes; districts by kind),
    built without households so that it takes the time of the sites alone."""
    empty = reg.with_layers(
        households=reg.households.iloc[:0], occupancy=reg.occupancy.iloc[:0], scores=None
    )
    return build_domain(empty, as_of, with_pairs=False)


def month_ends(
    first_year: int, last_year: int, as_of: pd.Timestamp, since: pd.Timestamp
) -> list[pd.Timestamp]:
    """The last day of every month from January ``first_year`` to December ``last_year`` that is
    measured: the months before ``since`` (the month of the registry's first record) and after
    ``as_of`` left out, and the month of ``as_of`` ending on it."""
    out = []
    for year in range(first_year, last_year + 1):
        for month in range(1, 13):
            end = pd.Timestamp(year, month, 1) + pd.offsets.MonthEnd(0)
            start = pd.Timestamp(year, month, 1)
            if start > as_of:
                return out
            if start >= since:
                out.append(min(end, as_of))
    return out
