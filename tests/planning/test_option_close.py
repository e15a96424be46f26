"""An option that closes a pavilion site with residents moves them off by the closing month, also
when no other site has homes of their kind (issue: owned sites with residents had no plan); when
they cannot be moved in time, the message names the option's closing, not the registry."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from capacity.errors import UserError
from capacity.io.layers import frame
from capacity.planning.plan import make_plan
from capacity.planning.proposal import UserOption, conditions
from capacity.planning.supply import held_homes, supply
from tests.helpers import make_household, make_occupancy, make_unit
from tests.planning.test_plan_decisions import module_type, pavilion, policy, registry, scenario


def own_kind_site(residents: int = 1, **limits):
    """A: two owned modules of 6-bed family homes (a kind no other site has), a single adult
    staying on in each of the first ``residents``; B: two empty owned modules of 4-bed homes.
    Moves cost 15,000 a household, at most 10 a month unless ``limits`` say otherwise."""
    types = [
        module_type("A-T", "A", modules_now=2, modules_max=2, beds_per_unit=6),
        module_type("B-T", "B", modules_now=2, modules_max=2, cost_month_per_module=1_000),
    ]
    units = []
    for t, site, beds in (("A-T", "A", 6), ("B-T", "B", 4)):
        for i in range(2):
            u = make_unit(f"{t}-U{i}", site, beds=beds, shareable=True)
            u["module_type_id"] = t
            units.append(u)
    hh = [make_household(f"R{i}") for i in range(residents)]
    occ = [make_occupancy(f"R{i}", f"A-T-U{i}") for i in range(residents)]
    pol = policy(**({"move_cost_dkk_per_household": 15_000, "max_moves_per_month": 10} | limits))
    return registry([pavilion("A"), pavilion("B", dx=500)], types, units, hh, occ, pol)


def closed_plan(reg, month: str):
    sc = scenario(12)
    sup = conditions(supply(reg, sc), UserOption("Luk A", close={"A": month}))
    return make_plan(reg, sc, samples=1, time_limit=20, plan_supply=sup)


def test_closing_an_owned_site_whose_home_kind_is_nowhere_else_moves_its_resident():
    # The resident holds a 6-bed home, a kind only A has; from April A is closed, so the
    # resident is moved (15,000) in April into one of B's free homes, which fits a single adult.
    res = closed_plan(own_kind_site(), "2027-04")
    mods = res.modules.set_index(["module_type_id", "month"])
    assert mods.loc["A-T", "modules_standing"].tolist()[3:] == [0] * 9
    assert mods.loc["A-T", "units_moved"].tolist() == [0, 0, 0, 1] + [0] * 8
    assert res.summary["cost_by_kind"]["moves"] == pytest.approx(15_000)
    assert min(mods.loc["B-T", "modules_standing"].tolist()[3:]) >= 1
    assert res.summary["cost_by_kind"]["emergency"] == 0


def test_a_closed_sites_residents_need_a_home_elsewhere_from_the_closing_month():
    reg = own_kind_site()
    sc = scenario(12)
    base = supply(reg, sc)
    held = held_homes(conditions(base, UserOption("Luk A", close={"A": "2027-04"})))
    c = int(base.resident_class[0])
    assert (held.whole + held.shared)[c].tolist() == [1, 1, 1] + [0] * 9
    assert held.displaced.sum(axis=1).tolist() == [0, 0, 0] + [1] * 9
    assert held_homes(base).shared[c].tolist() == [1] * 12  # no closing: the supply's own


@pytest.mark.parametrize(
    ("residents", "limits", "month", "cause"),
    [
        (1, {"max_moves_per_month": 0}, "2027-04", "tillader ingen flytninger"),
        (2, {"max_moves_per_month": 1}, "2027-01", "kan tidligst lukke fra 2027-02"),
    ],
)
def test_a_closing_the_residents_cannot_be_moved_by_is_named_as_the_options(
    residents, limits, month, cause
):
    with pytest.raises(UserError) as err:
        closed_plan(own_kind_site(residents, **limits), month)
    text = str(err.value)
    assert "muligheden lukker en grund (close_from)" in text
    assert re.search(f"A \\([^)]*\\): lukkes fra {month}", text) and cause in text
    assert "registret" not in text and "leveringstid" not in text


def test_a_site_that_cannot_be_emptied_within_the_horizon_is_said_so_not_a_traceback():
    """8 households at A, one move a month, 6 months: A cannot be emptied in the scenario at all
    (the review found an IndexError naming no month)."""
    reg = own_kind_site(2, max_moves_per_month=1)
    extra = [make_household(f"X{i}") for i in range(6)]
    occ = [make_occupancy(f"X{i}", f"A-T-U{i % 2}") for i in range(6)]
    reg = reg.with_layers(
        households=pd.concat([reg.households, frame("households", extra)], ignore_index=True),
        occupancy=pd.concat([reg.occupancy, frame("occupancy", occ)], ignore_index=True),
    )
    sc = scenario(6)
    sup = conditions(supply(reg, sc), UserOption("Luk A", close={"A": "2027-01"}))
    with pytest.raises(UserError, match="kan ikke tømmes inden scenariets sidste måned"):
        make_plan(reg, sc, samples=1, time_limit=20, plan_supply=sup)
