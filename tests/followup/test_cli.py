"""``capacity followup`` from the command line: files written, exit codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from capacity.cli import app
from capacity.cli.followup import updated_on
from capacity.errors import UserError
from capacity.io.registry import write_registry
from tests import helpers

runner = CliRunner()


def _registry(tmp_path: Path) -> Path:
    path = tmp_path / "reg.gpkg"
    write_registry(helpers.tiny_registry(), path)
    return path


def test_followup_writes_html_xlsx_and_kpi(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["followup", str(_registry(tmp_path)), "--year", "2026", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"followup.html", "followup.xlsx", "kpi.csv"}
    assert "Kapacitet efter behov" in result.output
    head = (out / "kpi.csv").read_text(encoding="utf-8").splitlines()[0]
    assert head == "year,goal,measure,value"


def test_followup_in_english(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["followup", str(_registry(tmp_path)), "--year", "2026", "--out", str(out)]
    result = runner.invoke(app, [*args, "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Capacity matching the need" in result.output
    assert 'lang="en"' in (out / "followup.html").read_text(encoding="utf-8")


def test_user_errors_exit_2(tmp_path: Path) -> None:
    reg = str(_registry(tmp_path))
    out = str(tmp_path / "out")
    for extra in (["--from", "2027"], ["--lang", "xx"], ["--date", "2025-06-30"]):
        result = runner.invoke(app, ["followup", reg, "--year", "2026", "--out", out, *extra])
        assert result.exit_code == 2, (extra, result.output)
    assert not Path(out).exists()


def test_a_year_before_the_registrys_first_record_exits_2(tmp_path: Path) -> None:
    """The tiny registry's first record is 1 June 2025: --from 2024 would report beds and
    empty beds for a year it holds nothing about."""
    out = tmp_path / "out"
    args = ["followup", str(_registry(tmp_path)), "--year", "2026", "--out", str(out)]
    result = runner.invoke(app, [*args, "--from", "2024"])
    assert result.exit_code == 2, result.output
    assert "2025-06-01" in result.output and "--from 2025" in result.output
    assert not out.exists()


def test_help() -> None:
    result = runner.invoke(app, ["followup", "--help"])
    assert result.exit_code == 0
    assert "--year" in result.output


def test_a_year_or_date_still_to_come_exits_2(tmp_path: Path) -> None:
    """A registry cannot be up to date on a day to come: --year 2099 reported a whole year of
    verdicts ("no months short of beds") that nobody had recorded."""
    args = ["followup", str(_registry(tmp_path)), "--out", str(tmp_path / "out")]
    result = runner.invoke(app, [*args, "--year", "2099"])
    assert result.exit_code == 2 and "--year 2099 begynder efter" in result.output, result.output
    result = runner.invoke(app, [*args, "--year", "2026", "--date", "2099-01-01"])
    assert result.exit_code == 2 and "er ikke kommet endnu" in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_the_day_the_registry_is_up_to_date_on():
    today = dt.date(2026, 12, 7)
    assert updated_on(2026, None, today) == today  # this year: up to today
    assert updated_on(2025, None, today) == dt.date(2025, 12, 31)
    assert updated_on(2026, dt.date(2026, 6, 30), today) == dt.date(2026, 6, 30)
    with pytest.raises(UserError, match="2026-12-08 er ikke kommet endnu"):
        updated_on(2026, dt.date(2026, 12, 8), today)


def test_a_control_character_in_a_name_is_written_as_a_replacement(tmp_path: Path) -> None:
    """A site and a district named with a bell character (the registry takes it): all three
    files are written, the workbook's cells with U+FFFD where Excel cannot hold the character
    (openpyxl refused the sheet after the HTML was written, so the set was cut)."""
    reg = helpers.tiny_registry()
    sites, districts = reg.sites.copy(), reg.districts.copy()
    sites["name"] = sites["name"] + "\x07"
    districts["name"] = districts["name"] + "\x07"
    path = tmp_path / "reg.gpkg"
    write_registry(reg.with_layers(sites=sites, districts=districts), path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["followup", str(path), "--year", "2026", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"followup.html", "followup.xlsx", "kpi.csv"}
    cells = [
        c.value
        for sheet in load_workbook(out / "followup.xlsx").worksheets
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert any(c.endswith("\ufffd") for c in cells) and not any("\x07" in c for c in cells)
