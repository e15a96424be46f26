"""The check that no household lives in two homes at once, over all its occupancy rows.

``checks.check_occupancy`` allows one open row per household; this check covers the closed ones
too: a stay that begins before the household's previous stay ended counts the household twice
in every month both cover (residents, persons, free beds, the follow-up's history).
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from capacity.errors import Problem
from capacity.io.parsed import Parsed


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
