"""Jobberiet's capacity review: the tables (internal; pseudonymous household ids allowed).

Frames have English column names; ``documents`` translates the headers for the reader.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from capacity import overview
from capacity.errors import UserError
from capacity.io.layers import Registry
from capacity.model import homes
from capacity.model.domain import build_domain

TABLES = ("sites", "units", "free_beds", "long_stays", "move_outs", "arrivals", "coming")
BED_KINDS = ("single", "shared", "family", "accessible")
EARLIEST_DATE = dt.date(1900, 1, 1)
YEARS_AHEAD = 10  # a review date at most this many years after today or the registry's last date


def check_review_date(reg: Registry, date: dt.date) -> None:
    """Refuse a review date far outside the registry: before 1900, or more than ``YEARS_AHEAD``
    years after the later of today and the registry's last date (a typo such as 9999-12-31, whose
    monthly chart would run for thousands of months).

    Raises
    ------
    UserError
        Naming the date and the span accepted.
    """
    dates = pd.concat(
        [
            reg.households["arrival_date"],
            reg.occupancy["move_in"],
            reg.occupancy["expected_move_out"],
            reg.occupancy["move_out"],
        ]
    ).dropna()
    last = max([dt.date.today(), *([dates.max().date()] if len(dates) else [])])
    latest = dt.date(last.year + YEARS_AHEAD, 12, 31)
    if not EARLIEST_DATE <= date <= latest:
        raise UserError(
            f"--date {date.isoformat()} ligger langt uden for registret; giv en dato fra "
            f"{EARLIEST_DATE:%Y-%m-%d} til {latest:%Y-%m-%d}"
        )


def review_tables(reg: Registry, date: dt.date, horizon_months: int = 3) -> dict[str, pd.DataFrame]:
    """The review's tables on ``date``, in the order of ``TABLES``.

    Parameters
    ----------
    reg : the registry.
    date : the review date; a stay is open on it when ``move_in <= date < move_out``; a date far
        outside the registry is refused (``check_review_date``).
    horizon_months : the look-ahead for expected move-outs and arrivals (default 3 months).

    Returns
    -------
    dict[str, DataFrame]
        ``sites`` (occupancy per site), ``units`` (per unit), ``free_beds`` (by kind: single,
        shared, family, accessible), ``long_stays`` (stays longer than ``limits.long_stay_months``,
        longest first, counted from the stay's first move-in, not the present unit's: a move
        between temporary homes does not restart it), ``move_outs``
        (expected within the horizon), ``arrivals`` (households waiting now: arrived by ``date``
        and not housed then, ``overview.arriving``, as ``capacity info`` counts them) and
        ``coming`` (households arriving after ``date`` and by ``date`` + horizon).
    """
    check_review_date(reg, date)
    day = pd.Timestamp(date)
    until = day + pd.DateOffset(months=horizon_months)
    stays = overview.open_occupancy(reg, date)
    free = open_beds(reg, date)
    units = unit_table(reg, stays, free)
    return {
        "sites": site_occupancy(reg, date, free),
        "units": units,
        "free_beds": free_beds(units),
        "long_stays": long_stays(
            stays, day, reg.policy.limits.long_stay_months, stay_starts(reg, day)
        ),
        "move_outs": move_outs(stays, day, until),
        "arrivals": arrivals(reg, date),
        "coming": coming(reg, date, until),
    }


def open_beds(reg: Registry, date: dt.date) -> pd.Series:
    """The beds a new household could get on ``date``, per unit id (``homes.open_beds`` on the
    placement's domain of that date)."""
    dom = build_domain(reg, date, with_pairs=False)
    return pd.Series(homes.open_beds(dom), dtype="int64")


def site_occupancy(reg: Registry, date: dt.date, free: pd.Series | None = None) -> pd.DataFrame:
    """``overview.site_table`` with the occupancy in per cent of the beds in service, and as
    ``free`` the beds a new household could get on ``date`` (``open_beds``, or ``free`` per unit
    id when given): not beds less occupied, since a family's home or a site not yet available
    has none."""
    table = overview.site_table(reg, date)
    beds = table["beds"].astype("float").where(table["beds"] > 0)
    table["occupancy_pct"] = (100 * table["occupied"] / beds).round(0).astype("Int64")
    free = open_beds(reg, date) if free is None else free
    site = reg.units.set_index("id")["site_id"].reindex(free.index)
    table["free"] = free.groupby(site).sum().reindex(table["site_id"]).fillna(0).to_numpy()
    table["free"] = table["free"].astype("Int64")
    return table


def unit_table(reg: Registry, stays: pd.DataFrame, free: pd.Series) -> pd.DataFrame:
    """One row per unit: beds, kind flags, households and persons living there, and ``free``,
    the unit's beds a new household could get (``open_beds``: per unit id)."""
    per_unit = stays.groupby("unit_id").agg(
        households=("household_id", "size"),
        persons=("persons", "sum"),
        household_ids=("household_id", _ids),
    )
    units = reg.units.rename(columns={"id": "unit_id"}).merge(
        per_unit, left_on="unit_id", right_index=True, how="left"
    )
    units["households"] = units["households"].fillna(0).astype("Int64")
    units["persons"] = units["persons"].fillna(0).astype("Int64")
    units["household_ids"] = units["household_ids"].fillna("").astype("str")
    units["free"] = units["unit_id"].map(free).fillna(0).astype("int64")
    units["kind"] = [_kind(u) for u in units.itertuples()]
    return units[
        [
            "site_id",
            "unit_id",
            "kind",
            "beds",
            "rooms",
            "accessible",
            "in_service",
            "households",
            "persons",
            "free",
            "household_ids",
        ]
    ]


def _ids(ids: pd.Series) -> str:
    return ", ".join(sorted(ids))


def _kind(unit) -> str:
    if unit.beds == 1:
        return "single"
    if unit.shareable:
        return "shared"
    return "family" if unit.family_ok else "single"


def free_beds(units: pd.DataFrame) -> pd.DataFrame:
    """Free beds and units with a free bed by kind; ``accessible`` counts accessible units of any
    kind (so they are counted twice: also under their kind)."""
    rows = []
    for kind in BED_KINDS:
        mask = units["accessible"].fillna(False) if kind == "accessible" else units["kind"] == kind
        chosen = units[mask & units["in_service"].fillna(False)]
        rows.append(
            {
                "kind": kind,
                "units": len(chosen),
                "beds": int(chosen["beds"].sum()),
                "units_with_free_beds": int((chosen["free"] > 0).sum()),
                "free_beds": int(chosen["free"].sum()),
            }
        )
    return pd.DataFrame(rows)


def stay_starts(reg: Registry, day: pd.Timestamp) -> pd.Series:
    """Per household id, the day its stay in temporary housing running on ``day`` began
    (``overview.stay_start`` over the rows moved into by then)."""
    occ = reg.occupancy
    return overview.stay_start(occ[occ["move_in"] <= day])


def long_stays(
    stays: pd.DataFrame, day: pd.Timestamp, limit_months: int, starts: pd.Series | None = None
) -> pd.DataFrame:
    """Open stays that began more than ``limit_months`` before ``day``, longest first.

    A stay runs from ``starts`` (per household id: ``stay_starts``), the first move-in of its
    unbroken chain of rows, so a move to another unit does not restart it; ``move_in`` is the
    move into the present unit. Without ``starts`` each row is its own stay.
    """
    start = stays["move_in"] if starts is None else stays["household_id"].map(starts)
    table = stays.assign(stay_start=start.fillna(stays["move_in"]))
    table["months"] = ((day - table["stay_start"]).dt.days / 30.4375).round(1)
    table = table[table["stay_start"] < day - pd.DateOffset(months=limit_months)]
    table = table.sort_values(["months", "household_id"], ascending=[False, True])
    return table[
        [
            "household_id",
            "site_id",
            "unit_id",
            "persons",
            "stay_start",
            "move_in",
            "months",
            "expected_move_out",
        ]
    ].reset_index(drop=True)


def move_outs(stays: pd.DataFrame, day: pd.Timestamp, until: pd.Timestamp) -> pd.DataFrame:
    """Open stays with an expected move-out after ``day`` and by ``until``, soonest first."""
    due = stays[(stays["expected_move_out"] > day) & (stays["expected_move_out"] <= until)]
    due = due.sort_values(["expected_move_out", "household_id"])
    return due[["household_id", "site_id", "unit_id", "persons", "expected_move_out"]].reset_index(
        drop=True
    )


def arrivals(reg: Registry, date: dt.date) -> pd.DataFrame:
    """Households waiting for a home on ``date`` (``overview.arriving``: arrived by then and not
    housed, the ``capacity info`` count), earliest first; minors are listed with a note: Børn og
    Familier handles them."""
    return _households_table(overview.arriving(reg, date))


def coming(reg: Registry, date: dt.date, until: pd.Timestamp) -> pd.DataFrame:
    """Households arriving after ``date`` and by ``until`` that have no home on ``date``
    (``overview.not_housed``), earliest first; minors listed with a note as in ``arrivals``."""
    hh = overview.not_housed(reg, date)
    later = (hh["arrival_date"] > pd.Timestamp(date)) & (hh["arrival_date"] <= until)
    return _households_table(hh[later])


def _households_table(hh: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "household_id": hh["id"].to_numpy(),
            "arrival_date": hh["arrival_date"].to_numpy(),
            "adults": hh["adults"].to_numpy(),
            "children": hh["children_ages"].map(len).to_numpy(),
            "persons": overview.persons(hh).to_numpy(),
            "needs_accessible": hh["needs_accessible"].to_numpy(),
            "unaccompanied_minor": hh["unaccompanied_minor"].to_numpy(),
        }
    )
    return table.sort_values(["arrival_date", "household_id"]).reset_index(drop=True)
