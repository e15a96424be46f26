"""The solver end to end: the independent checker holds, the explanation adds up, CP-SAT is never
worse than greedy, and on tiny instances CP-SAT's optimum equals a brute-force optimum."""

from __future__ import annotations

import datetime as dt
import itertools

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capacity.errors import UserError
from capacity.policy import Policy
from capacity.solver.solve import place
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
OLD = dt.date(2025, 1, 1)


def _check(reg, result, **kw) -> None:
    check = Checker(reg, PLACE_DAY, **kw)
    assert check.violations(result.placements, result.modules) == []
    assert result.explanation["weighted"].sum() == result.objective
    assert result.by_term().sum() == result.objective
    assert check.score(result.placements, result.modules) == result.by_term().to_dict()
    placed = set(result.placements["household_id"])
    assert not placed & set(result.unplaced["household_id"])
    assert placed | set(result.unplaced["household_id"]) >= set(check.arriving)
    assert result.unplaced["reason"].str.len().min() > 0 if len(result.unplaced) else True


def test_tiny_registry_is_placed_optimally_and_checks(tiny_registry):
    result = place(tiny_registry, PLACE_DAY, allow_new_modules=True)
    greedy = place(tiny_registry, PLACE_DAY, solver="greedy", allow_new_modules=True)
    _check(tiny_registry, result, allow_new_modules=True)
    _check(tiny_registry, greedy, allow_new_modules=True)
    assert result.status == "OPTIMAL" and result.gap == 0
    assert result.objective <= greedy.objective
    assert result.unplaced.to_dict("records") == [
        dict(
            household_id="A4",
            persons=1,
            reason="uledsaget mindreårig: overdraget til Børn og Familier",
        )
    ]
    assert len(result.input_hash) == 64


def test_shortfall_leaves_households_unplaced_with_reasons():
    units = [
        make_unit("F1", "B", beds=4),
        make_unit("F2", "B", beds=4),
        make_unit("S1", "B", beds=1, family_ok=False),
    ]
    people = [make_household(f"F{i}", adults=2, children_ages=(3, 8)) for i in range(3)]
    people += [make_household("BIG", adults=7), make_household("ACC", needs_accessible=True)]
    reg = placement_world(units=units, households=people)
    result = place(reg, PLACE_DAY, lang="en")
    _check(reg, result)
    reasons = dict(zip(result.unplaced["household_id"], result.unplaced["reason"], strict=True))
    assert reasons["BIG"] == "no free unit with 7 beds; largest free has 4"
    assert reasons["ACC"] == "no accessible unit free on 2026-11-15"
    families = [h for h in reasons if h.startswith("F")]
    assert len(reasons) == 3 and len(families) == 1  # two flats for three equal families
    assert (
        reasons[families[0]] == "the 2 suitable units went to other households (free beds ran out)"
    )


def test_moves_are_used_only_when_allowed_and_worth_it():
    units = [make_unit("BIG", "B", beds=6), make_unit("SMALL", "B", beds=2)]
    people = [
        make_household("R", arrival_date=OLD),
        make_household("FAM", adults=2, children_ages=(1, 4, 7)),
    ]
    reg = placement_world(units=units, households=people, occupancy=[make_occupancy("R", "BIG")])
    assert list(place(reg, PLACE_DAY).unplaced["household_id"]) == ["FAM"]
    moved = place(reg, PLACE_DAY, allow_moves=True)
    _check(reg, moved, allow_moves=True)
    assert moved.placements.set_index("household_id")["unit_id"].to_dict() == {
        "FAM": "BIG",
        "R": "SMALL",
    }
    assert moved.by_term()["moves"] == 200


def test_same_input_and_seed_give_the_same_result(tiny_registry):
    runs = [place(tiny_registry, PLACE_DAY, seed=7, allow_new_modules=True) for _ in range(2)]
    for name in ("placements", "unplaced", "modules", "explanation", "alternatives"):
        pd.testing.assert_frame_equal(getattr(runs[0], name), getattr(runs[1], name))
    assert runs[0].objective == runs[1].objective and runs[0].best_bound == runs[1].best_bound


def test_bad_options_are_user_errors(tiny_registry):
    with pytest.raises(UserError, match="ukendt solver"):
        place(tiny_registry, PLACE_DAY, solver="gurobi")
    with pytest.raises(UserError, match="sprog"):
        place(tiny_registry, PLACE_DAY, lang="de")


# --- generated small registries ----------------------------------------------------------------


@st.composite
def small_worlds(draw, max_households: int = 5, max_units: int = 4):
    """Two school districts (W, E) and a daycare district, 1-2 sites, units, households, maybe a
    resident and scores; weights that sometimes make leaving someone unplaced the better deal."""
    districts = [
        square_district("W", "school", X - 5000, Y - 5000, 5000, draw(st.integers(1, 9)) * 1000),
        square_district("E", "school", X, Y - 5000, 5000, 2000),
        square_district(
            "D",
            "daycare",
            X - 5000,
            Y - 5000,
            10_000,
            0,
            free_slots_0_2=draw(st.integers(0, 1)),
            free_slots_3_5=1,
        ),
    ]
    n_sites = draw(st.integers(1, 2))
    sites = [
        make_site(
            f"S{i}",
            kind=draw(st.sampled_from(["building", "pavilion_site"])),
            dx=draw(st.integers(-4000, 4000)),
            dy=draw(st.integers(-3000, 3000)),
            modules_now=1,
        )
        for i in range(n_sites)
    ]
    units = [
        make_unit(
            f"U{i}",
            f"S{draw(st.integers(0, n_sites - 1))}",
            beds=draw(st.integers(1, 4)),
            family_ok=draw(st.booleans()),
            accessible=draw(st.booleans()),
            shareable=draw(st.booleans()),
            in_service=draw(st.integers(0, 5)) > 0,
        )
        for i in range(draw(st.integers(1, max_units)))
    ]
    people = []
    for i in range(draw(st.integers(1, max_households))):
        adults = draw(st.integers(0, 2))
        kids = tuple(draw(st.lists(st.integers(0, 17), min_size=0 if adults else 1, max_size=2)))
        people.append(
            make_household(
                f"H{i}",
                adults=adults,
                children_ages=kids,
                needs_accessible=draw(st.integers(0, 4)) == 0,
                unaccompanied_minor=adults == 0 and draw(st.booleans()),
                required_district=draw(st.sampled_from([None, None, "W", "E"])),
            )
        )
    occupancy = []
    first, unit = people[0], units[0]
    fits = first["adults"] + len(first["children_ages"]) <= unit["beds"]
    if draw(st.booleans()) and fits and not first["unaccompanied_minor"]:
        first["arrival_date"] = OLD
        occupancy.append(make_occupancy(first["id"], unit["id"]))
    scores = (
        [
            dict(household_id=p["id"], site_id=s["id"], score=draw(st.floats(0, 1)))
            for p in people
            for s in sites
        ]
        if draw(st.booleans())
        else None
    )
    unplaced = draw(st.sampled_from([100_000, 7]))
    policy = Policy.from_toml_text(f"[weights]\nunplaced = {unplaced}\nexternal_score = 2\n")
    return placement_world(
        districts=districts,
        sites=sites,
        units=units,
        households=people,
        occupancy=occupancy,
        scores=scores,
        policy=policy,
    )


def brute_force(reg) -> int:
    """The optimum by enumerating every assignment of arrivals to units (or none)."""
    check = Checker(reg, PLACE_DAY)
    units = [(u, s) for u, s in zip(reg.units["id"], reg.units["site_id"], strict=True)]
    # a unit that breaks a rule for a household alone breaks it in any company: prune it
    options = [
        [None, *((h, u, s) for u, s in units if not check.violations([(h, u, s)]))]
        for h in check.arriving
    ]
    best = None
    for choice in itertools.product(*options):
        rows = [c for c in choice if c]
        if check.violations(rows):
            continue
        total = sum(check.score(rows).values())
        best = total if best is None else min(best, total)
    return best


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_worlds())
def test_generated_registries_check_add_up_beat_greedy_and_match_brute_force(reg):
    _optimal_and_checked(reg)


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_worlds())
def test_many_generated_registries_match_brute_force(reg):
    _optimal_and_checked(reg)


def _optimal_and_checked(reg) -> None:
    result = place(reg, PLACE_DAY, workers=1)
    greedy = place(reg, PLACE_DAY, solver="greedy")
    _check(reg, result)
    _check(reg, greedy)
    assert result.status == "OPTIMAL"
    assert result.objective <= greedy.objective
    assert result.objective == brute_force(reg)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_worlds(max_households=4, max_units=3))
def test_generated_registries_with_moves_and_new_modules_check(reg):
    for kw in (dict(allow_moves=True), dict(allow_new_modules=True)):
        result = place(reg, PLACE_DAY, workers=1, **kw)
        greedy = place(reg, PLACE_DAY, solver="greedy", **kw)
        _check(reg, result, **kw)
        _check(reg, greedy, **kw)
        assert result.objective <= greedy.objective


def test_a_household_left_out_because_placing_costs_more_says_so():
    policy = Policy.from_toml_text("[weights]\nunplaced = 1\n")
    reg = placement_world(
        units=[make_unit("U", "B", beds=4)], households=[make_household("H")], policy=policy
    )
    result = place(reg, PLACE_DAY, lang="en")
    assert result.unplaced["reason"].tolist() == [
        "a suitable unit was free, but placing would cost more than the unplaced weight (1 per person)"
    ]


def test_the_checker_is_independent_of_the_model():
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).parents[1] / "checker.py").read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not [m for m in imported if m and m.startswith("capacity")]


def test_time_limit_is_deterministic_time_with_the_runs_wall_clock_deadline(tiny_registry):
    import math

    from capacity.model.domain import build_domain
    from capacity.model.placement import build_model
    from capacity.solver.clock import Clock
    from capacity.solver.stages import run

    m = build_model(build_domain(tiny_registry, PLACE_DAY))
    cp = run(m, workers=2, seed=4, budget=3.5, interleave=True)
    assert cp.parameters.max_deterministic_time == 3.5
    assert math.isinf(cp.parameters.max_time_in_seconds)  # no clock: no deadline
    assert cp.parameters.interleave_search and cp.parameters.random_seed == 4
    cp = run(m, workers=2, seed=4, budget=3.5, interleave=True, clock=Clock(5.0))
    assert cp.parameters.max_deterministic_time == 3.5
    assert 0 < cp.parameters.max_time_in_seconds <= 5.0
