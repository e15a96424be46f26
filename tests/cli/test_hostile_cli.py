"""User text on the terminal: rich markup, escape sequences and formula starts in ids and names
never crash a command or reach the terminal; each command ends with exit 0 or 2."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.table import Table
from typer.testing import CliRunner

from capacity.cli import app
from capacity.cli.app import add_rows, clean, esc, make_console
from capacity.io.registry import write_registry
from tests import helpers

runner = CliRunner()
HOSTILE = [
    "[/x]",
    "[bold red]x",
    "[link=http://x.invalid]x[/link]",
    "\x1b[31mrød\x1b[0m",
    "\x1b]0;title\x07",
    '=HYPERLINK("http://x.invalid")',
    "${x}`",
    "<script>x</script>",
    "æøå ÆØÅ",
    "\\",
]
# Text a registry can hold: no NUL (GeoPackage text), no surrogates; a little of everything else.
TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(
        alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
        min_size=1,
        max_size=30,
    ).filter(lambda s: s.strip()),
)
DAY = dt.date(2026, 11, 15)


def _registry(site_name: str, site_id: str, household_id: str, district_name: str):
    reg = helpers.tiny_registry()
    sites = reg.sites.assign(name=[site_name, "P"], id=reg.sites["id"].replace({"B1": site_id}))
    units = reg.units.assign(site_id=reg.units["site_id"].replace({"B1": site_id}))
    households = reg.households.assign(id=reg.households["id"].replace({"A1": household_id}))
    districts = reg.districts.assign(name=[district_name, "E"])
    return reg.with_layers(sites=sites, units=units, households=households, districts=districts)


def _check(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 2), (args, result.output, result.exception)
    assert "Traceback" not in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    return result.output


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(site_name=TEXT, site_id=TEXT, household_id=TEXT, district_name=TEXT)
def test_every_command_survives_hostile_text(
    tmp_path, site_name, site_id, household_id, district_name
):
    if len({site_id.strip(), "P1"}) < 2 or household_id.strip() in {"R1", "R2", "R3", "A2"}:
        return  # a duplicate id is a validation error, tested elsewhere
    path = tmp_path / "reg.gpkg"
    write_registry(_registry(site_name, site_id, household_id, district_name), path)
    out = tmp_path / "out"
    for args in (
        ["validate", str(path)],
        ["info", str(path)],
        ["place", str(path), "--date", str(DAY), "--time-limit", "2", "--out", str(out / "p")],
        ["review", str(path), "--date", str(DAY), "--out", str(out / "r")],
        ["report", str(path), "--date", str(DAY), "--out", str(out / "m")],
    ):
        _check(args)


@pytest.mark.parametrize("text", HOSTILE)
def test_console_prints_user_text_as_written(text):
    console = make_console(record=True, width=200)
    table = Table(title="t")
    table.add_column("a")
    add_rows(table, [(text,)])
    console.print(table)
    console.print(f"[bold]x[/] {esc(text)}")
    shown = console.export_text()
    assert clean(text) in shown and "\x1b" not in shown


def test_long_tables_say_how_many_rows_are_left_out():
    table = Table()
    table.add_column("id")
    table.add_column("n")
    add_rows(table, [(f"H{i}", str(i)) for i in range(1000)], more="se out/placements.csv")
    console = make_console(record=True, width=100)
    console.print(table)
    shown = console.export_text()
    assert "H39" in shown and "H40" not in shown
    assert "… 960 flere, se out/placements.csv" in shown
