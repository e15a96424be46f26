"""The types of the user's extra columns through ``capacity convert``: kept where the form holds
them, and a warning naming each column where it does not (``capacity.io.extras``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pyogrio
import pytest
from typer.testing import CliRunner

from capacity.cli import app
from capacity.io.registry import load_registry, registry_hash, write_registry
from tests import helpers

runner = CliRunner()

# A column of each type as QGIS declares it in a GeoPackage, a value a unit, one of them empty
TYPED = {
    "rent": ("INTEGER", [4500, 5200, None, 0, -1]),
    "area": ("REAL", [42.5, 61.25, None, 38.0, 0.1]),
    "balcony": ("BOOLEAN", [1, 0, None, 1, 0]),
    "inspected": ("DATE", ["2025-03-01", None, "2024-11-30", "2026-01-15", "1999-12-31"]),
    "checked": (
        "DATETIME",
        [
            "2025-03-01T13:45:00.000",
            None,
            "2025-03-02T08:00:30.250",
            "2025-03-03T00:00:00.000",
            "2025-03-04T23:59:59.000",
        ],
    ),
    "note": ("TEXT", ["stue", "007", None, "1.50", "=A1"]),
}
NAMES = {"rent": "hele tal", "area": "decimaltal", "balcony": "sand/falsk-værdier"}
NAMES |= {"inspected": "datoer", "checked": "tidspunkter"}


def _source(tmp_path: Path, columns: dict = TYPED) -> Path:
    """The tiny registry as a GeoPackage with ``columns`` added to its units."""
    path = tmp_path / "src.gpkg"
    write_registry(helpers.tiny_registry(), path)
    helpers.add_columns(path, columns)
    return path


def _convert(src: Path, dst: Path) -> str:
    """``capacity convert src dst`` (it must succeed); what it printed, on one line."""
    result = runner.invoke(app, ["convert", str(src), str(dst)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def _types(path: Path, layer: str = "units") -> dict[str, tuple[str, str]]:
    """Each field of a GeoPackage layer -> GDAL's type and subtype."""
    info = pyogrio.read_info(path, layer=layer)
    return {
        str(f): (t, s)
        for f, t, s in zip(info["fields"], info["ogr_types"], info["ogr_subtypes"], strict=True)
    }


@pytest.mark.parametrize("steps", [("b.gpkg",), ("b.xlsx", "c.gpkg")], ids=["gpkg", "xlsx"])
def test_every_type_comes_back_through_a_geopackage_or_a_workbook(tmp_path, steps):
    """Before, every extra column came back as text (a TEXT field)."""
    src = path = _source(tmp_path)
    for step in steps:
        said = _convert(path, tmp_path / step)
        assert "advarsel" not in said
        path = tmp_path / step
    wanted = {c: t for c, t in _types(src).items() if c in TYPED}
    assert {c: t for c, t in _types(path).items() if c in TYPED} == wanted
    assert wanted["inspected"] == ("OFTDate", "OFSTNone")
    assert wanted["balcony"] == ("OFTInteger", "OFSTBoolean")
    assert registry_hash(load_registry(path)) == registry_hash(load_registry(src))


def test_a_workbook_holds_the_types_in_its_cells(tmp_path):
    """Before, every extra cell was a text cell."""
    _convert(_source(tmp_path), tmp_path / "b.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "b.xlsx")["units"]
    head = {c.value: c.column for c in sheet[1]}
    first = {name: sheet.cell(row=2, column=head[name]) for name in TYPED}
    assert [first[c].value for c in ("rent", "area", "balcony", "note")] == [
        4500,
        42.5,
        True,
        "stue",
    ]
    assert first["inspected"].value == dt.datetime(2025, 3, 1)
    assert first["inspected"].number_format == "yyyy-mm-dd"
    assert first["checked"].value == dt.datetime(2025, 3, 1, 13, 45)
    assert first["checked"].number_format == "yyyy-mm-dd hh:mm:ss.000"  # 08:00:30.250 below
    assert sheet.cell(row=6, column=head["note"]).data_type == "s"  # "=A1" stays text


def test_typed_cells_of_a_workbook_become_typed_fields(tmp_path):
    """A workbook the user filled in Excel: each column of cells of one type becomes a field of
    that type; a column of numbers and text stays text. Before, all were TEXT fields."""
    path = tmp_path / "a.xlsx"
    write_registry(helpers.tiny_registry(), path)
    book = openpyxl.load_workbook(path)
    sheet = book["units"]
    columns = {
        "rent": [4500, 5200, None, 0, -1],
        "area": [42.5, 61, None, 38, 0.1],
        "balcony": [True, False, None, True, False],
        "inspected": [dt.datetime(2025, 3, 1), None, dt.datetime(2024, 11, 30)] + [None] * 2,
        "checked": [dt.datetime(2025, 3, 1, 13, 45), None, dt.datetime(2025, 3, 2)] + [None] * 2,
        "mixed": [1, "x", None, 2, None],
    }
    for k, (name, values) in enumerate(columns.items(), start=sheet.max_column + 1):
        sheet.cell(row=1, column=k, value=name)
        for row, value in enumerate(values, start=2):
            sheet.cell(row=row, column=k, value=value)
    book.save(path)
    assert "advarsel" not in _convert(path, tmp_path / "b.gpkg")
    types = _types(tmp_path / "b.gpkg")
    assert [types[c][0] for c in columns] == [
        "OFTInteger64",
        "OFTReal",
        "OFTInteger",
        "OFTDate",
        "OFTDateTime",
        "OFTString",
    ]
    back = load_registry(tmp_path / "b.gpkg").units
    assert back["area"].tolist()[:2] == ["42.5", "61"] and back["mixed"].tolist()[:2] == ["1", "x"]
    assert registry_hash(load_registry(tmp_path / "b.gpkg")) == registry_hash(load_registry(path))


def test_a_folder_keeps_the_text_and_names_each_type_it_cannot_hold(tmp_path):
    """CSV has no types: each typed column is named, written as its text and read back as text.
    Before, nothing was said."""
    src = _source(tmp_path)
    said = _convert(src, tmp_path / "b")
    for column, name in NAMES.items():
        assert (
            f"advarsel units.csv, kolonne '{column}': kolonnen er til {name}, men en CSV-fil har "
            "ingen typer, så den skrives som tekst; en GeoPackage (.gpkg) bevarer typen"
        ) in said
    assert "kolonne 'note'" not in said
    assert "advarsel" not in _convert(tmp_path / "b", tmp_path / "c.gpkg")
    assert {_types(tmp_path / "c.gpkg")[c] for c in TYPED} == {("OFTString", "OFSTNone")}
    assert registry_hash(load_registry(tmp_path / "c.gpkg")) == registry_hash(load_registry(src))


def test_what_a_workbook_cannot_hold_is_named_and_kept_as_text_or_narrowed(tmp_path):
    """Decimals all whole read back as whole numbers and times all at midnight as dates (Excel
    has one kind of number and of date); an empty column, a float of 17 digits, a date before
    1900 and a time with a time zone are written as their text. Each is named."""
    columns = {
        "floors": ("REAL", [1.0, 2.0, None, 3.0, 4.0]),
        "since": ("DATETIME", ["2025-03-01T00:00:00.000", None, None, None, None]),
        "spare": ("INTEGER", [None] * 5),
        "ratio": ("REAL", [0.1 + 0.2, None, None, None, None]),
        "built": ("DATE", ["1850-06-01", None, None, None, None]),
        "stamp": ("DATETIME", ["2025-03-01T13:45:00.000Z", None, None, None, None]),
    }
    src = _source(tmp_path, columns)
    said = _convert(src, tmp_path / "b.xlsx")
    for column, reason in {
        "floors": "men alle værdierne er hele, og Excel skelner ikke mellem hele tal og "
        "decimaltal, så den læses tilbage som hele tal",
        "since": "men alle er ved midnat, og Excel skelner ikke mellem datoer og tidspunkter, så "
        "den læses tilbage som datoer",
        "spare": "men den er tom, og uden værdier gemmes typen ikke, så den skrives som tekst",
        "ratio": "men Excel ville runde nogle af dem (over 16 cifre eller uendelige)",
        "built": "men Excel gemmer ikke datoer før år 1900",
        "stamp": "men Excel har ingen tidszoner, så den skrives som tekst",
    }.items():
        assert f"advarsel b.xlsx:units, kolonne '{column}': kolonnen er til " in said
        assert reason in said.split(f"kolonne '{column}'")[1]
    _convert(tmp_path / "b.xlsx", tmp_path / "c.gpkg")
    types = _types(tmp_path / "c.gpkg")
    assert [types[c][0] for c in columns] == [
        "OFTInteger64",
        "OFTDate",
        "OFTString",
        "OFTString",
        "OFTString",
        "OFTString",
    ]
    back = load_registry(tmp_path / "c.gpkg")
    assert back.units["ratio"].iloc[0] == "0.30000000000000004"
    assert back.units["stamp"].iloc[0] == "2025-03-01 13:45:00+00:00"
    assert registry_hash(back) == registry_hash(load_registry(src))


def test_geojson_layers_of_a_folder_keep_numbers_and_booleans(tmp_path):
    """A folder's polygon layers are GeoJSON: numbers and booleans are JSON's own, dates are
    text (named). Before, all were JSON strings."""
    src = tmp_path / "src.gpkg"
    write_registry(helpers.tiny_registry(), src)
    districts = pyogrio.read_dataframe(src, layer="districts")
    districts["households"] = pd.array([12, None], dtype="Int64")
    districts["share"] = [0.25, 1.5]
    districts["rural"] = [True, False]
    districts["counted"] = pd.to_datetime(["2024-01-01", None])
    pyogrio.write_dataframe(districts, src, layer="districts", driver="GPKG")
    said = _convert(src, tmp_path / "b")
    assert (
        "advarsel districts.geojson, kolonne 'counted': kolonnen er til tidspunkter, men "
        "GeoJSON har ingen datoer" in said
    )
    assert said.count("advarsel") == 1
    text = (tmp_path / "b" / "districts.geojson").read_text(encoding="utf-8")
    first = json.loads(text)["features"][0]["properties"]
    assert [first[c] for c in ("households", "share", "rural", "counted")] == [
        12,
        0.25,
        True,
        "2024-01-01",
    ]
    _convert(tmp_path / "b", tmp_path / "c.gpkg")
    types = _types(tmp_path / "c.gpkg", "districts")
    assert [types[c] for c in ("households", "share", "rural", "counted")] == [
        ("OFTInteger64", "OFSTNone"),
        ("OFTReal", "OFSTNone"),
        ("OFTInteger", "OFSTBoolean"),
        ("OFTString", "OFSTNone"),
    ]
