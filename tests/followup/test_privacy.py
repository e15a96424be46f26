"""Suppression: counts below min_count hidden, and no pair of shown figures whose difference
gives one back; household ids never written."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd

from capacity.followup import build_followup, write_followup
from capacity.followup.figures import count, protect
from capacity.sample import alleroed_registry
from capacity.sample.history import add_history
from tests.followup.conftest import history_registry


def _differences_ok(figures, min_count: int) -> list[tuple]:
    """Every pair of shown figures of one year and unit where one's households are among the
    other's: the difference (a count of the rest) must be 0 or at least ``min_count``."""
    bad = []
    shown = [f for f in figures if not f.hidden and f.n is not None and f.members]
    for a, b in itertools.permutations(shown, 2):
        nested = (a.year, a.unit) == (b.year, b.unit) and b.members <= a.members
        if nested and 1 <= a.n - b.n < min_count:
            bad.append((a.key, a.n, b.key, b.n))
    return bad


def test_protect_hides_a_part_that_the_total_gives_away() -> None:
    total = count(2026, "g", "total", {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1}, "households")
    big = count(2026, "g", "part", {"a": 1, "b": 1, "c": 1, "d": 1}, "households")
    small = count(2026, "g", "rest", {"e": 1}, "households")
    out = {f.measure: f for f in protect([total, big, small], 3)}
    assert out["rest"].shown == "<3"
    assert out["part"].shown == "x" and out["total"].shown == "5"


def test_protect_hides_the_larger_figure_rather_than_a_part_of_a_total() -> None:
    """A month's move-outs (a part of the year's range) inside a share's households with a
    difference of 1: the share is hidden, the month stays shown, as its total counts it."""
    month = count(2026, "g", "month", {"a": 1, "b": 1, "c": 1}, "households", part=True)
    over = count(2026, "g", "over", {"a": 1, "b": 1, "c": 1, "d": 1}, "households")
    out = {f.measure: f for f in protect([month, over], 3)}
    assert out["month"].shown == "3" and out["over"].shown == "x"


def test_every_difference_on_a_small_history() -> None:
    reg = history_registry(min_count=3)
    f = build_followup(reg, 2025, from_year=2023)
    assert any(x.hidden for x in f.figures)
    assert _differences_ok(f.figures, 3) == []
    for x in f.figures:
        if not x.measured:  # January 2023, before the first record
            assert x.shown == "ingen data" and x.value is None
            continue
        if x.kind == "count" and x.exact and x.value < 3:
            assert x.shown in ("<3", "x")
        if x.kind == "count" and not x.exact:  # a range: "<3" unless its top reaches 3
            assert x.shown == "<3" if x.high < 3 else x.shown.endswith(f"–{int(x.high)}")


def test_every_difference_on_the_sample_with_history() -> None:
    reg = add_history(alleroed_registry(), seed=11)
    for min_count in (3, 5):
        policy = reg.policy.model_copy(
            update={"limits": reg.policy.limits.model_copy(update={"min_count": min_count})}
        )
        f = build_followup(reg.with_layers(policy=policy), 2026)
        assert _differences_ok(f.figures, min_count) == []
        assert any(x.hidden for x in f.figures)


def test_no_household_id_and_kpi_shows_only_protected(tmp_path: Path) -> None:
    reg = add_history(alleroed_registry(), seed=11)
    f = build_followup(reg, 2026)
    write_followup(reg, f, tmp_path)
    from capacity.reports.assets import strip_assets

    html = strip_assets((tmp_path / "followup.html").read_text(encoding="utf-8"))
    kpi = pd.read_csv(tmp_path / "kpi.csv", dtype=str)
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "followup.xlsx")
    cells = [str(c.value) for s in book.worksheets for row in s.iter_rows() for c in row]
    ids = set(reg.households["id"].astype(str))
    for hid in ids:
        assert f">{hid}<" not in html and hid not in set(kpi["measure"]) and hid not in cells
    hidden = {x.key for x in f.figures if x.hidden}
    for row in kpi.itertuples():
        if (int(row.year), row.goal, row.measure) in hidden:
            assert row.value in ("<3", "x", "–")
    assert all(
        c.data_type == "s" for s in book.worksheets for r in s.iter_rows() for c in r if c.value
    )
