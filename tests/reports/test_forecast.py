"""The review with the scenario runs' forecast: months.csv read with clear errors, the shortfall
table's numbers come from the file, the occupancy chart draws the runs' band."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest

from capacity.errors import UserError
from capacity.planning.simulate import run_scenarios
from capacity.reports import charts
from capacity.reports.documents import build_review
from capacity.reports.forecast import forecast_band, read_forecast
from capacity.reports.plan_output import write_runs
from tests import helpers
from tests.planning.conftest import scenario

MONTHS_CSV = (
    "month,p_shortage,expected_short,p90_short,expected_occupied,p10_occupied,p90_occupied,"
    "beds,expected_free,p10_free\n"
    "2027-01,0.0,0.0,0,4.2,3,6,17,12.8,11\n"
    "2027-02,0.127,1.36,4,9.5,7,14,17,7.5,3\n"
    "2027-03,0.5,3.04,8,15.31,12,17,25,9.75,8\n"
)
DAY = dt.date(2026, 12, 1)
SUMMARY_JSON = '{"start": "2027-01", "horizon_months": 3, "months_at_risk": []}'  # MONTHS_CSV's


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    """A scenario-runs output folder with a hand-written months.csv of three months and the
    run's summary.json."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "months.csv").write_text(MONTHS_CSV, encoding="utf-8")
    (folder / "summary.json").write_text(SUMMARY_JSON, encoding="utf-8")
    return folder


def test_forecast_table_numbers_come_from_months_csv(tiny_registry, runs_dir):
    review = build_review(tiny_registry, DAY, forecast=read_forecast(runs_dir))
    table = review.tables["forecast"]
    assert table["month"].tolist() == ["2027-01", "2027-02", "2027-03"]
    assert table["shortage_pct"].tolist() == [0.0, 12.7, 50.0]
    assert table["expected_short"].tolist() == [0.0, 1.4, 3.0]
    assert table["expected_occupied"].tolist() == [4.2, 9.5, 15.3]
    assert table["p90_occupied"].tolist() == [6, 14, 17]
    assert table["beds"].tolist() == [17, 17, 25]
    section = re.search(r'<section id="forecast">(.*?)</section>', review.html, re.S)[1]
    assert "Mangelprognose pr. måned" in section
    rows = re.findall(r"<tr>(.*?)</tr>", section, re.S)
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", r) for r in rows[1:]]
    assert cells[1] == ["2027-02", "12,7", "1,4", "9,5", "14", "17"]
    book = openpyxl.load_workbook(io.BytesIO(review.xlsx))
    sheet = book["Mangelprognose pr. måned"]
    assert [c.value for c in sheet[3]] == ["2027-02", 12.7, 1.4, 9.5, 14, 17]
    # a column of fractions shows one decimal in every row ("0,0" beside "12,7"), as the HTML
    # does; whole-number columns keep Excel's General format
    formats = [[c.number_format for c in row] for row in sheet.iter_rows(min_row=2)]
    assert {f[1] for f in formats} == {f[2] for f in formats} == {f[3] for f in formats} == {"0.0"}
    assert {f[4] for f in formats} == {f[5] for f in formats} == {"General"}


def test_review_without_runs_has_no_forecast(tiny_registry):
    review = build_review(tiny_registry, DAY)
    assert "forecast" not in review.tables and 'id="band"' not in review.html


def test_band_is_drawn_at_the_runs_values(tiny_registry, runs_dir):
    band = forecast_band(read_forecast(runs_dir))
    svg = charts.occupancy_chart(tiny_registry, DAY, band)
    band_y = _ys(_group(svg, "band"))
    beds_y = _ys(_group(svg, "band-beds"))
    assert len(band_y) >= 2 * len(band)  # upper and lower edge, one vertex per month each
    # the band's top is its highest p90 (17 persons), drawn where the beds step is at 17 beds
    assert min(band_y) == pytest.approx(max(beds_y), abs=0.01)
    # its bottom is the lowest p10 (3 persons): below (greater y than) every beds level
    assert max(band_y) > max(beds_y)
    assert 'id="band"' not in charts.occupancy_chart(tiny_registry, DAY)


def test_the_review_chart_has_the_band(tiny_registry, runs_dir):
    review = build_review(tiny_registry, DAY, lang="en", forecast=read_forecast(runs_dir))
    assert 'id="band"' in review.html and "Scenario runs: 10–90 %" in review.html
    assert "Shortfall forecast by month" in review.html


def _group(svg: str, gid: str) -> str:
    match = re.search(rf'<g id="{gid}">(.*?)</g>', svg, re.S)
    assert match, gid
    return match[1]


def _ys(group: str) -> list[float]:
    """The y coordinates (in the SVG's frame) of the first path in an SVG group; a path defined
    once and placed by ``<use y=...>`` (matplotlib's fills) is shifted by that offset."""
    d = re.search(r' d="([^"]*)"', group)[1]
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    use = re.search(r'<use [^>]*\by="(-?[\d.]+)"', group)
    offset = float(use[1]) if use else 0.0
    return [y + offset for y in numbers[1::2]]


@pytest.mark.parametrize(
    "text, message",
    [
        (MONTHS_CSV.replace("p10_occupied,", ""), "mangler kolonne(r) p10_occupied"),
        (MONTHS_CSV.replace("2027-02,0.127", "2027-02,lots"), "linje 3, kolonne 'p_shortage'"),
        (MONTHS_CSV.replace("2027-03,", "March,"), "linje 4, kolonne 'month'"),
        (MONTHS_CSV.splitlines()[0] + "\n", "ingen måneder"),
    ],
)
def test_bad_months_csv_names_file_line_and_column(tmp_path, text, message):
    (tmp_path / "months.csv").write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=re.escape(message)) as err:
        read_forecast(tmp_path)
    assert str(tmp_path / "months.csv") in str(err.value)


def test_missing_months_csv_says_what_to_run(tmp_path):
    with pytest.raises(
        UserError, match="months.csv: filen findes ikke; kør først `capacity scenarios"
    ):
        read_forecast(tmp_path / "nowhere")


def test_scenario_runs_write_the_band(tiny_registry, tmp_path):
    res = run_scenarios(
        tiny_registry, scenario([2, 2, 2], stay=3, horizon=4), samples=20, workers=1
    )
    write_runs(res, tmp_path / "runs")
    months = read_forecast(tmp_path / "runs")
    assert (months["p10_occupied"] <= months["expected_occupied"]).all()
    assert (months["expected_occupied"] <= months["p90_occupied"]).all()


# --- months.csv must hold the run's months: once each, in order, none left out


@pytest.mark.parametrize(
    "text, message",
    [
        (
            MONTHS_CSV + MONTHS_CSV.split("\n", 1)[1],
            "måned(er) 2027-01, 2027-02, 2027-03 givet mere",
        ),
        (
            MONTHS_CSV.replace("2027-01,", "2027-02,", 1).replace("2027-02,0.127", "2027-01,0.127"),
            "linje 3: 2027-01 kommer efter 2027-02",
        ),
        (
            "\n".join(MONTHS_CSV.splitlines()[:2] + MONTHS_CSV.splitlines()[3:]),
            "linje 3: måned(er) 2027-02 mangler mellem 2027-01 og 2027-03",
        ),
        (MONTHS_CSV.replace("2027-03,", "2027-09,"), "2027-03 til 2027-08 (6 måneder) mangler"),
    ],
)
def test_months_twice_missing_or_out_of_order_are_refused_naming_them(tmp_path, text, message):
    # before: a month missing or two runs pasted together made the forecast table and the
    # largest risk ("største risiko ... i 2027-06") wrong, with exit 0
    (tmp_path / "months.csv").write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=re.escape(message)) as err:
        read_forecast(tmp_path)
    assert str(tmp_path / "months.csv") in str(err.value)


@pytest.fixture(scope="module")
def written_runs(tmp_path_factory) -> Path:
    """The months.csv and summary.json of a real run, as written: 4 months from 2027-01, the
    first two at risk of a shortage."""
    res = run_scenarios(helpers.tiny_registry(), scenario([20], stay=2, horizon=4), samples=5)
    out = tmp_path_factory.mktemp("runs") / "runs"
    write_runs(res, out)
    return out


def test_a_run_as_written_is_read_with_its_months(written_runs):
    assert read_forecast(written_runs)["month"].tolist() == [
        "2027-01",
        "2027-02",
        "2027-03",
        "2027-04",
    ]
    assert read_forecast(written_runs / "months.csv")["month"].tolist()[0] == "2027-01"


def test_months_that_are_not_those_of_the_runs_summary_are_refused(written_runs, tmp_path):
    lines = (written_runs / "months.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "months.csv").write_text("\n".join([lines[0], *lines[2:]]), encoding="utf-8")
    (tmp_path / "summary.json").write_bytes((written_runs / "summary.json").read_bytes())
    with pytest.raises(
        UserError,
        match=r"månederne 2027-02 til 2027-04 \(3\), kørslen i .*"
        r"summary.json 2027-01 til 2027-04 \(4\)",
    ):
        read_forecast(tmp_path)  # before: the first month left out went unnoticed


def test_a_summary_without_start_and_horizon_is_refused(written_runs, tmp_path):
    """An older run's summary cannot say whether its months.csv was cut at either end."""
    lines = (written_runs / "months.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "months.csv").write_text("\n".join(lines[:-1]), encoding="utf-8")  # cut
    summary = json.loads((written_runs / "summary.json").read_text(encoding="utf-8"))
    old = {k: v for k, v in summary.items() if k not in ("start", "horizon_months")}
    (tmp_path / "summary.json").write_text(json.dumps(old), encoding="utf-8")
    with pytest.raises(
        UserError, match=r"ingen 'start' og 'horizon_months' \(skrevet af en ældre version"
    ):
        read_forecast(tmp_path)


@pytest.mark.parametrize(
    "summary", ["[1, 2]", "{not json", '{"start": "2027-13", "horizon_months": 4}']
)
def test_a_bad_summary_beside_months_csv_is_refused_naming_it(tmp_path, summary):
    (tmp_path / "months.csv").write_text(MONTHS_CSV, encoding="utf-8")
    (tmp_path / "summary.json").write_text(summary, encoding="utf-8")
    with pytest.raises(UserError, match="summary.json"):
        read_forecast(tmp_path)


def test_months_csv_without_its_runs_summary_is_refused(runs_dir):
    """Without summary.json a months.csv cut at either end reads as a shorter run."""
    (runs_dir / "summary.json").unlink()
    cut = "\n".join(MONTHS_CSV.splitlines()[:-1]) + "\n"  # the last month cut off
    (runs_dir / "months.csv").write_text(cut, encoding="utf-8")
    with pytest.raises(
        UserError, match=r"summary.json: filen findes ikke; months.csv læses sammen med"
    ):
        read_forecast(runs_dir)
