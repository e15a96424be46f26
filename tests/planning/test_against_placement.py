"""The plan's homes by kind are what the placement model finds for a sampled month: it places
every household the plan counts as housed, and no more."""

from __future__ import annotations

import datetime as dt

from capacity.planning.demand import PLAN, demand_model, draw, generators
from capacity.planning.plan import make_plan
from capacity.planning.scenario import scenario_from_text
from capacity.solver.solve import place
from tests.helpers import make_household, make_registry, make_unit
from tests.planning.conftest import pavilion, policy

MIX = """
name = "mix"
start = "2027-01"
horizon_months = 6
include_waiting = false
[arrivals]
per_month = [0, 0, 5, 0, 0, 0]
[uncertainty]
kind = "none"
[[household_types]]
name = "single"
adults = 1
share = 2
[[household_types]]
name = "family"
adults = 2
children_ages = [5, 9]
share = 1
[stay]
kind = "empirical"
months = [24]
weights = [1]
"""


def test_placement_places_the_arrivals_of_the_month_the_plan_covers():
    reg = make_registry(sites=[pavilion()], policy=policy())
    sc = scenario_from_text(MIX, "mix.toml")
    res = make_plan(reg, sc, samples=1, seed=3, time_limit=5)
    month = 2
    arrivals = draw(demand_model(reg, sc), generators(3, PLAN, 1)[0])  # the plan's sample
    standing = int(
        res.plan.set_index(["site_id", "month"]).loc[("P1", "2027-03"), "modules_standing"]
    )
    short = float(res.shortage.loc[month, "expected"])  # persons the plan counts as short
    day = dt.date(2027, 3, 1)
    households = [
        make_household(
            f"H{i}",
            adults=2 if fam else int(p),
            children_ages=(5,) * (int(p) - 2) if fam else (),
            arrival_date=day,
        )
        for i, (p, fam) in enumerate(
            zip(
                arrivals.persons[arrivals.month == month],
                arrivals.family[arrivals.month == month],
                strict=True,
            )
        )
    ]
    units = [make_unit(f"P1-M{i}", "P1", beds=4, rooms=2, shareable=True) for i in range(standing)]
    placed = place(
        reg.with_layers(
            units=make_registry(units=units).units,
            households=make_registry(households=households).households,
        ),
        day,
        time_limit=5,
        workers=1,
    )
    persons = {h["id"]: h["adults"] + len(h["children_ages"]) for h in households}
    assert sum(persons[h] for h in placed.unplaced["household_id"]) == short
    assert len(placed.placements) + len(placed.unplaced) == len(households)
