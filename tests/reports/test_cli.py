"""``capacity report`` and ``capacity review`` through typer's CliRunner, registered as the lead's
``capacity/cli/__init__.py`` will register them."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from capacity.cli import report, review
from capacity.cli.app import user_errors
from capacity.io.registry import write_registry
from tests import helpers
from tests.reports.test_forecast import MONTHS_CSV, SUMMARY_JSON

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    """A local app with the two commands, wrapped like the real one (user errors exit 2)."""
    local = typer.Typer()
    local.command(rich_help_panel="Byrådet")(user_errors(report.report))
    local.command(rich_help_panel="Jobberiet")(user_errors(review.review))
    return local


@pytest.fixture
def registry_file(tmp_path: Path) -> Path:
    """The tiny registry as a GeoPackage."""
    path = tmp_path / "tiny.gpkg"
    write_registry(helpers.tiny_registry(), path)
    return path


def test_help(app):
    for command in ("report", "review"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "--out" in result.output


def test_report_writes_the_map(app, registry_file, tmp_path, plan_dir):
    out = tmp_path / "maps"
    result = runner.invoke(
        app, ["report", str(registry_file), "--out", str(out), "--plan", str(plan_dir)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "map.html").is_file() and "map.html" in result.output
    assert "Beboere" in result.output and "632.000 kr." in result.output
    again = runner.invoke(
        app, ["report", str(registry_file), "--out", str(out), "--plan", str(plan_dir)]
    )
    assert again.exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["map.html"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--lang", "de"], "--lang da"),
        (["--plan", "nowhere"], "plan.csv: filen findes ikke"),
    ],
)
def test_report_user_errors_exit_2(app, registry_file, tmp_path, args, message):
    result = runner.invoke(app, ["report", str(registry_file), "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_review_writes_html_and_excel(app, registry_file, tmp_path):
    out = tmp_path / "review"
    result = runner.invoke(
        app, ["review", str(registry_file), "--out", str(out), "--date", "2026-12-01"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["review.html", "review.xlsx"]
    assert "Lange ophold: 3" in result.output and "Ventende på bolig nu: 4" in result.output


def test_review_bad_date_exits_2(app, registry_file, tmp_path):
    result = runner.invoke(app, ["review", str(registry_file), "--date", "1.12.2026"])
    assert result.exit_code == 2


def test_review_with_scenario_runs(app, registry_file, tmp_path):

    runs = tmp_path / "scenarios"
    runs.mkdir()
    (runs / "months.csv").write_text(MONTHS_CSV, encoding="utf-8")
    (runs / "summary.json").write_text(SUMMARY_JSON, encoding="utf-8")
    out = tmp_path / "review"
    result = runner.invoke(
        app,
        [
            "review",
            str(registry_file),
            "--out",
            str(out),
            "--date",
            "2026-12-01",
            "--scenarios",
            str(runs),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "største risiko for mangel 50 % i 2027-03" in result.output
    html = (out / "review.html").read_text(encoding="utf-8")
    assert '<section id="forecast">' in html and 'id="band"' in html


@pytest.mark.parametrize(
    "csv, message",
    [
        (None, "months.csv: filen findes ikke"),
        ("month,p_shortage\n2027-01,0.1\n", "mangler kolonne(r) expected_short"),
    ],
)
def test_review_bad_scenario_runs_exit_2(app, registry_file, tmp_path, csv, message):
    runs = tmp_path / "scenarios"
    runs.mkdir()
    if csv is not None:
        (runs / "months.csv").write_text(csv, encoding="utf-8")
    out = tmp_path / "review"
    result = runner.invoke(
        app, ["review", str(registry_file), "--out", str(out), "--scenarios", str(runs)]
    )
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()  # nothing written


def test_review_refuses_two_runs_pasted_together_with_exit_2(app, registry_file, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    one = "month,p_shortage,expected_short,expected_occupied,p10_occupied,p90_occupied,beds\n"
    one += "".join(f"2027-0{m},0.{m},1,10,8,12,17\n" for m in range(1, 4))
    (runs / "months.csv").write_text(one, encoding="utf-8")
    run = '{"start": "2027-01", "horizon_months": 3, "months_at_risk": []}'
    (runs / "summary.json").write_text(run, encoding="utf-8")
    args = ["review", str(registry_file), "--out", str(tmp_path / "out"), "--scenarios", str(runs)]
    good = runner.invoke(app, [*args, "--date", "2026-12-01"])
    assert good.exit_code == 0, good.output
    assert "største risiko for mangel 30 % i 2027-03" in " ".join(good.output.split())
    (runs / "months.csv").write_text(one + one.split("\n", 1)[1], encoding="utf-8")
    bad = runner.invoke(app, [*args, "--date", "2026-12-01"])
    assert bad.exit_code == 2, bad.output
    assert "2027-01, 2027-02, 2027-03 givet mere end én gang" in " ".join(bad.output.split())
    assert "Traceback" not in bad.output


@pytest.mark.parametrize(
    "edit, message",
    [
        # before: exit 0 with "1.264.000 kr.", twice the price, and the badge +2
        (lambda text: text + text.split("\n", 1)[1], "mere end én række for P1 2027-03"),
        # before: exit 0 with the site's cost counted and its modules left off the map
        (
            lambda text: text.replace("\nP1,", "\nQ9,"),
            "lokalitet(er) Q9 findes ikke i registret",
        ),
    ],
)
def test_report_refuses_a_plan_pasted_twice_or_of_another_registry_with_exit_2(
    app, registry_file, tmp_path, plan_dir, edit, message
):
    text = (plan_dir / "plan.csv").read_text(encoding="utf-8")
    (plan_dir / "plan.csv").write_text(edit(text), encoding="utf-8")
    args = ["report", str(registry_file), "--out", str(tmp_path / "maps"), "--plan", str(plan_dir)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output and not (tmp_path / "maps").exists()
