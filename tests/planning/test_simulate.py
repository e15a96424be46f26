"""Scenario runs: reproducible with a seed, identical on 1 worker, 2 workers and a Dask cluster."""

from __future__ import annotations

import datetime as dt

import distributed
import numpy as np
import pandas as pd
import pytest

from capacity.errors import UserError
from capacity.planning.greedy import run_chunk
from capacity.planning.plan import PLAN_COLUMNS
from capacity.planning.plan_input import PLAN_BEDS_COLUMNS, plan_beds
from capacity.planning.scenario import scenario_from_text
from capacity.planning.simulate import input_for, run_scenarios
from capacity.planning.supply import supply
from tests.helpers import make_household, make_registry, make_site, make_unit, tiny_registry
from tests.planning.conftest import pavilion, scenario, scenario_text

WAVE = scenario([1, 1, 1, 6, 1, 1], stay=4, horizon=8).model_copy(
    update={"uncertainty": scenario([0]).uncertainty.model_copy(update={"kind": "poisson"})}
)


def test_same_seed_same_numbers_other_seed_other_numbers():
    reg = tiny_registry()
    a = run_scenarios(reg, WAVE, samples=60, seed=5, workers=1)
    b = run_scenarios(reg, WAVE, samples=60, seed=5, workers=1)
    c = run_scenarios(reg, WAVE, samples=60, seed=6, workers=1)
    pd.testing.assert_frame_equal(a.months, b.months)
    assert not a.months.equals(c.months)


def test_one_worker_two_workers_and_dask_agree():
    reg = tiny_registry()
    one = run_scenarios(reg, WAVE, samples=120, seed=9, workers=1)
    two = run_scenarios(reg, WAVE, samples=120, seed=9, workers=2)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = run_scenarios(reg, WAVE, samples=120, seed=9, dask=client)
    pd.testing.assert_frame_equal(one.months, two.months)
    pd.testing.assert_frame_equal(one.months, on_dask.months)
    assert one.summary == two.summary == on_dask.summary


def test_hand_computed_run_without_uncertainty():
    # One building with a shareable 4-bed unit; singles arrive 1, 1, 1, 6 and stay 4 months:
    reg = make_registry(
        sites=[make_site("B1")], units=[make_unit("B1-1", "B1", beds=4, shareable=True)]
    )
    sc = scenario([1, 1, 1, 6], stay=4, horizon=6)
    res = run_scenarios(reg, sc, samples=3, seed=1, workers=1)
    # month index 3 has 1 + 1 + 1 + 6 = 9 persons for 4 beds: 5 short.
    assert res.months["expected_short"].tolist()[:4] == [0, 0, 0, 5]
    assert res.months["p_shortage"].tolist()[3] == 1.0
    assert res.summary["risk_any_shortage"] == 1.0
    assert res.months["beds"].tolist() == [4] * 6


def test_a_unit_that_is_not_shareable_takes_one_household_whatever_its_beds():
    # The same 4 beds, not shareable: one single lives there, the others wait (one_family_per_unit).
    reg = make_registry(sites=[make_site("B1")], units=[make_unit("B1-1", "B1", beds=4)])
    res = run_scenarios(reg, scenario([1, 1, 1, 6], stay=4, horizon=6), samples=3, seed=1)
    assert res.months["expected_short"].tolist()[:4] == [0, 1, 2, 8]
    assert res.months["expected_short_households"].tolist()[:4] == [0, 1, 2, 8]
    assert res.summary["shortage_by_kind"]["family"]["person_months"] == 0


def test_modules_taken_down_under_people_move_them():
    # A plan that takes the only module down in month 2 relocates its residents (short from then
    # on where the building is full).
    reg = make_registry(
        sites=[pavilion(modules_now=1), make_site("B1")],
        units=[make_unit("B1-1", "B1", beds=2, shareable=True)],
    )
    sc = scenario([2], stay=12, horizon=4)
    sup = supply(reg, sc)
    plan = pd.DataFrame(
        {
            "site_id": ["P1"] * 4 + ["B1"] * 4,
            "month": sup.months * 2,
            "beds": [4, 4, 0, 0, 2, 2, 2, 2],
        }
    )
    assert plan_beds(plan, sup).tolist() == [[4, 4, 0, 0], [2, 2, 2, 2]]
    res = run_scenarios(reg, sc, plan=plan, samples=2, seed=1, workers=1)
    assert res.months["expected_short"].tolist() == [0, 0, 0, 0]  # both live in the building
    assert res.summary["expected_relocations"] == 0
    sc3 = scenario([3], stay=12, horizon=4)
    res3 = run_scenarios(reg, sc3, plan=plan, samples=2, seed=1, workers=1)
    assert res3.months["expected_short"].tolist() == [0, 0, 1, 1]
    # the third lives in the module: relocated in month 2 (counted once), then short
    assert res3.months["expected_relocated"].tolist() == [0, 0, 1, 0]
    assert res3.summary["expected_relocations"] == 1


def test_chunks_concatenate_to_the_whole():
    inp = input_for(tiny_registry(), WAVE, None, 10, 3, None)
    whole = run_chunk(inp, 0, 10)
    parts = np.concatenate([run_chunk(inp, 0, 4), run_chunk(inp, 4, 10)])
    assert np.array_equal(whole, parts)


def test_plan_with_unknown_site_is_a_user_error():
    reg = tiny_registry()
    plan = pd.DataFrame({"site_id": ["X9"], "month": ["2027-01"], "beds": [3]})
    with pytest.raises(UserError, match="X9"):
        run_scenarios(reg, WAVE, plan=plan, samples=2, workers=1)


@pytest.mark.parametrize("column", PLAN_BEDS_COLUMNS)
def test_a_plan_without_a_column_the_runs_read_is_refused_naming_it(column):
    """The runs read three of plan.csv's columns (``PLAN_BEDS_COLUMNS``, all in the planner's
    ``PLAN_COLUMNS``); a plan without one of them is refused with its name, never guessed."""
    assert set(PLAN_BEDS_COLUMNS) <= set(PLAN_COLUMNS)
    reg = tiny_registry()
    sup = supply(reg, scenario([1], stay=4, horizon=2))
    plan = pd.DataFrame({"site_id": ["x"], "month": [sup.months[0]], "beds": [1]})
    with pytest.raises(UserError, match=f"kolonne\\(r\\) {column}"):
        plan_beds(plan.drop(columns=column), sup)


def test_a_household_registered_for_a_later_month_holds_back_no_earlier_arrival():
    # The run of the hand-computed test, plus a single registered to arrive in June (month 5):
    # the scenario's arrivals still come in months 0-3, and June adds one more person.
    reg = make_registry(
        sites=[make_site("B1")],
        units=[make_unit("B1-1", "B1", beds=4, shareable=True)],
        households=[make_household("LATE", arrival_date=dt.date(2027, 6, 15))],
    )
    text = scenario_text([1, 1, 1, 6], stay=4, horizon=8)
    sc = scenario_from_text(text.replace("include_waiting = false", "include_waiting = true"), "t")
    res = run_scenarios(reg, sc, samples=3, seed=1, workers=1)
    # persons in months 3-6 (each stays 4 months): 9, 8, 7 + June's single, 6 + June's single
    assert res.months["expected_short"].tolist()[:7] == [0, 0, 0, 5, 4, 4, 3]
