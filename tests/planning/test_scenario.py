"""Scenario files: the two examples parse; bad keys and values are errors naming the key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capacity.errors import RegistryError, UserError
from capacity.planning.demand import (
    arrival_month,
    demand_model,
    demand_paths,
    expected_households,
    stay_pmf,
)
from capacity.planning.scenario import load_scenario, scenario_from_text
from capacity.planning.supply import supply
from tests.helpers import make_household, make_occupancy, make_registry, tiny_registry

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "scenarios"
GOOD = """
start = "2027-01"
horizon_months = 6
[arrivals]
level = 2
[[household_types]]
name = "single"
adults = 1
share = 1
"""


@pytest.mark.parametrize("name", ["baseline.toml", "wave.toml"])
def test_examples_parse(name):
    sc = load_scenario(EXAMPLES / name)
    assert sc.horizon_months == 24 and len(sc.household_types) >= 4


def test_wave_adds_150_persons_over_four_months():
    sc = load_scenario(EXAMPLES / "wave.toml")
    mean = expected_households(sc, 2.0)
    assert mean[2:6] == pytest.approx([2.5 + 150 / 2 / 4] * 4)
    assert mean[0] == pytest.approx(2.5)


def errors_of(text: str) -> list[str]:
    with pytest.raises(RegistryError) as info:
        scenario_from_text(text, "bad.toml")
    return [f"{p.column}: {p.message}" for p in info.value.problems]


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (("level = 2", "levle = 2"), "arrivals.levle"),
        (("level = 2", "level = -1"), "arrivals.level"),
        (('start = "2027-01"', 'start = "2027-13"'), "start"),
        (("share = 1", "share = 0"), "household_types.0.share"),
        (("adults = 1", "adults = 1\nchildren_ages = [19]"), "household_types.0.children_ages"),
        (("horizon_months = 6", "horizon_months = 6\n[stay]\nkind = 'weibull'"), "stay.kind"),
        (
            ("level = 2", "level = 2\n[[arrivals.waves]]\nstart = 2\npersons = 4\nhouseholds = 2"),
            "arrivals.waves.0",
        ),
        (("level = 2", "per_month = [1, 2]"), "arrivals.per_month"),
    ],
)
def test_bad_keys_are_named(change, key):
    problems = errors_of(GOOD.replace(*change))
    assert any(p.startswith(f"{key}:") or p.startswith(f"{key}") for p in problems), problems


def test_missing_file_and_bad_toml_are_user_errors(tmp_path):
    with pytest.raises(RegistryError, match="findes ikke"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(RegistryError, match="ikke gyldig TOML"):
        scenario_from_text("start = ", "x.toml")
    message = str(RegistryError(_problems(GOOD.replace("level = 2", "levle = 2"))))
    assert "bad.toml, nøgle 'arrivals.levle': ukendt nøgle" in message


def _problems(text: str) -> list:
    try:
        scenario_from_text(text, "bad.toml")
    except RegistryError as exc:
        return exc.problems
    return []


def test_from_history_needs_closed_stays():
    sc = scenario_from_text(GOOD + "[stay]\nkind = 'from_history'\nmin_history = 2\n", "h.toml")
    with pytest.raises(UserError, match="stay.kind = 'from_history' kræver mindst 2"):
        stay_pmf(tiny_registry(), sc)
    import datetime as dt

    hh = [make_household("H1"), make_household("H2")]
    occ = [
        make_occupancy("H1", "U1", move_in=dt.date(2026, 1, 1), move_out=dt.date(2026, 7, 1)),
        make_occupancy("H2", "U1", move_in=dt.date(2026, 1, 1), move_out=dt.date(2026, 4, 1)),
    ]
    reg = make_registry(households=hh, occupancy=occ)
    pmf = stay_pmf(reg, sc)
    assert pmf[5] == pytest.approx(0.5) and pmf[2] == pytest.approx(0.5)


def test_demand_paths_are_seeded_and_count_waiting_households():
    sc = scenario_from_text(GOOD, "g.toml")
    dm = demand_model(tiny_registry(), sc)
    assert sorted(dm.waiting_persons.tolist()) == [1, 2, 4]  # the minor is not counted
    a, b = demand_paths(dm, 5, seed=3), demand_paths(dm, 5, seed=3)
    assert np.array_equal(a, b) and a.shape == (5, 6)
    assert (a[:, 0] >= 7).all()


def test_a_registered_household_needs_a_home_from_the_month_it_arrives():
    """Arrived before the horizon: month 1; in March: from March; after the horizon: not in it
    (counting them all in month 1 overstated the first months' need)."""
    sc = scenario_from_text(GOOD.replace("level = 2", "level = 0"), "g.toml")
    arrivals = [dt.date(2026, 12, 20), dt.date(2027, 3, 31), dt.date(2027, 7, 1)]
    hh = [make_household(f"W{i}", adults=i + 1, arrival_date=d) for i, d in enumerate(arrivals)]
    dm = demand_model(make_registry(households=hh), sc)
    assert dm.waiting_persons.tolist() == [1, 2] and dm.waiting_month.tolist() == [0, 2]
    paths = demand_paths(dm, 4, seed=1)
    assert paths[:, 0].tolist() == [1] * 4 and paths[:, 2].min() >= 2


@given(day=st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)))
def test_arrival_month_is_the_month_the_date_falls_in(day):
    starts = scenario_from_text(GOOD, "g.toml").month_starts()
    month = int(arrival_month(pd.Series([pd.Timestamp(day)]), starts)[0])
    inside = [k for k in range(len(starts) - 1) if starts[k] <= day < starts[k + 1]]
    expected = inside[0] if inside else (0 if day < starts[0] else len(starts) - 1)
    assert month == expected


def test_horizon_defaults_to_the_policy_and_from_history_overrides_the_stay():
    sc = scenario_from_text(GOOD.replace("horizon_months = 6\n", ""), "g.toml", default_horizon=9)
    assert sc.horizon_months == 9
    sc = scenario_from_text(GOOD, "g.toml", default_horizon=9, from_history=True)
    assert sc.horizon_months == 6 and sc.stay.kind == "from_history"


@pytest.mark.parametrize("start, refused", [("2026-10", True), ("2026-11", False)])
def test_a_scenario_cannot_start_before_the_last_recorded_move(start, refused):
    """The horizon starts from today's residents: a start before the last move in or out would
    count a household that moved in later (or out earlier) in the first month."""
    hh = [make_household("H1"), make_household("H2")]
    occ = [
        make_occupancy("H1", "U1", move_in=dt.date(2026, 1, 1), move_out=dt.date(2026, 11, 18)),
        make_occupancy("H2", "U1", move_in=dt.date(2026, 11, 18)),
    ]
    reg = make_registry(households=hh, occupancy=occ)
    sc = scenario_from_text(GOOD.replace('"2027-01"', f'"{start}"'), "g.toml")
    if refused:
        with pytest.raises(UserError, match="starter i 2026-10, men registret har flytninger til"):
            supply(reg, sc)
    else:
        assert len(supply(reg, sc).months) == 6


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("level = 2", "level = -1"), "arrivals.level: værdien skal være mindst 0 (angivet: -1)"),
        (("level = 2", "level = 'x'"), "arrivals.level: værdien skal være et tal (angivet: 'x')"),
        (("level = 2", "levle = 2"), "arrivals.levle: ukendt nøgle; tjek stavningen"),
        (('start = "2027-01"\n', ""), "start: påkrævet nøgle mangler; tilføj den"),
        (
            ("horizon_months = 6", "horizon_months = 6\n[stay]\nkind = 'weibull'"),
            "stay.kind: værdien skal være en af 'geometric', 'empirical' eller 'from_history'",
        ),
    ],
)
def test_pydantics_own_errors_are_told_in_danish(change, message):
    problems = errors_of(GOOD.replace(*change))
    assert any(p.startswith(message) for p in problems), problems
