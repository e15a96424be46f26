"""One test per soft term: a fixed placement and its hand-computed amount.

Geometry: the station is at ``ORIGIN`` and building B 1,300 m east of it, so B is
1.3 km * 1.3 (detour) / 20 km/h * 60 = 5.07 -> 5 minutes from the station.
"""

from __future__ import annotations

import datetime as dt

from shapely.geometry import Point

from capacity.model import soft
from capacity.model.domain import build_domain
from capacity.policy import Policy
from capacity.solver.scoring import evaluate
from tests.checker import Checker
from tests.helpers import (
    ORIGIN,
    PLACE_DAY,
    make_household,
    make_occupancy,
    make_site,
    make_unit,
    placement_world,
    square_district,
)

X, Y = ORIGIN
OLD = dt.date(2023, 1, 1)


def _amounts(reg, assignment, term, **kw) -> dict[str, int]:
    """Amount per subject of ``term`` for a fixed assignment; also checks the independent checker."""
    dom = build_domain(reg, PLACE_DAY, **kw)
    result = evaluate(dom, assignment)
    assert result.explanation["weighted"].sum() == result.objective
    check = Checker(reg, PLACE_DAY, **kw)
    assert check.violations(result.placements, result.modules) == []
    assert check.score(result.placements, result.modules)[term] == result.by_term()[term]
    rows = result.explanation[result.explanation["term"] == term]
    return dict(zip(rows["subject"], rows["amount"], strict=True))


def test_transport_counts_person_minutes_to_the_nearest_station():
    reg = placement_world(
        units=[make_unit("U", "B", beds=4)], households=[make_household("H", adults=3)]
    )
    assert _amounts(reg, {"H": "U"}, "transport") == {"H": 15}  # 3 persons x 5 min


def test_transport_uses_travel_minutes_when_given():
    reg = placement_world(
        units=[make_unit("U", "B", beds=4)],
        households=[make_household("H", adults=3)],
        travel_minutes=[dict(site_id="B", poi_id="ST", minutes=7.6)],
    )
    assert _amounts(reg, {"H": "U"}, "transport") == {"H": 24}  # 3 x round(7.6)


def _school_world(arrival: dt.date):
    districts = [
        square_district("S", "school", X - 5000, Y - 5000, 10_000, 10_000),
        square_district(
            "D", "daycare", X - 5000, Y - 5000, 10_000, 10_000, free_slots_0_2=0, free_slots_3_5=5
        ),
    ]
    pois = [
        dict(id="ST", name="Station", kind="station", geometry=Point(X, Y)),
        dict(
            id="SK",
            name="Lillevang",
            kind="school",
            receiving_classes=True,
            geometry=Point(X + 1300, Y + 2600),
        ),
        dict(
            id="SK2",
            name="Local",
            kind="school",
            receiving_classes=False,
            geometry=Point(X + 2600, Y),
        ),
    ]
    return placement_world(
        districts=districts,
        pois=pois,
        units=[make_unit("U", "B", beds=4)],
        households=[make_household("H", adults=2, children_ages=(1, 9), arrival_date=arrival)],
    )


def test_school_daycare_counts_child_minutes_and_missing_daycare_slots():
    # new: the 9-year-old goes to receiving classes at SK, 2.6 km -> 10 min; the 1-year-old finds
    # no free 0-2 slot in daycare district D
    assert _amounts(_school_world(dt.date(2026, 11, 1)), {"H": "U"}, "school_daycare") == {
        "H": 10,
        "D 0-2 år": 1,
    }
    # arrived long ago: the district's nearest school, SK2 1.3 km -> 5 min
    assert _amounts(_school_world(OLD), {"H": "U"}, "school_daycare") == {"H": 5, "D 0-2 år": 1}


def _two_districts(**kw):
    districts = [
        square_district("W", "school", X - 5000, Y - 5000, 5000, 9000),
        square_district("E", "school", X, Y - 5000, 5000, 1000),
    ]
    sites = [make_site("BW", dx=-1000), make_site("BE", dx=1000)]
    return placement_world(districts=districts, sites=sites, **kw)


def test_family_cluster_costs_each_district_with_families_beyond_the_first():
    units = [make_unit("UW", "BW", beds=4), make_unit("UE", "BE", beds=4)]
    people = [make_household("FW", children_ages=(3,)), make_household("FE", children_ages=(3,))]
    reg = _two_districts(units=units, households=people)
    amounts = _amounts(reg, {"FW": "UW", "FE": "UE"}, "family_cluster")
    assert sum(amounts.values()) == 1 and amounts["W"] == amounts["E"] == 1
    assert sum(_amounts(reg, {"FW": "UW", "FE": None}, "family_cluster").values()) == 0


def test_spread_costs_residents_above_fair_share_plus_tolerance():
    # W holds 90 % of the population, E 10 %; a resident in W and four singles in E:
    # E's cap is 1.2 x 10 % x 5 = 0.6, so 4 - 0.6 = 3.4 -> 4 residents above it
    units = [
        make_unit("UW", "BW", beds=2),
        make_unit("UE", "BE", beds=4, shareable=True, family_ok=False),
    ]
    people = [make_household("R", arrival_date=OLD)] + [make_household(f"H{i}") for i in range(4)]
    reg = _two_districts(units=units, households=people, occupancy=[make_occupancy("R", "UW")])
    assert _amounts(reg, {f"H{i}": "UE" for i in range(4)}, "spread") == {"E": 4}


def test_buildings_first_counts_persons_in_pavilions():
    sites = [make_site("B", dx=1300), make_site("P", kind="pavilion_site", dx=1300, modules_now=1)]
    units = [make_unit("U", "B", beds=4), make_unit("M", "P", beds=4)]
    reg = placement_world(sites=sites, units=units, households=[make_household("H", adults=3)])
    assert _amounts(reg, {"H": "M"}, "buildings_first") == {"H": 3}
    assert _amounts(reg, {"H": "U"}, "buildings_first") == {}


def test_new_modules_costs_setup_in_thousands_and_lists_modules():
    sites = [
        make_site(
            "P",
            kind="pavilion_site",
            dx=1300,
            modules_now=0,
            modules_max=2,
            cost_setup_per_module=250_400,
        )
    ]
    reg = placement_world(sites=sites, households=[make_household("H", adults=3)])
    assert _amounts(reg, {"H": "P-NY1"}, "new_modules", allow_new_modules=True) == {"P": 250}
    result = evaluate(build_domain(reg, PLACE_DAY, allow_new_modules=True), {"H": "P-NY1"})
    assert result.modules.to_dict("records") == [{"site_id": "P", "modules_to_put_up": 1}]


def test_moves_counts_each_resident_moved():
    units = [make_unit("U", "B"), make_unit("V", "B", beds=3)]
    reg = placement_world(
        units=units,
        households=[make_household("R", arrival_date=OLD)],
        occupancy=[make_occupancy("R", "U")],
    )
    assert _amounts(reg, {"R": "V"}, "moves", allow_moves=True) == {"R": 1}
    assert _amounts(reg, {"R": "U"}, "moves", allow_moves=True) == {}


def test_external_score_is_a_negative_cost_in_hundredths():
    policy = Policy.from_toml_text("[weights]\nexternal_score = 3\n")
    reg = placement_world(
        units=[make_unit("U", "B")],
        households=[make_household("H")],
        scores=[dict(household_id="H", site_id="B", score=0.42)],
        policy=policy,
    )
    assert _amounts(reg, {"H": "U"}, "external_score") == {"H": -42}
    result = evaluate(build_domain(reg, PLACE_DAY), {"H": "U"})
    assert result.by_term()["external_score"] == -126


def test_unplaced_costs_per_person():
    reg = placement_world(
        units=[make_unit("U", "B", beds=2)],
        households=[make_household("H", adults=2), make_household("G", adults=2)],
    )
    assert _amounts(reg, {"H": "U", "G": None}, "unplaced") == {"G": 2}


def test_weight_zero_switches_a_term_off():
    policy = Policy.from_toml_text("[weights]\ntransport = 0\n")
    reg = placement_world(
        units=[make_unit("U", "B", beds=4)],
        households=[make_household("H", adults=3)],
        policy=policy,
    )
    assert _amounts(reg, {"H": "U"}, "transport") == {}
    assert [t.__name__ for t in soft.SOFT_TERMS] == [
        "unplaced",
        "transport",
        "school_daycare",
        "family_cluster",
        "spread",
        "buildings_first",
        "new_modules",
        "moves",
        "external_score",
    ]
    assert set(Policy().weights.model_dump()) == {t.__name__ for t in soft.SOFT_TERMS}
