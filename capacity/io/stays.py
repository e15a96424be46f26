"""Checks of stays over all the occupancy rows: no household in two homes at once, open stays
past their expected move-out, moves booked ahead, and residents at a site whose availability has
ended.

``checks.check_occupancy`` allows one open row per household; ``check_stays`` covers the closed
ones too: a stay that begins before the household's previous stay ended counts the household twice
in every month both cover (residents, persons, free beds, the follow-up's history). The rule for a
stay past its expected move-out (``overdue_stays``) is defined here once; the plan and the scenario
runs apply it through ``capacity.planning.supply``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
import pandas as pd

from capacity.errors import Problem
from capacity.io.parsed import Parsed
from capacity.io.values import amount


def check_stays(layers: dict[str, Parsed]) -> list[Problem]:
    """Every household's stays follow one another: each row's ``move_in`` is on or after the
    ``move_out`` of the household's row before it (by ``move_in``). Two open rows are
    ``check_occupancy``'s to report; rows without a household or a ``move_in`` are reported
    by the cell checks."""
    if "occupancy" not in layers:
        return []
    p = layers["occupancy"]
    stays = defaultdict(list)
    for i, r in enumerate(p.records):
        if not pd.isna(r["household_id"]) and not pd.isna(r["move_in"]):
            stays[r["household_id"]].append((pd.Timestamp(r["move_in"]), i, r["move_out"]))
    out = []
    for household, rows in stays.items():
        rows.sort(key=lambda row: (row[0], row[1]))
        for (_, i, ends), (begins, j, closes) in zip(rows, rows[1:], strict=False):
            open_both = pd.isna(ends) and pd.isna(closes)
            if open_both or (not pd.isna(ends) and begins >= pd.Timestamp(ends)):
                continue
            until = (
                "stadig er åbent (ingen move_out)"
                if pd.isna(ends)
                else f"varer til {pd.Timestamp(ends):%Y-%m-%d}"
            )
            out.append(
                p.problem(
                    j,
                    "move_in",
                    f"husstand {household} flytter ind her {begins:%Y-%m-%d}, mens dens ophold i "
                    f"{p.labels[i]} {until}; ret move_out dér eller move_in her",
                )
            )
    return out


def last_recorded_move(occ: pd.DataFrame) -> pd.Timestamp | None:
    """The latest ``move_in`` or ``move_out`` the occupancy table records, or None without one.

    The registry has no date of its own; the latest recorded move is the earliest date it can
    be as of: whoever recorded that move would have recorded a move-out due before it.
    """
    last = pd.concat([occ["move_in"], occ["move_out"]]).max()
    return None if pd.isna(last) else pd.Timestamp(last)


def kept_until(occ: pd.DataFrame, today: dt.date | None = None) -> pd.Timestamp | None:
    """The day the registry is known to be kept until: its last recorded move
    (``last_recorded_move``), but not after ``today`` (default: the clock's), since a move-in
    booked ahead is recorded before it happens. None without any move."""
    last = last_recorded_move(occ)
    if last is None:
        return None
    return min(last, pd.Timestamp(today or dt.date.today()))


def overdue_stays(occ: pd.DataFrame, today: dt.date | None = None) -> pd.Series:
    """Open stays (no ``move_out``) whose ``expected_move_out`` lies before the day the
    registry is known to be kept until (``kept_until``): the household was due to leave, the
    registry was kept after that, and no move-out was recorded. Whether it left or stayed on,
    the registry does not say.
    """
    until = kept_until(occ, today)
    if until is None:
        return pd.Series(False, index=occ.index)
    expected = pd.to_datetime(occ["expected_move_out"])
    return occ["move_out"].isna() & expected.notna() & (expected < until)


def check_overdue(layers: dict[str, Parsed]) -> list[Problem]:
    """An open stay past its ``expected_move_out`` (``overdue_stays``) is a warning: the plan
    and the scenario runs cannot tell whether the household has left."""
    if "occupancy" not in layers:
        return []
    p = layers["occupancy"]
    last = kept_until(p.frame)
    return [
        p.problem(
            int(i),
            "expected_move_out",
            f"husstand {p.frame['household_id'].iat[i]} skulle flytte "
            f"{pd.Timestamp(p.frame['expected_move_out'].iat[i]):%Y-%m-%d}, men har ingen "
            f"move_out, og registret er ført til og med {last:%Y-%m-%d}; registrér "
            "fraflytningen, eller ret expected_move_out til den nye forventede dato",
            severity="warning",
        )
        for i in np.flatnonzero(overdue_stays(p.frame).to_numpy())
    ]


def check_booked_ahead(layers: dict[str, Parsed], today: dt.date | None = None) -> list[Problem]:
    """A ``move_in`` or ``move_out`` after ``today`` (default: the clock's), booked ahead, is a
    warning: plan, scenarios and proposal start from the residents as the registry has them,
    so they refuse a start before the month of the last recorded move
    (``supply.starts_after_records``); ``validate`` says so before they do."""
    if "occupancy" not in layers:
        return []
    p = layers["occupancy"]
    day = pd.Timestamp(today or dt.date.today())
    last = last_recorded_move(p.frame)
    out = []
    for col, what in (("move_in", "flytter ind"), ("move_out", "flytter ud")):
        dates = pd.to_datetime(p.frame[col], errors="coerce")
        for i in np.flatnonzero((dates > day).to_numpy()):
            out.append(
                p.problem(
                    int(i),
                    col,
                    f"husstand {p.frame['household_id'].iat[i]} {what} "
                    f"{dates.iat[i]:%Y-%m-%d}, efter i dag ({day:%Y-%m-%d}); plan, scenarier og "
                    "forslag starter fra beboerne, som registret har dem, og kan derfor først "
                    f"starte i {last:%Y-%m} (registrets sidste flytning)",
                    severity="warning",
                )
            )
    return out


def check_site_ended(layers: dict[str, Parsed]) -> list[Problem]:
    """A site whose availability ended (``available_until``) before the day the registry is
    kept until (``kept_until``), with households still living there, is a warning: placement and
    plan count no bed there from then, so the residents would be left out of both."""
    if not {"occupancy", "units", "sites"} <= set(layers):
        return []
    until = kept_until(layers["occupancy"].frame)
    if until is None:
        return []
    occ = layers["occupancy"].frame
    site_of = dict(zip(layers["units"].frame["id"], layers["units"].frame["site_id"], strict=True))
    living = occ.loc[occ["move_out"].isna(), "unit_id"].map(site_of).value_counts()
    p = layers["sites"]
    out = []
    for i, (sid, end) in enumerate(zip(p.frame["id"], p.frame["available_until"], strict=True)):
        n = int(living.get(sid, 0))
        if n and not pd.isna(end) and pd.Timestamp(end) < until:
            out.append(
                p.problem(
                    i,
                    "available_until",
                    f"lokalitet {sid} er til rådighed til og med {pd.Timestamp(end):%Y-%m-%d}, "
                    f"men {amount(n, 'husstand', 'husstande')} bor der stadig, og "
                    f"registret er ført til og med {until:%Y-%m-%d}; registrér "
                    "fraflytningerne, eller ret available_until",
                    severity="warning",
                )
            )
    return out
