"""Bounded input (issue 17): every scenario number has a sane range, so memory stays bounded for
any scenario the checks accept; a number out of range is an error naming the file and the key."""

from __future__ import annotations

import resource

import pytest
import typer
from typer.testing import CliRunner

from capacity.cli.app import user_errors
from capacity.cli.scenarios import scenarios
from capacity.errors import RegistryError
from capacity.io.registry import write_registry
from capacity.planning.demand import demand_model, demand_paths
from capacity.planning.scenario import scenario_from_text
from tests.helpers import tiny_registry

BASE = """
start = "2027-01"
horizon_months = {horizon}
[arrivals]
level = {level}
{wave}
[uncertainty]
kind = "negative_binomial"
dispersion = {dispersion}
[[household_types]]
name = "single"
adults = {adults}
share = {share}
[stay]
kind = "geometric"
mean_months = {mean}
max_months = {max_months}
"""
GOOD = dict(horizon=24, level=2, wave="", dispersion=3, adults=1, share=1, mean=12, max_months=60)
WAVE = "[[arrivals.waves]]\nstart = 3\nmonths = 4\npersons = {}"


def text(**over) -> str:
    return BASE.format(**{**GOOD, **over})


@pytest.mark.parametrize(
    "over, key",
    [
        (dict(wave=WAVE.format("1e9")), "arrivals.waves.0.persons"),  # once 24 GB
        (dict(max_months="1e9"), "stay.max_months"),  # once 16 GB
        (dict(max_months=2**63), "stay.max_months"),
        (dict(level="inf"), "arrivals.level"),
        (dict(level="nan"), "arrivals.level"),
        (dict(level="1e29"), "arrivals.level"),
        (dict(level=-1), "arrivals.level"),
        (dict(horizon=10**9), "horizon_months"),
        (dict(horizon=2**63), "horizon_months"),
        (dict(dispersion="1e-300"), "uncertainty.dispersion"),
        (dict(dispersion="inf"), "uncertainty.dispersion"),
        (dict(mean="1e9"), "stay.mean_months"),
        (dict(share="inf"), "household_types.0.share"),
        (dict(adults=0), "household_types.0"),
        (dict(level=9_000, horizon=120), "arrivals"),  # 1,080,000 households over the horizon
        (dict(wave=WAVE.format("-5")), "arrivals.waves.0.persons"),
    ],
)
def test_out_of_range_numbers_are_errors_naming_file_and_key(over, key):
    with pytest.raises(RegistryError) as err:
        scenario_from_text(text(**over), "big.toml")
    problems = err.value.errors
    assert problems and all(p.source == "big.toml" for p in problems)
    assert key in {p.column for p in problems}, [str(p) for p in problems]


def test_the_largest_accepted_scenario_keeps_memory_bounded():
    # The most a scenario may ask of one run: 120 months, the total households at their limit.
    sc = scenario_from_text(
        text(level=1_600, horizon=120, dispersion="0.1", max_months=600, mean=600), "max.toml"
    )
    dm = demand_model(tiny_registry(), sc)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    paths = demand_paths(dm, 2, seed=1)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert paths.shape == (2, 120) and grown_mb < 1_000


def test_scenarios_command_exits_2_naming_the_file_and_key(tmp_path):
    reg = tmp_path / "reg"
    write_registry(tiny_registry(), reg)
    bad = tmp_path / "huge.toml"
    bad.write_text(text(wave=WAVE.format("1e9")), encoding="utf-8")
    app = typer.Typer()
    app.command()(user_errors(scenarios))
    app.command("other")(lambda: None)
    result = CliRunner().invoke(app, ["scenarios", str(reg), "--scenario", str(bad)])
    assert result.exit_code == 2, result.output
    assert "huge.toml" in result.output and "arrivals.waves.0.persons" in result.output
