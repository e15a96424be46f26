"""The plan takes the decisions a council takes, unprompted, on hand-built cases (issue 14).

Each case has a hand computation: closing a site with its residents moved against thinning two,
buying a rented module against renting on, keeping modules for a wave that comes with
probability p (the crossover p by hand), notice and an early lease end.
"""

from __future__ import annotations

import datetime as dt

import pytest

from capacity.io.layers import frame
from capacity.planning.plan import make_plan
from capacity.planning.scenario import scenario_from_text
from capacity.policy import Limits, Policy, Weights
from tests.helpers import (
    make_household,
    make_module_type,
    make_occupancy,
    make_registry,
    make_site,
    make_unit,
)

NO_SOFT = Weights(transport=0, buildings_first=0, spread=0)


def policy(**limits) -> Policy:
    """Money only (no soft terms); emergency housing 1,000 kr. per person-day by default."""
    return Policy(weights=NO_SOFT, limits=Limits(**limits))


def module_type(id: str, site: str, **over) -> dict:
    """An owned module type: one shareable family home of 4 beds per module, up to 6 modules, no
    costs, a month's lead time, no minimum lifetime."""
    plain = dict(
        modules_max=6,
        cost_setup_per_module=0,
        cost_month_per_module=0,
        cost_teardown_per_module=0,
        lead_time_months=1,
        min_lifetime_months=0,
    )
    return make_module_type(id, site, **(plain | over))


def pavilion(id: str, dx: float = 0.0) -> dict:
    """A pavilion site row (its own module columns are ignored: it has a module type)."""
    return make_site(
        id, kind="pavilion_site", dx=dx, modules_now=0, modules_max=6, beds_per_module=4
    )


def registry(sites, types, units=(), households=(), occupancy=(), pol=None):
    """A registry with a module_types layer."""
    reg = make_registry(
        sites=sites,
        units=units,
        households=households,
        occupancy=occupancy,
        policy=pol or policy(),
    )
    return reg.with_layers(module_types=frame("module_types", list(types)))


def scenario(horizon: int, waves: str = "", level: float = 0.0):
    """Single adults, no uncertainty within a branch, stays beyond the horizon."""
    return scenario_from_text(
        f"""
name = "t"
start = "2027-01"
horizon_months = {horizon}
include_waiting = false
[arrivals]
level = {level}
{waves}
[uncertainty]
kind = "none"
[[household_types]]
name = "enlig"
adults = 1
share = 1
[stay]
kind = "empirical"
months = [60]
weights = [1]
""",
        "t.toml",
    )


def units_of(type_id: str, site: str, n: int) -> list[dict]:
    out = []
    for i in range(n):
        u = make_unit(f"{type_id}-U{i}", site, beds=4, shareable=True)
        u["module_type_id"] = type_id
        out.append(u)
    return out


def lived_in(type_id: str, units: int) -> tuple[list[dict], list[dict]]:
    """A single adult in each of the first ``units`` units of a type, staying on."""
    hh = [make_household(f"{type_id}-R{i}") for i in range(units)]
    occ = [make_occupancy(f"{type_id}-R{i}", f"{type_id}-U{i}") for i in range(units)]
    return hh, occ


def two_half_empty_sites(move_cost: int):
    """A (rent 50,000 a module) and B (10,000), four modules each, two lived in at each; a
    module costs 200,000 to put up and 20,000 to take down."""
    costs = dict(modules_now=4, modules_max=4, cost_setup_per_module=200_000)
    costs.update(cost_teardown_per_module=20_000)
    types = [
        module_type("A-T", "A", cost_month_per_module=50_000, **costs),
        module_type("B-T", "B", cost_month_per_module=10_000, **costs),
    ]
    units = units_of("A-T", "A", 4) + units_of("B-T", "B", 4)
    ha, oa = lived_in("A-T", 2)
    hb, ob = lived_in("B-T", 2)
    return registry(
        [pavilion("A"), pavilion("B", dx=500)],
        types,
        units,
        ha + hb,
        oa + ob,
        policy(move_cost_dkk_per_household=move_cost, max_moves_per_month=10),
    )


def test_closing_a_site_with_its_residents_moved_beats_thinning_both():
    # Thinning keeps 2 modules at A and 2 at B: 120,000 a month. Closing A moves its two
    # households into B's two empty modules: 40,000 a month plus 2 x 15,000 once.
    res = make_plan(two_half_empty_sites(15_000), scenario(12), samples=1, time_limit=20)
    mods = res.modules.set_index(["module_type_id", "month"])
    assert mods.loc["A-T", "modules_standing"].tolist() == [0] * 12
    assert mods.loc["A-T", "units_moved"].sum() == 2
    assert mods.loc["B-T", "modules_standing"].tolist() == [4] * 12
    assert res.summary["cost_by_kind"]["moves"] == pytest.approx(30_000)


def test_with_a_high_cost_per_move_both_sites_are_thinned_instead():
    res = make_plan(two_half_empty_sites(10_000_000), scenario(12), samples=1, time_limit=20)
    mods = res.modules.set_index(["module_type_id", "month"])
    assert mods.loc["A-T", "modules_standing"].tolist() == [2] * 12
    assert mods.loc["B-T", "modules_standing"].tolist() == [2] * 12
    assert mods["units_moved"].sum() == 0 and res.summary["cost_by_kind"]["moves"] == 0


def rented_site(months_lived: int, price: int = 300_000):
    """Two rented modules (20,000 a month, month to month), a resident in each who leaves after
    ``months_lived`` months; a module may be bought for ``price``."""
    t = module_type(
        "R-T",
        "R",
        modules_now=2,
        modules_max=2,
        cost_month_per_module=20_000,
        tenure="rented",
        purchase_price_per_module=price,
        cost_month_owned_per_module=0,
    )
    hh, occ = lived_in("R-T", 2)
    out = dt.date(2027, 1, 1) + dt.timedelta(days=round(30.4375 * months_lived))
    for o in occ:
        o["expected_move_out"] = out
    return registry([pavilion("R")], [t], units_of("R-T", "R", 2), hh, occ)


def test_needed_for_years_at_a_rent_above_price_over_the_lease_the_modules_are_bought():
    # 24 months x 20,000 = 480,000 of rent against 300,000 to buy: buy at once.
    res = make_plan(rented_site(30), scenario(24), samples=1, time_limit=20)
    mods = res.modules
    assert mods["modules_bought"].sum() == 2
    assert mods.loc[mods["modules_bought"] > 0, "month"].tolist() == ["2027-01"]
    assert res.summary["cost_by_kind"]["purchase"] == pytest.approx(600_000)


def test_needed_for_a_year_the_modules_are_rented_on():
    # 12 months x 20,000 = 240,000 of rent against 300,000 to buy: rent on, then take down.
    res = make_plan(rented_site(12), scenario(24), samples=1, time_limit=20)
    mods = res.modules
    assert mods["modules_bought"].sum() == 0
    assert mods["modules_standing"].iloc[0] == 2 and mods["modules_standing"].iloc[-1] == 0


def wave_site():
    """Three empty modules (rent 20,000, teardown 50,000); no new module can arrive in time."""
    t = module_type(
        "W-T",
        "W",
        modules_now=3,
        modules_max=3,
        cost_month_per_module=20_000,
        cost_teardown_per_module=50_000,
        lead_time_months=6,
    )
    return registry([pavilion("W")], [t], units_of("W-T", "W", 3))


WAVE = "[[arrivals.waves]]\nstart = 4\nmonths = 1\nhouseholds = 12\nprobability = {p}\n"


def kept_before_the_wave(p: float) -> int:
    res = make_plan(wave_site(), scenario(6, WAVE.format(p=p)), samples=1, time_limit=20)
    return int(res.modules["modules_standing"].iloc[2])  # March 2027, before the wave is known


@pytest.mark.parametrize(
    ("p", "kept"), [(0.0, 0), (0.1, 0), (0.15, 0), (0.25, 3), (0.3, 3), (1.0, 3)]
)
def test_modules_are_kept_for_a_wave_exactly_when_its_probability_pays(p, kept):
    # Per module: keeping until the wave is known (month 4) costs 3 x 20,000 of rent, and in the
    # wave branch 3 more months (p x 60,000); taking it down now saves that but leaves 4 persons
    # in emergency housing for 3 months in the wave branch (p x 4 x 90 x 1,000 = p x 360,000);
    # the teardown is paid either way. Keep when 60,000 + 60,000 p < 360,000 p: p > 0.2.
    assert kept_before_the_wave(p) == kept


def notice_site(early: int):
    """Two rented, empty modules (rent 10,000), 3 months' notice, lease to 2027-06-30."""
    t = module_type(
        "N-T",
        "N",
        modules_now=2,
        modules_max=2,
        cost_month_per_module=10_000,
        tenure="rented",
        lease_end=dt.date(2027, 6, 30),
        notice_months=3,
        cost_early_termination_per_module=early,
    )
    return registry([pavilion("N")], [t], units_of("N-T", "N", 2))


def test_nothing_comes_down_before_its_notice_and_the_lease_ends_early_when_the_penalty_pays():
    # Down in April (the notice's first month) costs the penalty; waiting for July costs 3 months
    # of rent (30,000 a module).
    cheap = make_plan(notice_site(10_000), scenario(12), samples=1, time_limit=20).modules
    assert cheap["modules_standing"].tolist()[:4] == [2, 2, 2, 0]
    assert cheap["modules_down"].tolist()[3] == 2
    costly = make_plan(notice_site(50_000), scenario(12), samples=1, time_limit=20).modules
    assert costly["modules_standing"].tolist()[:7] == [2, 2, 2, 2, 2, 2, 0]
