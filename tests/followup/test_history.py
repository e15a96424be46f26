"""The seeded history generator: it adds a past without touching today."""

from __future__ import annotations

import pandas as pd

from capacity import overview
from capacity.sample import alleroed_registry
from capacity.sample.history import add_history


def _open(reg) -> pd.DataFrame:
    occ = reg.occupancy
    return occ[occ["move_out"].isna()].sort_values("household_id").reset_index(drop=True)


def test_history_keeps_residents_and_waiting_households() -> None:
    reg = alleroed_registry()
    hist = add_history(reg, seed=7)
    pd.testing.assert_frame_equal(_open(reg), _open(hist))
    n = len(reg.occupancy)
    pd.testing.assert_frame_equal(reg.occupancy, hist.occupancy.iloc[:n])
    assert set(overview.arriving(reg)["id"]) == set(overview.arriving(hist)["id"])
    added = hist.occupancy.iloc[n:]
    assert len(added) > 100 and added["move_out"].notna().all()
    assert (added["move_out"] < pd.Timestamp("2026-12-01")).all()


def test_history_has_new_year_stays_moves_and_modules() -> None:
    hist = add_history(alleroed_registry(), seed=7)
    added = hist.households[hist.households["id"].str.contains("-")]
    assert set(added["arrival_date"].dt.year) == {2022, 2023, 2024, 2025, 2026}
    rows = hist.occupancy[hist.occupancy["household_id"].isin(added["id"])]
    per = rows.groupby("household_id").agg(first=("move_in", "min"), last=("move_out", "max"))
    assert (per["first"].dt.year < per["last"].dt.year).any()
    assert (rows.groupby("household_id").size() == 2).any()
    assert hist.units["in_service_from"].notna().sum() > 0


def test_no_unit_holds_two_households_at_once() -> None:
    hist = add_history(alleroed_registry(), seed=7)
    occ = hist.occupancy.assign(end=hist.occupancy["move_out"].fillna(pd.Timestamp("2262-01-01")))
    for _, rows in occ.groupby("unit_id"):
        rows = rows.sort_values("move_in")
        starts, ends = rows["move_in"].to_numpy(), rows["end"].to_numpy()
        shareable_open = len(rows) > 1 and (rows["move_out"].isna().sum() > 1)
        if shareable_open:
            continue  # residents sharing a unit today: the registry's own rows
        assert (starts[1:] >= ends[:-1]).all()


def test_same_seed_same_history() -> None:
    reg = alleroed_registry()
    a, b = add_history(reg, seed=3), add_history(reg, seed=3)
    pd.testing.assert_frame_equal(a.occupancy, b.occupancy)
    pd.testing.assert_frame_equal(a.households, b.households)
