"""One test per hard rule: a hand-built case the rule must reject (or a reason it must give)."""

from __future__ import annotations

import datetime as dt

from ortools.sat.python import cp_model

from capacity.model import hard
from capacity.model.domain import build_domain
from capacity.model.placement import build_model
from capacity.solver.solve import place
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


def _pairs(reg, hid, **kw):
    return build_domain(reg, PLACE_DAY, **kw).pairs[hid]


def _reason(reg, hid, lang="en", **kw) -> str:
    unplaced = place(reg, PLACE_DAY, lang=lang, **kw).unplaced.set_index("household_id")
    return unplaced.loc[hid, "reason"]


def _feasible(reg, force: dict[tuple[str, str], int], **kw) -> bool:
    """Whether the model accepts the forced variable values (pairs and new modules)."""
    m = build_model(build_domain(reg, PLACE_DAY, **kw))
    for key, value in force.items():
        var = m.x[key] if isinstance(key, tuple) else m.open[key]
        m.cp.add(var == value)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver.solve(m.cp) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def test_minors_not_placed_hands_minor_to_boern_og_familier():
    reg = placement_world(
        units=[make_unit("U", "B")],
        households=[make_household("M", adults=0, children_ages=(16,), unaccompanied_minor=True)],
    )
    assert _pairs(reg, "M") == ()
    assert _reason(reg, "M") == "unaccompanied minor: handed to Børn og Familier"
    assert _reason(reg, "M", lang="da") == "uledsaget mindreårig: overdraget til Børn og Familier"


def test_unit_in_service_rejects_unit_out_of_service():
    reg = placement_world(
        units=[make_unit("U", "B", in_service=False)], households=[make_household("H")]
    )
    assert _pairs(reg, "H") == ()
    assert _reason(reg, "H") == "no unit in service"


def test_site_available_on_date_rejects_site_not_yet_available():
    reg = placement_world(
        sites=[make_site("B", available_from=dt.date(2027, 1, 1))],
        units=[make_unit("U", "B")],
        households=[make_household("H")],
    )
    assert _pairs(reg, "H") == ()
    assert _reason(reg, "H") == "no unit in service and available on 2026-11-15"


def test_required_district_respected_rejects_site_outside_district():
    x, y = ORIGIN
    districts = [
        square_district("S", "school", x - 5000, y - 5000, 10_000, 10_000),
        square_district("N", "town", x - 5000, y + 2000, 10_000, 3000),
    ]
    reg = placement_world(
        districts=districts,
        sites=[make_site("B", dx=1300), make_site("C", dy=2500)],
        units=[make_unit("U", "B", beds=4), make_unit("V", "C", beds=4)],
        households=[make_household("H", required_district="N")],
    )
    assert _pairs(reg, "H") == ("V",)
    reg = placement_world(
        districts=districts,
        units=[make_unit("U", "B")],
        households=[make_household("H", required_district="N")],
    )
    assert _reason(reg, "H") == "no unit in the required district N on 2026-11-15"


def test_accessible_when_needed_rejects_inaccessible_unit():
    reg = placement_world(
        units=[make_unit("U", "B"), make_unit("A", "B", accessible=True)],
        households=[make_household("H", needs_accessible=True)],
    )
    assert _pairs(reg, "H") == ("A",)
    reg = placement_world(
        units=[make_unit("U", "B")], households=[make_household("H", needs_accessible=True)]
    )
    assert _reason(reg, "H") == "no accessible unit free on 2026-11-15"


def test_family_ok_for_children_rejects_family_in_single_room():
    reg = placement_world(
        units=[make_unit("U", "B", beds=4, family_ok=False)],
        households=[make_household("H", children_ages=(3,))],
    )
    assert _pairs(reg, "H") == ()
    assert _reason(reg, "H") == "no family unit free on 2026-11-15"


def test_shares_only_when_shareable_rejects_sharing_with_resident():
    units = [make_unit("N", "B", beds=4), make_unit("S", "B", beds=4, shareable=True)]
    people = [
        make_household("R1", arrival_date=dt.date(2026, 1, 1)),
        make_household("R2", arrival_date=dt.date(2026, 1, 1)),
        make_household("H"),
        make_household("F", children_ages=(5,)),
    ]
    occ = [make_occupancy("R1", "N"), make_occupancy("R2", "S")]
    reg = placement_world(units=units, households=people, occupancy=occ)
    assert _pairs(reg, "H") == ("S",)  # the shareable unit, beside an adult resident
    assert _pairs(reg, "F") == ()  # a family never shares
    assert _reason(reg, "F") == "every suitable unit is taken by residents on 2026-11-15"


def test_room_for_household_rejects_too_few_free_beds():
    units = [make_unit("U5", "B", beds=5), make_unit("U3", "B", beds=3)]
    reg = placement_world(units=units, households=[make_household("H", adults=7)])
    assert _pairs(reg, "H") == ()
    assert _reason(reg, "H") == "no free unit with 7 beds; largest free has 5"
    assert _reason(reg, "H", lang="da") == "ingen ledig bolig med 7 senge; den største ledige har 5"


def test_residents_stay_where_they_are_unless_moves_allowed():
    reg = placement_world(
        units=[make_unit("U", "B"), make_unit("V", "B", beds=3)],
        households=[make_household("R", arrival_date=dt.date(2026, 1, 1))],
        occupancy=[make_occupancy("R", "U")],
    )
    assert "R" not in build_domain(reg, PLACE_DAY).pairs
    dom = build_domain(reg, PLACE_DAY, allow_moves=True)
    assert dom.household("R").current_unit == "U" and dom.pairs["R"] == ("U", "V")


def test_one_unit_per_household_rejects_two_units():
    reg = placement_world(
        units=[make_unit("U", "B"), make_unit("V", "B", beds=3)], households=[make_household("H")]
    )
    assert _feasible(reg, {("H", "U"): 1})
    assert not _feasible(reg, {("H", "U"): 1, ("H", "V"): 1})


def test_beds_fit_rejects_overfull_unit():
    reg = placement_world(
        units=[make_unit("S", "B", beds=3, shareable=True)],
        households=[make_household("H1", adults=2), make_household("H2", adults=2)],
    )
    assert _feasible(reg, {("H1", "S"): 1})
    assert not _feasible(reg, {("H1", "S"): 1, ("H2", "S"): 1})


def test_one_family_per_unit_rejects_family_sharing_and_two_in_a_flat():
    units = [make_unit("S", "B", beds=6, shareable=True), make_unit("F", "B", beds=6)]
    people = [make_household("A"), make_household("K", children_ages=(4,))]
    reg = placement_world(units=units, households=people)
    assert _feasible(reg, {("A", "S"): 1, ("K", "F"): 1})
    assert not _feasible(reg, {("A", "S"): 1, ("K", "S"): 1})  # a family never shares
    assert not _feasible(reg, {("A", "F"): 1, ("K", "F"): 1})  # a flat holds one household


def test_identical_units_share_one_class_and_hold_one_household_each():
    units = [make_unit(f"F{i}", "B", beds=2) for i in (1, 2)]
    people = [make_household(f"H{i}") for i in (1, 2, 3)]
    dom = build_domain(placement_world(units=units, households=people), PLACE_DAY)
    assert list(dom.units) == ["F1"] and dom.units["F1"].ids == ("F1", "F2")
    result = place(placement_world(units=units, households=people), PLACE_DAY)
    assert sorted(result.placements["unit_id"]) == ["F1", "F2"] and len(result.unplaced) == 1


def test_new_module_put_up_rejects_module_not_put_up():
    sites = [make_site("P", kind="pavilion_site", modules_now=0, modules_max=2)]
    reg = placement_world(sites=sites, households=[make_household("H")])
    assert _feasible(reg, {("H", "P-NY1"): 1}, allow_new_modules=True)
    assert not _feasible(reg, {("H", "P-NY1"): 1, "P-NY1": 0}, allow_new_modules=True)
    assert not _feasible(reg, {"P-NY2": 1, "P-NY1": 0}, allow_new_modules=True)  # in order
    assert "P-NY1" not in build_domain(reg, PLACE_DAY).units


def test_every_hard_rule_has_a_one_sentence_docstring_and_named_constraints():
    for rule in hard.HARD_RULES:
        assert rule.__doc__ and rule.__doc__.strip().endswith(".")
    units = [make_unit("S", "B", beds=4, shareable=True)]
    reg = placement_world(
        units=units, households=[make_household("H"), make_household("K", children_ages=(2,))]
    )
    names = {
        c.name.split("[")[0]
        for c in build_model(build_domain(reg, PLACE_DAY)).cp.proto.constraints
        if c.name
    }
    assert {"one_unit_per_household", "beds_fit", "one_family_per_unit"} <= names
