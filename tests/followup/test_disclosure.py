"""No hidden count can be had from the follow-up: a total beside hidden parts is the range the
shown parts allow, figures computed from counts do not depend on a hidden value, and a site or
month with none looks like one with one or two (``conftest.sites_registry``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from capacity.errors import UserError
from capacity.followup import build_followup, write_followup
from capacity.followup.charts import capacity_chart
from capacity.followup.render import months_table
from capacity.io.registry import load_registry
from tests.followup.conftest import sites_registry
from tests.followup.reader import hidden_bounds

AS_OF = dt.date(2026, 6, 30)
SHOWN = {"A": (1,) * 5, "B": (1,) * 4, "C": (1,) * 3}  # 12 persons in sites shown exactly
MOVES = (3, 4, 3, 3, 0, 3)  # households leaving M per month of 2026; May below 3
PERSON_MEASURES = {"residents", "empty_bed_months", "empty_bed_dkk", "shortage_months"}


def _report(reg):
    return build_followup(reg, 2026, from_year=2026, as_of=AS_OF)


def _interval(text: str) -> tuple[int, int]:
    """What a reader knows of a count from its shown text: "<3" is 0..2, "9–11" is 9..11."""
    if text.startswith("<"):
        return 0, int(text[1:]) - 1
    ends = [int(x.replace(".", "")) for x in text.split("–")]
    return ends[0], ends[-1]


def _shown(f, goal: str, measure: str) -> str:
    return f.get(2026, goal, measure).shown


def _site(f, site: str) -> tuple[int, int]:
    """A site's residents as a reader knows them; a site left out of the table holds none."""
    figure = f.get(2026, "transport", f"site:{site}:residents")
    return (0, 0) if figure is None else _interval(figure.shown)


def _persons_view(f) -> tuple:
    """Everything the report shows that is made from counts of persons: the figures of
    residents, empty beds and shortage, of spread and transport, the months' residents and the
    capacity chart."""
    figures = {
        x.key: x.shown
        for x in f.figures
        if x.goal in ("spread", "transport") or x.measure in PERSON_MEASURES
    }
    residents = [row[5] for row in months_table(f).rows]
    return figures, residents, capacity_chart(f.months, f.min_count, f.lang)


def _files(reg, out: Path) -> tuple:
    write_followup(reg, _report(reg), out)
    book = load_workbook(out / "followup.xlsx")
    cells = [[c.value for row in s.iter_rows() for c in row] for s in book.worksheets]
    return (out / "kpi.csv").read_bytes(), (out / "followup.html").read_bytes(), cells


def test_a_hidden_sites_count_changes_no_byte(tmp_path: Path) -> None:
    """H holds one household of one or two persons: the three files are the same."""
    one = _files(sites_registry({**SHOWN, "H": (1,)}, MOVES), tmp_path / "one")
    two = _files(sites_registry({**SHOWN, "H": (2,)}, MOVES), tmp_path / "two")
    assert one[0] == two[0]
    assert one[2] == two[2]
    assert one[1] == two[1]


def test_none_at_a_site_looks_like_one_or_two() -> None:
    """H empty or holding one or two persons: every figure made from persons is the same, and H
    is listed as "<3" each time."""
    views = []
    for homes in ((), (1,), (2,)):
        f = _report(sites_registry({**SHOWN, "H": homes}, MOVES))
        assert _shown(f, "transport", "site:H:residents") == "<3"
        views.append(_persons_view(f))
    assert views[0] == views[1] == views[2]


def test_totals_less_the_shown_sites_give_back_only_a_range() -> None:
    """The auditor's subtractions: the total, the district and the person-minutes less what the
    shown sites account for leave "each hidden site between 0 and 2", never one number."""
    f = _report(sites_registry({**SHOWN, "H": (2,)}, MOVES))
    sites = {s: _site(f, s) for s in "ABCHM"}
    minutes = {s: f.timeline.domain.sites[s].station_minutes for s in "ABCHM"}  # public
    hidden = [s for s, (lo, hi) in sites.items() if lo != hi]
    shown = sum(lo for s, (lo, _) in sites.items() if s not in hidden)
    low, high = _interval(_shown(f, "capacity", "residents"))
    assert (low - shown, high - shown) == (0, 2 * len(hidden))
    low, high = _interval(_shown(f, "spread", "district:E:residents"))  # A, B and H
    assert (low - sites["A"][0] - sites["B"][0], high - sites["A"][0] - sites["B"][0]) == (0, 2)
    low, high = _interval(_shown(f, "transport", "person_minutes"))
    known = sum(sites[s][0] * minutes[s] for s in sites if s not in hidden)
    assert (low - known, high - known) == (0, 2 * sum(minutes[s] for s in hidden))


def _earlier(reg, year: int = 2025) -> str:
    """Those living there at the end of ``year`` as the report for it showed them."""
    return build_followup(reg, year, from_year=year).get(year, "stays", "staying").shown


def test_a_hidden_month_is_protected_the_same_whatever_it_holds() -> None:
    """May's move-outs below 3 (none, one or two). Living there at the end of 2025 (in the
    report for 2025), those housed in 2026 and living there at its end give the households moved
    on in 2026 exactly, so the months hidden beside May are chosen from what is shown only: the
    same whatever May holds, and a reader who combines every count gets all of 0..2 for May
    (before, a month was hidden only when May was 2, and the pattern told it)."""
    patterns = []
    for may in (0, 1, 2):
        moves = (*MOVES[:4], may, MOVES[5])
        reg = sites_registry(SHOWN, moves)
        f = _report(reg)
        patterns.append(sorted(x.key for x in f.figures if x.shown == "x"))
        bounds = hidden_bounds(f, _earlier(reg))
        assert bounds[(2026, "stays", "moveouts:2026-05")] == (0, 2)
        assert all(lo < hi for lo, hi in bounds.values()), bounds
    assert patterns[0] == patterns[1] == patterns[2] != []


def test_the_auditors_may_on_the_sample(sample_gpkg) -> None:
    """The sample on 30 June 2026: living there at the end of 2025 (75) + housed (39) - living
    there on 30 June (89) = 25 moved on, and the shown months gave 23, so May's "<3" was 2.
    Now another month is hidden too and no count of any year is given back."""
    reg = load_registry(sample_gpkg)
    f = build_followup(reg, 2026, as_of=dt.date(2026, 6, 30))
    assert (f.get(2025, "stays", "staying").shown, f.get(2026, "capacity", "housed").shown) == (
        "75",
        "39",
    )
    assert f.get(2026, "stays", "moveouts:2026-05").shown == "<3"
    bounds = hidden_bounds(f, _earlier(reg, f.years[0] - 1))
    assert bounds[(2026, "stays", "moveouts:2026-05")] == (0, 2)
    assert all(lo < hi for lo, hi in bounds.values()), bounds


HIDDEN = st.sampled_from(((), (1,), (2,)))  # a site's households when its count is hidden
SITE = st.one_of(HIDDEN, st.integers(3, 6).map(lambda k: (1,) * k))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    homes=st.fixed_dictionaries({s: SITE for s in "ABCH"}),
    other=st.fixed_dictionaries({s: HIDDEN for s in "ABCH"}),
    moves=st.lists(st.integers(0, 5), min_size=6, max_size=6),
    other_moves=st.lists(st.integers(0, 2), min_size=6, max_size=6),
)
def test_hidden_values_never_show(homes, other, moves, other_moves) -> None:
    """Any registry of ``sites_registry``'s shape: giving every hidden site another value below 3
    changes no figure made from persons, and no count of households shown as "<3" (a month's
    move-outs, those housed, those living there) is given back by a reader who combines the
    year's counts with the months and with the year before (``reader.hidden_bounds``), whatever
    the hidden months hold. (Which count is hidden beside them may depend on them: the households
    of a hidden month lived there at the end of 2025, which the report for 2025 shows.)"""
    changed = {s: other[s] if sum(h) < 3 else h for s, h in homes.items()}
    moved = tuple(o if n < 3 else n for n, o in zip(moves, other_moves, strict=True))
    a = _report(sites_registry(homes, tuple(moves)))
    b = _report(sites_registry(changed, tuple(moves)))
    assert _persons_view(a) == _persons_view(b)
    for m in (tuple(moves), moved):
        reg = sites_registry(homes, m)
        bounds = hidden_bounds(_report(reg), _earlier(reg))
        assert all(lo < hi for lo, hi in bounds.values()), bounds


def test_no_year_before_the_registrys_first_record() -> None:
    """The registry starts on 1 March 2025: 2024 is refused, naming 2025; by default the report
    starts in 2025, not in the strategy's 2023."""
    reg = sites_registry(SHOWN, MOVES)
    with pytest.raises(
        UserError, match=r"første registrering \(2025-03-01\).*--from 2025 eller senere"
    ):
        build_followup(reg, 2026, from_year=2024, as_of=AS_OF)
    assert build_followup(reg, 2026, as_of=AS_OF).years == (2025, 2026)


def test_the_month_table_rounds_residents_as_the_chart_does(sample_gpkg) -> None:
    """The months' residents are a series over time: the table shows them rounded to 5 as the
    chart draws them (the exact ranges beside the chart, 170–176, 174–180, ..., gave each
    month's change to the person, audit F5)."""
    f = build_followup(load_registry(sample_gpkg), 2026, as_of=dt.date(2026, 12, 1))
    table = months_table(f)
    assert table.headers[5] == "Beboere (afrundet til 5)"
    residents = [row[5] for row in table.rows]
    assert all(r == "<3" or int(r.replace(".", "")) % 5 == 0 for r in residents), residents
    months = f.months[f.months["month"].dt.year == 2026]
    middle = (months["residents_lo"] + months["residents_hi"]) / 2
    assert [int(r.replace(".", "")) for r in residents] == [5 * round(m / 5) for m in middle]
