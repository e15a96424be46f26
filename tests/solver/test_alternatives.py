"""The best other unit of ``explanation.md`` (``Result.alternatives``): what moving one placed
household there changes in the whole objective, everyone else staying, is what ``evaluate`` says
of the moved placement, district terms (spread, families together, daycare slots, new modules)
included; in a result proven optimal no unit with room is shown as cheaper."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capacity.model.domain import Domain, build_domain
from capacity.policy import Policy
from capacity.reports.placement_explanation import explanation_markdown
from capacity.solver.result import PLACEMENT_TERMS, Result
from capacity.solver.scoring import evaluate
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
from tests.solver.test_solve import OLD

X, Y = ORIGIN
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _class_of(dom: Domain) -> dict[str, str]:
    """Real unit id -> its unit class id."""
    return {real: uid for uid, u in dom.units.items() for real in u.ids}


def _assignment(dom: Domain, result: Result) -> dict[str, str | None]:
    """The result's placement as household id -> unit class id (None: unplaced)."""
    cls = _class_of(dom)
    out: dict[str, str | None] = {h.id: None for h in dom.households}
    out.update({p.household_id: cls[p.unit_id] for p in result.placements.itertuples()})
    return out


def _moved(dom: Domain, assignment: dict, hid: str, uid: str) -> Result | None:
    """``evaluate`` of ``assignment`` with ``hid`` moved to class ``uid``; None when that breaks
    a hard rule."""
    try:
        return evaluate(dom, {**assignment, hid: uid})
    except ValueError:
        return None


def _holds_to_evaluate(
    dom: Domain, assignment: dict, base: Result, alternatives, *, every_pair: bool = True
) -> None:
    """Every row is what ``evaluate`` says of its move: the change in all and per term for a unit
    with room, a broken hard rule for one without; and (``every_pair``: the candidates are all
    allowed pairs) no allowed unit on another site with room changes the objective less."""
    cls = _class_of(dom)
    for row in alternatives.itertuples():
        moved = _moved(dom, assignment, row.household_id, cls[row.alt_unit_id])
        assert (moved is not None) == row.alt_free, row
        if moved is not None:
            assert moved.objective - base.objective == row.extra_cost, row
            change = moved.by_term() - base.by_term()
            assert change["unplaced"] == 0
            assert {t: int(change[t]) for t in PLACEMENT_TERMS} == {
                t: getattr(row, t) for t in PLACEMENT_TERMS
            }
        here = dom.units[assignment[row.household_id]].site_id
        for other in dom.pairs[row.household_id] if every_pair else ():
            if dom.units[other].site_id == here:
                continue
            elsewhere = _moved(dom, assignment, row.household_id, other)
            if elsewhere is not None:
                assert elsewhere.objective - base.objective >= row.extra_cost, (row, other)


# --- the defect: a free unit shown as cheaper, the spread it would add left out ------------------


def _spread_world():
    """Two school districts: W (population 1,000) with a building BW 300 m from the station, E
    (9,000) with a building BE 2 km away. Four residents in BW put W over its spread cap (0
    persons); an arriving single, A, fits BW's free room and BE's flat."""
    districts = [
        square_district("W", "school", X - 5000, Y - 5000, 5000, 1000),
        square_district("E", "school", X, Y - 5000, 5000, 9000),
    ]
    sites = [make_site("BW", dx=-300), make_site("BE", dx=2000)]
    units = [
        make_unit("BW-1", "BW", beds=4),
        make_unit("BW-2", "BW", beds=1),
        make_unit("BE-1", "BE", beds=1),
    ]
    people = [make_household("R", adults=4, arrival_date=OLD), make_household("A")]
    return placement_world(
        districts=districts,
        sites=sites,
        units=units,
        households=people,
        occupancy=[make_occupancy("R", "BW-1")],
    )


def test_a_free_unit_that_adds_spread_is_shown_as_dearer():
    """BW-2 saves A 7 minutes to the station (transport −14) but puts one more person above W's
    cap (spread +20): the move costs 6 more, and the optimum keeps A in BE."""
    reg = _spread_world()
    result = place(reg, PLACE_DAY)
    assert result.status == "OPTIMAL"
    assert result.placements.set_index("household_id")["unit_id"].to_dict() == {"A": "BE-1"}
    row = result.alternatives.set_index("household_id").loc["A"]
    assert (row["alt_unit_id"], bool(row["alt_free"])) == ("BW-2", True)
    assert (row["transport"], row["spread"], row["extra_cost"]) == (-14, 20, 6)
    dom = build_domain(reg, PLACE_DAY)
    moved = evaluate(dom, {"A": "BW-2"})
    assert moved.objective - result.objective == 6
    text = explanation_markdown(result)
    assert (
        "Bedste alternativ: BW-2 på BW, ville have kostet 6 mere (transport −14, spredning +20)."
        in text
    )


def test_an_occupied_unit_says_who_holds_it_and_what_the_change_leaves_out():
    """Two singles, one room near the station: the one who does not get it is shown that room as
    cheaper, held by the other, whose new home the change does not count."""
    sites = [make_site("BN", dx=300), make_site("BF", dx=2000)]
    units = [
        make_unit("BN-1", "BN", beds=1),
        make_unit("BF-1", "BF", beds=1),
        make_unit("BF-2", "BF", beds=1),
    ]
    reg = placement_world(
        sites=sites, units=units, households=[make_household("A1"), make_household("A2")]
    )
    result = place(reg, PLACE_DAY)
    where = result.placements.set_index("household_id")["unit_id"]
    near, far = ("A1", "A2") if where["A1"] == "BN-1" else ("A2", "A1")
    alts = result.alternatives.set_index("household_id")
    assert alts.loc[far, "alt_unit_id"] == "BN-1" and not alts.loc[far, "alt_free"]
    assert alts.loc[far, "extra_cost"] < 0
    assert alts.loc[near, "alt_free"] and alts.loc[near, "extra_cost"] > 0
    assert alts.loc[near, "alt_unit_id"] == "BF-2"  # a free unit of BF's class, not far's
    text = explanation_markdown(result)
    assert (
        f"men den bruges af {near}; forskellen tager ikke højde for, hvor {near} så skulle bo."
        in text
    )
    english = explanation_markdown(place(reg, PLACE_DAY, lang="en"))
    assert f"but it is used by {near}; the difference leaves out where {near} would" in english


# --- properties --------------------------------------------------------------------------------


@st.composite
def moving_worlds(draw):
    """Two school districts (W, E) with a daycare district each, a site in each (one maybe a
    pavilion site with modules to put up), units, arriving households with children of every
    age and residents: every move between the sites carries persons, families and daycare
    children from one district to another, under caps that residents may already exceed."""
    districts = [
        square_district("W", "school", X - 5000, Y - 5000, 5000, draw(st.integers(1, 9)) * 1000),
        square_district("E", "school", X, Y - 5000, 5000, draw(st.integers(1, 9)) * 1000),
    ]
    for did, x0 in (("DW", X - 5000), ("DE", X)):
        slots = dict(
            free_slots_0_2=draw(st.sampled_from([None, 0, 0, 1])),
            free_slots_3_5=draw(st.sampled_from([None, 0, 0, 1])),
        )
        districts.append(square_district(did, "daycare", x0, Y - 5000, 5000, 0, **slots))
    kinds = [draw(st.sampled_from(["building", "pavilion_site"])) for _ in range(2)]
    west, east = draw(st.integers(200, 4000)), draw(st.integers(200, 4000))
    sites = [
        make_site(sid, kind=kind, dx=dx, modules_now=1, beds_per_module=draw(st.integers(1, 4)))
        for sid, kind, dx in (("SW", kinds[0], -west), ("SE", kinds[1], east))
    ]
    units = [
        make_unit(
            f"U{i}",
            draw(st.sampled_from(["SW", "SE"])),
            beds=draw(st.integers(1, 5)),
            family_ok=draw(st.integers(0, 3)) > 0,
            shareable=draw(st.booleans()),
        )
        for i in range(draw(st.integers(2, 6)))
    ]
    people, occupancy = [], []
    for i in range(draw(st.integers(1, 5))):
        kids = tuple(draw(st.lists(st.integers(0, 8), max_size=2)))
        people.append(make_household(f"H{i}", adults=draw(st.integers(1, 2)), children_ages=kids))
    for i, unit in enumerate(units[: draw(st.integers(0, 2))]):
        kids = (draw(st.integers(0, 8)),) if draw(st.booleans()) else ()
        unit.update(
            beds=max(unit["beds"], 1 + len(kids)), family_ok=unit["family_ok"] or bool(kids)
        )
        people.append(make_household(f"R{i}", children_ages=kids, arrival_date=OLD))
        occupancy.append(make_occupancy(f"R{i}", unit["id"]))
    tolerance = draw(st.sampled_from([0, 20]))
    policy = Policy.from_toml_text(f"[limits]\nspread_tolerance_pct = {tolerance}\n")
    return placement_world(
        districts=districts,
        sites=sites,
        units=units,
        households=people,
        occupancy=occupancy,
        policy=policy,
    )


@SETTINGS
@given(moving_worlds(), st.booleans(), st.booleans(), st.data())
def test_an_alternative_changes_the_objective_as_evaluate_says(reg, moves, modules, data):
    dom = build_domain(reg, PLACE_DAY, allow_moves=moves, allow_new_modules=modules)
    assignment = {
        h.id: data.draw(st.sampled_from([None, *dom.pairs[h.id]])) for h in dom.households
    }
    try:
        base = evaluate(dom, assignment)
    except ValueError:
        return
    _holds_to_evaluate(dom, assignment, base, base.alternatives)


@SETTINGS
@given(moving_worlds(), st.booleans(), st.booleans())
def test_in_an_optimal_result_no_free_alternative_is_cheaper(reg, moves, modules):
    result = place(reg, PLACE_DAY, allow_moves=moves, allow_new_modules=modules, workers=1)
    assert result.status == "OPTIMAL"
    free = result.alternatives[result.alternatives["alt_free"]]
    assert (free["extra_cost"] >= 0).all(), free
    dom = build_domain(reg, PLACE_DAY, allow_moves=moves, allow_new_modules=modules)
    assignment = _assignment(dom, result)
    base = evaluate(dom, assignment)
    assert base.objective == result.objective
    _holds_to_evaluate(dom, assignment, base, result.alternatives)
    for line in explanation_markdown(result).splitlines():
        if line.startswith("Bedste alternativ") and "mindre" in line:
            assert "men den bruges af" in line, line


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(moving_worlds(), st.booleans())
def test_the_aggregate_alternatives_change_the_objective_as_evaluate_says(reg, modules):
    result = place(
        reg,
        PLACE_DAY,
        formulation="aggregate",
        solver="cpsat",
        allow_new_modules=modules,
        workers=1,
    )
    dom = build_domain(reg, PLACE_DAY, allow_new_modules=modules)
    assignment = _assignment(dom, result)
    base = evaluate(dom, assignment)
    assert base.objective == result.objective
    _holds_to_evaluate(dom, assignment, base, result.alternatives, every_pair=False)
    if result.status == "OPTIMAL":
        free = result.alternatives[result.alternatives["alt_free"]]
        assert (free["extra_cost"] >= 0).all(), free


@pytest.mark.parametrize("formulation", ["pairs", "aggregate"])
def test_the_tiny_registry_alternatives_hold_to_evaluate(tiny_registry, formulation):
    result = place(tiny_registry, PLACE_DAY, allow_new_modules=True, formulation=formulation)
    dom = build_domain(tiny_registry, PLACE_DAY, allow_new_modules=True)
    assignment = _assignment(dom, result)
    base = evaluate(dom, assignment)
    assert len(result.alternatives) and base.objective == result.objective
    every_pair = formulation == "pairs"
    _holds_to_evaluate(dom, assignment, base, result.alternatives, every_pair=every_pair)
