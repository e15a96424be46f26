"""The proposal: options A-D (merged when equal), C orders nothing, the recommendation rule,
Markdown and HTML."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from capacity.planning.proposal import make_proposal
from capacity.planning.recommend import recommend
from capacity.reports.proposal_output import write_proposal
from tests.helpers import tiny_registry
from tests.planning.conftest import scenario


def fake(key: str, total: float, risk: float) -> SimpleNamespace:
    """An option with only the figures the recommendation reads."""
    return SimpleNamespace(
        key=key,
        title=f"Mulighed {key}",
        total=total,
        risk=risk,
        plan_cost=total,
        emergency_cost=0.0,
        totals=np.full(100, float(total)),
        short=np.arange(100) < round(risk * 100),
        total_ci=(total, total),
        risk_ci=(risk, risk),
    )


def test_recommends_the_cheapest_option_within_the_accepted_risk():
    options = (fake("A", 100, 0.30), fake("B", 150, 0.05), fake("C", 120, 0.08))
    key, reasons = recommend(options, risk=0.9)
    assert key == "C"
    assert "8 %" in reasons[1] and "højst 10 %" in reasons[1]


def test_without_an_acceptable_option_the_safest_is_recommended():
    key, reasons = recommend((fake("A", 100, 0.5), fake("B", 200, 0.2), fake("C", 50, 0.9)), 0.9)
    assert key == "B"
    assert any("Ingen mulighed holder risikoen" in r for r in reasons)


def test_proposal_on_the_tiny_registry(tmp_path):
    sc = scenario([1, 1, 1, 6, 1, 1], stay=6, horizon=8)
    paper = make_proposal(tiny_registry(), sc, samples=3, runs=20, seed=2, time_limit=60)
    keys = [k for o in paper.options for k in (o.key, *o.same_as)]
    assert sorted(keys) == ["A", "B", "C", "D"]
    assert paper.recommended in {o.key for o in paper.options}
    c = next(o for o in paper.options if "C" in (o.key, *o.same_as))
    assert c.plan.plan["modules_up"].sum() == 0
    for o in paper.options:
        assert o.total == o.plan_cost + o.emergency_cost
        assert sum(o.yearly.values()) == o.plan_cost
    write_proposal(paper, tmp_path / "out", 1000)
    md = (tmp_path / "out" / "proposal.md").read_text(encoding="utf-8")
    html = (tmp_path / "out" / "proposal.html").read_text(encoding="utf-8")
    assert f"Anbefaling: mulighed {paper.recommended}" in md
    assert "<h1>Indstilling" in html and "Mulighed A: Laveste" in html
    for o in paper.options:  # districts by the names the council knows, with their ids
        assert o.spread["district"].tolist() == ["District W (W)", "District E (E)"]
    assert "| District W (W) |" in md and '<td>District E (E)</td><td class="n">' in html
    assert {f"plan_{o.key}.csv" for o in paper.options} | {"summary.json"} <= {
        p.name for p in (tmp_path / "out").iterdir()
    }
