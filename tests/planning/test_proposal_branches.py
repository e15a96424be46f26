"""A wave that may not come: every option's plan has a plan per branch of the scenario, and the
paper's pavilion cost is the expectation over them, weighted by the branch probabilities, as the
emergency cost is over the runs (plan.csv shows the most probable branch only)."""

from __future__ import annotations

import numpy as np
import pytest

from capacity.planning.proposal import NOT_PLAN_COST, make_proposal
from capacity.reports.proposal_figures import map_plan
from capacity.reports.proposal_output import cost_table, render_proposal
from tests.planning.test_plan_decisions import WAVE, scenario, wave_site

PRICE = 1000  # emergency housing, DKK per person-day (``test_plan_decisions.policy``)


def paper_for(p: float):
    """A proposal for three empty modules (rent 20,000, teardown 50,000, no site costs) and a
    wave of 12 singles in April 2027 coming with probability ``p``: without the wave the modules
    come down, with it they stay (``test_branch_runs``)."""
    sc = scenario(8, WAVE.format(p=p))
    return make_proposal(wave_site(), sc, samples=1, runs=40, seed=1, time_limit=60)


@pytest.fixture(scope="module")
def uncertain():
    """The proposal with the wave coming with probability 0.3: two branches."""
    return paper_for(0.3)


def branch_costs(o) -> dict[str, float]:
    """Each branch's plan cost from its own modules (``branches.csv``), keyed by its waves."""
    return o.plan.branches.groupby("waves")["cost"].sum().to_dict()


def test_the_pavilion_cost_is_expected_over_the_branches(uncertain):
    chance = {b.key: b.probability for b in uncertain.scenario.branches()}
    assert sorted(chance.values()) == pytest.approx([0.3, 0.7])
    differ = 0
    for o in uncertain.options:
        # no site costs: a branch's modules are all of its plan's cost (so for plan.csv's path)
        assert o.plan.plan["cost"].sum() == pytest.approx(o.plan.modules["cost"].sum())
        costs = branch_costs(o)
        assert set(costs) == set(chance)
        expected = sum(chance[k] * costs[k] for k in chance)
        assert o.plan_cost == pytest.approx(expected)
        own = o.plan.summary["cost_by_kind"]  # the plan's own expectation
        assert o.plan_cost == pytest.approx(
            sum(v for k, v in own.items() if k not in NOT_PLAN_COST)
        )
        assert sum(o.yearly.values()) == pytest.approx(o.plan_cost)
        differ += o.plan.plan["cost"].sum() != pytest.approx(expected)
    assert differ  # some option's branches cost differently: plan.csv's path alone is not it


def test_the_totals_and_the_cost_table_add_up_to_the_expected_cost(uncertain):
    for o in uncertain.options:
        assert o.total == pytest.approx(o.plan_cost + o.emergency_cost)
        assert np.mean(o.totals) == pytest.approx(o.total)
        assert sum(o.total_ci) / 2 == pytest.approx(o.total)  # the interval is about it
        table = cost_table(o, PRICE)
        assert "other" not in table.index  # the terms explain the whole expected cost
        assert table.drop(index="emergency").to_numpy().sum() == pytest.approx(o.plan_cost)
        assert table.sum(axis=0).to_dict() == pytest.approx(
            {y: o.yearly.get(y, 0.0) + table.loc["emergency", y] for y in table.columns}
        )


def test_the_paper_says_the_pavilion_cost_is_expected_over_the_branches(uncertain):
    md, html = render_proposal(uncertain, PRICE)
    for text in (md, html):
        assert "Pavilloner i alt (forventet)" in text
        assert "forventet over forløbene" in text and "(uden bølge)" in text


def test_with_one_branch_the_cost_is_the_plans_path():
    certain = paper_for(1.0)
    for o in certain.options:
        assert o.plan.branches is None
        assert o.plan_cost == o.plan.plan["cost"].sum()
    md, _ = render_proposal(certain, PRICE)
    assert "| Pavilloner i alt |" in md and "forløbene" not in md


def test_the_wave_probability_is_not_varied_for_plans_with_branches(uncertain):
    # the plans' cost at another probability is not known: the rows would pair the runs of the
    # new probability with the cost expected at 0.3 (a "no wave" row priced as if it may come)
    s = uncertain.sensitivity
    assert "wave" not in {c.assumption for c in s.cases}
    assert any("Bølgens sandsynlighed varieres ikke" in text for text in s.skipped)


def test_the_proposal_map_prices_the_option_as_the_paper_does(uncertain):
    for o in uncertain.options:
        assert map_plan(o.plan.plan, o.plan).attrs["expected_cost"] == pytest.approx(o.plan_cost)
