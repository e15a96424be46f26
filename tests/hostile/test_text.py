"""Payloads in every text field of the registry — ids, names, notes of sites, units, module types,
households, districts and points of interest — through every command that reads a registry. Each ends with
exit 0 or 2, prints no escape code, and writes no payload's markup raw into an HTML output."""

from __future__ import annotations

import gc

import pytest

from capacity.io.layers import frame
from capacity.io.registry import write_registry
from tests import helpers
from tests.hostile.conftest import check

PAYLOADS = [
    "[/x]",
    "[bold red]x[/]",
    "\x1b[31mrød\x1b[0m",
    "\x1b]0;title\x07",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "${alert(1)}`",
    "{{ 7*7 }} {% if x %} {#",
    '=HYPERLINK("http://x.invalid","klik")',
    "+1-1",
    "@SUM(A1)",
    "'; DROP TABLE units; --",
    "%s%n%x{0}{__class__}",
    "../../etc/passwd",
    "\u202eevil\u202c \ufeff æøå ÆØÅ 🏠",
    "a\tb\r\nc",
    "x" * 5000,
]


def hostile_registry(text: str):
    """``tiny_registry`` with ``text`` in every text field (ids made unique by a suffix)."""
    reg = helpers.tiny_registry()
    site_id, unit_id, household_id = f"{text}S", f"{text}U", f"{text}H"
    sites = reg.sites.assign(
        id=reg.sites["id"].replace({"B1": site_id}), name=[text, text + "2"], note=text
    )
    type_id = f"{text}T"
    units = reg.units.assign(
        id=reg.units["id"].replace({"B1-1": unit_id}),
        site_id=reg.units["site_id"].replace({"B1": site_id}),
        module_type_id=reg.units["site_id"].map({"P1": type_id}),
    )
    module_types = frame("module_types", [hostile_type(type_id, text)])
    households = reg.households.assign(id=reg.households["id"].replace({"R1": household_id}))
    occupancy = reg.occupancy.assign(
        household_id=reg.occupancy["household_id"].replace({"R1": household_id}),
        unit_id=reg.occupancy["unit_id"].replace({"B1-1": unit_id}),
    )
    districts = reg.districts.assign(name=[text, text + "E"])
    pois = reg.pois.assign(name=[text, text + "P"])
    return reg.with_layers(
        sites=sites,
        units=units,
        households=households,
        occupancy=occupancy,
        districts=districts,
        pois=pois,
        module_types=module_types,
    )


def hostile_type(type_id: str, text: str) -> dict:
    """The one module type of the tiny registry's pavilion site P1, named ``text``."""
    return helpers.make_module_type(
        type_id,
        "P1",
        name=text,
        modules_now=2,
        tenure="rented",
        purchase_price_per_module=200_000,
    )


@pytest.fixture(scope="module")
def registries(tmp_path_factory):
    """One GeoPackage per payload, written once."""
    root = tmp_path_factory.mktemp("payloads")
    paths = {}
    for i, text in enumerate(PAYLOADS):
        paths[text] = root / f"r{i}.gpkg"
        write_registry(hostile_registry(text), paths[text])
    return paths


DAY = "2026-11-15"
COMMANDS = ["validate", "info", "place", "review", "report", "convert-xlsx", "convert-folder"]


def _cases():
    for i, text in enumerate(PAYLOADS):
        for command in COMMANDS:
            yield pytest.param(text, command, id=f"p{i}-{command}")


@pytest.mark.parametrize("text, command", list(_cases()))
def test_payloads_in_every_text_field(registries, tmp_path, text, command):
    reg = registries[text]
    out = tmp_path / "out"
    args = {
        "validate": ["validate", reg],
        "info": ["info", reg, "--date", DAY],
        "place": ["place", reg, "--date", DAY, "--time-limit", "2", "--out", out],
        "review": ["review", reg, "--date", DAY, "--out", out],
        "report": ["report", reg, "--date", DAY, "--out", out],
        "convert-xlsx": ["convert", reg, tmp_path / "r.xlsx"],
        "convert-folder": ["convert", reg, tmp_path / "r"],
    }[command]
    try:
        check(args)
    finally:
        gc.collect()  # a leak shows in this test, not in a later one
    for page in [*out.glob("*.html"), *out.glob("*.md")] if out.is_dir() else []:
        html = page.read_text(encoding="utf-8")
        assert "<script>alert(1)</script>" not in html, page
        assert "<img src=x onerror" not in html, page
    if command.startswith("convert"):  # the converted registry reads back
        check(["validate", tmp_path / ("r.xlsx" if command == "convert-xlsx" else "r")])


MARKUP = "[bold red]rød[/] [link=file:///etc/passwd]klik[/link] \x1b[31mESC"


def test_a_scenario_name_is_printed_as_written(world, tmp_path):
    """The scenario's name heads the months table: never read as markup, no escape code."""
    name = MARKUP.replace("\x1b", "\\u001b")  # TOML's escape for the ESC character
    scenario = tmp_path / "s.toml"
    text = world.scenario.read_text(encoding="utf-8")
    scenario.write_text(text.replace('name = "test"', f'name = "{name}"'), encoding="utf-8")
    shown = " ".join(check(["scenarios", world.gpkg, "-s", scenario, "--samples", "5"]).split())
    assert "[bold red]rød[/] [link=file:///etc/passwd]klik[/link] [31mESC" in shown, shown


@pytest.mark.parametrize("command", ["convert", "generate"])
def test_a_destination_is_echoed_as_written(world, tmp_path, command):
    """``Skrev <destination>``: the path as the user typed it, never read as markup."""
    out = tmp_path / "[reverse]X.xlsx"
    if command == "convert":
        shown = check(["convert", world.gpkg, out])
    else:
        shown = check(["generate", out, "--households", "5", "--sites", "3"])
    assert out.is_file() and "[reverse]X.xlsx" in "".join(shown.split()), shown
