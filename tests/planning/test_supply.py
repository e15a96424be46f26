"""Supply per site and month: availability dates, residents and their modules, station minutes."""

from __future__ import annotations

import datetime as dt

from capacity.planning.supply import supply
from tests.helpers import (
    make_household,
    make_occupancy,
    make_registry,
    make_site,
    make_unit,
    tiny_registry,
)
from tests.planning.conftest import pavilion, scenario


def test_a_building_counts_only_in_whole_months_it_is_available():
    reg = make_registry(
        sites=[
            make_site(
                "B1", available_from=dt.date(2027, 2, 1), available_until=dt.date(2027, 4, 15)
            )
        ],
        units=[make_unit("B1-1", "B1", beds=5), make_unit("B1-2", "B1", beds=3, in_service=False)],
    )
    sup = supply(reg, scenario([0], horizon=5))
    assert sup.building_beds[0].tolist() == [0, 5, 5, 0, 0]


def test_residents_and_their_modules_until_expected_move_out():
    hh = [make_household("R1", adults=2), make_household("R2"), make_household("R3")]
    units = [make_unit("M1", "P1", beds=4), make_unit("M2", "P1", beds=4)]
    occ = [
        make_occupancy("R1", "M1", expected_move_out=dt.date(2027, 3, 1)),
        make_occupancy("R2", "M1", expected_move_out=dt.date(2027, 5, 10)),
        make_occupancy("R3", "M2"),
    ]  # no expected move-out: stays (scenario default)
    reg = make_registry(sites=[pavilion(modules_now=2)], units=units, households=hh, occupancy=occ)
    sup = supply(reg, scenario([0], horizon=6))
    assert sup.resident_persons[0].tolist() == [4, 4, 2, 2, 2, 1]
    assert sup.mod.resident_modules[0].tolist() == [2, 2, 2, 2, 2, 1]
    mean = scenario(
        [0], horizon=6, stay=2, extra="[residents]\nwithout_expected_move_out = 'mean_stay'"
    )
    # R3 moved in 2026-01-01 and every stay is 2 months: R3 has stayed longer than any stay, so
    # the distribution says nothing about the rest and R3 stays (before: gone on day one).
    assert supply(reg, mean).resident_persons[0].tolist() == [4, 4, 2, 2, 2, 1]


def test_station_minutes_and_districts_of_the_tiny_registry():
    sup = supply(tiny_registry(), scenario([0], horizon=2))
    # B1 is 900 m from the station: 900 * 1.3 / 1000 / 20 km/h * 60 = 3.51 -> 4 minutes;
    # P1 800 m: 3.12 -> 3 minutes (rounded half up, as placement rounds them).
    assert dict(zip(sup.ids, sup.minutes.tolist(), strict=True)) == {"B1": 4, "P1": 3}
    assert [sup.district_ids[d] for d in sup.district] == ["W", "E"]
    assert sup.district_share.tolist() == [0.6, 0.4]
