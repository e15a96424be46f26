"""The council's own options are planned by the same model under their conditions (issue 15):
close a site from a month (its residents moved, at their cost), buy the rented modules, no new
sites, keep at least N homes of a kind; bad option files are refused naming option and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from capacity.errors import UserError
from capacity.planning.plan import make_plan
from capacity.planning.proposal import UserOption, conditions, load_options
from capacity.planning.supply import supply
from tests.planning.test_plan_decisions import (
    module_type,
    pavilion,
    registry,
    rented_site,
    scenario,
    two_half_empty_sites,
    units_of,
)


def planned(reg, sc, option: UserOption):
    return make_plan(
        reg, sc, samples=1, time_limit=20, plan_supply=conditions(supply(reg, sc), option)
    )


def test_closing_a_site_from_a_month_moves_its_residents_and_counts_the_moves():
    reg = two_half_empty_sites(15_000)
    res = planned(reg, scenario(12), UserOption("Luk B", close={"B": "2027-04"}))
    mods = res.modules.set_index(["module_type_id", "month"])
    assert mods.loc["B-T", "modules_standing"].tolist()[3:] == [0] * 9
    assert mods.loc["B-T", "units_moved"].sum() == 2
    assert res.summary["cost_by_kind"]["moves"] == pytest.approx(30_000)
    free = make_plan(reg, scenario(12), samples=1, time_limit=20)  # B is the cheap one: kept
    assert free.modules.set_index("module_type_id").loc["B-T", "modules_standing"].min() > 0


def test_buying_the_rented_modules_now_is_planned_and_costed():
    reg = rented_site(12)  # needed for a year: the free plan rents on
    res = planned(reg, scenario(24), UserOption("Køb", buy=("R",)))
    assert res.modules["modules_bought"].tolist()[0] == 2
    assert res.modules["modules_rented"].sum() == 0
    assert res.summary["cost_by_kind"]["purchase"] == pytest.approx(600_000)


def test_buying_where_nothing_can_be_bought_is_refused():
    reg = two_half_empty_sites(15_000)
    with pytest.raises(UserError, match="'Køb A'.*A har ingen lejede moduler"):
        conditions(supply(reg, scenario(12)), UserOption("Køb A", buy=("A",)))


def wave_registry():
    """A site with two empty modules and a site with none yet; 20 singles arrive in month 3."""
    types = [
        module_type("O-T", "O", modules_now=2, modules_max=2, cost_month_per_module=1_000),
        module_type("N-T", "N", modules_max=6, cost_setup_per_module=10_000),
    ]
    return registry([pavilion("O"), pavilion("N", dx=400)], types, units_of("O-T", "O", 2))


WAVE = "[[arrivals.waves]]\nstart = 3\nmonths = 1\nhouseholds = 20\n"


def test_no_new_sites_keeps_a_site_without_modules_empty():
    sc = scenario(8, WAVE)
    free = make_plan(wave_registry(), sc, samples=1, time_limit=20)
    assert free.modules.set_index("module_type_id").loc["N-T", "modules_up"].sum() > 0
    res = planned(wave_registry(), sc, UserOption("Ingen nye grunde", no_new_sites=True))
    assert res.modules.set_index("module_type_id").loc["N-T", "modules_standing"].sum() == 0


def test_keep_homes_of_a_kind_keeps_modules_standing():
    reg = rented_site(3)  # residents leave in month 3; the free plan takes the modules down
    free = make_plan(reg, scenario(12), samples=1, time_limit=20)
    assert free.modules["modules_standing"].iloc[-1] == 0
    res = planned(reg, scenario(12), UserOption("Behold", keep_homes={"family": 2}))
    assert res.modules["modules_standing"].tolist() == [2] * 12


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("keep_homes = {villa = 2}", "nøgle 'keep_homes': skal være en tabel med boligtyper"),
        ("keep_homes = {family = -1}", "nøgle 'keep_homes'"),
        ('buy = ["NOPE"]', "nøgle 'buy': skal være en liste med kendte lokalitets-id'er"),
        ('buy = "P01"', "nøgle 'buy'"),
        ("no_new_sites = 1", "nøgle 'no_new_sites': skal være true eller false"),
    ],
)
def test_bad_option_keys_are_refused_naming_option_and_key(tmp_path: Path, row, message):
    path = tmp_path / "options.toml"
    path.write_text(f'[[option]]\nname = "x"\n{row}\n', encoding="utf-8")
    with pytest.raises(UserError, match=f"options.toml, mulighed 1.*{message}"):
        load_options(path, ["P01", "P02"])
