"""Jobberiet's review: the tables on a known registry, the charts, HTML and Excel."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pandas as pd
import pytest

from capacity import overview
from capacity.io.layers import frame
from capacity.reports import charts
from capacity.reports.documents import (
    REVIEW_HTML,
    REVIEW_XLSX,
    _section,
    build_review,
    write_review,
)
from capacity.reports.tables import TABLES, review_tables
from tests import helpers

DAY = dt.date(2026, 12, 1)


def test_occupancy_per_site_and_unit(tiny_registry):
    tables = review_tables(tiny_registry, DAY)
    assert list(tables) == list(TABLES)
    sites = tables["sites"].set_index("site_id")
    # B1's free beds are B1-2's two: the family flat's two empty beds are not free (before: 9 - 5)
    assert sites.loc["B1", ["beds", "occupied", "free", "occupancy_pct"]].tolist() == [9, 5, 2, 56]
    assert sites.loc["P1", ["beds", "occupied", "free"]].tolist() == [8, 0, 8]
    units = tables["units"].set_index("unit_id")
    assert units.loc["B1-1", "household_ids"] == "R1, R2"
    assert units.loc["B1-1", "free"] == 0 and units.loc["B1-2", "free"] == 2
    assert units.loc["B1-3", ["persons", "free"]].tolist() == [3, 0]  # a family flat is whole


def test_a_site_not_yet_available_has_no_free_beds_and_the_kinds_add_up(tiny_registry):
    # P1 is available only from January: on 1 December a new household can get none of its beds
    sites = tiny_registry.sites.copy()
    sites.loc[sites["id"] == "P1", "available_from"] = pd.Timestamp("2027-01-01")
    reg = tiny_registry.with_layers(sites=sites)
    tables = review_tables(reg, DAY)
    site = tables["sites"].set_index("site_id")
    assert site.loc["P1", ["beds", "occupied", "free"]].tolist() == [8, 0, 0]
    assert (
        review_tables(reg, dt.date(2027, 1, 1))["sites"].set_index("site_id").loc["P1", "free"] == 8
    )
    kinds = tables["free_beds"].set_index("kind")["free_beds"]
    assert site["free"].sum() == kinds.drop("accessible").sum() == tables["units"]["free"].sum()


def test_free_beds_by_kind(tiny_registry):
    free = review_tables(tiny_registry, DAY)["free_beds"].set_index("kind")
    assert list(free.index) == ["single", "shared", "family", "accessible"]
    assert free.loc["shared", "free_beds"] == 2 + 4 + 4
    assert free.loc["family", "free_beds"] == 0
    assert free.loc["accessible", ["units", "free_beds"]].tolist() == [1, 4]


def test_long_stays_longest_first(tiny_registry):
    occ = tiny_registry.occupancy.copy()
    occ.loc[occ["household_id"] == "R2", "move_in"] = pd.Timestamp("2025-01-01")
    reg = tiny_registry.with_layers(occupancy=occ)
    stays = review_tables(reg, DAY)["long_stays"]
    assert stays["household_id"].tolist() == ["R2", "R1", "R3"]
    assert stays["months"].iloc[0] == pytest.approx(23.0, abs=0.1)
    assert review_tables(reg, dt.date(2026, 2, 1))["long_stays"]["household_id"].tolist() == ["R2"]


def test_move_outs_and_arrivals_within_the_horizon(tiny_registry):
    tables = review_tables(tiny_registry, DAY)
    assert tables["move_outs"]["household_id"].tolist() == ["R3"]  # 2027-03-01, within 3 months
    assert review_tables(tiny_registry, DAY, horizon_months=2)["move_outs"].empty
    arrivals = tables["arrivals"]
    assert arrivals["household_id"].tolist() == ["A1", "A2", "A3", "A4"]
    assert arrivals.set_index("household_id").loc["A3", "persons"] == 4
    assert review_tables(tiny_registry, dt.date(2026, 7, 1))["arrivals"].empty
    assert tables["coming"].empty


def test_waiting_now_and_arrivals_to_come_are_two_tables(tiny_registry):
    """Waiting now is ``capacity info``'s count (arrived by the date, no home then); households
    arriving later within the horizon are a table of their own, titled so, not "waiting"."""
    hh = tiny_registry.households.copy()
    later = {"A2": pd.Timestamp(2027, 1, 15), "A3": pd.Timestamp(2027, 6, 1)}
    hh["arrival_date"] = hh["id"].map(later).fillna(hh["arrival_date"])
    reg = tiny_registry.with_layers(households=hh)
    tables = review_tables(reg, DAY)
    assert tables["arrivals"]["household_id"].tolist() == ["A1", "A4"]
    assert len(tables["arrivals"]) == len(overview.arriving(reg, DAY))
    assert tables["coming"]["household_id"].tolist() == ["A2"]  # A3 after the 3 months
    html = build_review(reg, DAY).html
    assert "Ventende på bolig nu (ankommet, uden bolig på datoen)" in html
    assert "Kommende ankomster (til og med 01.03.2027)" in html
    assert "Ventende ankomster" not in html


def test_charts_are_deterministic_svg_with_optional_band(tiny_registry):
    svg = charts.occupancy_chart(tiny_registry, DAY)
    assert svg.startswith("<svg") and svg == charts.occupancy_chart(tiny_registry, DAY)
    band = pd.DataFrame(
        {
            "month": pd.date_range("2026-12-01", periods=6, freq="MS"),
            "p10": [5, 6, 8, 9, 9, 10],
            "p90": [7, 10, 14, 16, 18, 20],
        }
    )
    assert "10–90 %" in charts.occupancy_chart(tiny_registry, DAY, band=band)
    with pytest.raises(ValueError, match="p10"):
        charts.occupancy_chart(tiny_registry, DAY, band=band.drop(columns="p10"))
    assert "Mål ved jævn fordeling" in charts.district_chart(tiny_registry, DAY)


def test_history_counts_residents_each_month(tiny_registry):
    history = charts.occupancy_history(tiny_registry, DAY)
    assert history["month"].iloc[0] == pd.Timestamp("2025-06-01")
    assert history["residents"].iloc[-1] == 5 and (history["beds"] == 17).all()


def test_html_and_excel(tiny_registry, tmp_path):
    review = build_review(tiny_registry, DAY)
    assert build_review(tiny_registry, DAY).html == review.html
    assert review.html.count("<svg") == 2
    assert "Lange ophold (over 12 mdr.)" in review.html and "R1, R2" in review.html
    assert "<script" not in review.html and "http://" not in review.html.split("<svg")[0]
    html_path, xlsx_path = write_review(review, tmp_path)
    assert (html_path.name, xlsx_path.name) == (REVIEW_HTML, REVIEW_XLSX)
    book = openpyxl.load_workbook(io.BytesIO(xlsx_path.read_bytes()))
    assert len(book.sheetnames) == len(TABLES)
    assert book.sheetnames[-2:] == ["Ventende på bolig nu", "Kommende ankomster"]
    arrivals = book[book.sheetnames[-2]]
    assert [c.value for c in arrivals[1]][:2] == ["Husstand", "Ankomst"]
    assert arrivals.max_row == 1 + 4


KINDS_DA = ["enkeltværelse", "delt bolig", "familiebolig", "handicapvenlig"]


@pytest.mark.parametrize(
    ("lang", "kinds", "header"),
    [
        ("da", KINDS_DA, "Handicapvenlig"),
        ("en", ["single", "shared", "family", "accessible"], "Accessible"),
    ],
)
def test_kinds_are_words_of_the_language_in_cells_and_capitalised_only_as_headers(
    tiny_registry, lang, kinds, header
):
    """``accessible`` heads a column of the units table and is a kind of bed in the free-beds
    table: the two are different words (the kind lower-case among the others), in the HTML,
    in every Excel sheet and in the console summary."""
    from rich.console import Console

    from capacity.cli.review import _summary

    review = build_review(tiny_registry, DAY, lang=lang)
    book = openpyxl.load_workbook(io.BytesIO(review.xlsx))
    free = book[book.sheetnames[list(TABLES).index("free_beds")]]
    assert [row[0].value for row in free.iter_rows(min_row=2)] == kinds
    units = book[book.sheetnames[list(TABLES).index("units")]]
    assert header in [c.value for c in units[1]]
    assert {row[2].value for row in units.iter_rows(min_row=2)} <= set(kinds[:3])
    for kind in kinds:
        assert f"<td>{kind}</td>" in review.html
    console = Console(width=300, record=True)
    console.print(_summary(review_tables(tiny_registry, DAY), DAY, lang))
    text = " ".join(console.export_text().split())
    assert re.search(", ".join(rf"{kind} \d+" for kind in kinds), text)


def test_english_review(tiny_registry):
    html = build_review(tiny_registry, DAY, lang="en").html
    assert "Capacity review 2026-12-01" in html and "Free beds by kind" in html


@pytest.mark.parametrize("day", [dt.date(9999, 12, 31), dt.date(1, 1, 1), dt.date(1899, 12, 31)])
def test_a_date_far_outside_the_registry_is_refused(tiny_registry, day):
    from capacity.errors import UserError
    from capacity.reports.tables import review_tables

    with pytest.raises(UserError, match=f"--date {day.isoformat()} ligger langt uden for"):
        review_tables(tiny_registry, day)


def test_a_column_of_fractions_has_one_decimal_in_every_row():
    table = pd.DataFrame({"p": [100.0, 91.06], "n": [286.0, 7.0], "k": [3, 4], "b": [True, False]})
    cells = [[c["text"] for c in row] for row in _section("forecast", "", table, "da")["rows"]]
    # before: "100" beside "91,1", and a column of flags (numpy's booleans) as "True"/"False"
    assert cells == [["100,0", "286", "3", "ja"], ["91,1", "7", "4", "nej"]]


def _moved(reg, household: str, first: dt.date, moved: dt.date, gap_days: int = 0):
    """``reg`` with ``household`` in P1-M1 from ``first``, moved out on ``moved`` and into its
    present unit ``gap_days`` later."""
    occ = reg.occupancy.copy()
    occ.loc[occ["household_id"] == household, "move_in"] = pd.Timestamp(moved) + pd.Timedelta(
        days=gap_days
    )
    rows = [
        *occ.to_dict("records"),
        helpers.make_occupancy(household, "P1-M1", move_in=first, move_out=moved),
    ]
    return reg.with_layers(occupancy=frame("occupancy", rows))


def test_a_move_to_another_unit_does_not_restart_a_long_stay(tiny_registry):
    """R2 moved into P1-M1 on 2025-06-18 and on to B1-1 on 2026-02-19: on 2026-12-01 it has been
    in temporary housing for 17.5 months, a long stay, though it moved into B1-1 9 months ago."""
    reg = _moved(tiny_registry, "R2", dt.date(2025, 6, 18), dt.date(2026, 2, 19))
    stays = review_tables(reg, DAY)["long_stays"].set_index("household_id")
    assert "R2" in stays.index
    assert stays.loc["R2", "stay_start"] == pd.Timestamp(2025, 6, 18)
    assert stays.loc["R2", "move_in"] == pd.Timestamp(2026, 2, 19)
    assert stays.loc["R2", "unit_id"] == "B1-1"
    assert stays.loc["R2", "months"] == pytest.approx(531 / 30.4375, abs=0.05)  # 17.4


def test_a_gap_between_stays_starts_a_new_stay(tiny_registry):
    """R2 left P1-M1 on 2025-08-01 and came back to B1-1 a month later: its stay on 2026-12-01
    began on its return (15 months), not with the first move-in (18 months)."""
    reg = _moved(tiny_registry, "R2", dt.date(2025, 6, 1), dt.date(2025, 8, 1), gap_days=31)
    stays = review_tables(reg, DAY)["long_stays"].set_index("household_id")
    assert stays.loc["R2", "stay_start"] == pd.Timestamp(2025, 9, 1)
