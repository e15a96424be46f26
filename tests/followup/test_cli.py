"""``capacity followup`` from the command line: files written, exit codes."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from capacity.cli import app
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
