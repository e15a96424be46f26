"""Each measure computed by hand on ``conftest.history_registry`` (see its docstring)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from capacity.followup import build_followup, render, write_followup
from capacity.io.layers import frame
from capacity.model.domain import build_domain
from capacity.model.soft import school_coef, transport_coef
from capacity.reports.tables import review_tables
from tests import helpers

D = dt.date


def _v(f, year, goal, measure):
    return f.get(year, goal, measure).value


@pytest.fixture
def report(history):
    return build_followup(history, 2025, from_year=2023)


def test_capacity_by_month_and_year(report) -> None:
    m = report.months.set_index(report.months["month"].dt.strftime("%Y-%m"))
    assert m.loc["2023-12", "residents"] == 5  # F1 (4) and S1 (1) on 31 Dec 2023
    assert m.loc["2024-12", "residents"] == 4 + 2 + 1  # F1, F2, S2
    assert m.loc["2024-12", "waiting"] == 1  # S3 arrived 1 Dec, housed 31 Jan 2025
    assert m.loc["2024-12", "beds"] == 5 + 1 + 1 + 4 + 4
    assert m.loc["2024-12", "homes_family"] == 3 and m.loc["2024-12", "homes_single"] == 2
    # empty beds in December 2024: 15 beds, 7 residents
    assert m.loc["2024-12", "empty_beds"] == 8
    assert _v(report, 2024, "capacity", "waiting") == 1
    assert _v(report, 2024, "capacity", "shortage_months") == 0
    # housed in 2024: F2 (20 days), S2 (30 days); S1 was housed in 2023
    assert _v(report, 2024, "capacity", "housed") == 2
    assert _v(report, 2024, "capacity", "wait_median_days") == 25
    assert _v(report, 2024, "capacity", "wait_p90_days") == 30
    assert _v(report, 2024, "capacity", "waited_so_far_median_days") == 30  # S3: 1-31 Dec
    # 2023: F1 waited 10 days, S1 25 days
    assert _v(report, 2023, "capacity", "wait_median_days") == 17.5
    assert _v(report, 2025, "capacity", "wait_median_days") == 61  # S3: 1 Dec - 31 Jan


def test_empty_bed_months_and_cost(history) -> None:
    reg = history.with_layers(sites=history.sites)
    f = build_followup(reg, 2024, from_year=2024)
    months = f.months
    assert _v(f, 2024, "capacity", "empty_bed_months") == int(months["empty_beds"].sum())
    assert _v(f, 2024, "capacity", "empty_bed_dkk") == 0  # buildings: no monthly cost


def test_short_stays_one_stay_across_two_homes(report) -> None:
    # 2024: S1 moved on (15 Dec 2023 - 15 Feb 2024: 62 days, about 2.0 months); F1's move on
    # 1 March 2024 is a move between homes, not a move-out.
    assert _v(report, 2024, "stays", "moved_on") == 1
    assert _v(report, 2024, "stays", "moved_on_median_months") == pytest.approx(62 / 30.4375)
    assert _v(report, 2024, "stays", "moveouts:2024-02") == 1
    assert _v(report, 2024, "stays", "moveouts:2024-03") == 0
    # 2025: F1 moved on after one stay of 11 Feb 2023 - 1 Apr 2025 (780 days, over 24 months)
    assert _v(report, 2025, "stays", "moved_on") == 1
    assert _v(report, 2025, "stays", "moved_on_median_months") == pytest.approx(780 / 30.4375)
    assert _v(report, 2025, "stays", "moved_on_over_24") == 1.0
    # living there at the end of 2024: F1 (since 11 Feb 2023), F2 (21 May 2024), S2 (1 Jul 2024)
    assert _v(report, 2024, "stays", "staying") == 3
    assert _v(report, 2024, "stays", "staying_over_12") == pytest.approx(1 / 3)
    days = [(dt.date(2024, 12, 31) - d).days for d in (dt.date(2024, 5, 21), dt.date(2024, 7, 1))]
    days.append((dt.date(2024, 12, 31) - dt.date(2023, 2, 11)).days)
    assert _v(report, 2024, "stays", "staying_median_months") == pytest.approx(
        sorted(days)[1] / 30.4375
    )


def test_families_together(report, history) -> None:
    # end of 2023: F1 in W; end of 2024: F1 (E1) and F2 (E2) both in E; end of 2025: F2 in E
    assert _v(report, 2023, "families", "districts") == 1
    assert _v(report, 2024, "families", "families") == 2
    assert _v(report, 2024, "families", "top_district_share") == 1.0
    assert report.get(2024, "families", "top_district_share").label == "District E"
    # F1's children (7, 9) are new (arrived under 24 months before): receiving classes
    dom = build_domain(history, dt.date(2024, 12, 31), with_pairs=False)
    site = dom.sites["BE"]
    assert _v(report, 2024, "families", "children_receiving") == 2
    assert _v(report, 2024, "families", "receiving_minutes_avg") == site.receiving_minutes
    assert _v(report, 2024, "families", "children_school") == 0
    # 2025: F1's children are no longer new and F1 moved on; F2's child is 4: no school child
    assert _v(report, 2025, "families", "children_receiving") == 0


def test_children_minutes_are_the_placement_term(history) -> None:
    """The school minutes are soft.school_coef's amounts for the same households."""
    f = build_followup(history, 2023, from_year=2023)
    day = dt.date(2023, 12, 31)
    reg = history.with_layers(
        occupancy=history.occupancy[history.occupancy["move_in"] <= "2023-12-31"]
    )
    dom = build_domain(reg, day, allow_moves=True, with_pairs=False)
    f1 = dom.household("F1")
    amount = school_coef(f1, dom.units[f1.current_unit], dom)
    assert _v(f, 2023, "families", "receiving_minutes_avg") == amount / 2
    people = [h for h in dom.households if h.current_unit]
    pm = sum(transport_coef(h, dom.units[h.current_unit], dom) for h in people)
    assert _v(f, 2023, "transport", "person_minutes") == pm


def test_even_spread(report) -> None:
    # end of 2024: W holds S2 (1), E holds F1 (4) and F2 (2); population W 1,000, E 3,000
    assert _v(report, 2024, "spread", "average_rate") == pytest.approx(1000 * 7 / 4000)
    w_rate, e_rate = 1.0, 1000 * 6 / 3000
    assert _v(report, 2024, "spread", "max_ratio") == pytest.approx(e_rate / 1.75)
    assert report.get(2024, "spread", "max_ratio").label == "District E"
    assert _v(report, 2024, "spread", "districts_over") == 0  # 2/1.75 = 1.14 < 1.2
    assert w_rate / 1.75 < 1


def test_transport(report, history) -> None:
    dom = build_domain(history, dt.date(2024, 12, 31), with_pairs=False)
    bw, be = dom.sites["BW"].station_minutes, dom.sites["BE"].station_minutes
    assert _v(report, 2024, "transport", "person_minutes") == 1 * bw + 6 * be
    assert _v(report, 2024, "transport", "minutes_avg") == pytest.approx((bw + 6 * be) / 7)
    assert _v(report, 2024, "transport", "worst_site_minutes") == max(bw, be)


def test_dates_cut_the_year(history) -> None:
    f = build_followup(history, 2024, from_year=2024, as_of=dt.date(2024, 6, 30))
    assert f.months["month"].dt.strftime("%Y-%m").tolist()[-1] == "2024-06"
    # S2 arrived 1 June and moves in 1 July: waiting on 30 June
    assert _v(f, 2024, "capacity", "waiting") == 1
    # the tables' "at the year's end" rows are of 30 June, and the year's heading says so
    assert render.year_heading(f, 2024) == "2024 (januar–juni, pr. 30. juni 2024)"
    whole = build_followup(history, 2024, from_year=2024, as_of=dt.date(2024, 12, 31))
    assert render.year_heading(whole, 2024) == "2024"


def test_modules_up_and_down_are_unknown_without_their_dates(history):
    """A registry that does not record when modules went up or came down shows "–", not 0; with
    the dates it counts them."""
    import pandas as pd

    year = 2026
    plain = build_followup(history, year, as_of=dt.date(2026, 12, 1))
    for measure in ("modules_up", "modules_down"):
        assert plain.get(year, "capacity", measure).value is None
    reg = helpers.tiny_registry()  # P1: a pavilion site with two modules
    units = reg.units.copy()
    units["in_service_from"] = pd.Series([""] * len(units), dtype="str", index=units.index)
    units["in_service_until"] = pd.Series([""] * len(units), dtype="str", index=units.index)
    units.loc[units["id"] == "P1-M1", "in_service_from"] = "2026-03-01"
    units.loc[units["id"] == "P1-M2", "in_service_until"] = "2026-06-30"
    dated = build_followup(reg.with_layers(units=units), year, as_of=dt.date(2026, 12, 1))
    assert dated.get(year, "capacity", "modules_up").value == 1
    assert dated.get(year, "capacity", "modules_down").value == 1


def test_ids_with_colons_reach_the_tables(history, tmp_path) -> None:
    """Validation allows ":" in ids; the figures' keys (``district:ID:rate``) still tell them
    apart, so renamed ids give the same tables (they show names) and the report is written."""
    districts = history.districts.assign(id=history.districts["id"].replace({"W": "SKD:W"}))
    sites = history.sites.assign(id=history.sites["id"].replace({"BW": "B:W:rate"}))
    units = history.units.assign(site_id=history.units["site_id"].replace({"BW": "B:W:rate"}))
    reg = history.with_layers(districts=districts, sites=sites, units=units)
    renamed = build_followup(reg, 2024)
    tables = {t.key: t.rows for t in render.tables(renamed, reg.policy.limits)}
    before = {
        t.key: t.rows for t in render.tables(build_followup(history, 2024), history.policy.limits)
    }
    for key in ("districts", "sites"):  # in the order of their ids, which the renaming changed
        assert sorted(tables[key]) == sorted(before[key]), key
    write_followup(reg, renamed, tmp_path)
    assert (tmp_path / "followup.html").stat().st_size > 0


@pytest.mark.parametrize(
    ("columns", "note"),
    [
        ((), "ingen datoer for hvornår moduler blev sat op eller taget ned"),
        (("in_service_from",), "ingen datoer for hvornår moduler blev taget ned (units."),
        (("in_service_until",), "ingen datoer for hvornår moduler blev sat op (units."),
        (("in_service_from", "in_service_until"), None),
    ],
)
def test_the_note_names_the_module_dates_the_registry_lacks(history, columns, note) -> None:
    """A registry with ``in_service_from`` counts the modules put up: its note says only that
    the dates they were taken down are missing (and the other way round)."""
    units = history.units.assign(**dict.fromkeys(columns, ""))
    reg = history.with_layers(units=units)
    html = render.followup_html(reg, build_followup(reg, 2024))
    notes = re.findall(r'<p class="note">([^<]*ingen datoer[^<]*)</p>', html)
    if note is None:
        assert notes == []
    else:
        assert len(notes) == 1 and note in notes[0], notes


def test_long_stays_are_counted_as_the_review_counts_them(tiny_registry) -> None:
    """One definition of a stay for the follow-up and the review (``overview.stay_start``): R1
    moved from P1-M1 (2025-06-18) to B1-1 (2026-02-19), one stay of 17.5 months; R2 left P1-M1
    on 2025-08-01 and came back on 2026-01-01, a new stay of 11 months; R3 has lived in B1-3
    since 2025-06-01."""
    occ = tiny_registry.occupancy.copy()
    occ.loc[occ["household_id"] == "R1", "move_in"] = pd.Timestamp(2026, 2, 19)
    occ.loc[occ["household_id"] == "R2", "move_in"] = pd.Timestamp(2026, 1, 1)
    rows = [
        *occ.to_dict("records"),
        helpers.make_occupancy("R1", "P1-M1", move_in=D(2025, 6, 18), move_out=D(2026, 2, 19)),
        helpers.make_occupancy("R2", "P1-M1", move_in=D(2025, 6, 1), move_out=D(2025, 8, 1)),
    ]
    reg = tiny_registry.with_layers(occupancy=frame("occupancy", rows))
    day = D(2026, 12, 1)
    f = build_followup(reg, 2026, from_year=2025, as_of=day)
    staying = f.get(2026, "stays", "staying_over_12")
    assert set(staying.members) == {"R1", "R3"}
    review = review_tables(reg, day)["long_stays"]
    assert set(review["household_id"]) == set(staying.members)
    median = f.get(2026, "stays", "staying_median_months").value
    assert median == pytest.approx((day - D(2025, 6, 18)).days / 30.44, abs=0.05)


def test_accessible_homes_have_the_reports_one_name(history, tmp_path) -> None:
    """Accessible homes are "handicapvenlige", as in the review and the placement's reasons:
    "Tilgængelige" reads as "available" in Danish."""
    write_followup(history, build_followup(history, 2025, from_year=2023), tmp_path)
    html = (tmp_path / "followup.html").read_text(encoding="utf-8")
    assert "Handicapvenlige boliger" in html and "Tilgængelige" not in html
    assert "måneder à 30,44 dage" in html
