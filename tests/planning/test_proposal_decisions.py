"""The decisions under each option of the proposal: modules ordered and taken down, rented
modules bought, residents moved, sites taken into use and cleared, each with its month and
whether it binds now; and the warning beside an option whose plan is not proven optimal."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pandas as pd
import pytest

from capacity.planning.proposal import UserOption, make_proposal, merge, site_actions
from capacity.reports.proposal_output import action_rows, description, overview, render_proposal
from tests.planning.test_plan_decisions import scenario
from tests.planning.test_proposal_costs import two_sites_to_empty

SUP = SimpleNamespace(ids=["P1", "P2"], names=["Nord", "Syd"])
MONTHS = ["2027-01", "2027-02", "2027-03", "2027-04"]


@pytest.fixture(scope="module")
def paper():
    """The registry of ``test_proposal_costs`` with an own option that keeps A's two rented
    modules and buys them now (they come down when the site goes in October)."""
    own = [UserOption("Køb modulerne på A", keep={"A": 2}, buy=("A",))]
    return make_proposal(
        two_sites_to_empty(), scenario(12), samples=1, runs=20, time_limit=60, own=own
    )


def test_a_purchase_is_a_decision_in_the_month_the_plan_buys(paper):
    e = next(o for o in paper.options if "E" in (o.key, *o.same_as))
    bought = e.plan.modules.loc[e.plan.modules["modules_bought"] > 0]
    assert bought[["module_type_id", "month", "modules_bought"]].values.tolist() == [
        ["A-T", "2027-01", 2]
    ]
    rows = action_rows(e)
    assert ["Site A (A)", "Køb", "2", "2 i januar 2027", "ja"] in rows
    md, html = render_proposal(paper, 1000)
    assert "| Site A (A) | Køb | 2 | 2 i januar 2027 | ja |" in md
    assert "<td>Køb</td>" in html


def test_a_site_cleared_is_a_decision(paper):
    a = next(o for o in paper.options if o.key == "A")
    rows = action_rows(a)
    down = next(r for r in rows if r[0] == "Site A (A)" and r[1] == "Tag ned")
    month = down[3].split(" i ", 1)[1]
    assert [
        "Site A (A)",
        "Ryd og luk grunden",
        "",
        month,
        "ja" if month == "januar 2027" else f"nej, senest {month}",
    ] in rows


def test_openings_purchases_and_moves_per_site_in_order():
    """P1 buys 2 in January and moves the residents of 3 homes in March; P2's 2 modules,
    ordered in January, stand from March: the site is taken into use then, by January's order."""
    plan = pd.DataFrame(
        dict(
            site_id=["P1"] * 4 + ["P2"] * 4,
            month=MONTHS * 2,
            modules_up=[0, 0, 0, 0, 2, 0, 0, 0],
            modules_standing=[3, 3, 3, 0, 0, 0, 2, 2],
            modules_down=[0, 0, 0, 3, 0, 0, 0, 0],
        )
    )
    modules = plan.assign(
        module_type_id=plan["site_id"],
        modules_bought=[2, 0, 0, 0, 0, 0, 0, 0],
        units_moved=[0, 0, 3, 0, 0, 0, 0, 0],
    )
    acts = site_actions(plan, SUP, modules)
    assert acts[
        ["site_id", "decision", "modules", "when", "binding", "latest"]
    ].values.tolist() == [
        ["P1", "buy", 2, "2 i januar 2027", True, "2027-01"],
        ["P1", "move", 3, "marts 2027", False, "2027-03"],  # no count of residents' homes
        ["P1", "ned", 3, "3 i april 2027", False, "2027-04"],
        ["P1", "close", 0, "april 2027", False, "2027-04"],
        ["P2", "open", 0, "marts 2027", True, "2027-01"],
        ["P2", "op", 2, "2 i januar 2027", True, "2027-01"],
    ]


def test_a_plan_not_proven_optimal_says_so_beside_the_option(paper):
    e = next(o for o in paper.options if "E" in (o.key, *o.same_as))
    plan = dataclasses.replace(e.plan, summary={**e.plan.summary, "status": "feasible", "gap": 0.7})
    weak = dataclasses.replace(e, plan=plan)
    options = tuple(weak if o is e else o for o in paper.options)
    p = dataclasses.replace(paper, options=options)
    md, html = render_proposal(p, 1000)
    text = (
        f"Planen for mulighed {e.key} er ikke bevist den bedste: løseren stoppede 70 % fra "
        "modellens nedre grænse"
    )
    section = md.split(f"## Mulighed {e.key}:", 1)[1].split("\n## ", 1)[0]
    assert text in section and text in html
    assert sum(text in part for part in md.split("\n## ")) == 1  # beside that option only
    row = dict(overview(p, ["2027"]))["Planen bevist bedst"]
    assert row == ["nej (70 % fra grænsen)" if o is weak else "ja" for o in options]
    md0, _ = render_proposal(paper, 1000)  # every plan proven: neither the row nor the text
    assert "bevist" not in md0


def test_the_status_quo_names_what_a_site_to_be_cleared_takes_down(paper):
    """Site A is available until 30 September 2027: the status quo keeps its modules until then
    and takes them down in October; its description says so instead of "nothing taken down",
    alone and when merged into another option with the same plan."""
    d = next(o for o in paper.options if o.key == "D")
    said = (
        "intet bestilles, og intet tages ned, undtagen hvor grunden skal ryddes; der tages "
        "moduler ned på Site A (A): 2 i oktober 2027"
    )
    assert description(d) == (
        f"Status quo: det, der står, bliver stående, så længe grunden er til rådighed; {said}."
    )
    md, html = render_proposal(paper, 1000)
    assert description(d) in md and description(d) in html
    _, notes = merge((dataclasses.replace(d, key="A", title="Laveste"), d))
    assert notes == [
        f"Mulighed D (status quo) giver samme plan som mulighed A og er slået sammen med den: "
        f"{said}."
    ]
    nothing = dataclasses.replace(d, actions=d.actions.iloc[0:0])
    assert description(nothing).endswith("; intet bestilles, og intet tages ned.")
