"""Independent re-checks of a registry's occupancy, used by the sample tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from capacity.io.layers import Registry


def occupancy_problems(reg: Registry) -> list[str]:
    """Every breach of the occupancy rules, on every date someone moved in.

    Rules: dates in order; a household in one unit at a time; persons <= beds; a unit holds one
    household unless it is shareable and every household in it is adult-only; children only in
    family units; accessible units for those who need them; unaccompanied minors never housed.
    """
    hh = reg.households.set_index("id")
    units = reg.units.set_index("id")
    occ = reg.occupancy.copy()
    h = hh.loc[occ["household_id"]]
    u = units.loc[occ["unit_id"]]
    occ["persons"] = (h["adults"] + h["children_ages"].map(len)).to_numpy()
    occ["kids"] = (h["children_ages"].map(len) > 0).to_numpy()
    checks = {
        "move_out before move_in": (occ["move_out"] < occ["move_in"]).fillna(False),
        "expected_move_out before move_in": (occ["expected_move_out"] < occ["move_in"]).fillna(
            False
        ),
        "children in a non-family unit": occ["kids"] & ~u["family_ok"].to_numpy(),
        "needs an accessible unit": h["needs_accessible"].to_numpy() & ~u["accessible"].to_numpy(),
        "unaccompanied minor housed as a household": h["unaccompanied_minor"].to_numpy(),
        "more persons than beds": occ["persons"].to_numpy() > u["beds"].to_numpy(),
    }
    problems = [
        f"{hid}: {what}"
        for what, bad in checks.items()
        for hid in occ.loc[np.asarray(bad, dtype=bool), "household_id"]
    ]
    multi = occ[occ["household_id"].duplicated(keep=False)].sort_values("move_in")
    for hid, rows in multi.groupby("household_id"):
        ends = rows["move_out"].iloc[:-1].to_numpy()
        starts = rows["move_in"].iloc[1:].to_numpy()
        if pd.isna(ends).any() or (ends > starts).any():
            problems.append(f"{hid}: two open rows at the same time")
    shared = occ[occ["unit_id"].duplicated(keep=False)]
    for unit_id, rows in shared.groupby("unit_id"):
        problems += _unit_problems(units.loc[unit_id], str(unit_id), rows)
    return problems


def _unit_problems(unit: pd.Series, unit_id: str, rows: pd.DataFrame) -> list[str]:
    """Breaches in one unit, checked on each date someone moved into it."""
    problems = []
    for day in sorted(rows["move_in"].unique()):
        live = rows[(rows["move_in"] <= day) & (rows["move_out"].isna() | (rows["move_out"] > day))]
        if live["persons"].sum() > unit["beds"]:
            problems.append(f"{unit_id}: {live['persons'].sum()} persons > {unit['beds']} beds")
        if len(live) > 1 and (not unit["shareable"] or live["kids"].any()):
            problems.append(f"{unit_id}: {len(live)} households but not shareable/adult-only")
    return problems


def greedy_unplaced(reg: Registry, day: pd.Timestamp) -> list[tuple[str, int]]:
    """Arrivals a simple greedy cannot place in today's free units (accessible needs first, then
    largest first, each into the fitting unit with the fewest spare beds): (id, persons)."""
    hh = reg.households.set_index("id")
    open_rows = reg.occupancy[reg.occupancy["move_out"].isna()]
    sites = reg.sites.set_index("id")
    units = reg.units[reg.units["in_service"]].set_index("id")
    start = sites["available_from"].reindex(units["site_id"]).to_numpy()
    units = units[pd.isna(start) | (start <= day)].copy()
    units["used"] = 0
    units["n"] = 0
    units["adult_only"] = True
    for r in open_rows.itertuples():
        if r.unit_id in units.index:
            h = hh.loc[r.household_id]
            units.loc[r.unit_id, ["used", "n"]] += [h["adults"] + len(h["children_ages"]), 1]
            units.loc[r.unit_id, "adult_only"] &= not h["children_ages"]
    # arriving: no occupancy row at all (closed rows only: moved on, not waiting again)
    arrivals = hh[~hh.index.isin(reg.occupancy["household_id"]) & ~hh["unaccompanied_minor"]]
    arrivals = arrivals.assign(p=arrivals["adults"] + arrivals["children_ages"].map(len))
    unplaced = []
    for hid, h in arrivals.sort_values(["needs_accessible", "p"], ascending=False).iterrows():
        kids = len(h["children_ages"]) > 0
        ok = units["beds"] - units["used"] >= h["p"]
        ok &= (
            (units["family_ok"] & (units["n"] == 0))
            if kids
            else ((units["n"] == 0) | (units["shareable"] & units["adult_only"]))
        )
        if h["needs_accessible"]:
            ok &= units["accessible"]
        fit = units[ok.astype(bool)]
        if fit.empty:
            unplaced.append((str(hid), int(h["p"])))
            continue
        best = (fit["beds"] - fit["used"]).astype(int).idxmin()
        units.loc[best, ["used", "n"]] += [h["p"], 1]
        units.loc[best, "adult_only"] &= not kids
    return unplaced
