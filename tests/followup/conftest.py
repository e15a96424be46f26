"""A small registry with a known history, for measures computed by hand.

Two school districts, W (population 1,000) and E (population 3,000); a station by the east
building. Building BW in W: a family flat W1 (5 beds) and rooms W2, W3 (1 bed each); building BE
in E: family flats E1, E2 (4 beds each). Policy: min_count 1 (nothing hidden) unless a test
raises it.

Households (arrival -> stays):
- F1 family 2+2 (ages 7, 9), arrived 2023-02-01, W1 2023-02-11 .. 2024-03-01 -> E1 2024-03-01
  .. 2025-04-01 (one stay that spans two New Years, moved between two homes: 779 days)
- F2 family 1+1 (age 4), arrived 2024-05-01, E2 2024-05-21, still there
- S1 single, arrived 2023-11-20, W2 2023-12-15 .. 2024-02-15 (spans New Year 2024)
- S2 single, arrived 2024-06-01, W3 2024-07-01, still there
- S3 single, arrived 2024-12-01, still waiting at the end of 2024 (housed W2 2025-01-31)

``sites_registry`` builds the registries of the disclosure tests (sites with chosen residents,
households leaving month by month).
"""

from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import Point

from capacity.policy import Limits, Policy
from tests import helpers

D = dt.date
x, y = helpers.ORIGIN


def history_registry(min_count: int = 1, **limits):
    """The registry described in the module docstring."""
    districts = [
        helpers.square_district("W", "school", x - 2000, y - 1000, 2000, 1000),
        helpers.square_district("E", "school", x, y - 1000, 2000, 3000),
    ]
    pois = [
        dict(id="ST", name="Station", kind="station", geometry=Point(x + 500, y)),
        dict(
            id="SK",
            name="School",
            kind="school",
            receiving_classes=True,
            geometry=Point(x - 1000, y),
        ),
    ]
    sites = [helpers.make_site("BW", dx=-1000), helpers.make_site("BE", dx=500)]
    units = [
        helpers.make_unit("W1", "BW", beds=5),
        helpers.make_unit("W2", "BW", beds=1, family_ok=False),
        helpers.make_unit("W3", "BW", beds=1, family_ok=False),
        helpers.make_unit("E1", "BE", beds=4),
        helpers.make_unit("E2", "BE", beds=4),
    ]
    hh = helpers.make_household
    households = [
        hh("F1", adults=2, children_ages=(7, 9), arrival_date=D(2023, 2, 1)),
        hh("F2", adults=1, children_ages=(4,), arrival_date=D(2024, 5, 1)),
        hh("S1", arrival_date=D(2023, 11, 20)),
        hh("S2", arrival_date=D(2024, 6, 1)),
        hh("S3", arrival_date=D(2024, 12, 1)),
    ]
    occ = helpers.make_occupancy
    occupancy = [
        occ("F1", "W1", move_in=D(2023, 2, 11), move_out=D(2024, 3, 1)),
        occ("F1", "E1", move_in=D(2024, 3, 1), move_out=D(2025, 4, 1)),
        occ("F2", "E2", move_in=D(2024, 5, 21)),
        occ("S1", "W2", move_in=D(2023, 12, 15), move_out=D(2024, 2, 15)),
        occ("S2", "W3", move_in=D(2024, 7, 1)),
        occ("S3", "W2", move_in=D(2025, 1, 31)),
    ]
    policy = Policy(limits=Limits(min_count=min_count, **limits))
    return helpers.make_registry(
        districts=districts,
        pois=pois,
        sites=sites,
        units=units,
        households=households,
        occupancy=occupancy,
        policy=policy,
    )


@pytest.fixture
def history():
    """The hand-built history registry (nothing suppressed)."""
    return history_registry()


SITES = {  # site id -> (kind, metres east of the origin): A, B, H in district E; C, M in W
    "A": ("building", 300),
    "B": ("building", 1200),
    "C": ("building", -600),
    "H": ("pavilion_site", 1600),
    "M": ("building", -1500),
}
MOVED_IN = D(2025, 3, 1)


def sites_registry(
    homes: dict[str, tuple[int, ...]], moveouts: tuple[int, ...] = (), min_count: int = 3
):
    """A registry for disclosure tests: the sites of ``SITES`` (eight units of two beds each; H a
    pavilion site), two districts as in ``history_registry``; ``homes`` gives the sizes of the
    households living at each site since 1 June 2025 (one unit each, single adults or couples);
    ``moveouts[m]`` households of one person leave M in month ``m + 1`` of 2026 (on the 10th),
    after living there since ``MOVED_IN``. One single adult has waited for a home since
    ``MOVED_IN`` (so that the registry's first record is that day)."""
    districts = [
        helpers.square_district("W", "school", x - 2000, y - 1000, 2000, 1000),
        helpers.square_district("E", "school", x, y - 1000, 2000, 3000),
    ]
    pois = [dict(id="ST", name="Station", kind="station", geometry=Point(x + 500, y))]
    sites = [helpers.make_site(s, kind=k, dx=dx) for s, (k, dx) in SITES.items()]
    units = [helpers.make_unit(f"{s}-{i}", s) for s in SITES for i in range(1, 9)]
    units += [helpers.make_unit(f"M-{i}", "M", beds=1) for i in range(9, 41)]
    households, occupancy = [helpers.make_household("W0", arrival_date=MOVED_IN)], []
    since = D(2025, 6, 1)
    for site, sizes in homes.items():
        for i, size in enumerate(sizes, start=1):
            hid = f"{site}{i}"
            households.append(helpers.make_household(hid, adults=size, arrival_date=since))
            occupancy.append(helpers.make_occupancy(hid, f"{site}-{i}", move_in=since))
    unit = iter(range(1, 41))
    for month, n in enumerate(moveouts, start=1):
        for i in range(n):
            hid = f"M{month}-{i}"
            households.append(helpers.make_household(hid, arrival_date=MOVED_IN))
            occupancy.append(
                helpers.make_occupancy(
                    hid, f"M-{next(unit)}", move_in=MOVED_IN, move_out=D(2026, month, 10)
                )
            )
    return helpers.make_registry(
        districts=districts,
        pois=pois,
        sites=sites,
        units=units,
        households=households,
        occupancy=occupancy,
        policy=Policy(limits=Limits(min_count=min_count)),
    )
