"""The README stays true: it shows the two commands, every command and every column of the contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from capacity.cli import app
from capacity.io.layers import LAYERS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_first_screen_shows_the_two_commands():
    first_screen = "\n".join(README.splitlines()[:20])
    assert "make demo" in first_screen and "make test" in first_screen


@pytest.mark.parametrize("command", [c.callback.__name__ for c in app.registered_commands])
def test_every_command_has_an_example(command):
    assert f"`capacity {command}" in README


@pytest.mark.parametrize("layer", list(LAYERS.values()), ids=list(LAYERS))
def test_every_column_of_the_contract_is_documented(layer):
    row = next(line for line in README.splitlines() if line.startswith(f"| `{layer.name}`"))
    missing = [c.name for c in layer.columns if c.name not in row]
    assert not missing, f"README's row for {layer.name} lacks {missing}"
