"""The proposal's cost table: the teardown paid and the assumed resale value of owned modules
taken down as two rows that add up to the plan's own teardown term, and the sentence on what
stands at the horizon's end (left out of every option's cost)."""

from __future__ import annotations

import datetime as dt

import pytest

from capacity.planning.proposal import make_proposal
from capacity.reports.proposal_output import cost_rows, cost_table, end_text, render_proposal
from tests.helpers import make_site
from tests.planning.test_plan_decisions import module_type, registry, scenario

PRICE = 1000
TEARDOWN = {"A-T": 30_000, "B-T": 20_000}  # two_sites_to_empty's teardown per module
RESIDUAL = {"A-T": 0, "B-T": 60_000}  # B-T is owned, worth 60,000 a module
BUY = 500_000  # A-T's purchase price: too dear for any plan but one told to buy


def two_sites_to_empty(residual: int = RESIDUAL["B-T"]):
    """Nobody needs a home. A is available until 30 September 2027 and rents two modules
    (10,000 a month, 30,000 to take down, 500,000 to buy); B owns two (upkeep 5,000 a month,
    20,000 to take down, worth ``residual`` each, 200,000 to set up), available to the horizon's
    end."""
    a = make_site("A", kind="pavilion_site", available_until=dt.date(2027, 9, 30))
    b = make_site("B", kind="pavilion_site", dx=500)
    now = dict(modules_now=2, modules_max=2, cost_setup_per_module=200_000)
    types = [
        module_type(
            "A-T",
            "A",
            cost_month_per_module=10_000,
            cost_teardown_per_module=TEARDOWN["A-T"],
            tenure="rented",
            lease_end=dt.date(2027, 6, 30),
            purchase_price_per_module=BUY,
            **now,
        ),
        module_type(
            "B-T",
            "B",
            cost_month_per_module=5_000,
            cost_teardown_per_module=TEARDOWN["B-T"],
            residual_value_per_module=residual,
            **now,
        ),
    ]
    return registry([a, b], types)


@pytest.fixture(scope="module")
def paper():
    """The least-cost plan takes every module down (A's rented ones, B's owned ones, credited
    their residual value); the status quo keeps B's two to the end."""
    return make_proposal(two_sites_to_empty(), scenario(12), samples=1, runs=20, time_limit=60)


def by_key(paper):
    return {k: o for o in paper.options for k in (o.key, *o.same_as)}


def test_teardown_and_resale_are_two_rows_adding_up_to_the_plans_teardown(paper):
    for o in paper.options:
        table = cost_table(o, PRICE)
        kinds = o.plan.summary["cost_by_kind"]
        down = o.plan.modules.groupby("module_type_id")["modules_down"].sum()
        paid = sum(int(n) * TEARDOWN[t] for t, n in down.items())
        credit = sum(int(n) * RESIDUAL[t] for t, n in down.items())
        rows = table.sum(axis=1)
        assert rows.get("teardown", 0.0) == pytest.approx(paid)
        assert rows.get("resale", 0.0) == pytest.approx(-credit)
        assert rows.get("teardown", 0.0) + rows.get("resale", 0.0) == pytest.approx(
            kinds["teardown"]
        )
        assert table.drop(index="emergency").to_numpy().sum() == pytest.approx(o.plan_cost)
    a = by_key(paper)["A"]
    assert a.plan.modules.groupby("module_type_id")["modules_down"].sum().to_dict() == {
        "A-T": 2,
        "B-T": 2,
    }
    _, rows = cost_rows(a, PRICE)
    words = {r[0]: r[-1] for r in rows}
    assert words["Nedtagning"] == "100.000 kr."  # 2 x 30,000 + 2 x 20,000 paid
    assert words["Restværdi af nedtagne moduler (antaget salg)"] == "\N{MINUS SIGN}120.000 kr."


def test_teardown_at_its_residual_value_is_still_paid_and_credited():
    """B's owned modules worth exactly their teardown cost: taking one down costs nothing net,
    yet the paper shows the 20,000 paid per module and the 20,000 credited, not two empty rows
    (the model's entry at a net price of 0 is kept, ``PlanModel.add``)."""
    reg = two_sites_to_empty(residual=TEARDOWN["B-T"])
    paper = make_proposal(reg, scenario(12), samples=1, runs=20, time_limit=60)
    a = by_key(paper)["A"]
    down = a.plan.modules.groupby("module_type_id")["modules_down"].sum().to_dict()
    assert down == {"A-T": 2, "B-T": 2}
    _, rows = cost_rows(a, PRICE)
    words = {r[0]: r[-1] for r in rows}
    assert words["Nedtagning"] == "100.000 kr."  # 2 x 30,000 + 2 x 20,000 paid
    assert words["Restværdi af nedtagne moduler (antaget salg)"] == "\N{MINUS SIGN}40.000 kr."
    assert cost_table(a, PRICE).drop(index="emergency").to_numpy().sum() == pytest.approx(
        a.plan_cost
    )
    b_rows = a.plan.terms[(a.plan.terms["term"] == "teardown") & (a.plan.terms["subject"] == "B-T")]
    assert b_rows["amount"].sum() == pytest.approx(2)
    assert b_rows["weighted"].sum() == 0


def test_the_paper_says_what_stands_at_the_end_is_not_costed(paper):
    md, html = render_proposal(paper, PRICE)
    for o in paper.options:
        m = o.plan.modules
        n = int(m.loc[m["month"] == m["month"].max(), "modules_standing"].sum())
        text = end_text(o)
        assert text in md and text in html
        if n:
            assert text.startswith(
                f"Ikke medregnet: de {n} moduler, der står ved periodens slutning"
            )
        else:
            assert text.startswith("Ingen moduler står ved periodens slutning")
    d = by_key(paper)["D"]
    assert end_text(d).startswith(
        "Ikke medregnet: de 2 moduler, der står ved periodens slutning (december 2027)."
    )
    assert end_text(by_key(paper)["A"]).startswith("Ingen moduler står")
