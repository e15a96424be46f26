"""The council proposal with its figures: the options' cost chart, the occupancy chart with the
recommended option's band, the map beside it; a public document with counts only."""

from __future__ import annotations

import re
import subprocess
import sys
from types import SimpleNamespace

import pytest

from capacity.reports import charts
from capacity.reports.charts import COST_PARTS, cost_chart, option_costs
from capacity.reports.proposal_figures import COST_SVG, PROPOSAL_MAP, proposal_figures
from capacity.reports.proposal_output import render_proposal, write_proposal
from tests.reports.test_forecast import _group, _ys
from tests.reports.test_privacy import _check_counts, _check_no_personal_data

KEYS = ("A", "B", "C")


def fake(key: str, setup: float, running: float, emergency: float) -> SimpleNamespace:
    """An option with only what the cost chart reads."""
    plan = SimpleNamespace(summary={"cost_by_kind": {"month": running, "setup": setup}})
    return SimpleNamespace(
        key=key,
        title=f"Mulighed {key}",
        plan=plan,
        plan_cost=setup + running,
        emergency_cost=emergency,
    )


def test_option_costs_split_the_total(proposal_paper):
    _, paper = proposal_paper
    costs = option_costs(paper.options)
    keys = [o.key for o in paper.options]  # options that came out as the same plan are merged
    assert costs.index.tolist() == keys and costs.columns.tolist() == list(COST_PARTS)
    assert {"A", "C"} <= set(keys)
    for o in paper.options:
        assert costs.loc[o.key].sum() == pytest.approx(o.total)
        assert costs.loc[o.key, "running"] == o.plan.summary["cost_by_kind"]["month"]
    assert costs.loc["A", "setup"] > 0 and costs.loc["C", "setup"] == 0  # C orders nothing
    assert costs.loc["C", "emergency"] > 0


def test_an_option_title_is_a_label_never_mathtext():
    """An own option's title is user text: ``$...$`` is shown as written, never read as mathtext
    (where an unknown command would stop the proposal)."""
    options = [fake("A", 1e6, 2e6, 0), fake("B", 3e6, 2e6, 5e5)]
    options[1].title = r"Egen $\notacommand{x}$ 100 $"
    svg = cost_chart(options)
    assert ">B: Egen</text>" in svg and r">$\notacommand{x}$</text>" in svg


def test_cost_chart_bars_are_the_costs():
    options = [fake("A", 1e6, 2e6, 0), fake("B", 3e6, 2e6, 5e5), fake("C", 0, 1e6, 4e6)]
    svg = cost_chart(options)
    heights = {(k, part): _height(svg, f"cost-{k}-{part}") for k in KEYS for part in COST_PARTS}
    unit = heights["A", "setup"] / 1e6  # pixels per DKK
    for o in options:
        for part, value in option_costs([o]).loc[o.key].items():
            assert heights[o.key, part] == pytest.approx(value * unit, abs=0.01), (o.key, part)
    for text in (
        "A: Mulighed A",
        "Opsætning og nedtagning",
        "Drift (leje)",
        "Nødindkvartering (forventet)",
        "5,5 mio. kr.",
    ):
        assert text in svg


def _height(svg: str, gid: str) -> float:
    ys = _ys(_group(svg, gid))
    return max(ys) - min(ys)


def test_proposal_embeds_the_charts_and_links_the_map(proposal_paper, proposal_dir):
    _, paper = proposal_paper
    html = (proposal_dir / "proposal.html").read_text(encoding="utf-8")
    for k in (o.key for o in paper.options):
        for part in COST_PARTS:
            assert f'<g id="cost-{k}-{part}">' in html
    occupancy = re.search(r'<figure class="chart" id="occupancy-chart">(.*?)</figure>', html, re.S)[
        1
    ]
    assert '<g id="band">' in occupancy and '<g id="band-beds">' in occupancy
    assert f"anbefalet mulighed {paper.recommended}" in occupancy
    assert (
        f'<a href="{PROPOSAL_MAP}">' in html and f'<iframe class="map" src="{PROPOSAL_MAP}"' in html
    )
    assert "<script" not in html  # the proposal itself needs no script; the map is its own file
    md = (proposal_dir / "proposal.md").read_text(encoding="utf-8")
    assert "](proposal_costs.svg)" in md and f"]({PROPOSAL_MAP})" in md
    for name in ("proposal_costs.svg", "proposal_occupancy.svg", PROPOSAL_MAP):
        assert (proposal_dir / name).stat().st_size > 1000
    the_map = (proposal_dir / PROPOSAL_MAP).read_text(encoding="utf-8")
    assert "Forslag: pavilloner bestilt/ned" in the_map  # the recommended plan orders modules at P1
    option = next(o for o in paper.options if o.key == paper.recommended)
    plan = option.plan.plan
    up = plan[(plan["site_id"] == "P1") & (plan["modules_up"] > 0)]
    assert len(up), "the wave needs modules at P1"
    for row in up.itertuples():
        assert f"{str(row.month)[:7]}: +{int(row.modules_up)} bestilt" in the_map


def test_proposal_band_is_the_recommended_options_runs(proposal_paper):
    reg, paper = proposal_paper
    option = next(o for o in paper.options if o.key == paper.recommended)
    figures = proposal_figures(reg, paper)
    band = charts.occupancy_chart(
        reg, paper.scenario.start_date, _band(option.runs.months), min_count=3
    )
    assert _group(figures.occupancy_svg, "band") == _group(band, "band")


def _band(months):
    from capacity.reports.forecast import forecast_band

    return forecast_band(months)


def test_proposal_has_no_personal_data(proposal_paper, proposal_dir):
    reg, _ = proposal_paper
    min_count = reg.policy.limits.min_count
    for name in (
        "proposal.html",
        "proposal.md",
        "proposal_costs.svg",
        "proposal_occupancy.svg",
        "proposal_tornado.svg",
        PROPOSAL_MAP,
    ):
        _check_no_personal_data((proposal_dir / name).read_text(encoding="utf-8"), reg)
    _check_counts((proposal_dir / PROPOSAL_MAP).read_text(encoding="utf-8"), min_count)
    assert 'class="count">&lt;3</span>' in (proposal_dir / PROPOSAL_MAP).read_text(encoding="utf-8")


def test_months_below_min_count_are_not_drawn(proposal_paper):
    """The registry has 5 residents for 8 months, then 2 for 12 months up to the scenario's
    start: the public chart draws the 8 months only, the internal one all 20."""
    reg, paper = proposal_paper
    history = charts.occupancy_history(reg, paper.scenario.start_date)
    assert history["residents"].tolist() == [5] * 8 + [2] * 12
    public = proposal_figures(reg, paper).occupancy_svg
    internal = charts.occupancy_chart(reg, paper.scenario.start_date)
    assert _group(public, "residents").count("<use") == 8
    assert _group(internal, "residents").count("<use") == 20


def test_same_proposal_same_bytes(proposal_paper, proposal_dir):
    reg, paper = proposal_paper
    _, html = render_proposal(
        paper, reg.policy.limits.emergency_dkk_per_person_day, proposal_figures(reg, paper)
    )
    assert html == (proposal_dir / "proposal.html").read_text(encoding="utf-8")


def test_a_proposal_leaves_no_plan_or_figure_of_an_earlier_one(proposal_paper, tmp_path):
    """Every plan and figure beside the paper is this proposal's; the user's own files stay."""
    _, paper = proposal_paper
    out = tmp_path / "proposal"
    out.mkdir()
    for name in ("plan_Z.csv", COST_SVG, PROPOSAL_MAP, "noter.txt"):
        (out / name).write_text("earlier")
    write_proposal(paper, out, 1000)
    names = {p.name for p in out.iterdir()}
    assert {f"plan_{o.key}.csv" for o in paper.options} | {"noter.txt"} <= names
    assert not {"plan_Z.csv", COST_SVG, PROPOSAL_MAP} & names


def test_the_head_states_the_accepted_risk_not_the_quantile(proposal_paper, proposal_dir):
    # "Risikoniveau: 90 %" beside "accepteret: højst 10 %" read as a 90 % risk (the audit)
    _, paper = proposal_paper
    accepted = f"Accepteret risiko for mangel: højst {round(100 * (1 - paper.risk))} %"
    for name in ("proposal.md", "proposal.html"):
        text = (proposal_dir / name).read_text(encoding="utf-8")
        assert accepted in text and "Risikoniveau" not in text


TORNADO_TWICE = """
import pandas as pd
from capacity.reports.charts import tornado_chart
swings = pd.DataFrame([dict(assumption="stay", name="Ophold", range="-30 % til +30 %",
    cost_low=1e6, cost_high=3e6, risk_low=0.1, risk_high=0.4, base_cost=2e6, base_risk=0.2)])
first, second = tornado_chart(swings), tornado_chart(swings)
print(first == second, "clip-path" in first)
"""


def test_a_chart_drawn_first_in_a_process_has_the_bytes_of_any_later_one():
    """The tornado is the first chart a proposal draws: its SVG ids must not depend on a salt
    another chart set before it (matplotlib draws a random one without), else the same proposal
    gives other bytes in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", TORNADO_TWICE], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "True"]
