"""The proposal's council map shows sites opening and closing and homes by kind, counts only
(issue 15)."""

from __future__ import annotations

from capacity.planning.plan import make_plan
from capacity.reports.maps import _move_text
from capacity.reports.proposal_figures import map_plan
from capacity.reports.text import words
from tests.planning.test_plan_decisions import scenario, two_half_empty_sites


def test_the_map_names_a_site_closing_and_the_homes_by_kind_it_takes_down():
    reg = two_half_empty_sites(15_000)  # the plan closes A and moves its two households
    res = make_plan(reg, scenario(12), samples=1, time_limit=20)
    plan = map_plan(res.plan, res)
    closing = plan[plan["site_event"] == "closes"]
    assert closing["site_id"].tolist() == ["A"]
    assert closing["by_kind"].tolist() == [{"family": -4}]
    (row,) = closing.itertuples()
    text = _move_text(row, words("da"), "da")
    assert text.startswith(f"{row.month:%Y-%m}: −4 ned (−4 familieboliger) – grunden lukkes")
    english = _move_text(row, words("en"), "en")
    assert "−4 down (−4 family homes) – site closes" in english
    plain = map_plan(res.plan)  # a plan.csv read back has neither column: the text is as before
    assert "site_event" not in plain.columns
