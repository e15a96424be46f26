"""The plan, scenarios and proposal commands on a local typer app (CliRunner)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from capacity.cli.app import user_errors
from capacity.cli.plan import plan
from capacity.cli.proposal import proposal
from capacity.cli.scenarios import scenarios
from capacity.io.registry import write_registry
from tests.helpers import tiny_registry

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "scenarios"


@pytest.fixture
def app() -> typer.Typer:
    """A local app with the planning commands (the lead registers them in capacity.cli)."""
    local = typer.Typer()
    for command in (plan, scenarios, proposal):
        local.command()(user_errors(command))
    return local


@pytest.fixture
def registry(tmp_path) -> Path:
    """The tiny registry as a folder on disk."""
    path = tmp_path / "reg"
    write_registry(tiny_registry(), path)
    return path


def short_scenario(tmp_path: Path) -> Path:
    """The wave example cut to 8 months."""
    text = (
        (EXAMPLES / "wave.toml")
        .read_text(encoding="utf-8")
        .replace("horizon_months = 24", "horizon_months = 8")
    )
    path = tmp_path / "wave8.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_plan_then_scenarios(app, registry, tmp_path):
    sc, out = short_scenario(tmp_path), tmp_path / "plan"
    result = runner.invoke(
        app,
        [
            "plan",
            str(registry),
            "--scenario",
            str(sc),
            "--samples",
            "4",
            "--time-limit",
            "5",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    # the status and the gap side by side, not one bracket after another
    assert re.search(r" · afstand til grænsen \d+,\d\d % · ", result.output), result.output
    assert ") (" not in result.output
    assert {p.name for p in out.iterdir()} >= {"plan.csv", "summary.json", "explanation.md"}
    summary = json.loads((out / "summary.json").read_text())
    assert sum(summary["terms"].values()) == pytest.approx(summary["objective"])
    assert "Kapacitetsplan" in (out / "explanation.md").read_text()
    first = (out / "summary.json").read_bytes()
    runner.invoke(
        app,
        [
            "plan",
            str(registry),
            "--scenario",
            str(sc),
            "--samples",
            "4",
            "--time-limit",
            "5",
            "--out",
            str(out),
        ],
    )
    assert (out / "summary.json").read_bytes() == first  # same input and seed, same bytes
    runs = runner.invoke(
        app,
        [
            "scenarios",
            str(registry),
            "--scenario",
            str(sc),
            "--plan",
            str(out / "plan.csv"),
            "--samples",
            "40",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "runs"),
        ],
    )
    assert runs.exit_code == 0, runs.output
    assert "P(mangel)" in runs.output
    assert (tmp_path / "runs" / "months.csv").exists()
    # Danish numbers (capacity.numbers.number), never "12.5%" or "181.5 personmåneder"
    flat = " ".join(runs.output.split())
    assert re.search(r"Risiko for mangel i mindst én måned: \d+,\d %", flat), flat
    assert re.search(r"forventet mangel \d{1,3}(\.\d{3})*,\d personmåneder", flat), flat
    assert re.search(r"forventet \d{1,3}(\.\d{3})*,\d husstande", flat), flat


def test_the_scenario_lines_write_danish_numbers():
    """The relocation line and the months table use the one Danish number format."""
    import pandas as pd
    from rich.console import Console

    from capacity.cli.scenarios import months_table, plan_lines

    line = plan_lines({"expected_relocations": 1234.56}, None)[-1]
    assert "forventet 1.234,6 husstande" in line
    months = pd.DataFrame(
        {
            "month": ["2027-01"],
            "p_shortage": [0.125],
            "expected_short": [181.54],
            "expected_occupied": [1234.4],
            "p90_occupied": [1300.0],
            "beds": [1400.0],
            "expected_free": [165.6],
        }
    )
    console = Console(width=200, record=True)
    console.print(months_table(months, "basis"))
    text = console.export_text()
    for cell in ("12,5 %", "181,5", "1.234", "1.300", "1.400", "166"):
        assert cell in text, text
    assert "12.5%" not in text and "181.5" not in text


def test_bad_scenario_key_is_exit_2_naming_the_key(app, registry, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        (EXAMPLES / "baseline.toml")
        .read_text(encoding="utf-8")
        .replace("level = 2.5", "levle = 2.5"),
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["plan", str(registry), "--scenario", str(bad), "--out", str(tmp_path / "p")]
    )
    assert result.exit_code == 2
    assert "arrivals.levle" in result.output
    assert not (tmp_path / "p").exists()


def test_workers_and_dask_together_is_exit_2(app, registry, tmp_path):
    result = runner.invoke(
        app,
        [
            "scenarios",
            str(registry),
            "--scenario",
            str(short_scenario(tmp_path)),
            "--workers",
            "2",
            "--dask",
            "tcp://127.0.0.1:1",
        ],
    )
    assert result.exit_code == 2


def test_proposal_command_writes_markdown_and_html(app, registry, tmp_path):
    out = tmp_path / "paper"
    result = runner.invoke(
        app,
        [
            "proposal",
            str(registry),
            "--scenario",
            str(short_scenario(tmp_path)),
            "--samples",
            "3",
            "--runs",
            "20",
            "--time-limit",
            "10",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Anbefaling: mulighed" in result.output
    assert (out / "proposal.md").exists() and (out / "proposal.html").exists()


@pytest.mark.parametrize("name", ["plan", "scenarios", "proposal"])
def test_help(app, name):
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0 and "--scenario" in result.output


def test_a_plan_per_branch_is_written_and_the_runs_follow_it(app, registry, tmp_path):
    # The wave example with the wave coming with probability 0.4: two branches.
    sc = short_scenario(tmp_path)
    text = sc.read_text(encoding="utf-8")
    sc.write_text(text.replace("probability = 1.0", "probability = 0.4"), encoding="utf-8")
    out = tmp_path / "plan"
    args = ["--scenario", str(sc), "--samples", "3", "--time-limit", "5", "--out", str(out)]
    result = runner.invoke(app, ["plan", str(registry), *args])
    assert result.exit_code == 0, result.output
    branches = (out / "branches.csv").read_text(encoding="utf-8").splitlines()
    assert branches[0].startswith("branch,waves,site_id,module_type_id,month")
    assert {line.split(",")[0] for line in branches[1:]} == {"uden bølge", "med bølge 1"}

    def runs() -> str:
        args = ["--scenario", str(sc), "--plan", str(out / "plan.csv"), "--samples", "20"]
        result = runner.invoke(app, ["scenarios", str(registry), *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert "planens egen plan for den gren" in runs()
    assert "Genhusede" in runs() and "planen flytter" in runs()
    folder = ["--scenario", str(sc), "--plan", str(out), "--samples", "20"]  # as report takes it
    result = runner.invoke(app, ["scenarios", str(registry), *folder])
    assert result.exit_code == 0 and "planens egen plan for den gren" in result.output
    (out / "branches.csv").unlink()
    assert "den samme plan gælder i alle grene" in " ".join(runs().split())
    modules = pd.read_csv(out / "modules.csv")  # made by hand, without the moves
    modules.drop(columns="units_moved").to_csv(out / "modules.csv", index=False)
    shown = " ".join(runs().split())
    assert "Genhusede" in shown and "planen flytter" not in shown
