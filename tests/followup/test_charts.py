"""The follow-up's charts: numbers on the axes as the report's language writes them, and a hidden
district drawn as no bar with its shown count, never as a rate of 0."""

from __future__ import annotations

import re

import pytest

from capacity.followup import build_followup
from capacity.followup.render import followup_html
from tests.followup.conftest import history_registry


def _chart(html: str, chart_id: str) -> str:
    start = html.index(f'id="{chart_id}"')
    return html[start : html.index("</figure>", start)]


def _texts(svg: str) -> list[str]:
    return re.findall(r">([^<>]+)</text>", svg)


def _bars(svg: str, gid: str) -> int:
    """The bars of the SVG group ``gid`` (one path each; no group when there are none)."""
    if f'<g id="{gid}">' not in svg:
        return 0
    start = svg.index(f'<g id="{gid}">')
    return svg[start : svg.index("</g>", start)].count("<path")


@pytest.fixture(scope="module")
def reg():
    """The history registry with min_count 3: at the end of 2024 W holds one resident (hidden,
    no rate), E six (2 per 1,000 inhabitants; the average is 1.75)."""
    return history_registry(min_count=3)


@pytest.mark.parametrize(
    ("lang", "tick", "other", "mark"),
    [("da", "0,25", "0.25", "&lt;3 beboere"), ("en", "0.25", "0,25", "&lt;3 residents")],
)
def test_spread_chart_numbers_and_hidden_district(reg, lang, tick, other, mark) -> None:
    f = build_followup(reg, 2024, lang=lang)
    assert f.get(2024, "spread", "district:W:rate").hidden
    svg = _chart(followup_html(reg, f), "chart-spread")
    texts = _texts(svg)
    assert tick in texts and other not in texts
    assert mark in texts
    assert _bars(svg, "spread") == 1  # E only: W is no bar, not a bar of length 0


def test_moveouts_chart_marks_hidden_months(reg) -> None:
    """2024's one move-out (S1 in February) is hidden like every month without one: no bar,
    "<3" in its place, whole numbers on the axis."""
    f = build_followup(reg, 2024)
    svg = _chart(followup_html(reg, f), "chart-moveouts")
    texts = _texts(svg)
    assert texts.count("&lt;3") == 12
    assert _bars(svg, "moveouts") == 0
    assert "0,5" not in texts and "0.5" not in texts
