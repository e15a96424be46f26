"""Scenario branches: uncertain waves split the scenario into weighted branches."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from capacity.errors import RegistryError
from capacity.planning import demand as dem
from capacity.planning.sampling import draw, generators
from capacity.planning.scenario import scenario_from_text

BASE = """
name = "t"
start = "2027-01"
horizon_months = 12
[arrivals]
level = 1.0
{waves}
[[household_types]]
name = "enlig"
adults = 1
share = 1
"""


def _scenario(waves: str):
    return scenario_from_text(BASE.format(waves=waves))


def test_certain_wave_is_one_branch() -> None:
    sc = _scenario("[[arrivals.waves]]\nstart = 3\nmonths = 2\nhouseholds = 20\n")
    (b,) = sc.branches()
    assert b.probability == 1.0 and b.waves == (0,)


def test_uncertain_waves_split_into_weighted_branches() -> None:
    sc = _scenario(
        "[[arrivals.waves]]\nstart = 3\nhouseholds = 20\nprobability = 0.2\n"
        "[[arrivals.waves]]\nstart = 6\nhouseholds = 10\nprobability = 0.5\n"
    )
    br = sc.branches()
    assert len(br) == 4
    assert sum(b.probability for b in br) == pytest.approx(1.0)
    p = {b.waves: b.probability for b in br}
    assert p[()] == pytest.approx(0.8 * 0.5) and p[(0, 1)] == pytest.approx(0.2 * 0.5)


def test_expected_arrivals_weigh_the_wave_by_its_probability(tiny_registry) -> None:
    sc = _scenario(
        "[[arrivals.waves]]\nstart = 3\nmonths = 2\nhouseholds = 20\nprobability = 0.25\n"
    )
    dm = dem.demand_model(tiny_registry, sc)
    dm = dataclasses.replace(
        dm, waiting_persons=dm.waiting_persons[:0], waiting_month=dm.waiting_month[:0]
    )
    assert dm.mean[2] == pytest.approx(1.0 + 0.25 * 10)
    assert dm.branch_mean.shape == (2, 12)
    assert sorted(dm.branch_mean[:, 2].tolist()) == pytest.approx([1.0, 11.0])


def test_runs_draw_the_wave_with_its_probability(tiny_registry) -> None:
    """The share of runs with the wave's arrivals is the wave's probability (within sampling error)."""
    sc = _scenario(
        '[uncertainty]\nkind = "none"\n'
        "[[arrivals.waves]]\nstart = 3\nmonths = 1\nhouseholds = 50\nprobability = 0.3\n"
    )
    dm = dem.demand_model(tiny_registry, sc)
    n = 2000
    big = [int((draw(dm, g).month == 2).sum() > 25) for g in generators(7, dem.RUNS, n)]
    assert abs(np.mean(big) - 0.3) < 4 * np.sqrt(0.3 * 0.7 / n)


def test_too_many_uncertain_waves_refused() -> None:
    wave = "[[arrivals.waves]]\nstart = 2\nhouseholds = 5\nprobability = 0.5\n"
    with pytest.raises(RegistryError, match="højst 3 bølger"):
        _scenario(wave * 4)
