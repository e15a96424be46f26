"""Issue 15, sensitivity: stays, the wave's probability and rent varied without planning again;
the base is the paper's own runs (common random numbers), the sentence says what the cases say."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from capacity.planning.model import DAYS
from capacity.planning.proposal import UserOption, make_proposal
from capacity.planning.recommend import recommend
from capacity.planning.sensitivity import (
    RENT,
    STAY,
    WAVE,
    Case,
    Sensitivity,
    first_runs,
    rent,
    rescore,
    with_stay,
    with_wave,
)
from tests.helpers import make_registry, make_unit, tiny_registry
from tests.planning.conftest import pavilion, policy, scenario

WAVE_TOML = """
[[arrivals.waves]]
start = 4
months = 1
households = 13
"""


@pytest.fixture(scope="module")
def wave_paper():
    """A proposal on the tiny registry whose demand has a wave of 13 households in month 4."""
    reg = tiny_registry()
    sc = scenario([1, 1, 1, 1, 1, 1], stay=6, horizon=8, extra=WAVE_TOML)
    return reg, make_proposal(reg, sc, samples=3, runs=40, seed=2, time_limit=60)


def test_stays_are_scaled_by_kind():
    sc = scenario([1], stay=10)
    assert with_stay(sc, 1.3).stay.months == [13] and with_stay(sc, 0.7).stay.months == [7]
    assert with_stay(scenario([1], stay=1), 0.7).stay.months == [1]  # at least a month
    geo = sc.model_copy(update={"stay": sc.stay.model_copy(update={"kind": "geometric"})})
    assert with_stay(geo, 1.3).stay.mean_months == pytest.approx(12 * 1.3)
    hist = sc.model_copy(update={"stay": sc.stay.model_copy(update={"kind": "from_history"})})
    assert with_stay(hist, 1.3) is None


def test_every_wave_gets_the_probability():
    sc = scenario([1], extra=WAVE_TOML + WAVE_TOML)
    assert [w.probability for w in with_wave(sc, 0.3).arrivals.waves] == [0.3, 0.3]
    assert [w.probability for w in sc.arrivals.waves] == [1.0, 1.0]  # the paper's is untouched


def test_the_base_is_the_papers_own_runs(wave_paper):
    """Re-scoring the unchanged scenario gives run for run the paper's first runs: the
    variations are paired with the base (common random numbers)."""
    reg, paper = wave_paper
    price = reg.policy.limits.emergency_dkk_per_person_day * DAYS
    again = rescore(reg, paper.scenario, paper, 20, price, 1)
    for o, r in zip(paper.options, again, strict=True):
        base = first_runs(o, 20, price)
        np.testing.assert_allclose(r.totals, base.totals)
        assert r.risk == pytest.approx(base.risk) and r.total == pytest.approx(base.total)


def test_rent_moves_the_monthly_cost_only(wave_paper):
    _, paper = wave_paper
    for o in paper.options:
        month = o.plan.summary["cost_by_kind"]["month"]
        dearer = rent(o, 1.2)
        assert dearer.total == pytest.approx(o.total + 0.2 * month)
        assert dearer.risk == o.risk and dearer.emergency_cost == o.emergency_cost


def test_the_paper_carries_every_variation(wave_paper):
    reg, paper = wave_paper
    s = paper.sensitivity
    assert s.recommended == paper.recommended and s.runs == 40  # at most the paper's runs
    assert [(c.assumption, c.value) for c in s.cases] == [
        *(("stay", f) for f in STAY),
        *(("wave", p) for p in WAVE),
        *(("rent", f) for f in RENT),
    ]
    price = reg.policy.limits.emergency_dkk_per_person_day * DAYS
    base = tuple(first_runs(o, s.runs, price) for o in paper.options)
    assert s.base.recommended == recommend(base, paper.risk)[0]
    for c in s.cases:
        assert set(c.total) == set(c.risk) == {o.key for o in paper.options}
    no_wave = next(c for c in s.cases if c.assumption == "wave" and c.value == 0)
    assert all(no_wave.risk[k] <= s.base.risk[k] for k in no_wave.risk)  # fewer arrivals
    assert all(no_wave.total[k] <= s.base.total[k] for k in no_wave.risk)
    assert any(no_wave.total[k] < s.base.total[k] for k in no_wave.risk)  # less emergency
    swings = s.swings()
    widths = (swings[["cost_high", "base_cost"]].max(axis=1)) - swings[
        ["cost_low", "base_cost"]
    ].min(axis=1)
    assert widths.tolist() == sorted(widths, reverse=True)


def test_a_scenario_without_a_wave_says_so():
    paper = make_proposal(
        tiny_registry(), scenario([1, 2], stay=4, horizon=6), samples=2, runs=20, time_limit=10
    )
    s = paper.sensitivity
    assert {c.assumption for c in s.cases} == {"stay", "rent"}
    assert s.skipped == ("Scenariet har ingen bølge; bølgens sandsynlighed gælder ikke.",)


def case(assumption: str, value: float, recommended: str, condition: str = "") -> Case:
    return Case(
        assumption,
        value,
        f"{assumption} {value}",
        condition or f"hvis {value}",
        {},
        {},
        recommended,
    )


def sens(*cases: Case) -> Sensitivity:
    return Sensitivity(100, "A", case("base", 1, "A"), cases)


def test_the_sentence_names_every_change_of_the_recommendation():
    s = sens(
        case("stay", 0.7, "A"),
        case("stay", 1.3, "B", "hvis opholdene er 30 % længere"),
        case("wave", 0.0, "C", "hvis bølgen ikke kommer"),
        case("wave", 0.1, "C"),
        case("wave", 0.5, "A"),
        case("rent", 1.2, "B", "hvis lejen er 20 % højere"),
    )
    assert s.sentence() == (
        "Anbefalingen skifter fra A til B, hvis opholdene er 30 % længere eller hvis lejen er "
        "20 % højere og til C, hvis sandsynligheden for bølgen er 0 % eller 10 %; i de øvrige "
        "prøvede tilfælde står den fast."
    )


def test_the_sentence_says_the_recommendation_holds_only_when_it_does():
    s = sens(case("stay", 0.7, "A"), case("stay", 1.3, "A"), case("wave", 0.0, "A"))
    assert s.sentence() == (
        "Anbefalingen (mulighed A) står fast i alle de prøvede tilfælde: ophold 30 % kortere "
        "til 30 % længere og bølgen med sandsynlighed 0 % til 0 %."
    )
    flipped = dataclasses.replace(s, cases=(*s.cases, case("rent", 0.8, "D")))
    assert "står fast i alle" not in flipped.sentence() and "til D" in flipped.sentence()
    assert s.caveat() == ""
    other = dataclasses.replace(s, base=case("base", 1, "B"))
    assert "anbefales mulighed B allerede uden ændringer" in other.caveat()


def test_an_own_option_that_closes_a_site_is_scored_as_in_the_paper():
    """The runs read the plan's homes, not the sites' availability: the option planned on the
    registry with P1 closed is scored again on the same runs as the paper's."""
    site = pavilion(modules_now=3, cost_teardown_per_module=0, cost_month_per_module=100)
    units = [make_unit(f"M{i}", "P1", beds=4) for i in (1, 2, 3)]
    reg = make_registry(sites=[site], units=units, policy=policy())
    own = [UserOption("Luk P1 i marts", close={"P1": "2027-03"})]
    paper = make_proposal(reg, scenario([2], stay=8, horizon=6), samples=2, runs=20, own=own)
    price = reg.policy.limits.emergency_dkk_per_person_day * DAYS
    again = rescore(reg, paper.scenario, paper, 20, price, 1)
    for o, r in zip(paper.options, again, strict=True):
        np.testing.assert_allclose(r.totals, o.totals)
        assert r.risk == pytest.approx(o.risk)
    assert any(o.title == "Luk P1 i marts" for o in paper.options)
