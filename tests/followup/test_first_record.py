"""The months before the registry's first record are not measured: ``history_registry`` starts on
1 February 2023 (F1's arrival), so January 2023 has no figures but "ingen data" and 2023's sums
are over February to December, computed here by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from capacity.errors import UserError
from capacity.followup import build_followup, render, write_followup


@pytest.fixture
def reg(history):
    """The history registry with BE a pavilion site of four beds per module at 8,000 kr. a month
    per module: 2,000 kr. per bed and month."""
    sites = history.sites.copy()
    east = sites["id"] == "BE"
    sites["kind"] = sites["kind"].where(~east, "pavilion_site")
    sites["beds_per_module"] = sites["beds_per_module"].mask(east, 4)
    sites["cost_month_per_module"] = sites["cost_month_per_module"].mask(east, 8_000)
    return history.with_layers(sites=sites)


@pytest.fixture
def report(reg):
    """2023..2024: 2023 measured from February, 2024 whole."""
    return build_followup(reg, 2024, from_year=2023)


def test_months_before_the_first_record_are_not_in_the_month_table(report) -> None:
    months = report.months["month"].dt.strftime("%Y-%m").tolist()
    assert months[0] == "2023-02" and "2023-01" not in months
    assert len(months) == 11 + 12


def test_the_first_years_sums_are_over_its_measured_months(report) -> None:
    """15 beds; F1 (4 persons) in W1 from 11 February 2023, S1 (1) in W2 from 15 December. Empty
    beds at the end of February..November: 15 - 4 = 11, December: 15 - 5 = 10; BE's 8 beds
    stand empty all year at 2,000 kr. each. January (15 empty beds, 16,000 kr.) is not counted."""
    assert report.get(2023, "capacity", "empty_bed_months").value == 10 * 11 + 10
    assert report.get(2023, "capacity", "empty_bed_dkk").value == 11 * 8 * 2_000
    assert report.get(2023, "capacity", "shortage_months").value == 0
    measured = report.get(2023, "capacity", "months_measured")
    assert (measured.value, measured.label) == (11, "februar–december")
    whole = report.get(2024, "capacity", "months_measured")
    assert (whole.value, whole.label) == (12, "")


def test_a_month_before_the_first_record_has_no_data_not_a_count(report) -> None:
    """January 2023's move-outs are "ingen data", not a count, and no part of the year's total;
    February's are a count (none, shown as "<1" with min_count 1)."""
    january = report.get(2023, "stays", "moveouts:2023-01")
    assert january.value is None and not january.measured
    assert january.shown == "ingen data"
    assert report.get(2023, "stays", "moveouts:2023-02").shown == "<1"
    assert report.get(2023, "stays", "moved_on").shown == "<1"


def test_kpi_csv_leaves_an_unmeasured_month_empty(reg, report, tmp_path: Path) -> None:
    write_followup(reg, report, tmp_path)
    kpi = pd.read_csv(tmp_path / "kpi.csv", dtype=str, keep_default_na=False)
    value = kpi.set_index(["year", "measure"])["value"]
    assert value[("2023", "moveouts:2023-01")] == ""
    assert value[("2023", "moveouts:2023-02")] == "<1"
    assert value[("2023", "months_measured")] == "11"
    assert value[("2023", "empty_bed_months")] == "120"
    assert value[("2023", "empty_bed_dkk")] == "176000"


def test_the_tables_say_which_months_a_year_covers(reg, report) -> None:
    """The partial year's column names its months; a sum over the months has no change from a
    year of other months, a figure of the year's end has."""
    capacity = render.goal_table(report, "capacity", reg.policy.limits)
    assert capacity.headers[1:3] == ["2023 (februar–december)", "2024"]
    rows = {row[0]: row for row in capacity.rows}
    assert rows["Måneder opgjort (årets summer er over dem)"][1:3] == [
        "11 (februar–december)",
        "12",
    ]
    assert rows["Tomme sengemåneder"][-1] == "–"
    assert rows["Udgift til tomme pavillonsenge"][-1] == "–"
    assert rows["Senge ved årets udgang"][-1] == "±0"


def test_the_first_years_month_tables_show_no_data_for_january(reg) -> None:
    first = build_followup(reg, 2023)
    months = render.months_table(first).rows
    assert months[0][0] == "2023-01" and set(months[0][1:]) == {"ingen data"}
    assert months[1][0] == "2023-02" and "ingen data" not in months[1]
    assert len(months) == 12
    moveouts = render.detail_table(first, "stays").rows
    assert moveouts[0] == ["2023-01", "ingen data"] and moveouts[1] == ["2023-02", "<1"]


def test_verdicts_name_the_months_of_a_partial_year(reg) -> None:
    """Months short of beds in a year measured from February are not set beside a whole year's
    as if they covered as much: the verdict names the months, its own and the year before's."""
    first = build_followup(reg, 2023)
    assert first.verdicts["capacity"].startswith(
        "Målet om kapacitet efter behov er nået: ingen måneder med mangel på senge i "
        "februar–december;"
    )
    # 2024 ends with S3 waiting: beds were enough, the goal only partly met
    assert (
        build_followup(reg, 2024, from_year=2023)
        .verdicts["capacity"]
        .startswith(
            "Målet om kapacitet efter behov er kun delvist nået: der var senge nok hver måned "
            "(2023, februar–december: 0 måneder), men 1 husstand venter på bolig ved årets udgang"
        )
    )
    second = build_followup(reg, 2024, from_year=2023)
    assert "hver måned (2023, februar–december: 0 måneder)" in second.verdicts["capacity"]
    english = build_followup(reg, 2024, from_year=2023, lang="en")
    assert "(2023, February–December: 0 months)" in english.verdicts["capacity"]


def test_the_report_notes_the_first_record(reg, tmp_path: Path) -> None:
    write_followup(reg, build_followup(reg, 2024, from_year=2023), tmp_path)
    html = (tmp_path / "followup.html").read_text(encoding="utf-8")
    assert "Registrets første registrering er 01.02.2023" in html
    assert "2023 er kun opgjort for februar–december" in html


def test_a_date_before_the_first_record_is_refused(reg) -> None:
    with pytest.raises(UserError, match=r"--date 2023-01-15 ligger før .*\(2023-02-01\)"):
        build_followup(reg, 2023, as_of=dt.date(2023, 1, 15))
