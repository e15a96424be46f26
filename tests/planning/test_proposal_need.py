"""The proposal's advice on what would reach the accepted risk names a type of home that fits the
kind of household most short, from the first month its lead time lets it stand."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from capacity.planning.proposal import need_text
from capacity.planning.scenario import scenario_from_text
from capacity.planning.simulate import ScenarioResult
from capacity.planning.supply import supply
from tests.planning.test_plan_decisions import module_type, pavilion, registry

SCENARIO = """
name = "t"
start = "2027-01"
horizon_months = 6
include_waiting = false
[arrivals]
per_month = [1, 1, 1, 1, 1, 1]
[uncertainty]
kind = "none"
[[household_types]]
name = "enlig"
adults = 1
share = 1
[[household_types]]
name = "familie"
adults = 2
children_ages = [4, 7]
share = 1
[stay]
kind = "empirical"
months = [60]
weights = [1]
"""

SINGLE_ROOMS = module_type(
    "N-E",
    "N",
    name="enkeltværelsesmodul",
    units_per_module=2,
    beds_per_unit=1,
    family_ok=False,
    shareable=False,
    lead_time_months=1,
)
FAMILY_HOMES = module_type(
    "N-F",
    "N",
    name="familiemodul",
    units_per_module=1,
    beds_per_unit=5,
    family_ok=True,
    shareable=False,
    modules_max=4,
    lead_time_months=3,
)


def robust(sup, single: float, family: float):
    """The robust option as ``need_text`` reads it: its plan stands no module at N; half its 10
    runs are short from February (12 persons in 1 run in 10), of singles and families as given
    (household-months)."""
    persons = np.zeros((10, len(sup.months)), np.int64)
    persons[::2, 1:] = 12
    by_kind = {"single": single, "family": family, "accessible": 0.0}
    runs = ScenarioResult(
        pd.DataFrame({"month": sup.months}),
        {"shortage_by_kind": {k: {"household_months": v} for k, v in by_kind.items()}},
    )
    modules = pd.DataFrame({"module_type_id": sup.mod.ids, "modules_standing": 0})
    return SimpleNamespace(
        risk=0.5, runs=runs, plan=SimpleNamespace(modules=modules), short_persons=persons
    )


def advice(types, single: float, family: float) -> str:
    sup = supply(registry([pavilion("N")], types), scenario_from_text(SCENARIO, "t.toml"))
    return need_text(robust(sup, single, family), sup, risk=0.9, early=1)


def test_a_shortage_of_families_is_met_with_family_homes_from_when_they_can_stand():
    """Single rooms have the most room (6 modules) but take no family; family homes take 3
    months to stand: ordered in January, April is the first month, not February."""
    text = advice([SINGLE_ROOMS, FAMILY_HOMES], single=1.1, family=21.3)
    assert "Manglen er mest familier: 21,3 af 22,4 husstandsmåneder i gennemsnit." in text
    assert (
        "Det kræver ca. 3 moduler af typen familiemodul mere på Site N (N) fra april 2027 "
        "(5 senge hver; bestilt i januar 2027 kan de med 3 måneders leveringstid tidligst stå i "
        "april 2027, mens risikoen overskrides fra februar 2027)." in text
    )
    assert "enkeltværelsesmodul" not in text


def test_a_shortage_of_singles_is_met_with_single_rooms():
    """Both types fit a single adult; the single rooms are singles' own kind of home and stand
    from February (a month's lead time), when the risk is first exceeded."""
    text = advice([SINGLE_ROOMS, FAMILY_HOMES], single=21.3, family=1.1)
    assert "Manglen er mest enlige" in text
    assert (
        "Det kræver ca. 6 moduler af typen enkeltværelsesmodul mere på Site N (N) fra "
        "februar 2027 (2 senge hver)." in text
    )


def test_without_a_type_that_fits_the_shortage_no_type_is_named():
    """Only single rooms at the site: none takes a family, so no module is advised."""
    text = advice([SINGLE_ROOMS], single=1.1, family=21.3)
    assert (
        "Ingen modultype på grundene har boliger, der passer til familier: det kræver ca. 12 "
        "senge mere fra februar 2027 på nye grunde eller i bygninger." in text
    )
    assert "moduler af typen" not in text


def test_a_risk_spread_over_months_is_not_laid_on_the_first_months():
    """Each of 5 runs in 20 is short in one month of its own, February to June: no month is over
    10 %, but a quarter of the runs are short in some month. Before, the paper said the first
    months gave the risk, though none of them was over 10 %."""
    sup = supply(registry([pavilion("N")], [SINGLE_ROOMS]), scenario_from_text(SCENARIO, "t.toml"))
    best = robust(sup, single=5.0, family=0.0)
    persons = np.zeros((20, len(sup.months)), np.int64)
    for run in range(5):
        persons[run, run + 1] = 3
    best.short_persons, best.risk = persons, 0.25
    text = need_text(best, sup, risk=0.9, early=1)
    assert text == (
        "Ingen enkelt måned har en risiko for mangel over 10 %; risikoen for mangel i mindst én "
        "måned (25 %) kommer af mangel spredt over flere måneder i forskellige kørsler."
    )
    persons[:4, 0] = 3  # 4 runs in 20 short in January, before any order can stand
    assert "det er de første måneder, der giver risikoen" in need_text(best, sup, 0.9, early=1)
