"""Hand-computed plans: lead time, minimum lifetime, residents, too little land, buildings first."""

from __future__ import annotations

import re

import pytest

from capacity.numbers import decimal
from capacity.planning.plan import make_plan
from capacity.reports.text import status_words
from tests.helpers import make_registry, make_site, make_unit
from tests.planning.conftest import pavilion, policy, scenario


def site_rows(result, site="P1"):
    """The plan rows of one site, indexed by month number 0.."""
    return result.plan[result.plan["site_id"] == site].reset_index(drop=True)


def test_wave_in_month_4_is_ordered_by_month_2_with_no_shortage():
    # 8 singles arrive in month 4 (index 3); lead time 2 -> order 2 modules in month 2 (index 1).
    reg = make_registry(sites=[pavilion()], policy=policy())
    res = make_plan(reg, scenario([0, 0, 0, 8]), samples=1, seed=1, time_limit=5)
    rows = site_rows(res)
    assert rows["modules_up"].tolist()[:3] == [0, 2, 0]
    assert rows["modules_standing"].tolist()[2:5] == [0, 2, 2]
    assert bool(rows.loc[1, "binding"])
    assert res.summary["shortage_person_months"] == 0
    assert res.shortage["worst"].sum() == 0


def test_minimum_lifetime_keeps_modules_standing():
    # The 8 persons stay one month (index 3) but modules must stand 3 months (arriving in month
    # index 1, 2 or 3 costs the same): three months standing, covering index 3, then down.
    reg = make_registry(sites=[pavilion(cost_teardown_per_module=0)], policy=policy(100_000))
    res = make_plan(reg, scenario([0, 0, 0, 8], stay=1), samples=1, seed=1, time_limit=5)
    rows = site_rows(res)
    standing = rows["modules_standing"].tolist()
    first = standing.index(2)
    assert first in (1, 2, 3) and standing[first : first + 3] == [2, 2, 2]
    assert sum(standing) == 6 and rows.loc[first + 3, "modules_down"] == 2


def test_modules_people_live_in_stay_until_they_move_out(resident_registry):
    # Two modules, a resident in one until 2027-06-01, no demand: one comes down at once,
    # the other when the resident has moved out (month index 5 = 2027-06).
    res = make_plan(resident_registry, scenario([0]), samples=1, seed=1, time_limit=5)
    rows = site_rows(res)
    assert rows["modules_standing"].tolist()[:7] == [1, 1, 1, 1, 1, 0, 0]
    assert rows["modules_down"].tolist()[:7] == [1, 0, 0, 0, 0, 1, 0]


def test_too_little_land_reports_the_shortage_month_and_size():
    # Room for one module (4 beds) but 8 persons arrive in month 4: 4 short from 2027-04 on.
    reg = make_registry(sites=[pavilion(modules_max=1)], policy=policy())
    res = make_plan(reg, scenario([0, 0, 0, 8], horizon=6), samples=1, seed=1, time_limit=5)
    short = res.shortage.set_index("month")["worst"]
    assert short.tolist() == [0, 0, 0, 4, 4, 4]
    assert res.summary["shortage_person_months"] == 12
    assert res.summary["cost_by_kind"]["emergency"] == 12 * 30 * 1000


def test_buildings_before_pavilions_at_equal_cost():
    # A free building with 8 beds and a pavilion site with free modules: the building is used.
    free = dict(cost_setup_per_module=0, cost_month_per_module=0, cost_teardown_per_module=0)
    reg = make_registry(
        sites=[make_site("B1"), pavilion(**free)],
        units=[make_unit("B1-1", "B1", beds=8, shareable=True)],
        policy=policy(),
    )
    res = make_plan(reg, scenario([8]), samples=1, seed=1, time_limit=5)
    assert site_rows(res)["modules_standing"].sum() == 0
    assert res.summary["shortage_person_months"] == 0
    assert res.summary["terms"]["buildings_first"] == 0


def test_terms_sum_to_the_objective_and_same_seed_same_plan():
    reg = make_registry(sites=[pavilion(), pavilion("P2", dx=3000)], policy=policy())
    sc = scenario([2, 2, 2, 6, 2], extra="")
    sc = sc.model_copy(
        update={"uncertainty": sc.uncertainty.model_copy(update={"kind": "poisson"})}
    )
    first = make_plan(reg, sc, samples=6, seed=4, time_limit=5)
    again = make_plan(reg, sc, samples=6, seed=4, time_limit=5)
    assert first.terms["weighted"].sum() == pytest.approx(first.summary["objective"])
    assert sum(first.summary["terms"].values()) == pytest.approx(first.summary["objective"])
    assert first.plan.equals(again.plan)
    assert first.summary["objective"] == again.summary["objective"]


def test_term_texts_write_expected_amounts_the_danish_way():
    """Amounts expected over samples are fractions: the terms' texts write them with a decimal
    comma and no English point (2,5 personer, not 2.5)."""
    reg = make_registry(sites=[pavilion(modules_max=1)], policy=policy())
    sc = scenario([2, 2, 2, 6, 2], extra="")
    sc = sc.model_copy(
        update={"uncertainty": sc.uncertainty.model_copy(update={"kind": "poisson"})}
    )
    terms = make_plan(reg, sc, samples=6, seed=4, time_limit=5).terms
    assert (terms["amount"].round(2) % 1 != 0).any()  # a fraction to write
    for row in terms.itertuples():
        assert decimal(row.amount, most=2) in row.text, row.text
        assert not re.search(r"\d\.\d{1,2}(?!\d)", row.text), row.text


def test_risk_quantile_plans_for_more_than_the_median():
    reg = make_registry(sites=[pavilion()], policy=policy())
    sc = scenario([3] * 12)
    sc = sc.model_copy(
        update={"uncertainty": sc.uncertainty.model_copy(update={"kind": "poisson"})}
    )
    low = make_plan(reg, sc, risk=0.1, seed=2, time_limit=5)
    high = make_plan(reg, sc, risk=0.95, seed=2, time_limit=5)
    assert high.demand.sum() > low.demand.sum()
    assert high.summary["samples"] == 1 and high.summary["risk"] == 0.95


def test_explanation_names_the_order_its_months_and_the_cheapest_alternative():
    from capacity.planning.explain import explanation_md

    reg = make_registry(
        sites=[pavilion(), pavilion("P2", cost_setup_per_module=900_000)], policy=policy()
    )
    res = make_plan(reg, scenario([0, 0, 0, 8], horizon=6), samples=1, seed=1, time_limit=5)
    text = explanation_md(res, 1000)
    assert "bestil 2 modul(er) i februar 2027, klar i april 2027 (8 senge)" in text
    assert "april 2027–juni 2027" in text and "uden dem mangler op til 8 senge" in text
    assert "Billigste alternativ: nødindkvartering for 720.000 kr." in text
    assert "Ingen mangel i nogen prøve" in text
    words = status_words(res.summary["status"])  # the plan's status in Danish words
    assert words != res.summary["status"] and f"Status: {words} · forventet" in text


def test_explanation_shows_a_site_name_as_written():
    """A site's name is user text: in the plan's Markdown no raw HTML and no link."""
    from capacity.planning.explain import explanation_md

    name = "<img src=x onerror=alert(1)> [klik](javascript:x)"
    reg = make_registry(sites=[pavilion(name=name)], policy=policy())
    res = make_plan(reg, scenario([0, 0, 0, 8], horizon=6), samples=1, seed=1, time_limit=5)
    text = explanation_md(res, 1000)
    assert "<img" not in text and "[klik](" not in text
    assert r"**&lt;img src=x onerror=alert(1)&gt; \[klik\](javascript:x) (P1)**" in text


def test_a_plan_shows_each_better_plan_the_search_finds_as_progress():
    """``progress`` gets (objective, bound) in the summary's units: the last one shown is the
    plan returned, every bound is at most its objective, and no objective shown rises."""
    reg = make_registry(sites=[pavilion(), pavilion("P2", dx=3000)], policy=policy())
    shown = []
    res = make_plan(
        reg,
        scenario([2, 2, 2, 6, 2]),
        samples=6,
        seed=4,
        time_limit=5,
        progress=lambda objective, bound: shown.append((objective, bound)),
    )
    assert shown, "no plan was shown while searching"
    assert shown[-1][0] == pytest.approx(res.summary["objective"])
    assert all(bound is None or bound <= objective + 1e-6 for objective, bound in shown)
    objectives = [objective for objective, _ in shown]
    assert objectives == sorted(objectives, reverse=True)
