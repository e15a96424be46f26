"""Homes by kind (issue 14, defect 4): the plan and the scenario runs count households into homes
of their kind with the placement's rules, so they agree where modules are smaller than households."""

from __future__ import annotations

import math

from capacity.model.homes import HomeKind, NeedKind, fits, shares
from capacity.planning.plan import make_plan
from capacity.planning.scenario import scenario_from_text
from capacity.planning.simulate import run_scenarios
from tests.helpers import make_household, make_registry, make_site, make_unit
from tests.planning.conftest import pavilion, policy


def families(
    per_month,
    *,
    kind="none",
    stay='kind = "empirical"\nmonths = [3]\nweights = [1]',
    horizon=3,
    singles=0.0,
    family=(2, [5, 9]),
) -> object:
    """Families (2 adults, 2 children by default) and optionally singles arriving per month."""
    adults, kids = family
    extra = (
        f'[[household_types]]\nname = "single"\nadults = 1\nshare = {singles}\n' if singles else ""
    )
    return scenario_from_text(
        f"""
name = "homes"
start = "2027-01"
horizon_months = {horizon}
include_waiting = false
[arrivals]
per_month = {(list(per_month) + [0] * horizon)[:horizon]}
[uncertainty]
kind = "{kind}"
[[household_types]]
name = "family"
adults = {adults}
children_ages = {kids}
share = 1
{extra}
[stay]
{stay}
""",
        "homes.toml",
    )


def small_sites(**over) -> list[dict]:
    """Two pavilion sites with one 3-bed module each, none to add (docs/models.md section 5)."""
    return [
        pavilion(p, modules_now=1, modules_max=1, beds_per_module=3, dx=i * 500, **over)
        for i, p in enumerate(("P1", "P2"))
    ]


def test_rules_come_from_placement():
    family_home = HomeKind(5, family_ok=True, shareable=True, accessible=False)
    single_room = HomeKind(1, family_ok=False, shareable=False, accessible=False)
    family4, single = NeedKind(4, True, False), NeedKind(1, False, False)
    assert fits(family4, family_home) and not fits(family4, single_room)
    assert not fits(NeedKind(6, True, False), family_home)  # room_for_household
    assert not fits(NeedKind(1, False, True), single_room)  # accessible_when_needed
    assert shares(single, family_home) and not shares(family4, family_home)


def test_family_of_four_and_two_three_bed_modules_plan_and_runs_agree():
    # Before: the plan gave 0 person-months short (4 <= 0.9 x 6 beds), the runs 12.
    reg = make_registry(sites=small_sites(), policy=policy())
    sc = families([1])
    plan = make_plan(reg, sc, samples=1, seed=1, time_limit=10)
    runs = run_scenarios(reg, sc, plan=plan.plan, samples=5, seed=1, workers=1)
    assert plan.summary["shortage_person_months"] == 12
    assert runs.summary["expected_shortage_person_months"] == 12
    # no module type's home fits the family of four: its shortage is counted apart
    assert runs.summary["beyond_modules"]["household_months"] == 3
    assert runs.summary["beyond_modules"]["risk_any_shortage"] == 1
    assert runs.summary["shortage_by_kind"]["family"]["household_months"] == 0


def test_plan_and_runs_agree_within_sampling_error_when_modules_are_smaller_than_households():
    # Families of four (Poisson, 1 a month, stays of 3 months) and two sites of one 3-bed module:
    # no family ever has a home; 2-person families and singles do. The plan's expected shortage
    # (its own samples) and the runs' (fresh samples) estimate the same number.
    reg = make_registry(sites=small_sites(), policy=policy())
    sc = families([1] * 6, kind="poisson", horizon=6)
    plan = make_plan(reg, sc, samples=60, seed=2, time_limit=20, groups=1)
    runs = run_scenarios(reg, sc, plan=plan.plan, samples=600, seed=3, workers=1)
    # every family present is short: mean persons short per month 4 x min(t + 1, 3)
    exact = sum(4 * min(t + 1, 3) for t in range(6))
    se_plan = 4 * math.sqrt(sum(min(t + 1, 3) for t in range(6)) * 3 / 60)  # rough, generous
    assert abs(plan.summary["shortage_person_months"] - exact) < 3 * se_plan
    assert abs(runs.summary["expected_shortage_person_months"] - exact) < 3 * se_plan / math.sqrt(
        10
    )


def test_family_homes_are_kept_for_the_families_expected():
    # Ten empty single rooms (10 beds) and two empty family-home modules (5 beds each); two
    # families of four arrive in month 3. Counting beds, the rooms hold the 8 persons and the
    # modules would come down at once; counting homes, the families need the modules.
    sites = [
        make_site("B1"),
        pavilion(modules_now=2, modules_max=2, beds_per_module=5, cost_teardown_per_module=0),
    ]
    units = [make_unit(f"B1-{i}", "B1", beds=1, family_ok=False) for i in range(10)]
    reg = make_registry(sites=sites, units=units, policy=policy())
    sc = families([0, 0, 2], stay='kind = "empirical"\nmonths = [12]\nweights = [1]', horizon=6)
    res = make_plan(reg, sc, samples=1, seed=1, time_limit=10)
    rows = res.plan[res.plan["site_id"] == "P1"]
    assert rows["modules_standing"].tolist() == [2] * 6
    assert res.summary["shortage_person_months"] == 0
    runs = run_scenarios(reg, sc, plan=res.plan, samples=3, seed=1, workers=1)
    assert runs.summary["expected_shortage_person_months"] == 0


def test_singles_are_never_counted_into_a_familys_spare_beds():
    # One family home of 5 beds (shareable); waiting: a family of three and two singles. The
    # family takes the home whole and both singles are short (2 persons a month), in the plan and
    # in the runs (one_family_per_unit: no adult-only household beside a family).
    sites = [pavilion(modules_now=1, modules_max=1, beds_per_module=5)]
    waiting = [
        make_household("F", adults=1, children_ages=(4, 9)),
        make_household("S1"),
        make_household("S2"),
    ]
    reg = make_registry(sites=sites, households=waiting, policy=policy())
    sc = families([0], horizon=3).model_copy(update={"include_waiting": True})
    res = make_plan(reg, sc, samples=1, seed=1, time_limit=10)
    runs = run_scenarios(reg, sc, plan=res.plan, samples=2, seed=1, workers=1)
    assert res.summary["shortage_person_months"] == 2 * 3
    assert runs.summary["expected_shortage_person_months"] == 2 * 3
    assert runs.summary["shortage_by_kind"]["single"]["household_months"] == 2 * 3
