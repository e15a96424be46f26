"""Issue 15, the paper's newer parts: one Danish number format, cost by year and kind, the
sensitivity section in both formats, and an occupancy chart that starts when the sites existed."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capacity.numbers import decimal, number
from capacity.reports import charts
from capacity.reports.proposal_figures import proposal_figures
from capacity.reports.proposal_output import cost_table, figure_texts, render_proposal
from capacity.reports.text import million, money, percent, signed
from tests import helpers
from tests.planning.test_proposal_options import Cells, md_tables

DANISH = re.compile(r"^\N{MINUS SIGN}?\d{1,3}(\.\d{3})*(,\d+)?$")


@given(st.floats(-1e12, 1e12, allow_nan=False), st.integers(0, 3))
def test_numbers_are_written_the_danish_way(x, decimals):
    """Thousands with a point, decimals with a comma, exactly ``decimals`` of them, a true minus
    sign and no "−0"; read back it is ``x`` rounded."""
    text = number(x, decimals)
    assert DANISH.match(text), text
    assert ("," in text) == (decimals > 0)
    assert not decimals or len(text.split(",")[1]) == decimals
    assert not re.fullmatch(r"\N{MINUS SIGN}0(,0*)?", text)
    value = float(text.replace(".", "").replace(",", ".").replace("\N{MINUS SIGN}", "-"))
    assert value == pytest.approx(x, abs=0.5 * 10**-decimals + 1e-9 * abs(x))


@given(st.floats(0, 1, allow_nan=False))
def test_shares_and_amounts_carry_their_unit(x):
    assert re.fullmatch(r"\d{1,3} %", percent(x))
    assert re.fullmatch(r"\d{1,3}(\.\d{3})* kr\.", money(x * 1e9))
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*,\d mio\. kr\.", million(x * 1e9))


@given(st.integers(-(10**9), 10**9), st.sampled_from(["da", "en"]))
def test_a_change_carries_its_sign_and_reads_back(x, lang):
    text = signed(x, 0, lang)
    sign, digits = text[0], text[1:]
    assert sign == ("+" if x > 0 else "−" if x < 0 else "±")
    assert digits == number(abs(x), 0, lang) and "-" not in text
    assert int(digits.replace("." if lang == "da" else ",", "")) == abs(x)


@given(st.floats(-1e9, 1e9, allow_nan=False), st.integers(0, 4))
def test_a_decimal_is_danish_shortest_and_reads_back(x, most):
    """``decimal`` writes the Danish way with no trailing zero after the comma, and read back
    it is ``x`` rounded to ``most`` decimals."""
    text = decimal(x, most=most)
    assert DANISH.match(text), text
    assert not text.endswith("0") or "," not in text
    value = float(text.replace(".", "").replace(",", ".").replace("\N{MINUS SIGN}", "-"))
    assert value == pytest.approx(round(x, most), abs=1e-9 * max(1.0, abs(x)))


def test_known_examples():
    assert decimal(0.9) == "0,9" and decimal(0.975) == "0,975" and decimal(12.0) == "12"
    assert decimal(2.5, "en") == "2.5" and decimal(1234.567, most=2) == "1.234,57"
    assert number(11.8) == "11,8" and number(1234, 0) == "1.234" and number(-0.04) == "0,0"
    assert number(-1234.5, 1) == "\N{MINUS SIGN}1.234,5"
    assert number(-1234.5, 1, "en") == "\N{MINUS SIGN}1,234.5"
    assert percent(0.38) == "38 %" and million(1_000_000) == "1,0 mio. kr."
    assert money(1_250_000) == "1.250.000 kr." and money(1_250_000, "en") == "DKK 1,250,000"


def test_cost_by_year_and_kind_adds_up(proposal_paper):
    reg, paper = proposal_paper
    price = reg.policy.limits.emergency_dkk_per_person_day
    for o in paper.options:
        table = cost_table(o, price)
        assert table.columns.tolist() == sorted({m[:4] for m in paper.scenario.month_labels()})
        plan = table.drop(index="emergency")
        assert plan.to_numpy().sum() == pytest.approx(o.plan_cost)
        assert table.loc["emergency"].sum() == pytest.approx(o.emergency_cost)
        assert table.sum(axis=0).to_dict() == pytest.approx(
            {y: o.yearly.get(y, 0) + table.loc["emergency", y] for y in table.columns}
        )


def test_html_and_markdown_carry_the_same_sensitivity_and_costs(proposal_paper):
    """With the figures: the same tables (costs by year, the sensitivity), the same bullets and
    the same paragraphs under the charts, in both formats."""
    reg, paper = proposal_paper
    figures = proposal_figures(reg, paper)
    md, html = render_proposal(paper, reg.policy.limits.emergency_dkk_per_person_day, figures)
    parsed = Cells()
    parsed.feed(html)
    assert md_tables(md) == parsed.rows
    assert [line[2:] for line in md.splitlines() if line.startswith("- ")] == parsed.items
    assert sum(row[0] == "Nødindkvartering (forventet)" for row in parsed.rows) == len(
        paper.options
    )
    assert any(row[0] == "Ophold 30 % længere" for row in parsed.rows)
    visible = " ".join(
        re.sub(r"<style.*?</style>|<svg.*?</svg>|<[^>]+>", " ", html, flags=re.S).split()
    )
    flat = " ".join(md.split())
    texts = [paper.sensitivity.sentence(), *figure_texts(paper, figures).values()]
    for text in texts:
        assert text in visible and text in flat, text
    assert "afrundet til 5" in figure_texts(paper, figures)["occupancy_text"]
    assert '<h2 id="sensitivity">Følsomhed</h2>' in html and "## Følsomhed" in md
    assert f"]({figures.tornado_file})" in md and 'id="tornado-chart"' in html


def test_the_tornado_is_the_recommended_options_swings(proposal_paper):
    reg, paper = proposal_paper
    svg = proposal_figures(reg, paper).tornado_svg
    swings = paper.sensitivity.swings(paper.recommended)
    for a in swings["assumption"]:
        assert f'<g id="tornado-cost-{a}">' in svg and f'<g id="tornado-risk-{a}">' in svg
    assert '<g id="tornado-cost-base">' in svg
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert [t for t in labels if t in set(swings["name"])] == swings["name"].tolist()


def test_the_occupancy_chart_draws_only_the_beds_that_stood():
    """P1 (8 beds) became available in June 2026 and one of its modules went up in September:
    the beds before are the building's only, never today's."""
    reg = helpers.tiny_registry()
    sites = reg.sites.copy()
    sites.loc[sites["id"] == "P1", "available_from"] = pd.Timestamp("2026-06-01")
    units = reg.units.assign(in_service_from=pd.NaT)
    units.loc[units["id"] == "P1-M2", "in_service_from"] = pd.Timestamp("2026-09-15")
    reg = reg.with_layers(sites=sites)
    months = pd.date_range("2026-04-01", "2026-12-01", freq="MS")
    beds = dict(zip(months.strftime("%Y-%m"), charts.beds_standing(reg, months), strict=True))
    assert beds["2026-05"] == 9 and beds["2026-06"] == 17  # B1's 9; then P1's two modules
    reg = reg.with_layers(units=units)
    beds = dict(zip(months.strftime("%Y-%m"), charts.beds_standing(reg, months), strict=True))
    assert beds["2026-05"] == 9 and beds["2026-06"] == 13 and beds["2026-10"] == 17
    history = charts.public_history(reg, dt.date(2026, 12, 1), 3)
    assert history["beds"].iloc[0] == 9 and history["beds"].iloc[-1] == 17


def test_summary_json_holds_the_sensitivity(proposal_paper, proposal_dir):
    import json

    _, paper = proposal_paper
    data = json.loads((proposal_dir / "summary.json").read_text(encoding="utf-8"))["sensitivity"]
    s = paper.sensitivity
    assert data["sentence"] == s.sentence() and data["runs"] == s.runs
    assert [c["label"] for c in data["cases"]] == [c.label for c in (s.base, *s.cases)]
    assert (proposal_dir / "proposal_tornado.svg").read_text(encoding="utf-8").startswith("<svg")
