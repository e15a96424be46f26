"""Occupancy figures shared by info, review and reports, hand-computed on the tiny registry."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from capacity import overview
from capacity.io.layers import frame
from capacity.reports.council import key_numbers
from tests.helpers import make_module_type, make_occupancy, tiny_registry


def test_site_table_counts_beds_occupied_and_free():
    table = overview.site_table(tiny_registry()).set_index("site_id")
    assert table.loc["B1", ["units", "beds", "occupied", "free"]].tolist() == [3, 9, 5, 4]
    assert table.loc["P1", ["units", "beds", "occupied", "free"]].tolist() == [2, 8, 0, 8]
    assert table.loc["P1", "modules_now"] == 2


def test_a_site_with_module_types_counts_their_modules():
    # the plan counts a site's modules by its types; the site's own columns are then not used
    reg = tiny_registry()
    types = [make_module_type("P1-A", "P1", modules_now=2, modules_max=6)]
    types.append(make_module_type("P1-B", "P1", modules_now=0, modules_max=4))
    table = overview.site_table(reg.with_layers(module_types=frame("module_types", types)))
    row = table.set_index("site_id").loc["P1"]
    assert [row["modules_now"], row["modules_max"]] == [2, 10]
    assert pd.isna(table.set_index("site_id").loc["B1", "modules_max"])


def test_units_out_of_service_do_not_count_as_beds():
    reg = tiny_registry()
    units = reg.units.copy()
    units.loc[units["id"] == "P1-M2", "in_service"] = False
    table = overview.site_table(reg.with_layers(units=units)).set_index("site_id")
    assert table.loc["P1", ["units", "beds", "free"]].tolist() == [1, 4, 4]


def test_arriving_are_households_without_an_open_row():
    assert sorted(overview.arriving(tiny_registry())["id"]) == ["A1", "A2", "A3", "A4"]


def test_occupancy_on_a_date_respects_move_in_and_move_out():
    reg = tiny_registry()
    occ = reg.occupancy.copy()
    extra = make_occupancy("A1", "P1-M1", move_in=dt.date(2026, 2, 1), move_out=dt.date(2026, 3, 1))
    reg = reg.with_layers(
        occupancy=pd.concat([occ, frame("occupancy", [extra])], ignore_index=True)
    )
    on = overview.open_occupancy(reg, dt.date(2026, 2, 15))
    assert "A1" in set(on["household_id"])
    assert "A1" not in set(overview.open_occupancy(reg, dt.date(2026, 3, 1))["household_id"])
    assert "A1" not in set(overview.open_occupancy(reg)["household_id"])


def test_a_household_that_moved_on_is_not_waiting_again():
    """R3's only stay closed: it moved to permanent housing and is neither resident nor arriving."""
    import datetime as dt

    from capacity.model.domain import build_domain

    reg = tiny_registry()
    occ = reg.occupancy.copy()
    occ.loc[occ["household_id"] == "R3", "move_out"] = pd.Timestamp("2026-10-01")
    reg = reg.with_layers(occupancy=occ)
    assert "R3" not in set(overview.arriving(reg)["id"])
    assert overview.moved_on(reg, dt.date(2026, 11, 15)) == {"R3"}
    dom = build_domain(reg, dt.date(2026, 11, 15))
    assert "R3" not in {h.id for h in dom.households}
    assert {h.id for h in dom.households} == {"A1", "A2", "A3", "A4"}


def test_on_a_past_date_a_household_housed_later_was_waiting():
    """A1 arrived on 1 November and moves in on 20 November: on 10 November it was waiting (as
    the follow-up counts it), and a report dated then counts it among the households without a
    home; the list as it stands today does not (it has been assigned)."""
    reg = tiny_registry()
    later = make_occupancy("A1", "P1-M1", move_in=dt.date(2026, 11, 20))
    reg = reg.with_layers(
        occupancy=pd.concat([reg.occupancy, frame("occupancy", [later])], ignore_index=True)
    )
    assert sorted(overview.arriving(reg, dt.date(2026, 11, 10))["id"]) == ["A1", "A2", "A3", "A4"]
    assert sorted(overview.arriving(reg, dt.date(2026, 11, 25))["id"]) == ["A2", "A3", "A4"]
    assert sorted(overview.arriving(reg, dt.date(2026, 10, 1))["id"]) == []
    assert sorted(overview.arriving(reg)["id"]) == ["A2", "A3", "A4"]
    before = key_numbers(reg, date=dt.date(2026, 10, 1)).arrivals
    assert before == key_numbers(reg, date=dt.date(2026, 11, 10)).arrivals
    assert before == key_numbers(reg, date=dt.date(2026, 11, 25)).arrivals + 1


def test_stay_start_follows_a_chain_of_moves_and_restarts_after_a_gap():
    """A stay runs from the first move-in of an unbroken chain of rows: M moved twice (each
    move-in on the previous move-out), G left and came back a month later, O has an open row
    and a row that began while it was open, S has one row."""
    D = dt.date
    rows = [
        make_occupancy("M", "U1", move_in=D(2024, 1, 10), move_out=D(2024, 6, 1)),
        make_occupancy("M", "U2", move_in=D(2024, 6, 1), move_out=D(2025, 2, 1)),
        make_occupancy("M", "U3", move_in=D(2025, 2, 1)),
        make_occupancy("G", "U1", move_in=D(2024, 1, 1), move_out=D(2024, 3, 1)),
        make_occupancy("G", "U2", move_in=D(2024, 4, 1)),
        make_occupancy("O", "U1", move_in=D(2024, 2, 1)),
        make_occupancy("O", "U2", move_in=D(2024, 9, 1)),
        make_occupancy("S", "U4", move_in=D(2025, 5, 5)),
    ]
    starts = overview.stay_start(frame("occupancy", rows))
    assert starts.to_dict() == {
        "G": pd.Timestamp(2024, 4, 1),
        "M": pd.Timestamp(2024, 1, 10),
        "O": pd.Timestamp(2024, 2, 1),
        "S": pd.Timestamp(2025, 5, 5),
    }
