"""Issue 15: the status quo, the robust option by construction, merged duplicates, an honest
comparison on common runs (ties prefer the cheaper), advice that fits the numbers, one text in
both formats with Danish numbers, actions grouped per site, round trips."""

from __future__ import annotations

import dataclasses
import html
import re
from html.parser import HTMLParser
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from capacity.planning.proposal import (
    make_proposal,
    merge,
    recommend,
    robust,
    round_trips,
    site_actions,
)
from capacity.reports.proposal_output import render_proposal
from tests.helpers import make_registry, make_unit, tiny_registry
from tests.planning.conftest import pavilion, policy, scenario

RUNS = 40
FIELDS = "key title total plan_cost emergency_cost risk risk_ci total_ci totals short plan same_as"
Fake = dataclasses.make_dataclass("Fake", FIELDS.split(), frozen=True, eq=False)


def fake(key: str, total: float, short: list[bool], plan: pd.DataFrame | None = None):
    """An option with the figures the recommendation reads; ``short`` marks runs with a shortage."""
    arr = np.array(short + [False] * (RUNS - len(short)))
    return Fake(
        key=key,
        title=f"Mulighed {key}",
        total=total,
        plan_cost=total,
        emergency_cost=0.0,
        risk=float(arr.mean()),
        risk_ci=(0.0, 1.0),
        total_ci=(total, total),
        totals=np.full(RUNS, float(total)),
        short=arr,
        plan=SimpleNamespace(plan=plan, modules=_modules(plan), branches=None),
        same_as=(),
    )


def _modules(plan: pd.DataFrame | None) -> pd.DataFrame | None:
    """The modules frame of a one-type-per-site plan frame (the type is the site)."""
    if plan is None:
        return None
    out = plan.assign(module_type_id=plan["site_id"], modules_bought=0, units_moved=0)
    return out.assign(beds=out.get("beds", 0))


def test_a_tie_in_risk_inside_the_noise_prefers_the_cheaper():
    """Neither within the accepted risk; A is safer than C by one run in 40: C is recommended."""
    a = fake("A", 200_000, [True] * 15)
    c = fake("C", 150_000, [True] * 16)
    key, reasons = recommend((a, c), risk=0.9)
    assert key == "C"
    assert any("inden for usikkerheden" in r and "C foretrækkes" in r for r in reasons)


def test_a_clear_difference_in_risk_is_not_a_tie():
    a = fake("A", 200_000, [True] * 5)
    c = fake("C", 150_000, [True] * 30)
    key, reasons = recommend((a, c), risk=0.9)
    assert key == "A"
    assert not any("usikkerheden" in r for r in reasons)


def test_no_advice_for_more_sites_when_keeping_everything_is_safe():
    """Every option cuts capacity and is short; keeping it all (D) has 0 %: D, no 'more sites'."""
    opts = (
        fake("A", 100_000, [True] * 20),
        fake("C", 90_000, [True] * 22),
        fake("D", 300_000, []),
    )
    key, reasons = recommend(opts, risk=0.9)
    assert key == "D"
    text = " ".join(reasons)
    assert "flere grunde" not in text and "Overvej" not in text and "Ingen mulighed" not in text


def test_robust_is_never_riskier_than_least_cost():
    a = fake("A", 100, [True] * 10)
    q1 = fake("B", 150, [True] * 12)  # a quantile plan that came out riskier
    assert robust([a, q1], accepted=0.1) is a
    q2 = fake("B", 180, [True] * 2)
    assert robust([a, q1, q2], accepted=0.1) is q2


def test_options_with_the_same_plan_are_merged_and_said_so():
    plan = pd.DataFrame(
        dict(
            site_id=["P1"],
            month=["2027-01"],
            modules_up=[0],
            modules_standing=[2],
            modules_down=[0],
            beds=[8],
        )
    )
    other = plan.assign(modules_standing=[3])
    opts, notes = merge((fake("A", 1, [], plan), fake("B", 1, [], other), fake("C", 1, [], plan)))
    assert [o.key for o in opts] == ["A", "B"] and opts[0].same_as == ("C",)
    assert notes == [
        "Mulighed C (mulighed c) giver samme plan som mulighed A og er slået sammen med den."
    ]


def plan_rows(site: str, ups: list[int], downs: list[int]) -> pd.DataFrame:
    months = [f"2027-{m:02d}" for m in range(1, len(ups) + 1)]
    return pd.DataFrame(dict(site_id=site, month=months, modules_up=ups, modules_down=downs))


SUP = SimpleNamespace(
    ids=["P1", "P2"], names=["Nord", "Syd"], setup=[300_000, 1], teardown=[200_000, 1]
)


def test_actions_are_one_line_per_site_and_decision():
    plan = pd.concat(
        [plan_rows("P1", [2, 0, 3, 0], [0, 0, 0, 1]), plan_rows("P2", [0] * 4, [0, 4, 0, 0])]
    )
    acts = site_actions(plan, SUP)
    assert acts[["site_id", "decision", "modules"]].values.tolist() == [
        ["P1", "op", 5],
        ["P1", "ned", 1],
        ["P2", "ned", 4],
    ]
    assert acts["when"].iloc[0] == "2 i januar 2027, 3 i marts 2027"
    assert acts["binding"].tolist() == [True, False, False]  # only the order in the first month
    assert acts["latest"].tolist() == ["2027-01", "2027-04", "2027-02"]


def test_a_round_trip_is_named_with_its_cost():
    trip = dict(
        type_id="P1",
        site_id="P1",
        down="2027-01",
        up="2027-03",
        modules=2,
        cost=1_000_000.0,
        probability=1.0,
    )
    (text,) = round_trips(SimpleNamespace(summary={"round_trips": [trip]}), SUP)
    assert "tages ned januar 2027" in text and "igen marts 2027" in text
    assert "1.000.000 kr." in text and "forløbene" not in text
    (text,) = round_trips(
        SimpleNamespace(summary={"round_trips": [dict(trip, probability=0.2)]}), SUP
    )
    assert "i 20 % af forløbene" in text


@pytest.fixture(scope="module")
def standing_registry():
    """One pavilion site with three modules standing, no residents, costly to keep."""
    site = pavilion(modules_now=3, cost_teardown_per_module=0, cost_month_per_module=50_000)
    units = [make_unit(f"M{i}", "P1", beds=4) for i in (1, 2, 3)]
    return make_registry(sites=[site], units=units, policy=policy())


def test_status_quo_keeps_what_stands(standing_registry):
    paper = make_proposal(standing_registry, scenario([1], stay=2, horizon=6), samples=2, runs=20)
    by_key = {k: o for o in paper.options for k in (o.key, *o.same_as)}
    d = by_key["D"].plan.plan
    assert d["modules_standing"].tolist() == [3] * 6
    assert d["modules_up"].sum() == 0 and d["modules_down"].sum() == 0
    assert by_key["A"].plan.plan["modules_down"].sum() > 0  # least cost takes some down
    assert by_key["B"].risk <= by_key["A"].risk
    assert len({o.key for o in paper.options}) == len(paper.options)
    homes = by_key["D"].homes.set_index("kind")  # free homes by kind, not free beds
    assert homes.loc["family", "first"] == 3 and homes.loc["family", "last"] == 3
    assert homes.loc["single", "first"] == 0 and homes.loc["accessible", "first"] == 0


class Cells(HTMLParser):
    """Text of the table cells and list items of an HTML page, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.items: list[str] = []
        self.cell: list[str] | None = None
        self.li: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "li":
            self.li = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "li" and self.li is not None:
            self.items.append("".join(self.li).strip())
            self.li = None

    def handle_data(self, data):
        for part in (self.cell, self.li):
            if part is not None:
                part.append(data)


def md_tables(md: str) -> list[list[str]]:
    """The Markdown's table cells as a renderer shows them: split at the bars that are not
    escaped, backslash escapes and HTML's entities decoded."""
    rows = []
    for line in md.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])
            rows.append([html.unescape(re.sub(r"\\(.)", r"\1", c)).strip() for c in cells])
    return rows


@pytest.fixture(scope="module")
def wave_paper():
    """A proposal on the tiny registry with a wave: options differ."""
    sc = scenario([1, 1, 1, 14, 1, 1], stay=6, horizon=8)
    return make_proposal(tiny_registry(), sc, samples=3, runs=20, seed=2, time_limit=60)


def test_html_and_markdown_carry_the_same_content(wave_paper):
    md, html = render_proposal(wave_paper, 1000)
    parsed = Cells()
    parsed.feed(html)
    assert md_tables(md) == parsed.rows
    bullets = [line[2:] for line in md.splitlines() if line.startswith("- ")]
    assert bullets == parsed.items


def test_numbers_are_in_danish_format(wave_paper):
    md, html = render_proposal(wave_paper, 1000)
    visible = re.sub(r"<style.*?</style>|<[^>]+>", " ", html, flags=re.S)
    for text in (md, visible):
        assert not re.search(r"\d%", text)  # "38 %", never "38%"
        assert not re.search(r"\d\.\d{1,2}(?!\d)", text)  # no "11.8" or "0.0"
        assert not re.search(r"\d,\d{3}(?!\d)", text)  # no "1,250" thousands
    assert " kr." in md and " %" in md


def test_a_shortage_before_any_order_can_arrive_is_named_as_unavoidable():
    """No homes, three arrivals in the first month, lead time 2: months 1-2 are short whatever
    the plan; the paper says so instead of promising a plan that reaches the level."""
    reg = make_registry(sites=[pavilion()], policy=policy())
    paper = make_proposal(reg, scenario([3], stay=6, horizon=6), samples=2, runs=20)
    by_key = {k: o for o in paper.options for k in (o.key, *o.same_as)}
    assert by_key["B"].risk <= by_key["A"].risk
    assert any("kan ingen plan undgå" in n and "fra marts 2027" in n for n in paper.notes)
    assert paper.risk_from == 2 and all(o.risk_from == 2 for o in paper.options)
    assert not any("flere grunde" in r for r in paper.reasons)
