"""The command line through typer's runner: help per command, exit codes, messages."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from capacity.cli import app

runner = CliRunner()
COMMANDS = [c.name or c.callback.__name__ for c in app.registered_commands]


def test_help_lists_commands_grouped_by_user():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("info", "validate", "convert", "generate"):
        assert name in result.output
    assert "Jobberiet" in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name):
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("capacity ")


def test_unknown_option_is_exit_2():
    assert runner.invoke(app, ["info", "--nope"]).exit_code == 2


def test_generate_needs_both_sizes(tmp_path):
    result = runner.invoke(app, ["generate", str(tmp_path / "x.gpkg"), "--households", "5"])
    assert result.exit_code == 2
    assert "--households and --sites" in result.output
    assert not (tmp_path / "x.gpkg").exists()


def test_bench_without_instances_is_exit_2(tmp_path):
    result = runner.invoke(app, ["bench", "--instances", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no SSCFLP instances there" in result.output
    assert not (tmp_path / "o").exists()
