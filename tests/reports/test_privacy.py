"""The council report carries counts only: no household id, no single household's date, no count
below the policy's ``min_count``."""

from __future__ import annotations

import html as htmlib
import json
import re

import pandas as pd
import pytest

from capacity.policy import Limits, Policy
from capacity.reports.assets import strip_assets
from capacity.reports.maps import council_map
from capacity.reports.privacy import (
    free_beds_text,
    free_total_text,
    published_total,
    rate_text,
    suppress,
    total_text,
)
from tests.reports.conftest import few_residents_registry, sample_or_tiny

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%y")
PROPERTY_KEYS = {"name", "residents", "rate", "colour"}


def test_suppress_hides_counts_below_min_count():
    assert [suppress(n) for n in (0, 1, 2, 3, 1234)] == ["<3", "<3", "<3", "3", "1.234"]
    assert suppress(4, min_count=5) == "<5"
    assert suppress(None) == "<3"


def test_published_totals_are_ranges_of_the_shown_sites():
    assert total_text(published_total([5, 2, 0])) == "5–9"
    assert total_text(published_total([5, 7])) == "12"
    assert total_text(published_total([2])) == "<3"
    assert total_text(published_total([0, 1])) == "0–4"
    assert free_total_text(20, published_total([5, 2])) == "13–15"
    assert published_total([2, 1, 0, 9], min_count=5).hi == 9 + 3 * 4


def test_free_beds_never_reveal_a_hidden_occupancy():
    assert free_beds_text(9, 5) == "4"
    assert free_beds_text(9, 2) == "&gt; 6"  # true for every hidden value 0, 1, 2
    assert free_beds_text(4, 1) == "&le; 4"
    assert rate_text(2, 1000) == "&lt; 3,0"


def _check_counts(html: str, min_count: int) -> None:
    ours = strip_assets(html)
    counts = re.findall(r'class="count">([^<]*)</span>', ours)
    assert len(counts) >= 3  # residents and arrivals in the panel, one per site popup
    for text in counts:
        _check_count(text.replace("&lt;", "<"), min_count)
    for text in re.findall(r'class="count-free">([^<]*)</span>', ours):
        bound = re.fullmatch(r"(?:&gt; )?([\d.]+)", text)
        if bound:  # "7" or "&gt; 6": a number of at least min_count
            assert int(bound[1].replace(".", "")) >= min_count, text
        else:  # a bound, or the range that beds less a published total gives
            assert text.startswith(("&le; ", "&lt;")) or re.fullmatch(r"[\d.]+–[\d.]+", text), text
    for props in _properties(ours):
        if "residents" in props:
            _check_count(props["residents"], min_count)


def _check_count(text: str, min_count: int) -> None:
    """ "<N", a number of at least N, or a published range "lo–hi" whose top is at least N."""
    if text == f"<{min_count}":
        return
    top = text.split("–")[-1]
    assert int(top.replace(".", "")) >= min_count, text


def _check_no_personal_data(html: str, reg) -> None:
    ours = strip_assets(html)
    for hid in reg.households["id"]:
        assert not re.search(rf"(?<![\w-]){re.escape(hid)}(?![\w-])", ours), hid
    dates = pd.concat(
        [
            reg.households["arrival_date"],
            reg.occupancy["move_in"],
            reg.occupancy["expected_move_out"],
            reg.occupancy["move_out"],
        ]
    ).dropna()
    for day in set(dates):
        for fmt in DATE_FORMATS:
            assert day.strftime(fmt) not in ours, (day, fmt)
    for props in _properties(ours):
        assert set(props) <= PROPERTY_KEYS, props


def _properties(html: str) -> list[dict]:
    """The properties of every GeoJSON feature embedded in the map, as a reader sees them (the
    map holds them HTML-escaped, since the tooltips insert them as HTML)."""
    return [
        {k: htmlib.unescape(v) if isinstance(v, str) else v for k, v in json.loads(p).items()}
        for p in re.findall(r'"properties": (\{[^{}]*\})', html)
    ]


@pytest.mark.parametrize(
    "make", [few_residents_registry, sample_or_tiny], ids=["two-residents", "sample"]
)
def test_council_map_has_no_personal_data(make):
    reg = make()
    html = council_map(reg)
    _check_no_personal_data(html, reg)
    _check_counts(html, reg.policy.limits.min_count)


def test_small_site_is_shown_as_below_min_count(few_registry):
    html = strip_assets(council_map(few_registry))
    assert 'class="count">&lt;3</span>' in html  # B1's two residents
    assert {"name": "District W", "residents": "<3"}.items() <= _district_props(html).items()


def test_policy_min_count_is_used(few_registry):
    reg = few_registry.with_layers(policy=Policy(limits=Limits(min_count=5)))
    html = council_map(reg)
    _check_counts(html, 5)
    assert 'class="count">&lt;5</span>' in strip_assets(html)


def _district_props(html: str) -> dict:
    return next(p for p in _properties(html) if p.get("name") == "District W")
